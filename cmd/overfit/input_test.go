package main

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"

	uv "github.com/charmbracelet/ultraviolet"
)

// events collects what an inputDecoder sends.
type events struct {
	mu  sync.Mutex
	got []uv.Event
}

func (e *events) send(ev uv.Event) {
	e.mu.Lock()
	e.got = append(e.got, ev)
	e.mu.Unlock()
}

func (e *events) list() []uv.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]uv.Event(nil), e.got...)
}

func keyString(ev uv.Event) string {
	if k, ok := ev.(uv.KeyPressEvent); ok {
		return k.String()
	}
	return ""
}

func TestInputDecodesKeys(t *testing.T) {
	var got events
	d := &inputDecoder{send: got.send}
	d.feed([]byte("q?\x1b[A\x1b[B n"))
	d.close()
	var keys []string
	for _, ev := range got.list() {
		keys = append(keys, keyString(ev))
	}
	if want := "q ? up down space n"; strings.Join(keys, " ") != want {
		t.Fatalf("keys %q, want %q", keys, want)
	}
}

// TestInputSequenceSplitAcrossReads: an arrow key whose bytes arrive in two
// reads is one key, not Escape followed by text.
func TestInputSequenceSplitAcrossReads(t *testing.T) {
	var got events
	d := &inputDecoder{send: got.send}
	d.feed([]byte("\x1b["))
	if n := len(got.list()); n != 0 {
		t.Fatalf("an incomplete sequence sent %d events", n)
	}
	d.feed([]byte("A"))
	d.close()
	if evs := got.list(); len(evs) != 1 || keyString(evs[0]) != "up" {
		t.Fatalf("got %v, want one up key", evs)
	}
}

// TestInputLoneEscape: Escape alone is sent once escWait passes without
// more bytes.
func TestInputLoneEscape(t *testing.T) {
	var got events
	d := &inputDecoder{send: got.send}
	defer d.close()
	d.feed([]byte("\x1b"))
	eventually(t, "the escape key", func() bool {
		evs := got.list()
		return len(evs) == 1 && keyString(evs[0]) == "esc"
	})
}

func TestInputTerminalReply(t *testing.T) {
	var got events
	d := &inputDecoder{send: got.send}
	d.feed([]byte("\x1b]11;rgb:ffff/ffff/ffff\x07"))
	d.close()
	evs := got.list()
	if len(evs) != 1 {
		t.Fatalf("got %v, want one background color reply", evs)
	}
	if _, ok := evs[0].(uv.BackgroundColorEvent); !ok {
		t.Fatalf("got %T, want a background color reply", evs[0])
	}
}

// TestInputPendingIsBounded: a sequence that never ends is not buffered
// without bound.
func TestInputPendingIsBounded(t *testing.T) {
	var got events
	d := &inputDecoder{send: got.send}
	defer d.close()
	d.feed([]byte("\x1b["))
	for range 100 {
		d.feed([]byte(strings.Repeat("1;", 50)))
		d.mu.Lock()
		n := len(d.pending)
		d.mu.Unlock()
		if n > maxPendingInput+100 {
			t.Fatalf("%d bytes pending", n)
		}
	}
}

// TestReadInputStopsAtEOF: readInput returns when the client's stream ends.
func TestReadInputStopsAtEOF(t *testing.T) {
	var got events
	readInput(context.Background(), io.MultiReader(strings.NewReader("q"), strings.NewReader("n")), got.send)
	if evs := got.list(); len(evs) != 2 || keyString(evs[0]) != "q" || keyString(evs[1]) != "n" {
		t.Fatalf("got %v, want q n", evs)
	}
}

// TestClosedDecoderSendsNothing: once closed (the session's program is
// done), a pending Escape's timer sends nothing.
func TestClosedDecoderSendsNothing(t *testing.T) {
	var got events
	d := &inputDecoder{send: got.send}
	d.feed([]byte("\x1b"))
	d.close()
	d.expire() // what the timer would run, had it fired as close ran
	if evs := got.list(); len(evs) != 0 {
		t.Fatalf("closed decoder sent %v", evs)
	}
}

// TestInputUTF8SplitAcrossReads: a character whose bytes arrive in two
// reads is one key.
func TestInputUTF8SplitAcrossReads(t *testing.T) {
	var got events
	d := &inputDecoder{send: got.send}
	b := []byte("é")
	d.feed(b[:1])
	d.feed(b[1:])
	d.close()
	if evs := got.list(); len(evs) != 1 || keyString(evs[0]) != "é" {
		t.Fatalf("got %v, want one é key", evs)
	}
}

// TestLateTimerLeavesNewBytes: a timer that fires just as new bytes
// complete a sequence does not decode them as expired.
func TestLateTimerLeavesNewBytes(t *testing.T) {
	var got events
	d := &inputDecoder{send: got.send}
	defer d.close()
	d.feed([]byte("\x1b["))
	d.feed([]byte("1;2")) // still incomplete; the deadline moved on
	d.expire()            // the old timer's callback, run late
	d.feed([]byte("A"))
	if evs := got.list(); len(evs) != 1 || keyString(evs[0]) != "shift+up" {
		t.Fatalf("got %v, want one shift+up key", evs)
	}
}
