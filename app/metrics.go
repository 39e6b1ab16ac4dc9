package app

import (
	"github.com/overfit/overfit/sim"
)

// metricsView is the key-numbers panel: what an ML engineer looks at first.
type metricsView struct {
	boxPanel
	items []metricItem
	tmp   []byte
	// vals and ends hold every item's value back to back while they are
	// formatted: one string for all of them, not one per item.
	vals []byte
	ends []int
}

type metricItem struct {
	label, value string
	pt           paint
}

// metricLabelW fits the longest label ("TFLOP/s/GPU") plus a gap.
const metricLabelW = 12

// cols is how many item columns fit side by side.
func (v *metricsView) cols() int {
	if v.w-4 >= 2*(metricLabelW+16)+3 {
		return 2
	}
	return 1
}

// setMetrics formats the numbers of a snapshot.
func (v *metricsView) setMetrics(s *sim.Snapshot) {
	th := v.th
	m := &s.Metrics
	v.items = v.items[:0]
	v.rows.invalidate()
	// A fresh run has no numbers until its first step; a resumed one shows
	// its checkpoint's from the start.
	started := m.Step > 0 || (s.Phase != sim.PhaseInit && m.Loss > 0)
	v.vals, v.ends = v.vals[:0], v.ends[:0]
	add := func(label string, d []byte, pt paint) {
		v.vals = append(v.vals, d...)
		v.ends = append(v.ends, len(v.vals))
		v.items = append(v.items, metricItem{label: label, pt: pt})
	}
	none := []byte("-")
	d := v.tmp[:0]
	if started {
		d = appendFixed(d, m.Loss, 4)
		d = append(d, "  ppl "...)
		d = appendFixed(d, m.PPL, 2)
		add("loss", d, th.accentBold)
	} else {
		add("loss", none, th.dim)
	}
	if m.ValLoss > 0 {
		d = appendFixed(d[:0], m.ValLoss, 4)
		if m.BestValLoss > 0 {
			d = append(d, "  best "...)
			d = appendFixed(d, m.BestValLoss, 4)
		}
		add("val loss", d, th.info)
	} else {
		add("val loss", []byte("pending"), th.dim)
	}
	// Throughput exists only while steps run; loading, exporting and the
	// summary show dashes rather than stale rates.
	training := s.Phase == sim.PhaseTrain || s.Phase == sim.PhaseValidate
	if started {
		add("lr", appendSci(d[:0], m.LR), "")
		gpt := paint("")
		if m.GradNorm > 1 {
			gpt = th.warn // clipped at 1.0: worth a glance
		}
		add("grad norm", appendFixed(d[:0], m.GradNorm, 3), gpt)
	} else {
		add("lr", none, th.dim)
		add("grad norm", none, th.dim)
	}
	if started && training {
		add("tokens/s", appendSI(d[:0], m.TokensPerSec, 2), th.ok)
		add("TFLOP/s/GPU", appendFixed(d[:0], m.TFLOPsPerGPU, 1), "")
		d = appendFixed(d[:0], m.MFU*100, 1)
		add("MFU", append(d, '%'), th.ok)
		d = appendFixed(d[:0], m.StepTime.Seconds(), 2)
		add("step time", append(d, " s"...), "")
	} else {
		for _, l := range [...]string{"tokens/s", "TFLOP/s/GPU", "MFU", "step time"} {
			add(l, none, th.dim)
		}
	}
	if m.MemUsedMiB > 0 && s.Run != nil {
		d = appendGiB(d[:0], m.MemUsedMiB)
		d = append(d, " / "...)
		d = appendGiB(d, s.Run.GPU.MemMiB)
		add("mem/GPU", append(d, " GiB"...), "")
	} else {
		add("mem/GPU", none, th.dim)
	}
	d = appendSI(d[:0], float64(m.Tokens), 2)
	add("tokens seen", d, "")
	v.tmp = d
	all := string(v.vals)
	start := 0
	for k, end := range v.ends {
		v.items[k].value = all[start:end]
		start = end
	}
}

func (v *metricsView) top() (string, []span) { return "metrics", nil }

// writeLine appends line r: one item, or two side by side when wide.
func (v *metricsView) writeLine(b *builder, r, inner int) int {
	th := v.th
	cols := v.cols()
	colW := inner
	if cols == 2 {
		colW = (inner - 3) / 2
	}
	used := 0
	for c := range cols {
		k := r*cols + c
		if c > 0 {
			spaces(b, 3)
			used += 3
		}
		if k >= len(v.items) {
			break
		}
		it := &v.items[k]
		l, lw := clip(it.label, min(metricLabelW, colW))
		th.dim.write(b, l)
		spaces(b, min(metricLabelW, colW)-lw)
		val, vw := clip(it.value, colW-min(metricLabelW, colW))
		it.pt.write(b, val)
		spaces(b, colW-min(metricLabelW, colW)-vw)
		used += colW
	}
	return used
}
