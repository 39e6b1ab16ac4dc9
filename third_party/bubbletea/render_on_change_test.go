package tea

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
)

// syncBuffer is a bytes.Buffer safe for the renderer and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p) //nolint:wrapcheck
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type counterMsg int

type counterModel struct{ n int }

func (m *counterModel) Init() Cmd { return nil }

func (m *counterModel) Update(msg Msg) (Model, Cmd) {
	switch msg := msg.(type) {
	case counterMsg:
		m.n = int(msg)
	case KeyPressMsg:
		return m, Quit
	}
	return m, nil
}

func (m *counterModel) View() View {
	v := NewView(fmt.Sprintf("count %d", m.n))
	v.AltScreen = true
	return v
}

// screenOf is the first row a terminal shows after the output so far.
func screenOf(out string) string {
	emu := vt.NewEmulator(40, 5)
	_, _ = emu.Write([]byte(out))
	var sb strings.Builder
	for x := range 40 {
		if c := emu.CellAt(x, 0); c != nil {
			sb.WriteString(c.Content)
		}
	}
	return strings.TrimSpace(sb.String())
}

// waitFor polls the output until the screen shows s or the deadline passes.
func waitFor(t *testing.T, out *syncBuffer, s string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for screenOf(out.String()) != s {
		if time.Now().After(deadline) {
			t.Fatalf("screen never showed %q; got %q", s, screenOf(out.String()))
		}
		time.Sleep(time.Millisecond)
	}
}

// TestRenderOnChange: every new view reaches the output, including views
// sent faster than the frame rate (the last one wins), and the program
// ends normally.
func TestRenderOnChange(t *testing.T) {
	var out syncBuffer
	p := NewProgram(&counterModel{},
		WithInput(nil),
		WithOutput(&out),
		WithEnvironment([]string{"TERM=xterm-256color"}),
		WithoutSignalHandler(),
		WithWindowSize(40, 5),
		WithFPS(30),
		WithRenderOnChange(),
	)
	done := make(chan error, 1)
	go func() { _, err := p.Run(); done <- err }()
	waitFor(t, &out, "count 0")
	for i := 1; i <= 3; i++ {
		p.Send(counterMsg(i))
		waitFor(t, &out, fmt.Sprintf("count %d", i))
	}
	for i := 10; i < 20; i++ { // a burst inside one frame interval
		p.Send(counterMsg(i))
	}
	waitFor(t, &out, "count 19")
	p.Quit()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
