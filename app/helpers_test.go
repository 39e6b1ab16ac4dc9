package app

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/overfit/overfit/sim"
)

// testStart is the fixed wall-clock start of every test session.
var testStart = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// testOptions is a fixed, valid run configuration.
func testOptions(seed uint64) sim.Options {
	return sim.Options{Seed: seed, Start: testStart}
}

// newTestModel builds a model at w×h and applies the start-up tick at
// testStart, as a fresh session would.
func newTestModel(t testing.TB, o sim.Options, w, h int) *Model {
	t.Helper()
	m, err := New(Config{Options: o, Share: Share{SSHHost: "localhost", SSHPort: 2222, Web: "http://localhost:8080"}, Width: w, Height: h})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	m.Update(tickMsg{at: o.Start, gen: m.gen})
	return m
}

// advance ticks the model through d of wall time in steps of the default tick.
func advance(m *Model, d time.Duration) {
	end := m.last.Add(d)
	for t := m.last.Add(m.tick); !t.After(end); t = t.Add(m.tick) {
		m.Update(tickMsg{at: t, gen: m.gen})
	}
}

// frame returns the model's current frame content.
func frame(m *Model) string { return m.View().Content }

// plainFrame is the frame with escape codes stripped.
func plainFrame(m *Model) string { return ansi.Strip(frame(m)) }

// panelText is a band panel alone, its rows one a line, as the model
// composes them into the band.
func panelText(p panel) string {
	f := p.box()
	var b builder
	for i := range f.h {
		if i > 0 {
			b.WriteByte('\n')
		}
		f.writeRow(&b, i, p)
	}
	return b.String()
}

// checkFrame asserts the frame has exactly h lines, none wider than w cells,
// and no cut box border.
func checkFrame(t testing.TB, s string, w, h int, ctx string) {
	t.Helper()
	lines := strings.Split(s, "\n")
	if len(lines) != h {
		t.Fatalf("%s: %d lines, want %d", ctx, len(lines), h)
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Fatalf("%s: line %d is %d cells wide, want <= %d:\n%q", ctx, i, lw, w, ansi.Strip(l))
		}
	}
	checkBoxes(t, ansi.Strip(s), ctx)
}

// checkBoxes asserts every panel box is whole: a top border "╭─ title …╮",
// side borders in the same two columns on every row below it, and a bottom
// border "╰──…──╯" of the same width. (The loss chart's own arcs use the same
// corner glyphs, so only tops with a title count as boxes.)
func checkBoxes(t testing.TB, s, ctx string) {
	t.Helper()
	grid := [][]rune{}
	for _, l := range strings.Split(s, "\n") {
		grid = append(grid, []rune(l))
	}
	at := func(r, c int) rune {
		if r < 0 || r >= len(grid) || c < 0 || c >= len(grid[r]) {
			return 0
		}
		return grid[r][c]
	}
	fail := func(r, c int, why string) {
		t.Fatalf("%s: box at row %d col %d: %s:\n%s", ctx, r, c, why, s)
	}
	for r, row := range grid {
		for c := range row {
			if at(r, c) != '╭' || at(r, c+1) != '─' || at(r, c+2) != ' ' || !unicode.IsLetter(at(r, c+3)) {
				continue
			}
			rc := c + 1
			for at(r, rc) != 0 && at(r, rc) != '╮' {
				rc++
			}
			if at(r, rc) != '╮' {
				fail(r, c, "no top-right corner")
			}
			br := r + 1
			for at(br, c) == '│' {
				if at(br, rc) != '│' {
					fail(r, c, fmt.Sprintf("row %d has no right border", br))
				}
				br++
			}
			if at(br, c) != '╰' || at(br, rc) != '╯' {
				fail(r, c, fmt.Sprintf("not closed at row %d", br))
			}
			for k := c + 1; k < rc; k++ {
				if at(br, k) != '─' {
					fail(r, c, "bottom border broken")
				}
			}
		}
	}
}

// press is a key press as the terminal would report it.
func press(s string) tea.KeyPressMsg {
	switch s {
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

// colorProfileMsg is the message the program sends with the session's profile.
func colorProfileMsg(p colorprofile.Profile) tea.ColorProfileMsg {
	return tea.ColorProfileMsg{Profile: p}
}
