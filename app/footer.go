package app

// footerView is the last row: the run id and the exact ssh line that opens
// the same run elsewhere, collapsing gracefully when narrow.
type footerView struct {
	th        *theme
	w         int
	share, id string
	text      string // styled, rebuilt only when width, id or theme change
	valid     bool
}

// SetSize sets the width; the footer is one row.
func (v *footerView) SetSize(w, _ int) {
	if w != v.w {
		v.w, v.valid = w, false
	}
}

// SetRun sets the ssh prefix and the run id shown.
func (v *footerView) SetRun(share, id string) {
	if share != v.share || id != v.id {
		v.share, v.id, v.valid = share, id, false
	}
}

// invalidate drops the cached text (theme change).
func (v *footerView) invalidate() { v.valid = false }

// joinLine is the exact command that opens the same run.
func (v *footerView) joinLine() string {
	if v.share == "" {
		return "--join " + v.id
	}
	return v.share + " -- --join " + v.id
}

// View renders the footer row.
func (v *footerView) View() string {
	th := v.th
	if v.valid {
		return v.text
	}
	v.valid = true
	var b builder
	join := v.joinLine()
	hint := "? help"
	runLabel := "run " + v.id
	jw, hw := width(join), width(hint)
	label := "watch live: "
	switch {
	case 1+width(runLabel)+3+len(label)+jw+2+hw+1 <= v.w:
		b.WriteByte(' ')
		th.dim.write(&b, "run ")
		th.accent.write(&b, v.id)
		th.dim.write(&b, " · "+label)
		b.WriteString(join)
		pad := v.w - (1 + width(runLabel) + 3 + len(label) + jw + hw + 1)
		spaces(&b, pad)
		th.dim.write(&b, hint)
		b.WriteByte(' ')
	case 1+len(label)+jw+2+hw+1 <= v.w:
		b.WriteByte(' ')
		th.dim.write(&b, label)
		b.WriteString(join)
		spaces(&b, v.w-(1+len(label)+jw+hw+1))
		th.dim.write(&b, hint)
		b.WriteByte(' ')
	case 1+jw <= v.w:
		b.WriteByte(' ')
		b.WriteString(join)
	default:
		// Too narrow for the whole line: the id is what matters.
		s, _ := clipTail("--join "+v.id, v.w-1)
		b.WriteByte(' ')
		b.WriteString(s)
	}
	v.text = b.String()
	return v.text
}
