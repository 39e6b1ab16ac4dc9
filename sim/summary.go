package sim

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// summaryTable is the end-of-run box: ASCII +-| only, so it survives any
// terminal, with borders that line up whatever the values are.
func summaryTable(p *runPlan) []string {
	run := p.run
	end := run.EndStep
	loss := p.phys.loss(end)
	steps := commas(end - run.StartStep)
	if run.StartStep > 0 {
		steps += fmt.Sprintf(" (%s -> %s)", commas(run.StartStep), commas(end))
	}
	epochs := fmt.Sprintf("%d", run.Epochs)
	if run.Job == JobFinetune && end%max(1, run.StepsPerEpoch) != 0 {
		epochs = fmt.Sprintf("%.2f", p.epoch(end)) // a step budget that stops mid-epoch
	}
	if run.Job == JobPretrain {
		epochs = fmt.Sprintf("%.3f", p.epoch(end))
	}
	// the same best the checkpoint lines report: a resumed job's best
	// includes its evaluations before the window
	best := p.bestBefore(len(p.evals))
	var sumStart float64
	for _, sg := range p.segs {
		if sg.kind == segSummary {
			sumStart = sg.start.Seconds()
		}
	}
	rows := [][2]string{
		{"Run", run.Name},
		{"Model", fmt.Sprintf("%s (%s params)", run.Model.Name, billions(run.Params))},
		{"Cluster", fmt.Sprintf("%d x %d %s", run.Nodes, run.GPUsPerNode, run.GPU.Name)},
		{"Total time", FormatDuration(secs(sumStart))},
		{"Epochs", epochs},
		{"Steps", steps},
		{"Tokens", commas(int64(float64(end-run.StartStep) * p.phys.tokensPerStep))},
		{"Final loss", fmt.Sprintf("%.4f", loss)},
		{"Final PPL", fmt.Sprintf("%.2f", math.Exp(loss))},
		{"Best eval loss", fmt.Sprintf("%.4f", best)},
		{"Avg GPU utilization", fmt.Sprintf("%.1f%%", 100*p.avgUtil())},
		{"Peak memory", fmt.Sprintf("%.1f GiB / %.1f GiB per GPU", float64(run.MemPerGPUMiB)/1024, float64(run.GPU.MemMiB)/1024)},
		{"Model path", run.OutputDir},
		{"Total size", fmt.Sprintf("%s (%s)", gb(run.ExportBytes), plural(run.Shards, "shard"))},
	}
	return boxTable("Training summary", rows)
}

// boxTable draws a two-column table with a title row.
func boxTable(title string, rows [][2]string) []string {
	w1, w2 := 0, 0
	for _, r := range rows {
		w1 = max(w1, utf8.RuneCountInString(r[0]))
		w2 = max(w2, utf8.RuneCountInString(r[1]))
	}
	if t := utf8.RuneCountInString(title); t > w1+w2+3 {
		w2 = t - w1 - 3
	}
	pad := func(s string, w int) string {
		return s + strings.Repeat(" ", w-utf8.RuneCountInString(s))
	}
	full := "+" + strings.Repeat("-", w1+w2+5) + "+"
	split := "+" + strings.Repeat("-", w1+2) + "+" + strings.Repeat("-", w2+2) + "+"
	out := []string{full, "| " + pad(title, w1+w2+3) + " |", split}
	for _, r := range rows {
		out = append(out, "| "+pad(r[0], w1)+" | "+pad(r[1], w2)+" |")
	}
	return append(out, split)
}
