package app

import (
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// Frame returns the current frame: exactly height rows of styled text (SGR
// only), none wider than the width. It is rebuilt only if something changed
// since the last call, and a rebuilt frame keeps the very strings of the
// rows that did not change, so a renderer compares those by pointer. The
// slice and its strings stay valid until the next call.
func (m *Model) Frame() []string {
	if m.dirty {
		m.render()
		m.dirty = false
	}
	return m.rows
}

// View returns the frame as one string, for Bubble Tea programs that draw
// with their own renderer (and for tests); sessions draw Frame's rows with
// app/screen instead.
func (m *Model) View() tea.View {
	v := tea.NewView(strings.Join(m.Frame(), "\n"))
	v.AltScreen = true
	return v
}

// render builds the frame for the current size and mode.
func (m *Model) render() {
	h := max(m.height, 0)
	if len(m.rows) != h {
		m.rows = make([]string, h)
		m.bandSig = bandSig{}
	}
	switch {
	case m.width < MinWidth || m.height < MinHeight:
		m.renderTooSmall()
		m.bandSig = bandSig{}
	case m.plain:
		m.renderPlain()
		m.bandSig = bandSig{}
	default:
		m.renderDashboard()
	}
}

// keepRow makes what m.scratch holds row r, allocating a string only if it
// differs from the row already there, and empties the scratch buffer.
func (m *Model) keepRow(r int) {
	if string(m.scratch.buf) != m.rows[r] {
		m.rows[r] = string(m.scratch.buf)
	}
	m.scratch.reset()
}

// setRow makes s row r.
func (m *Model) setRow(r int, s string) {
	if s != m.rows[r] {
		m.rows[r] = s
	}
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

// bandSig identifies what the panel band's rows were composed from: the
// layout and each panel's cache fill. The same signature means the same
// rows, which are then not composed again.
type bandSig struct {
	top, h int
	boxes  [4]bandBox
	fills  [4]uint64
	ok     bool
}

// bandNow is the band's signature if every panel's rows are cached and
// current, or ok false.
func (m *Model) bandNow(l *dashLayout) bandSig {
	sig := bandSig{top: l.bandTop, h: l.bandH, boxes: l.boxes, ok: true}
	for k, bx := range l.boxes[:l.nBoxes] {
		fills, ok := m.panel(bx.kind).box().rows.current(bx.w, l.bandH)
		if !ok {
			return bandSig{}
		}
		sig.fills[k] = fills
	}
	return sig
}

// renderDashboard builds the full dashboard.
func (m *Model) renderDashboard() {
	b := &m.scratch
	w, h := m.width, m.height
	l := m.layoutDashboard(w, h, len(m.snap.Bars))

	m.header.setSize(w, 1)
	m.header.phaseInline = l.headerRows == 1
	m.header.setState(headerState{snap: &m.snap, speed: m.speed, paused: m.paused})
	m.pipeline.setSize(w, 1)
	m.pipeline.setSnapshot(&m.snap)
	m.log.setSize(w, l.logRows)
	m.log.setWrap(true)
	m.log.setHighlight(true)
	m.bars.color = true
	m.bars.setSize(w, l.barRows)
	m.bars.setBars(m.snap.Bars)
	m.footer.setSize(w, 1)
	due := m.panelsDue
	m.panelsDue = false
	if l.strip && due {
		m.metrics.setMetrics(&m.snap)
	}
	grid := false
	for _, bx := range l.boxes[:l.nBoxes] {
		m.panel(bx.kind).box().setSize(bx.w, l.bandH)
		switch bx.kind {
		case panelMetrics:
			if due {
				m.metrics.setMetrics(&m.snap)
			}
		case panelChart:
			if due || m.chart.stale() {
				var end int64
				if m.snap.Run != nil {
					end = m.snap.Run.EndStep
				}
				m.chart.setHistory(m.snap.Loss, m.snap.ValLoss, end)
			}
		case panelGPUs:
			grid = true
			gdue := m.gpusDue
			m.gpusDue = false
			if gdue {
				m.gpus.setGPUs(m.snap.Run, m.snap.GPUs)
			}
			// Telemetry only for the nodes the grid can draw (a 1,024-GPU
			// cluster costs as little as one node); when the grid grows,
			// fetch what it now shows.
			need := m.gpus.need()
			if gdue && need > len(m.snap.GPUs) {
				m.snap.MaxGPUs = need
				m.stream.Snapshot(&m.snap)
				m.gpus.setGPUs(m.snap.Run, m.snap.GPUs)
			}
			m.snap.MaxGPUs = need
		case panelConfig:
			m.config.setRun(m.snap.Run)
		}
	}
	if !grid {
		m.snap.MaxGPUs = 1 // no grid: no telemetry (0 would mean all)
	}
	helpLines, helpTop := m.helpOverlay(w, l.logRows+l.barRows, l.logRows)
	// Rows of the band are composed again only when a panel's rows changed.
	band := m.bandNow(&l)
	bandSame := band.ok && band == m.bandSig

	for r := range h {
		switch {
		case r == 0:
			m.header.writeRow(b)
		case r < l.headerRows:
			m.pipeline.writeRow(b)
		case l.strip && r == l.headerRows:
			m.writeStrip(b, w)
		case l.bandH > 0 && r < l.bandTop+l.bandH:
			if bandSame {
				continue
			}
			m.writeBand(b, &l, r-l.bandTop)
		case r == h-1:
			m.setRow(r, m.footer.row())
			continue
		default:
			i := r - l.logTop
			switch {
			case helpLines != nil && i >= helpTop && i < helpTop+len(helpLines):
				m.setRow(r, helpLines[i-helpTop])
				continue
			case i < l.logRows:
				m.setRow(r, m.log.rowText(i))
				continue
			default:
				m.bars.writeRow(b, i-l.logRows)
			}
		}
		m.keepRow(r)
	}
	if l.bandH > 0 && !bandSame {
		// Composing the band drew every panel's rows into its cache.
		m.bandSig = m.bandNow(&l)
	} else if l.bandH == 0 {
		m.bandSig = bandSig{}
	}
}

// writeBand writes row i of the panel band: each box's row, a space apart.
func (m *Model) writeBand(b *builder, l *dashLayout, i int) {
	for k, bx := range l.boxes[:l.nBoxes] {
		if k > 0 {
			b.WriteByte(' ')
		}
		p := m.panel(bx.kind)
		p.box().writeRow(b, i, p)
	}
}

// panel is the band panel of kind k.
func (m *Model) panel(k panelKind) panel {
	switch k {
	case panelChart:
		return &m.chart
	case panelGPUs:
		return &m.gpus
	case panelConfig:
		return &m.config
	}
	return &m.metrics
}

// helpOverlay returns the help box and the row it starts at, or nil. It
// may cover all rows of the log and the bars below it (rows); the first
// logRows of them are the log's. The box goes under the log's text if it
// fits there, else over the oldest log lines at the top: the newest, and
// the bars, stay in view as long as the box leaves room for them. Down to
// the minimum size the box has rows enough for every key, "q quit"
// included.
func (m *Model) helpOverlay(w, rows, logRows int) ([]string, int) {
	if !m.showHelp {
		return nil, 0
	}
	m.help.setSize(w, rows)
	lines := m.help.boxLines()
	if used := m.log.used(); used < logRows && used+len(lines) <= logRows {
		return lines, used
	}
	return lines, 0
}

// writeStrip writes the narrow dashboard's one-line metrics: as many
// "label value" pairs as fit.
func (m *Model) writeStrip(b *builder, w int) {
	th := m.theme
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

// renderPlain builds what `torchrun train.py` would show: the log, and the
// live bars right under its last line, like tqdm at the cursor.
func (m *Model) renderPlain() {
	b := &m.scratch
	w, h := m.width, m.height
	nb := min(len(m.snap.Bars), h-1)
	m.snap.MaxGPUs = 1 // no grid: no telemetry (0 would mean all)
	m.bars.color = false
	m.bars.setSize(w, nb)
	m.bars.setBars(m.snap.Bars)
	m.log.setSize(w, h-nb)
	m.log.setWrap(true)
	m.log.setHighlight(false)
	u := m.log.used()
	helpLines, helpTop := m.helpOverlay(w, h, h-nb)
	if helpLines != nil && helpTop > 0 {
		// Under the bars, which follow the text in plain mode.
		helpTop = u + nb
		if helpTop+len(helpLines) > h {
			helpTop = 0
		}
	}
	for r := range h {
		switch {
		case helpLines != nil && r >= helpTop && r < helpTop+len(helpLines):
			m.setRow(r, helpLines[r-helpTop])
			continue
		case r < u:
			m.setRow(r, m.log.rowText(r))
			continue
		case r < u+nb:
			m.bars.writeRow(b, r-u)
		}
		m.keepRow(r)
	}
}

// renderTooSmall builds the "terminal too small" notice, centered: the
// terminal's size, the size needed and how to leave, each phrase wrapped
// word by word to the width. When rows run short, "q to quit" stays.
func (m *Model) renderTooSmall() {
	b, w, h := &m.scratch, m.width, m.height
	size := func(w, h int) string { return strconv.Itoa(w) + "×" + strconv.Itoa(h) }
	var lines []string
	for _, phrase := range []string{
		"terminal too small",
		"size " + size(w, h) + ", need " + size(MinWidth, MinHeight),
		"q to quit",
	} {
		lines = wrapWords(lines, phrase, w)
	}
	if len(lines) > h && h > 0 {
		lines = append(lines[:h-1], lines[len(lines)-1])
	}
	top := max(0, (h-len(lines))/2)
	for r := range h {
		if k := r - top; k >= 0 && k < len(lines) {
			s, sw := clip(lines[k], w)
			spaces(b, (w-sw)/2)
			b.WriteString(s)
		}
		m.keepRow(r)
	}
}

// wrapWords appends phrase to lines, broken between words to lines of at
// most w cells where it can be (a word wider than w is left whole, for the
// caller to clip).
func wrapWords(lines []string, phrase string, w int) []string {
	cur := ""
	for _, wd := range strings.Fields(phrase) {
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
	return append(lines, cur)
}
