package app

import (
	"strconv"

	tea "charm.land/bubbletea/v2"
	"github.com/overfit/overfit/sim"
)

// View returns the cached frame, rebuilding it only if something changed
// since the last call: Bubble Tea calls View after every message, most of
// which (a stray key, a focus event) change nothing.
func (m *Model) View() tea.View {
	if m.dirty {
		m.render()
		m.dirty = false
	}
	v := tea.NewView(m.view)
	v.AltScreen = true
	return v
}

// render builds the frame for the current size and mode: exactly height
// lines, none wider than width cells.
func (m *Model) render() {
	b := &m.frame
	b.Reset()
	b.Grow(len(m.view) + 256)
	switch {
	case m.width < MinWidth || m.height < MinHeight:
		writeTooSmall(b, m.width, m.height)
	case m.plain:
		m.renderPlain(b)
	default:
		m.renderDashboard(b)
	}
	m.view = b.String()
}

// dashLayout is where the dashboard's regions go for one frame.
type dashLayout struct {
	headerRows int
	strip      bool // a one-line metrics strip under the header (no side column)
	bodyTop    int
	body       int // rows between the header (and strip) and the footer
	logW       int
	sideW      int // 0 = no side column
	logRows    int
	barRows    int
	metricsH   int // side column: metrics, chart, GPU and config boxes, top to bottom
	chartH     int
	gpuH       int
	configH    int
}

// layoutDashboard decides the regions for a w×h terminal (at least the
// minimum size) with nbars live bars.
func (m *Model) layoutDashboard(w, h, nbars int) dashLayout {
	var l dashLayout
	l.headerRows = 1
	if h >= 14 {
		l.headerRows = 2
	}
	l.body = h - l.headerRows - 1
	if w >= 100 && l.body >= 10 {
		l.sideW = max(40, min(72, w*36/100))
	}
	if l.sideW == 0 && h >= 18 {
		l.strip = true
		l.body--
	}
	l.bodyTop = l.headerRows
	if l.strip {
		l.bodyTop++
	}
	l.logW = w
	if l.sideW > 0 {
		l.logW = w - l.sideW - 1
	}
	l.barRows = min(nbars, max(0, l.body-3))
	l.logRows = l.body - l.barRows
	if l.sideW > 0 {
		l.metricsH, l.chartH, l.gpuH, l.configH = sideAlloc(l.body, l.sideW, m.snap.Run)
	}
	return l
}

// sideAlloc splits the side column's rows between the metrics, chart, GPU
// and config boxes, top to bottom. A box gets at least its borders plus one
// row, or nothing; the chart takes what the others leave.
func sideAlloc(rows, w int, run *sim.Run) (mH, cH, gH, kH int) {
	mH = min(metricsWantRows(w), rows)
	if mH < 3 {
		return 0, 0, 0, 0
	}
	rest := rows - mH
	gWant := gpuGridWantRows(run)
	if rest >= 12+min(gWant, 6)+configWantRows {
		kH = configWantRows
		rest -= kH
	}
	switch {
	case rest >= 10:
		gH = min(gWant, rest-6, max(4, rest*2/5))
		cH = rest - gH
		// A chart taller than ~20 rows shows nothing more; a big cluster
		// can use the rows.
		if move := min(cH-20, gWant-gH); move > 0 {
			cH -= move
			gH += move
		}
	case rest >= 6:
		cH = rest
	case rest >= 3:
		gH = rest
	}
	return mH, cH, gH, kH
}

// renderDashboard writes the full dashboard.
func (m *Model) renderDashboard(b *builder) {
	w, h := m.width, m.height
	l := m.layoutDashboard(w, h, len(m.snap.Bars))

	m.header.SetSize(w, 1)
	m.header.phaseInline = l.headerRows == 1
	m.header.SetState(headerState{snap: &m.snap, speed: m.speed, paused: m.paused})
	m.pipeline.SetSize(w, 1)
	m.pipeline.SetSnapshot(&m.snap)
	m.log.SetSize(l.logW, l.logRows)
	m.log.SetWrap(true)
	m.log.highlight = true
	m.bars.color = true
	m.bars.SetSize(l.logW, l.barRows)
	m.bars.SetBars(m.snap.Bars)
	m.footer.SetSize(w, 1)
	if l.sideW > 0 || l.strip {
		m.metrics.SetSize(l.sideW, l.metricsH)
		m.metrics.SetMetrics(&m.snap)
	}
	if l.sideW > 0 {
		m.chart.SetSize(l.sideW, l.chartH)
		if l.chartH > 0 {
			m.chart.SetHistory(m.snap.Loss, m.snap.ValLoss)
		}
		m.gpus.SetSize(l.sideW, l.gpuH)
		m.gpus.SetGPUs(m.snap.Run, m.snap.GPUs)
		if need := m.gpus.need(); need != m.snap.MaxGPUs {
			// Telemetry only for the nodes the grid can draw (a 1,024-GPU
			// cluster costs as little as one node); after a resize, fetch
			// what the new grid shows.
			grow := need > len(m.snap.GPUs)
			m.snap.MaxGPUs = need
			if grow {
				m.stream.Snapshot(&m.snap)
				m.gpus.SetGPUs(m.snap.Run, m.snap.GPUs)
			}
		}
		m.config.SetSize(l.sideW, l.configH)
		m.config.SetRun(m.snap.Run)
	} else {
		m.snap.MaxGPUs = 1 // no grid: no telemetry (0 would mean all)
	}
	helpLines, helpTop := m.helpOverlay(l.logW, l.logRows)

	for r := range h {
		if r > 0 {
			b.WriteByte('\n')
		}
		switch {
		case r == 0:
			m.header.writeRow(b)
		case r < l.headerRows:
			m.pipeline.writeRow(b)
		case l.strip && r == l.headerRows:
			m.writeStrip(b, w)
		case r == h-1:
			b.WriteString(m.footer.View())
		default:
			i := r - l.bodyTop
			var used int
			switch {
			case helpLines != nil && i >= helpTop && i < helpTop+len(helpLines):
				b.WriteString(helpLines[i-helpTop])
				used = l.logW
			case i < l.logRows:
				used = m.log.writeRow(b, i)
			default:
				used = m.bars.writeRow(b, i-l.logRows)
			}
			if l.sideW > 0 {
				spaces(b, l.logW-used+1)
				m.writeSide(b, &l, i)
			}
		}
	}
}

