package app

import (
	"strconv"
	"strings"

	"github.com/overfit/overfit/sim"
)

// phaseNames are the pipeline's stages; validation and checkpoints share
// VALID, and the pause before the next run still shows SUMMARY.
var phaseNames = [...]string{"INIT", "TRAIN", "VALID", "EXPORT", "SUMMARY"}

func phaseIndex(p sim.Phase) int {
	if int(p) >= len(phaseNames) {
		return len(phaseNames) - 1
	}
	return int(p)
}

// headerView is the dashboard's first row: who is training what on which
// cluster, the badges and the clocks.
type headerView struct {
	th *theme
	w  int
	// phaseInline puts the current phase among the badges, for terminals
	// too short for the pipeline row.
	phaseInline bool
	st          headerState
	// idCache holds the identity part (run name, model, cluster), which only
	// changes with the run or the room it gets.
	idRun   *sim.Run
	idRoom  int
	idText  string
	idWidth int
	tmp     []byte
	clk     []byte // the clocks' text, reused every frame
}

// setSize sets the width; the header is one row.
func (v *headerView) setSize(w, _ int) { v.w = w }

// headerState is everything the header shows that changes during a run.
type headerState struct {
	snap   *sim.Snapshot
	speed  float64
	paused bool
}

// setState gives the header the live state it shows.
func (v *headerView) setState(st headerState) { v.st = st }

// writeRow appends the header row and returns its width.
func (v *headerView) writeRow(b *builder) int {
	st := &v.st
	// Right side first: it is what changes, and it has priority. It is
	// measured first and written after the identity, so no second buffer.
	parts, n, rw := v.clocks(st, v.w-10)
	room := v.w - rw
	if rw > 0 {
		room -= 2 // a gap before the right side
	}
	lw := v.writeIdentity(b, st.snap.Run, room)
	pad := v.w - lw - rw
	spaces(b, pad)
	for _, p := range parts[:n] {
		p.write(b)
	}
	return lw + pad + rw
}

// clockPart is one badge or clock of the header's right side.
type clockPart struct {
	text string
	buf  []byte // instead of text: ASCII in a scratch buffer (the clocks)
	pt   paint
	pad  bool // badge: padded with spaces inside its background
}

// width is the part's cells, the space after it included.
func (p *clockPart) width() int {
	w := len(p.buf)
	if p.buf == nil {
		w = width(p.text)
	}
	if p.pad {
		w += 2
	}
	return w + 1
}

// write appends the part and the space after it.
func (p *clockPart) write(b *builder) {
	switch {
	case p.pad:
		p.pt.write(b, " "+p.text+" ")
	case p.buf != nil:
		p.pt.writeBytes(b, p.buf)
	default:
		p.pt.write(b, p.text)
	}
	b.WriteByte(' ')
}

// clocks picks the badges, clocks (and the phase on one-row headers) that
// fit within room cells and returns them with the width they take.
func (v *headerView) clocks(st *headerState, room int) ([6]clockPart, int, int) {
	th := v.th
	var parts [6]clockPart
	n := 0
	if st.paused {
		parts[n] = clockPart{text: "PAUSED", pt: th.pauseBadge, pad: true}
		n++
	}
	if st.speed != 1 {
		v.tmp = appendSpeed(v.tmp[:0], st.speed)
		parts[n] = clockPart{text: string(v.tmp), pt: th.badge, pad: true}
		n++
	}
	if v.phaseInline {
		parts[n] = clockPart{text: phaseNames[phaseIndex(st.snap.Phase)], pt: th.phaseNow, pad: true}
		n++
	}
	d := append(appendClock(append(v.clk[:0], "elapsed "...), st.snap.RunElapsed), ' ')
	e := len(d)
	d = appendClock(append(d, "ETA "...), st.snap.RunETA)
	v.clk = d
	parts[n] = clockPart{buf: d[:e:e], pt: th.dim}
	parts[n+1] = clockPart{buf: d[e:], pt: th.dim}
	n += 2
	// Drop from the least important end until it fits: ETA, elapsed, badges.
	total := func(k int) int {
		w := 0
		for i := range parts[:k] {
			w += parts[i].width()
		}
		return w
	}
	for n > 0 && total(n) > room {
		n--
	}
	return parts, n, total(n)
}

// writeIdentity appends " overfit  run-name · Model 8.03B · 2x8 H100 80GB"
// within room cells and returns the width used.
func (v *headerView) writeIdentity(b *builder, run *sim.Run, room int) int {
	th := v.th
	if room <= 0 {
		return 0
	}
	if run != v.idRun || room != v.idRoom {
		v.idRun, v.idRoom = run, room
		v.idText, v.idWidth = buildIdentity(th, run, room)
	}
	b.WriteString(v.idText)
	return v.idWidth
}

// invalidate drops cached text (theme change).
func (v *headerView) invalidate() { v.idRun = nil }

func buildIdentity(th *theme, run *sim.Run, room int) (string, int) {
	var b builder
	w := 0
	brand := " overfit "
	// On narrow terminals the run's name says more than the brand.
	if run == nil || room >= len(brand)+1+min(width(run.Name), 24) {
		if room < len(brand) {
			return "", 0
		}
		th.badge.write(&b, brand)
		w += len(brand)
	}
	if run == nil {
		return b.String(), w
	}
	segs := [3]string{run.Name, modelLabel(run), clusterLabel(run)}
	for i, s := range segs {
		sep := " "
		if i > 0 {
			sep = " · "
		}
		sw := width(sep) + width(s)
		if w+sw > room {
			// The run name is worth a cut version; the rest is all or nothing.
			if i == 0 && room-w-1 >= 8 {
				c, cw := clipTail(s, room-w-1)
				b.WriteString(" ")
				th.bold.write(&b, c)
				w += 1 + cw
			}
			break
		}
		th.dim.write(&b, sep)
		if i == 0 {
			th.bold.write(&b, s)
		} else {
			b.WriteString(s)
		}
		w += sw
	}
	return b.String(), w
}

// modelLabel is "Llama-3-8B 8.03B" or "Mixtral-8x7B 46.7B (12.9B active)";
// just the size when the run's name already says which model.
func modelLabel(r *sim.Run) string {
	var d []byte
	if strings.Contains(strings.ToLower(r.Name), strings.ToLower(r.Model.Name)) {
		d = appendSI(d, float64(r.Params), 2)
		d = append(d, " params"...)
	} else {
		d = append(d, r.Model.Name...)
		d = append(d, ' ')
		d = appendSI(d, float64(r.Params), 2)
	}
	if r.ActiveParams > 0 && r.ActiveParams < r.Params {
		d = append(d, " ("...)
		d = appendSI(d, float64(r.ActiveParams), 1)
		d = append(d, " active)"...)
	}
	return string(d)
}

// clusterLabel is "2x8 H100 80GB HBM3" (an ASCII x: "×" is kept for the
// time-lapse badge).
func clusterLabel(r *sim.Run) string {
	var d []byte
	d = strconv.AppendInt(d, int64(r.Nodes), 10)
	d = append(d, 'x')
	d = strconv.AppendInt(d, int64(r.GPUsPerNode), 10)
	d = append(d, ' ')
	d = append(d, strings.TrimPrefix(strings.TrimPrefix(r.GPU.Name, "NVIDIA "), "AMD ")...)
	return string(d)
}
