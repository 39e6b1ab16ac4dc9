package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// counterUI shows how many messages it has seen.
type counterUI struct{ n int }

func (c *counterUI) Init() tea.Cmd { return nil }
func (c *counterUI) Update(tea.Msg) (tea.Model, tea.Cmd) {
	c.n++
	return c, nil
}
func (c *counterUI) View() tea.View  { return tea.View{} }
func (c *counterUI) Frame() []string { return []string{fmt.Sprintf("count %d", c.n)} }

// TestFramesAreCapped: a burst of messages draws one frame, and the state
// after the burst is drawn once the frame gap has passed.
func TestFramesAreCapped(t *testing.T) {
	var out bytes.Buffer
	ui := &counterUI{}
	now := time.Unix(0, 0)
	s := newScreenModel(ui, &out, 20, 1, colorprofile.Ascii, nil)
	s.now = func() time.Time { return now }
	s.View() // the first frame
	first := out.Len()

	dues := 0
	for range 100 { // a burst within one instant
		_, cmd := s.Update(tea.KeyPressMsg{Code: 'v'})
		if cmd != nil {
			dues++
		}
		s.View()
	}
	if out.Len() != first {
		t.Fatalf("a burst of 100 messages wrote %q after the first frame", out.String()[first:])
	}
	if dues != 1 {
		t.Fatalf("%d frame-due ticks scheduled for one burst, want 1", dues)
	}
	now = now.Add(minFrameGap)
	s.Update(frameDueMsg{})
	s.View()
	if got := out.String()[first:]; !strings.Contains(got, "100") {
		t.Fatalf("the held-back frame %q does not show the last state (count 100)", got)
	}
}
