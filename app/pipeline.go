package app

import (
	"strconv"
	"unicode/utf8"

	"github.com/overfit/overfit/sim"
)

// pipelineView is the dashboard's second row: the run's stages with the
// current one highlighted, and the step and epoch.
type pipelineView struct {
	th   *theme
	w    int
	snap *sim.Snapshot
	tmp  []byte
}

// setSize sets the width; the pipeline is one row.
func (v *pipelineView) setSize(w, _ int) { v.w = w }

// setSnapshot gives the pipeline the live state it shows.
func (v *pipelineView) setSnapshot(s *sim.Snapshot) { v.snap = s }

// writeRow appends "INIT ▸ TRAIN ▸ VALID ▸ EXPORT ▸ SUMMARY" with the
// current stage highlighted, and the step/epoch on the right when room.
func (v *pipelineView) writeRow(b *builder) int {
	snap := v.snap
	th := v.th
	cur := phaseIndex(snap.Phase)
	sep := " ▸ "
	full := 2 // the highlight's padding
	for i, n := range phaseNames {
		if i > 0 {
			full += 3
		}
		full += len(n)
	}
	w := 0
	b.WriteByte(' ')
	w++
	if full+1 > v.w {
		sep = "▸"
		full -= 2 * (len(phaseNames) - 1)
	}
	if full+1 > v.w {
		// Too narrow for the pipeline: the stage and its number.
		s := phaseNames[cur]
		th.phaseNow.write(b, " "+s+" ")
		w += len(s) + 2
		suffix := " " + strconv.Itoa(cur+1) + "/" + strconv.Itoa(len(phaseNames))
		if w+len(suffix) <= v.w {
			th.dim.write(b, suffix)
			w += len(suffix)
		}
	} else {
		for i, n := range phaseNames {
			if i > 0 {
				th.dim.write(b, sep)
				w += width(sep)
			}
			switch {
			case i < cur:
				th.phaseDone.write(b, n)
				w += len(n)
			case i == cur:
				th.phaseNow.write(b, " "+n+" ")
				w += len(n) + 2
			default:
				th.phaseNext.write(b, n)
				w += len(n)
			}
		}
	}
	// Right: step and epoch, when there is room.
	m := &snap.Metrics
	if m.TotalSteps > 0 {
		d := append(v.tmp[:0], "step "...)
		d = sim.AppendCommas(d, m.Step)
		d = append(d, '/')
		d = sim.AppendCommas(d, m.TotalSteps)
		if run := snap.Run; run != nil && run.Epochs > 0 {
			d = append(d, " · epoch "...)
			d = appendFixed(d, m.Epoch, 2)
			d = append(d, '/')
			d = strconv.AppendInt(d, int64(run.Epochs), 10)
		}
		d = append(d, ' ')
		v.tmp = d
		rw := utf8.RuneCount(d) // digits, letters and one "·": a cell each
		if w+2+rw <= v.w {
			spaces(b, v.w-w-rw)
			th.dim.writeBytes(b, d)
			return v.w
		}
	}
	return w
}
