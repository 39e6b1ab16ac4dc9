package app

// footerView is the last row: the run id, the one-word ssh line and the
// web link that open the same run elsewhere, collapsing gracefully when
// narrow (the ssh line goes last: it is the one people type).
type footerView struct {
	th    *theme
	w     int
	share Share
	id    string
	text  string // styled, rebuilt only when width, id or theme change
	valid bool
}

// setSize sets the width; the footer is one row.
func (v *footerView) setSize(w, _ int) {
	if w != v.w {
		v.w, v.valid = w, false
	}
}

// setRun sets how the server is reached and the run id shown.
func (v *footerView) setRun(share Share, id string) {
	if share != v.share || id != v.id {
		v.share, v.id, v.valid = share, id, false
	}
}

// invalidate drops the cached text (theme change).
func (v *footerView) invalidate() { v.valid = false }

// footerSep separates the ssh line from the web link.
const footerSep = " · "

// row renders the footer row: the first of these layouts that fits.
func (v *footerView) row() string {
	if v.valid {
		return v.text
	}
	v.valid = true
	th := v.th
	join, web := v.share.SSHLine(v.id), v.share.WebLink(v.id)
	const hint, label = "? help", "watch live: "
	if v.share.SSHHost == "" {
		// Local play: no server to join unless one is named, so no join
		// line that nobody answers.
		join, web = web, ""
	}
	if join == "" {
		return v.idOnly(hint)
	}
	links := width(join)
	if web != "" {
		links += width(footerSep) + width(web)
	}
	runLabel := "run " + v.id + " · "
	var b builder
	writeLinks := func(withWeb bool) {
		b.WriteString(join)
		if withWeb && web != "" {
			th.dim.write(&b, footerSep)
			b.WriteString(web)
		}
	}
	withHint := func(used int) {
		spaces(&b, v.w-used-width(hint)-1)
		th.dim.write(&b, hint)
		b.WriteByte(' ')
	}
	switch {
	case 1+width(runLabel)+len(label)+links+2+width(hint)+1 <= v.w:
		b.WriteByte(' ')
		th.dim.write(&b, "run ")
		th.accent.write(&b, v.id)
		th.dim.write(&b, " · "+label)
		writeLinks(true)
		withHint(1 + width(runLabel) + len(label) + links)
	case 1+len(label)+links+2+width(hint)+1 <= v.w:
		b.WriteByte(' ')
		th.dim.write(&b, label)
		writeLinks(true)
		withHint(1 + len(label) + links)
	case 1+links <= v.w:
		b.WriteByte(' ')
		writeLinks(true)
	case 1+len(label)+width(join)+2+width(hint)+1 <= v.w:
		b.WriteByte(' ')
		th.dim.write(&b, label)
		writeLinks(false)
		withHint(1 + len(label) + width(join))
	case 1+width(join) <= v.w:
		b.WriteByte(' ')
		writeLinks(false)
	default:
		// Too narrow for the whole line: the id is what matters.
		v.text = v.idOnly(hint)
		return v.text
	}
	v.text = b.String()
	return v.text
}

// idOnly is the footer without links: "run <id>" and the help hint, as
// much of them as fits; the id goes last.
func (v *footerView) idOnly(hint string) string {
	th := v.th
	var b builder
	b.WriteByte(' ')
	switch {
	case 1+len("run ")+width(v.id)+2+width(hint)+1 <= v.w:
		th.dim.write(&b, "run ")
		th.accent.write(&b, v.id)
		spaces(&b, v.w-1-len("run ")-width(v.id)-width(hint)-1)
		th.dim.write(&b, hint)
		b.WriteByte(' ')
	case 1+width(v.id)+1+width(hint)+1 <= v.w:
		b.WriteString(v.id)
		spaces(&b, v.w-1-width(v.id)-width(hint)-1)
		th.dim.write(&b, hint)
		b.WriteByte(' ')
	default:
		s, _ := clipTail(v.id, v.w-1)
		b.WriteString(s)
	}
	v.text = b.String()
	return v.text
}
