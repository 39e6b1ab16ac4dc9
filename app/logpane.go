package app

import (
	"strings"

	"github.com/overfit/overfit/sim"
)

// logCap bounds the lines a pane shows: the stream's ring, from which the
// pane reads their text (more than the tallest screen, 100 rows).
const logCap = sim.RingCap

// logLine is what the pane knows of one event, worked out once when a
// layout first reaches it. The text itself stays in the stream's ring (see logPane.text):
// a session holds each line once, and logLine holds no pointer for the
// garbage collector to follow.
type logLine struct {
	seq      uint64
	level    sim.Level
	pre      int  // bytes before the event's own text (timestamp, level, rank)
	lvS, lvE int  // the level word inside the prefix; lvE == 0 if none
	ascii    bool // bytes == cells, so cutting and wrapping are byte slices
	cells    int
	table    bool // a row of an ASCII table: cut, never wrapped
	hiS, hiE int  // the first loss value in the text, highlighted on the dashboard
	measured bool // the fields above are set (see logPane.measure)
}

// drawnLine holds a line's screen rows as drawn for the pane's current
// look (gen): a line is styled once while it is on screen, and a scrolling
// log hands the frame the same strings, shifted.
type drawnLine struct {
	rows []string
	gen  uint32
}

// eventSource is where the pane reads its lines' text: the session's
// stream.
type eventSource interface {
	Event(seq uint64) (sim.Event, bool)
}

// rowRef says which part of which line a screen row shows.
type rowRef struct {
	line int // index into the ring, oldest = 0; -1 = blank row
	off  int // wrapped row within the line
}

// logPane is a terminal-like scrollback: the newest lines at the bottom, top
// aligned until it fills, long lines cut (dashboard) or wrapped (plain).
type logPane struct {
	th      *theme
	src     eventSource
	ring    [logCap]logLine
	drawn   [logCap]drawnLine // by ring slot
	head, n int               // ring[head] is the oldest of n lines
	w, h    int
	wrap    bool
	// highlight paints loss values (dashboard); plain mode prints the log
	// as the framework would.
	highlight bool
	rows      []rowRef
	laidOut   bool
	gen       uint32  // the look rows are drawn for: bumped by width, wrap, highlight or theme
	scratch   builder // a row being drawn
	// The text of the line drawn last: a wrapped line's rows are drawn one
	// after another.
	textSeq uint64
	text    string
	hasText bool
}

// restyled says the rows' look changed: every drawn row is out of date.
func (p *logPane) restyled() { p.gen++ }

// setHighlight chooses whether loss values are painted (dashboard).
func (p *logPane) setHighlight(on bool) {
	if on != p.highlight {
		p.highlight = on
		p.restyled()
	}
}

// lineText is the text of line l as a terminal would print it, read from
// the stream; "" if the stream no longer holds it (the pane never shows
// more lines than the stream keeps, so that is a bug, drawn as blank).
func (p *logPane) lineText(l *logLine) string {
	if p.hasText && p.textSeq == l.seq {
		return p.text
	}
	e, ok := p.src.Event(l.seq)
	if !ok {
		return ""
	}
	p.textSeq, p.text, p.hasText = l.seq, sanitize(e.String()), true
	return p.text
}

// rowText returns row i of the pane, drawn once per line and look.
func (p *logPane) rowText(i int) string {
	p.layout()
	r := p.rows[i]
	if r.line < 0 {
		return ""
	}
	d := &p.drawn[(p.head+r.line)%logCap]
	if d.gen != p.gen {
		clear(d.rows)
		d.rows, d.gen = d.rows[:0], p.gen
	}
	if r.off < len(d.rows) && d.rows[r.off] != "" {
		return d.rows[r.off]
	}
	p.writeRow(&p.scratch, i)
	s := string(p.scratch.buf)
	p.scratch.reset()
	for len(d.rows) <= r.off {
		d.rows = append(d.rows, "")
	}
	d.rows[r.off] = s
	return s
}

// setSize sets the pane's cells.
func (p *logPane) setSize(w, h int) {
	if w != p.w || h != p.h {
		if w != p.w {
			p.restyled()
		}
		p.w, p.h = w, h
		p.laidOut = false
	}
}

