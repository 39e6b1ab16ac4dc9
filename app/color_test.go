package app

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/overfit/overfit/sim"
)

var (
	sgrRe       = regexp.MustCompile(`\x1b\[([0-9;:]*)m`)
	anyColorRe  = regexp.MustCompile(`(^|;)(3[0-9]|4[0-9]|9[0-7]|10[0-7])(;|$)`)
	extColorRe  = regexp.MustCompile(`(^|;)[34]8[;:][25]`)
	trueColorRe = regexp.MustCompile(`(^|;)[34]8[;:]2`)
)

// sgrParams lists the parameters of every SGR sequence in s.
func sgrParams(s string) []string {
	var out []string
	for _, m := range sgrRe.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// checkProfile asserts that s holds no color the profile cannot show.
func checkProfile(t *testing.T, p colorprofile.Profile, s string) {
	t.Helper()
	switch p {
	case colorprofile.NoTTY:
		if strings.Contains(s, "\x1b[") && len(sgrParams(s)) > 0 {
			t.Fatalf("%v: escape codes in the output: %q", p, sgrParams(s)[:1])
		}
	case colorprofile.ASCII:
		for _, q := range sgrParams(s) {
			if anyColorRe.MatchString(q) {
				t.Fatalf("%v: color code %q", p, q)
			}
		}
	case colorprofile.ANSI:
		for _, q := range sgrParams(s) {
			if extColorRe.MatchString(q) {
				t.Fatalf("%v: extended color %q", p, q)
			}
		}
	case colorprofile.ANSI256:
		for _, q := range sgrParams(s) {
			if trueColorRe.MatchString(q) {
				t.Fatalf("%v: true color %q", p, q)
			}
		}
	}
}

var profiles = []colorprofile.Profile{colorprofile.NoTTY, colorprofile.ASCII, colorprofile.ANSI, colorprofile.ANSI256, colorprofile.TrueColor}

// TestFramesFollowTheColorProfile renders through colorprofile.Writer, the
// downsampling the renderer applies, and checks the model's own frame too:
// with no colors the model must not emit any.
func TestFramesFollowTheColorProfile(t *testing.T) {
	for _, dark := range []bool{true, false} {
		for _, p := range profiles {
			m := modelAt(t, 1, sim.PhaseTrain, 120, 40)
			m.Update(tea.ColorProfileMsg{Profile: p})
			if !dark {
				m.Update(tea.BackgroundColorMsg{Color: lightBG{}})
			}
			m.Update(press("?")) // the help box uses lipgloss styles
			raw := frame(m)
			var buf bytes.Buffer
			w := &colorprofile.Writer{Forward: &buf, Profile: p}
			if _, err := w.WriteString(raw); err != nil {
				t.Fatal(err)
			}
			checkProfile(t, p, raw)
			checkProfile(t, p, buf.String())
			switch p {
			case colorprofile.TrueColor, colorprofile.ANSI256, colorprofile.ANSI:
				if !anyColorRe.MatchString(strings.Join(sgrParams(raw), "|")) && !extColorRe.MatchString(strings.Join(sgrParams(raw), "|")) {
					t.Fatalf("%v: no colors at all", p)
				}
			}
		}
	}
}

// lightBG is a white terminal background.
type lightBG struct{}

func (lightBG) RGBA() (r, g, b, a uint32) { return 0xffff, 0xffff, 0xffff, 0xffff }

func TestBackgroundChangesPalette(t *testing.T) {
	m := modelAt(t, 1, sim.PhaseTrain, 120, 40)
	dark := frame(m)
	m.Update(tea.BackgroundColorMsg{Color: lightBG{}})
	light := frame(m)
	if dark == light {
		t.Fatal("light background did not change the palette")
	}
	if plainFrame(m) != stripOf(dark) {
		t.Fatal("the palette changed the text")
	}
}

func stripOf(s string) string { return sgrRe.ReplaceAllString(s, "") }

// TestRendererHonoursProfile runs the real program and renderer (teatest) with
// each profile and checks the bytes a terminal would receive.
func TestRendererHonoursProfile(t *testing.T) {
	// NO_COLOR in a session's environment, resolved as the server does.
	noColor := colorprofile.Env([]string{"TERM=xterm-256color", "COLORTERM=truecolor", "NO_COLOR=1"})
	if noColor != colorprofile.ASCII {
		t.Fatalf("NO_COLOR resolves to %v, want ASCII", noColor)
	}
	for _, p := range profiles {
		m, err := New(Config{Options: testOptions(1), Share: Share{SSHHost: "localhost", SSHPort: 2222, Web: "http://localhost:8080"}, Width: 100, Height: 30, Tick: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		tm := teatest.NewTestModel(t, m,
			teatest.WithInitialTermSize(100, 30),
			teatest.WithProgramOptions(tea.WithColorProfile(p)),
		)
		var seen bytes.Buffer
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			seen.Write(b)
			return bytes.Contains(seen.Bytes(), []byte("@localhost"))
		}, teatest.WithDuration(15*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
		tm.Send(press("q"))
		tm.WaitFinished(t, teatest.WithFinalTimeout(15*time.Second))
		out := seen.String()
		checkProfile(t, p, out)
		if p == colorprofile.TrueColor && !trueColorRe.MatchString(strings.Join(sgrParams(out), "|")) {
			t.Fatalf("true color: no 24-bit colors reached the terminal")
		}
	}
}
