package app

import (
	"strconv"

	tea "charm.land/bubbletea/v2"
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
//
// Panels sit in a band under the header and the log spans the full width
// below them: a log scrolling beside panels makes the renderer rewrite every
// row it shifts (measured: ~1.1 KiB/s median at 120×40), while full-width
// rows scroll with one terminal scroll-region command (~0.15 KiB/s).
type dashLayout struct {
	headerRows int
	strip      bool // a one-line metrics strip instead of the band
	bandTop    int
	bandH      int // rows of the panel band, 0 = none
	boxes      [4]bandBox
	nBoxes     int
	logTop     int
	logRows    int
	barRows    int
}

// panelKind names the panels of the band.
type panelKind uint8

const (
	panelMetrics panelKind = iota
	panelChart
	panelGPUs
	panelConfig
)

// bandBox is one panel of the band and its width.
type bandBox struct {
	kind panelKind
	w    int
}

// Band panel widths: what their longest rows need. The chart takes the rest.
const (
	metricsBoxW = 36
	gpuBoxW     = 42
	configBoxW  = 58
	chartMinW   = 30
)

// layoutDashboard decides the regions for a w×h terminal (at least the
// minimum size) with nbars live bars.
func (m *Model) layoutDashboard(w, h, nbars int) dashLayout {
	var l dashLayout
	l.headerRows = 1
	if h >= 14 {
		l.headerRows = 2
	}
	row := l.headerRows
	switch {
	case w >= 100 && h >= 24:
		l.bandTop = row
		l.bandH = max(8, min(16, (h-3)/3))
		row += l.bandH
		add := func(k panelKind, bw int) {
			l.boxes[l.nBoxes] = bandBox{k, bw}
			l.nBoxes++
		}
		add(panelMetrics, metricsBoxW)
		switch {
		case w >= metricsBoxW+chartMinW+gpuBoxW+configBoxW+3 && l.bandH >= 9:
			add(panelChart, w-metricsBoxW-gpuBoxW-configBoxW-3)
			add(panelGPUs, gpuBoxW)
			add(panelConfig, configBoxW)
		case w >= metricsBoxW+chartMinW+gpuBoxW+2:
			add(panelChart, w-metricsBoxW-gpuBoxW-2)
			add(panelGPUs, gpuBoxW)
		default:
			add(panelChart, w-metricsBoxW-1)
		}
	case h >= 18:
		l.strip = true
		row++
	}
	l.logTop = row
	body := h - row - 1
	l.barRows = min(nbars, max(0, body-3))
	l.logRows = body - l.barRows
	return l
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
	m.log.SetSize(w, l.logRows)
	m.log.SetWrap(true)
	m.log.highlight = true
	m.bars.color = true
	m.bars.SetSize(w, l.barRows)
	m.bars.SetBars(m.snap.Bars)
	m.footer.SetSize(w, 1)
	due := m.panelsDue
	m.panelsDue = false
	if l.strip && due {
		m.metrics.SetMetrics(&m.snap)
	}
	grid := false
	for _, bx := range l.boxes[:l.nBoxes] {
		switch bx.kind {
		case panelMetrics:
			m.metrics.SetSize(bx.w, l.bandH)
			if due {
				m.metrics.SetMetrics(&m.snap)
			}
		case panelChart:
			m.chart.SetSize(bx.w, l.bandH)
			if due || m.chart.stale() {
				var end int64
				if m.snap.Run != nil {
					end = m.snap.Run.EndStep
				}
				m.chart.SetHistory(m.snap.Loss, m.snap.ValLoss, end)
			}
		case panelGPUs:
			grid = true
			m.gpus.SetSize(bx.w, l.bandH)
			gdue := m.gpusDue
			m.gpusDue = false
			if gdue {
				m.gpus.SetGPUs(m.snap.Run, m.snap.GPUs)
			}
			// Telemetry only for the nodes the grid can draw (a 1,024-GPU
			// cluster costs as little as one node); when the grid grows,
			// fetch what it now shows.
			need := m.gpus.need()
			if gdue && need > len(m.snap.GPUs) {
				m.snap.MaxGPUs = need
				m.stream.Snapshot(&m.snap)
				m.gpus.SetGPUs(m.snap.Run, m.snap.GPUs)
			}
			m.snap.MaxGPUs = need
		case panelConfig:
			m.config.SetSize(bx.w, l.bandH)
			m.config.SetRun(m.snap.Run)
		}
	}
	if !grid {
		m.snap.MaxGPUs = 1 // no grid: no telemetry (0 would mean all)
	}
	helpLines, helpTop := m.helpOverlay(w, l.logRows)

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
		case l.bandH > 0 && r < l.bandTop+l.bandH:
			m.writeBand(b, &l, r-l.bandTop)
		case r == h-1:
			b.WriteString(m.footer.View())
		default:
			i := r - l.logTop
			switch {
			case helpLines != nil && i >= helpTop && i < helpTop+len(helpLines):
				b.WriteString(helpLines[i-helpTop])
			case i < l.logRows:
				m.log.writeRow(b, i)
			default:
				m.bars.writeRow(b, i-l.logRows)
			}
		}
	}
}

// writeBand writes row i of the panel band: each box's row, a space apart.
func (m *Model) writeBand(b *builder, l *dashLayout, i int) {
	for k, bx := range l.boxes[:l.nBoxes] {
		if k > 0 {
			b.WriteByte(' ')
		}
		switch bx.kind {
		case panelMetrics:
			m.metrics.writeRow(b, i)
		case panelChart:
			m.chart.writeRow(b, i)
		case panelGPUs:
			m.gpus.writeRow(b, i)
		case panelConfig:
			m.config.writeRow(b, i)
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
