package main

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/overfit/overfit/app"
)

// panicky is a session UI that panics when the visitor types "!".
type panicky struct{ frameModel }

func (p *panicky) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "!" {
		panic("test panic in a session")
	}
	next, cmd := p.frameModel.Update(msg)
	p.frameModel = next.(frameModel)
	return p, cmd
}

func TestPanicEndsOnlyThatSession(t *testing.T) {
	ts := startServer(t, testConfig(t), func(s *Server) {
		s.newModel = func(c app.Config) (frameModel, error) {
			m, err := app.New(c)
			return &panicky{m}, err
		}
	})
	c, _ := dial(t, ts.addr)
	canary := openScreen(t, c, 100, 30, "--speed 4")
	victim := openScreen(t, c, 100, 30, "--speed 4")
	canary.waitFor("the canary's frame", func(txt string) bool { return strings.Contains(txt, "elapsed") })
	victim.waitFor("the victim's frame", func(txt string) bool { return strings.Contains(txt, "elapsed") })

	victim.press("!")
	if code := waitExit(t, victim.sess); code != 1 {
		t.Fatalf("panicking session: exit %d, want 1", code)
	}
	victim.waitFor("the error line", func(txt string) bool { return strings.Contains(txt, internalErrorMessage) })
	if victim.altScreen() || victim.cursorHidden() {
		t.Error("the panicking session's terminal was not restored")
	}

	before := len(canary.rawOutput())
	eventually(t, "the canary to keep receiving frames", func() bool { return len(canary.rawOutput()) > before })
	if code, _, _ := runCommand(t, c, "--help"); code != 0 {
		t.Fatalf("new session after the panic: exit %d", code)
	}
	canary.press("q")
	if code := waitExit(t, canary.sess); code != 0 {
		t.Fatalf("canary exit %d", code)
	}
}
