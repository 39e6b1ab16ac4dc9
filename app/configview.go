package app

import (
	"strconv"

	"github.com/overfit/overfit/sim"
)

// configView is the run's configuration, drawn once per run: how the job is
// laid out on the cluster, what it reads, how it is optimized. It is what
// makes the numbers elsewhere checkable.
type configView struct {
	th    *theme
	w, h  int
	run   *sim.Run
	width int
	items []metricItem
	rows  rowCache
}

// SetSize sets the panel's outer size (borders included).
func (v *configView) SetSize(w, h int) { v.w, v.h = w, h }

// SetRun formats the run's configuration (only when the run changes).
func (v *configView) SetRun(run *sim.Run) {
	if run == v.run {
		return
	}
	v.run = run
	v.items = v.items[:0]
	v.rows.invalidate()
	if run == nil {
		return
	}
	add := func(label string, d []byte) {
		v.items = append(v.items, metricItem{label: label, value: string(d)})
	}
	var d []byte
	d = append(d, frameworkName(run.Framework)...)
	if run.Sharding != "" {
		d = append(d, " · "...)
		d = append(d, run.Sharding...)
	}
	d = append(d, " · bf16"...)
	add("framework", d)
	d = append(d[:0], "TP "...)
	d = strconv.AppendInt(d, int64(run.TP), 10)
	d = append(d, " · PP "...)
	d = strconv.AppendInt(d, int64(run.PP), 10)
	d = append(d, " · DP "...)
	d = strconv.AppendInt(d, int64(run.DP), 10)
	add("parallel", d)
	d = append(d[:0], run.Dataset.Name...)
	if run.Dataset.Tokens > 0 {
		d = append(d, " · "...)
		d = appendSI(d, float64(run.Dataset.Tokens), 1)
		d = append(d, " tok"...)
	}
	add("data", d)
	d = strconv.AppendInt(d[:0], int64(run.SeqLen), 10)
	d = append(d, " × "...)
	d = strconv.AppendInt(d, int64(run.GlobalBatch), 10)
	d = append(d, " = "...)
	d = appendSI(d, float64(run.SeqLen)*float64(run.GlobalBatch), 2)
	d = append(d, " tok/step"...)
	add("seq × batch", d)
	d = append(d[:0], "AdamW · lr "...)
	d = appendSci(d, run.PeakLR)
	d = append(d, " → "...)
	d = appendSci(d, run.MinLR)
	add("optimizer", d)
	d = append(d[:0], "warmup "...)
	d = sim.AppendCommas(d, run.WarmupSteps)
	d = append(d, " · cosine · clip 1.0"...)
	add("schedule", d)
	add("output", []byte(run.OutputDir))
}

func frameworkName(f sim.Framework) string {
	switch f {
	case sim.FrameworkMegatron:
		return "Megatron-LM"
	case sim.FrameworkTorchtitan:
		return "torchtitan"
	}
	return "HF Trainer"
}

// invalidate drops the drawn rows (theme change).
func (v *configView) invalidate() { v.rows.invalidate() }

// writeRow appends row i of the panel (exactly w cells), drawn once per
// run, size or theme.
func (v *configView) writeRow(b *builder, i int) {
	v.rows.writeRow(b, v.w, v.h, i, v.drawRow)
}

// drawRow draws row i of the panel (exactly w cells).
func (v *configView) drawRow(b *builder, i int) {
	th := v.th
	switch i {
	case 0:
		boxTop(b, th, v.w, "run config")
		return
	case v.h - 1:
		boxBottom(b, th, v.w)
		return
	}
	inner := v.w - 4
	boxSide(b, th)
	b.WriteByte(' ')
	used := 0
	if k := i - 1; k < len(v.items) {
		it := &v.items[k]
		lw := min(metricLabelW, inner)
		l, w := clip(it.label, lw)
		th.dim.write(b, l)
		spaces(b, lw-w)
		val, vw := clipTail(it.value, inner-lw)
		b.WriteString(val)
		used = lw + vw
	}
	spaces(b, inner-used)
	b.WriteByte(' ')
	boxSide(b, th)
}

// View renders the panel (the sub-view API).
func (v *configView) View() string {
	return joinRows(v.h, v.writeRow)
}
