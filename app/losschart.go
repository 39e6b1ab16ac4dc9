package app

import (
	"math"
	"strings"

	"github.com/guptarohit/asciigraph"
	"github.com/overfit/overfit/sim"
)

// lossChartView plots the run's loss history with asciigraph. The history is
// resampled here onto exactly one point per plot column (train and validation
// on the same step axis), so asciigraph draws without interpolating and the
// chart's size is known before drawing: labels + axis + columns = width.
type lossChartView struct {
	boxPanel
	// cache key: the chart is redrawn only when the history or size changes.
	keyN, keyVN int
	keyLast     sim.LossPoint
	keyW, keyH  int
	endStep     int64
	lines       []string // styled, exactly inner width each
	caption     string
	legend      [2]span // "train 1.9379", "val 1.9452" in their series' paints
	nLegend     int
	train, val  []float64
	tmp         []byte
	valid       bool
}

// stale reports whether the drawing does not match the panel's size (or
// theme): it must be redrawn whatever the refresh schedule says.
func (v *lossChartView) stale() bool { return !v.valid || v.keyW != v.w || v.keyH != v.h }

// invalidate drops the cached drawing (theme change).
func (v *lossChartView) invalidate() {
	v.valid = false
	v.rows.invalidate()
}

// setHistory redraws the chart if the history or size changed. The x axis
// spans the history's first step to the run's last (endStep), so the curve
// grows to the right and drawn columns stay put between refreshes.
func (v *lossChartView) setHistory(loss, val []sim.LossPoint, endStep int64) {
	v.endStep = endStep
	var last sim.LossPoint
	if len(loss) > 0 {
		last = loss[len(loss)-1]
	}
	if v.valid && len(loss) == v.keyN && len(val) == v.keyVN && last == v.keyLast && v.w == v.keyW && v.h == v.keyH {
		return
	}
	v.keyN, v.keyVN, v.keyLast, v.keyW, v.keyH = len(loss), len(val), last, v.w, v.h
	v.valid = true
	v.draw(loss, val)
}

func (v *lossChartView) draw(loss, val []sim.LossPoint) {
	th := v.th
	inner := v.w - 4
	rows := v.h - 3 // borders and the step caption
	v.rows.invalidate()
	v.lines = v.lines[:0]
	v.nLegend = 0
	if len(loss) > 0 {
		d := append(v.tmp[:0], "train "...)
		d = appendFixed(d, loss[len(loss)-1].Loss, 4)
		v.legend[0] = span{string(d), th.chart}
		v.nLegend = 1
		if len(val) > 0 {
			d = append(d[:0], "val "...)
			d = appendFixed(d, val[len(val)-1].Loss, 4)
			v.legend[1] = span{string(d), th.info}
			v.nLegend = 2
		}
		v.tmp = d
	}
	if len(loss) < 5 || rows < 2 || inner < 16 {
		v.caption = "waiting for the first steps"
		v.nLegend = 0
		return
	}
	s0, s1 := loss[0].Step, max(loss[len(loss)-1].Step, v.endStep)
	if loss[len(loss)-1].Step <= s0 {
		v.caption = "waiting for the first steps"
		v.nLegend = 0
		return
	}
	// Label precision from the value range: enough decimals that adjacent
	// rows differ, as few as possible so the plot keeps its width.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range loss {
		lo, hi = min(lo, p.Loss), max(hi, p.Loss)
	}
	for _, p := range val {
		lo, hi = min(lo, p.Loss), max(hi, p.Loss)
	}
	// A nearly flat history (a resumed run's first steps) is drawn on a
	// range of at least a thousandth per row, so labels stay distinct.
	if span := 0.001 * float64(rows); hi-lo < span {
		mid := (hi + lo) / 2
		lo, hi = mid-span/2, mid+span/2
	}
	// Round the range out to a step of about a quarter of it, so a new
	// point rarely rescales the chart (a rescale redraws every cell).
	lo, hi = niceRange(lo, hi)
	prec := 2
	if (hi-lo)/float64(rows) < 0.01 {
		prec = 3
	}
	if hi >= 10 {
		prec--
	}
	labelW := max(len(appendFixed(v.tmp[:0], hi, prec)), len(appendFixed(v.tmp[:0], lo, prec)))
	// asciigraph draws a label cell of labelW+1, the axis, then one column
	// per point after the first.
	cols := inner - labelW - 1
	v.train = resample(v.train[:0], loss, s0, s1, cols)
	v.val = resample(v.val[:0], val, s0, s1, cols)
	// Validation first, as a dotted line, so the training curve drawn after
	// it stays whole where the two meet.
	series := [][]float64{v.train}
	hasVal := false
	for _, x := range v.val {
		if !math.IsNaN(x) {
			hasVal = true
			break
		}
	}
	if hasVal {
		series = [][]float64{v.val, v.train}
	}
	plot := plotFit(series, hasVal, rows, prec, labelW, lo, hi)
	d := append(v.tmp[:0], "step "...)
	d = sim.AppendCommas(d, s0)
	d = append(d, " → "...)
	d = sim.AppendCommas(d, s1)
	v.tmp = d
	v.caption = string(d)
	for _, l := range plot {
		v.lines = append(v.lines, styleChartLine(th, l, inner, hasVal))
	}
}