// setWrap chooses wrapping (plain mode) or cutting (dashboard) of long lines.
func (p *logPane) setWrap(wrap bool) {
	if wrap != p.wrap {
		p.wrap = wrap
		p.laidOut = false
		p.restyled()
	}
}

// setSource forgets every line and reads new ones from src (a new stream).
func (p *logPane) setSource(src eventSource) {
	p.src = src
	p.reset()
}

// reset forgets every line (a seek or a new run).
func (p *logPane) reset() {
	for i := range p.drawn {
		p.drawn[i] = drawnLine{}
	}
	p.head, p.n = 0, 0
	p.laidOut = false
	p.hasText, p.text = false, ""
}

// count is the number of lines held.
func (p *logPane) count() int { return p.n }

// line returns the i-th oldest line held, measured.
func (p *logPane) line(i int) *logLine {
	l := &p.ring[(p.head+i)%logCap]
	if !l.measured {
		p.measure(l)
	}
	return l
}

// push appends event e (held by the source), dropping the oldest line when
// full. The line is measured only when a layout reaches it: a fast run
// pushes more lines per tick than a screen shows.
func (p *logPane) push(e *sim.Event) {
	slot := (p.head + p.n) % logCap
	if p.n < logCap {
		p.n++
	} else {
		p.head = (p.head + 1) % logCap
	}
	p.ring[slot] = logLine{seq: e.Seq}
	d := &p.drawn[slot]
	clear(d.rows)
	d.rows = d.rows[:0]
	p.laidOut = false
}

// measure works out what drawing line l needs from its text.
func (p *logPane) measure(l *logLine) {
	*l = logLine{seq: l.seq, measured: true}
	e, ok := p.src.Event(l.seq)
	if !ok {
		return
	}
	s := sanitize(e.String())
	p.textSeq, p.text, p.hasText = l.seq, s, true
	l.level, l.ascii = e.Level, isASCII(s)
	l.cells = width(s)
	l.table = isTableRow(s)
	if strings.HasSuffix(s, e.Text) {
		l.pre = len(s) - len(e.Text)
	}
	if l.ascii {
		l.hiS, l.hiE = lossValue(s, l.pre)
	}
	// The level word is looked for only in the prefix (or the first bytes
	// when the prefix is unknown), so a message that merely mentions
	// "ERROR" is not colored as one.
	scope := s[:l.pre]
	if l.pre == 0 {
		scope = s[:min(len(s), 48)]
	}
	for _, w := range [...]string{"WARNING", "ERROR", "INFO", "DEBUG", "WARN"} {
		if i := strings.Index(scope, w); i >= 0 {
			l.lvS, l.lvE = i, i+len(w)
			break
		}
	}
}

// lossValue finds the first loss number after byte from ("lm loss:
// 1.94E+00", "'loss': 1.6645", "loss:  3.9119") and returns its byte range,
// or 0, 0.
func lossValue(s string, from int) (int, int) {
	for {
		i := strings.Index(s[from:], "loss")
		if i < 0 {
			return 0, 0
		}
		a := from + i + len("loss")
		for a < len(s) && a-from-i < len("loss")+4 && strings.IndexByte("': =", s[a]) >= 0 {
			a++
		}
		z := a
		for z < len(s) && (s[z] >= '0' && s[z] <= '9' || s[z] == '.' || (z > a && strings.IndexByte("eE+-", s[z]) >= 0)) {
			z++
		}
		if z > a && s[a] >= '0' && s[a] <= '9' {
			return a, z
		}
		from = from + i + len("loss")
	}
}

// isTableRow reports whether s is a row of an ASCII table ("+----+",
// "| a | b |"). Wrapped, a table falls apart; cut, its left part still lines
// up, which is what a summary needs at a glance.
func isTableRow(s string) bool {
	t := strings.TrimLeft(s, " ")
	if strings.HasPrefix(t, "+-") || strings.HasPrefix(t, "| ") || strings.HasPrefix(t, "|-") {
		return true
	}
	// A rule of dashes or equals signs: cut, it still reads as a rule.
	return len(t) >= 8 && strings.Trim(t, "-=") == ""
}

