package app

import (
	"strconv"

	"github.com/overfit/overfit/sim"
)

// configView is the run's configuration, drawn once per run: how the job is
// laid out on the cluster, what it reads, how it is optimized. It is what
// makes the numbers elsewhere checkable.
type configView struct {
	boxPanel
	run   *sim.Run
	items []metricItem
}

// setRun formats the run's configuration (only when the run changes).
func (v *configView) setRun(run *sim.Run) {
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

func (v *configView) top() (string, []span) { return "run config", nil }

// writeLine appends item r, "label  value", the value cut at its end (an
// output path keeps its last, telling part).
func (v *configView) writeLine(b *builder, r, inner int) int {
	if r >= len(v.items) {
		return 0
	}
	it := &v.items[r]
	lw := min(metricLabelW, inner)
	l, w := clip(it.label, lw)
	v.th.dim.write(b, l)
	spaces(b, lw-w)
	val, vw := clipTail(it.value, inner-lw)
	b.WriteString(val)
	return lw + vw
}
