package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// fakeRun is a 10 s window at 20..30 s with three held sessions, one busy
// refusal, one dropped mid-window and one never started.
func fakeRun() (Config, *runResult) {
	sec := time.Second
	cfg := Config{Addr: "127.0.0.1:2299", Sessions: 6, Ramp: 50, Width: 120, Height: 40, FrameGap: 20 * time.Millisecond}
	allSlots := trackFrames(20*sec, 30*sec, 100*time.Millisecond, 500*time.Millisecond, 0)
	held := func(connect, first time.Duration, bytes, frames int64) sessionResult {
		return sessionResult{Started: true, ConnectStart: connect, FirstFrame: first,
			Bytes0: 1000, Bytes1: 1000 + bytes, Frames0: 5, Frames1: 5 + frames, Slots: allSlots}
	}
	rr := &runResult{
		WindowStart: 20 * sec,
		WindowEnd:   30 * sec,
		Results: []sessionResult{
			held(1*sec, 1*sec+10*time.Millisecond, 8000, 20),
			held(2*sec, 2*sec+20*time.Millisecond, 10000, 20),
			held(3*sec, 3*sec+30*time.Millisecond, 12000, 30),
			{Started: true, ConnectStart: 4 * sec, FirstFrame: 4*sec + 5*time.Millisecond, Ended: 4*sec + 6*time.Millisecond, Reason: "server busy"},
			{Started: true, ConnectStart: 5 * sec, FirstFrame: 5*sec + 40*time.Millisecond, Ended: 25 * sec, Reason: "closed by server (EOF)"},
			{},
		},
		ServerSource: "pid 4242",
		ServerBase:   &resourceSample{CPUSeconds: 1, RSSBytes: 10 << 20},
		ServerStart:  &resourceSample{CPUSeconds: 2, RSSBytes: 40 << 20},
		ServerEnd:    &resourceSample{CPUSeconds: 2.35, RSSBytes: 40 << 20},
		SelfStart:    resourceSample{CPUSeconds: 1},
		SelfEnd:      resourceSample{CPUSeconds: 2, RSSBytes: 30 << 20},
	}
	// The third held session fell silent for 1.5 s.
	rr.Results[2].Slots = trackFrames(20*sec, 30*sec, 100*time.Millisecond, 500*time.Millisecond, 4*sec)
	return cfg, rr
}

// trackFrames feeds a tracker frames every `every` from start+offset, with
// the frames in [start+skipFrom, start+skipFrom+1.5s) left out when skipFrom > 0.
func trackFrames(start, end, offset, every, skipFrom time.Duration) slotTracker {
	tr := newSlotTracker()
	for at := start + offset; at < end; at += every {
		if skipFrom > 0 && at >= start+skipFrom && at < start+skipFrom+1500*time.Millisecond {
			continue
		}
		tr.frame(at, start, end)
	}
	return tr
}

func TestBuildReport(t *testing.T) {
	rep := buildReport(fakeRun())
	if rep.Held != 3 || rep.Failed != 3 {
		t.Fatalf("held %d failed %d, want 3 and 3", rep.Held, rep.Failed)
	}
	wantReasons := map[string]int{
		"server busy": 1,
		"dropped during window: closed by server (EOF)": 1,
		reasonNotStarted: 1,
	}
	if len(rep.FailReasons) != len(wantReasons) {
		t.Fatalf("reasons %v, want %v", rep.FailReasons, wantReasons)
	}
	for k, v := range wantReasons {
		if rep.FailReasons[k] != v {
			t.Errorf("reason %q = %d, want %d (all: %v)", k, rep.FailReasons[k], v, rep.FailReasons)
		}
	}
	// Latency: three held plus the dropped one (it showed a screen); the busy
	// refusal is excluded.
	if f := rep.FirstFrameMS; f.N != 4 || f.Median != 20 || f.Max != 40 {
		t.Errorf("first frame %+v", f)
	}
	if b := rep.BytesPerSec; b.N != 3 || b.Median != 1000 || b.Max != 1200 {
		t.Errorf("bytes/s %+v", b)
	}
	if f := rep.FramesPerSec; f.Median != 2 {
		t.Errorf("frames/s %+v", f)
	}
	if rep.BelowOneFPS != 1 {
		t.Errorf("below 1 fps = %d, want 1", rep.BelowOneFPS)
	}
	// Frames at 20.1, 20.6, …, 29.6 s: 500 ms apart, 400 ms after the last;
	// the third session skips 24.1–25.1, a 2 s gap from 23.6 to 25.6.
	if l := rep.LongestSilenceMS; l.N != 3 || l.Median != 500 || l.Max != 2000 {
		t.Errorf("longest silence %+v", l)
	}
	// 3 held × 10 s + the dropped one's 5 s.
	if rep.SessionSeconds != 35 {
		t.Errorf("session seconds = %g, want 35", rep.SessionSeconds)
	}
	s := rep.Server
	if s == nil {
		t.Fatal("no server usage")
	}
	if d := s.CPUMsPerSessionSecond - 10; d > 1e-9 || d < -1e-9 { // 350 ms / 35 s
		t.Errorf("cpu ms per session-second = %g, want 10", s.CPUMsPerSessionSecond)
	}
	if s.RSSPerSessionBytes != 10<<20 { // (40 − 10) MiB / 3
		t.Errorf("rss per session = %d, want %d", s.RSSPerSessionBytes, 10<<20)
	}
	if rep.Generator.Cores != 0.1 {
		t.Errorf("generator cores = %g", rep.Generator.Cores)
	}
}