// helpOverlay returns the help box and the log row it starts at, or nil.
func (m *Model) helpOverlay(w, rows int) ([]string, int) {
	if !m.showHelp {
		return nil, 0
	}
	m.help.SetSize(w, rows)
	lines := m.help.Lines()
	return lines, rows - len(lines)
}

// writeSide writes body row i of the side column.
func (m *Model) writeSide(b *builder, l *dashLayout, i int) {
	switch {
	case i < l.metricsH:
		m.metrics.writeRow(b, i)
	case i < l.metricsH+l.chartH:
		m.chart.writeRow(b, i-l.metricsH)
	case i < l.metricsH+l.chartH+l.gpuH:
		m.gpus.writeRow(b, i-l.metricsH-l.chartH)
	case i < l.metricsH+l.chartH+l.gpuH+l.configH:
		m.config.writeRow(b, i-l.metricsH-l.chartH-l.gpuH)
	}
}

// writeStrip writes the narrow dashboard's one-line metrics: as many
// "label value" pairs as fit.
func (m *Model) writeStrip(b *builder, w int) {
	th := &m.theme
	used := 1
	b.WriteByte(' ')
	for k, it := range m.metrics.items {
		if it.value == "-" || it.value == "pending" {
			continue
		}
		sep := 0
		if used > 1 {
			sep = 3
		}
		iw := sep + width(it.label) + 1 + width(it.value)
		if used+iw > w {
			if k == 0 {
				continue
			}
			break
		}
		if sep > 0 {
			th.dim.write(b, " · ")
		}
		th.dim.write(b, it.label)
		b.WriteByte(' ')
		it.pt.write(b, it.value)
		used += iw
	}
}

// renderPlain writes what `torchrun train.py` would show: the log, and the
// live bars right under its last line, like tqdm at the cursor.
func (m *Model) renderPlain(b *builder) {
	w, h := m.width, m.height
	nb := min(len(m.snap.Bars), h-1)
	m.snap.MaxGPUs = 1 // no grid: no telemetry (0 would mean all)
	m.bars.color = false
	m.bars.SetSize(w, nb)
	m.bars.SetBars(m.snap.Bars)
	m.log.SetSize(w, h-nb)
	m.log.SetWrap(true)
	m.log.highlight = false
	u := m.log.used()
	helpLines, helpTop := m.helpOverlay(w, h-nb)
	for r := range h {
		if r > 0 {
			b.WriteByte('\n')
		}
		switch {
		case helpLines != nil && r >= helpTop && r < helpTop+len(helpLines):
			b.WriteString(helpLines[r-helpTop])
		case r < u:
			m.log.writeRow(b, r)
		case r < u+nb:
			m.bars.writeRow(b, r-u)
		}
	}
}

// writeTooSmall writes the "terminal too small" notice, centered, wrapped
// word by word to the width, in exactly h lines.
func writeTooSmall(b *builder, w, h int) {
	words := []string{"terminal", "too", "small", "—", "need", strconv.Itoa(MinWidth) + "×" + strconv.Itoa(MinHeight)}
	var lines []string
	cur := ""
	for _, wd := range words {
		switch {
		case cur == "":
			cur = wd
		case width(cur)+1+width(wd) <= w:
			cur += " " + wd
		default:
			lines = append(lines, cur)
			cur = wd
		}
	}
	lines = append(lines, cur)
	top := max(0, (h-len(lines))/2)
	for r := range h {
		if r > 0 {
			b.WriteByte('\n')
		}
		k := r - top
		if k < 0 || k >= len(lines) {
			continue
		}
		s, sw := clip(lines[k], w)
		spaces(b, (w-sw)/2)
		b.WriteString(s)
	}
}