// plotFit draws with asciigraph, which sizes the plot from the value range
// (rows+1 lines, give or take one from rounding): ask for fewer rows until
// the result fits.
func plotFit(series [][]float64, hasVal bool, rows, prec, labelW int, lo, hi float64) []string {
	chars := asciigraph.SeriesChars(asciigraph.DefaultCharSet)
	if hasVal {
		chars = asciigraph.SeriesChars(asciigraph.CreateCharSet(valDot), asciigraph.DefaultCharSet)
	}
	for ask := rows - 1; ask >= 1; ask-- {
		out := asciigraph.PlotMany(series,
			chars,
			asciigraph.Height(ask),
			asciigraph.Offset(2),
			asciigraph.LowerBound(lo),
			asciigraph.UpperBound(hi),
			asciigraph.YAxisValueFormatter(func(y float64) string {
				// Right-aligned in labelW bytes, built in one allocation.
				var num [40]byte
				d := appendFixed(num[:0], y, prec)
				var sb strings.Builder
				sb.Grow(max(labelW, len(d)))
				for range labelW - len(d) {
					sb.WriteByte(' ')
				}
				sb.Write(d)
				return sb.String()
			}),
		)
		lines := strings.Split(out, "\n")
		if len(lines) <= rows {
			return lines
		}
	}
	return nil
}

// niceRange widens [lo, hi] to multiples of a 1-2-5 step near a quarter of
// its span.
func niceRange(lo, hi float64) (float64, float64) {
	span := hi - lo
	if !(span > 0) || math.IsInf(span, 0) {
		return lo, hi
	}
	q := math.Pow(10, math.Floor(math.Log10(span/4)))
	for _, f := range [...]float64{1, 2, 5, 10} {
		if q*f >= span/4 {
			q *= f
			break
		}
	}
	return math.Floor(lo/q) * q, math.Ceil(hi/q) * q
}

// valDot draws the validation series.
const valDot = "·"

// styleChartLine pads an asciigraph line to exactly w cells and colors the
// labels and axis dim, the training curve in the chart color and the
// validation dots in the info color.
func styleChartLine(th *theme, l string, w int, hasVal bool) string {
	var b builder
	cut := strings.IndexAny(l, "┤┼")
	lw := 0
	if cut >= 0 {
		_, n := clip(l[:cut], w)
		lw = n + 1
		axisEnd := cut + len("┤")
		th.chartAxis.write(&b, l[:axisEnd])
		l = l[axisEnd:]
	}
	body, bw := clip(l, w-lw)
	for hasVal && body != "" {
		i := strings.Index(body, valDot)
		if i < 0 {
			break
		}
		th.chart.write(&b, body[:i])
		j := i
		for strings.HasPrefix(body[j:], valDot) {
			j += len(valDot)
		}
		th.info.write(&b, body[i:j])
		body = body[j:]
	}
	th.chart.write(&b, body)
	spaces(&b, w-lw-bw)
	return b.String()
}

// resample puts pts on cols columns spanning steps s0..s1, linearly
// interpolated; columns outside the points' own range are NaN (no line).
func resample(dst []float64, pts []sim.LossPoint, s0, s1 int64, cols int) []float64 {
	j := 0
	for c := range cols {
		x := float64(s0) + float64(s1-s0)*float64(c)/float64(cols-1)
		if len(pts) == 0 || x < float64(pts[0].Step) || x > float64(pts[len(pts)-1].Step) {
			dst = append(dst, math.NaN())
			continue
		}
		for j+1 < len(pts) && float64(pts[j+1].Step) < x {
			j++
		}
		a := pts[j]
		if j+1 >= len(pts) || float64(a.Step) >= x {
			dst = append(dst, a.Loss)
			continue
		}
		z := pts[j+1]
		f := (x - float64(a.Step)) / float64(z.Step-a.Step)
		dst = append(dst, a.Loss+(z.Loss-a.Loss)*f)
	}
	return dst
}

// top shows the last train and validation losses after the title.
func (v *lossChartView) top() (string, []span) { return "loss", v.legend[:v.nLegend] }

// writeLine appends line row of the inside: a plot line, the step caption
// under the plot (or the waiting notice in the middle), or blank.
func (v *lossChartView) writeLine(b *builder, row, inner int) int {
	th := v.th
	rows := v.h - 3
	// Plot lines sit at the bottom of the plot area, the caption under them.
	top := rows - len(v.lines)
	switch {
	case (len(v.lines) > 0 && row == rows) || (len(v.lines) == 0 && row == rows/2):
		c, cw := clip(v.caption, inner)
		pad := inner - cw
		if len(v.lines) == 0 {
			spaces(b, pad/2)
			th.dim.write(b, c)
			spaces(b, pad-pad/2)
		} else {
			spaces(b, pad)
			th.dim.write(b, c)
		}
	case row >= top && row-top < len(v.lines):
		b.WriteString(v.lines[row-top])
	default:
		spaces(b, inner)
	}
	return inner
}