func TestWriteText(t *testing.T) {
	rep := buildReport(fakeRun())
	var b bytes.Buffer
	if err := rep.writeText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"overfit-load  127.0.0.1:2299  6 sessions at 120x40, ramp 50/s, steady window 10.0s\n",
		"sessions      held 3/6, failed 3\n",
		"first frame   p50 20.0 ms  p95 40.0 ms  p99 40.0 ms  max 40.0 ms  (n=4, TCP connect → first screen byte)\n",
		"bytes/s       median 1000 B/s  p95 1.2 KiB/s  max 1.2 KiB/s  (per session, n=3)\n",
		"frames/s      median 2.0  p95 3.0  max 3.0  (frame = output burst after ≥ 20ms quiet)\n",
		"≥ 1 frame/s   1 of 3 held sessions fell below in some second of the window\n",
		"silence       longest gap between frames per session: p50 500 ms  p99 2000 ms  max 2000 ms\n",
		"server CPU    pid 4242: 0.35 s in 10.0 s = 0.04 cores → 10.000 ms per session-second\n",
		"server RSS    10.0 MiB before the first session → 40.0 MiB at window end: 10.0 MiB per held session\n",
		"generator     1.00 CPU s in window (0.10 cores), RSS 30.0 MiB\n",
		"failures           1  dropped during window: closed by server (EOF)\n",
		"                   1  not started (interrupted)\n",
		"                   1  server busy\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q\n--- report ---\n%s", want, out)
		}
	}
}

func TestWriteTextWithoutOutput(t *testing.T) {
	cfg, _ := fakeRun()
	rep := buildReport(cfg, &runResult{Results: make([]sessionResult, 6), Interrupted: true})
	var b bytes.Buffer
	if err := rep.writeText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"INTERRUPTED", "no session showed screen output", "6  not started (interrupted)"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "server CPU") || strings.Contains(out, "bytes/s") {
		t.Errorf("report shows measures it does not have:\n%s", out)
	}
}

func TestWriteJSONRoundTrips(t *testing.T) {
	rep := buildReport(fakeRun())
	var b bytes.Buffer
	if err := rep.writeJSON(&b); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Held != 3 || back.Server == nil || back.Server.RSSPerSessionBytes != 10<<20 || back.FirstFrameMS.P99 != 40 {
		t.Fatalf("round trip lost data: %+v", back)
	}
	for _, key := range []string{`"held": 3`, `"cpu_ms_per_session_second": 10`, `"fail_reasons"`, `"first_frame_ms"`} {
		if !strings.Contains(b.String(), key) {
			t.Errorf("json lacks %s:\n%s", key, b.String())
		}
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[float64]string{0: "0 B", 812: "812 B", 1536: "1.5 KiB", 3 << 20: "3.0 MiB", -2048: "-2.0 KiB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%g) = %q, want %q", n, got, want)
		}
	}
}