// rowsOf is how many screen rows line l takes at the pane's width.
func (p *logPane) rowsOf(l *logLine) int {
	if !p.wrap || l.table || p.w <= 0 || l.cells <= p.w {
		return 1
	}
	return (l.cells + p.w - 1) / p.w
}

// layout maps each of the pane's rows to a line part. The pane shows whole
// lines: a wrapped line that no longer fits at the top is left out rather
// than shown from its middle, and the rows it leaves sit blank under the
// text, as they do while the text does not fill the pane. Only a newest
// line taller than the whole pane is shown in part: its end.
func (p *logPane) layout() {
	h := p.h
	if p.laidOut && len(p.rows) == h {
		return
	}
	p.rows = p.rows[:0]
	// Walk back from the newest line while whole lines fit in h rows.
	need, first, firstSkip := h, p.n, 0
	for first > 0 && need > 0 {
		r := p.rowsOf(p.line(first - 1))
		if r > need {
			if first == p.n {
				first--
				firstSkip = r - need
			}
			break
		}
		first--
		need -= r
	}
	for i := first; i < p.n; i++ {
		r := p.rowsOf(p.line(i))
		off := 0
		if i == first {
			off = firstSkip
		}
		for ; off < r; off++ {
			p.rows = append(p.rows, rowRef{line: i, off: off})
		}
	}
	for len(p.rows) < h {
		p.rows = append(p.rows, rowRef{line: -1})
	}
	p.laidOut = true
	// Lines above the pane keep no drawn rows: styled copies are held only
	// of the lines on screen.
	for i := range first {
		if d := &p.drawn[(p.head+i)%logCap]; d.rows != nil {
			d.rows = nil
		}
	}
}

// used is how many of the pane's rows hold text.
func (p *logPane) used() int {
	p.layout()
	n := 0
	for _, r := range p.rows {
		if r.line >= 0 {
			n++
		}
	}
	return n
}

// writeRow appends row i clipped to the pane's width and returns its width.
func (p *logPane) writeRow(b *builder, i int) int {
	th := p.th
	p.layout()
	r := p.rows[i]
	if r.line < 0 {
		return 0
	}
	l := p.line(r.line)
	text := p.lineText(l)
	from, to := r.off*p.w, (r.off+1)*p.w
	if to > l.cells {
		to = l.cells
	}
	if !l.ascii {
		// Rare (a bar glyph or an arrow in a message): one color for the
		// row, cut by cells.
		s := cut(text, from, to)
		bodyPaint(th, l.level).write(b, s)
		return width(s)
	}
	s := text
	seg := func(a, z int, pt paint) {
		a, z = max(a, from), min(z, to)
		if a < z {
			pt.write(b, s[a:z])
		}
	}
	if l.lvE > 0 {
		seg(0, l.lvS, th.dim)
		seg(l.lvS, l.lvE, levelPaint(th, l.level))
		seg(l.lvE, l.pre, th.dim)
	} else {
		seg(0, l.pre, th.dim)
	}
	body := bodyPaint(th, l.level)
	if p.highlight && l.hiE > 0 && body == "" {
		seg(l.pre, l.hiS, "")
		seg(l.hiS, l.hiE, th.accentBold)
		seg(l.hiE, len(s), "")
	} else {
		seg(l.pre, len(s), body)
	}
	return to - from
}

// levelPaint paints a line's level word: every level has its color.
func levelPaint(th *theme, l sim.Level) paint {
	if p, ok := alertPaint(th, l); ok {
		return p
	}
	return th.info
}

// bodyPaint paints a line's text: only levels that stand out color it.
func bodyPaint(th *theme, l sim.Level) paint {
	p, _ := alertPaint(th, l)
	return p
}

// alertPaint is the paint of a level that stands out (warning, error,
// debug); ok is false for info.
func alertPaint(th *theme, l sim.Level) (p paint, ok bool) {
	switch l {
	case sim.LevelWarning:
		return th.warn, true
	case sim.LevelError:
		return th.err, true
	case sim.LevelDebug:
		return th.dim, true
	}
	return "", false
}
