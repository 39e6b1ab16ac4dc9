package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// Report is the outcome of one load run; it is also the -json schema.
type Report struct {
	Target        string  `json:"target"`
	Size          string  `json:"size"`
	Args          string  `json:"args,omitempty"`
	Requested     int     `json:"sessions_requested"`
	Ramp          float64 `json:"ramp_per_second"`
	WindowSeconds float64 `json:"window_seconds"`
	Interrupted   bool    `json:"interrupted,omitempty"`
	// Held sessions showed output and were still open at the window end.
	Held        int            `json:"held"`
	Failed      int            `json:"failed"`
	FailReasons map[string]int `json:"fail_reasons,omitempty"`
	// FirstFrameMS is TCP connect start → first screen byte (printable, outside
	// escape sequences), in ms, of sessions that showed a screen (refused ones
	// excluded).
	FirstFrameMS Summary `json:"first_frame_ms"`
	// BytesPerSec and FramesPerSec are per session over the steady window,
	// for held sessions that were showing a screen when it began.
	BytesPerSec  Summary `json:"bytes_per_second"`
	FramesPerSec Summary `json:"frames_per_second"`
	// FrameGapMS is the quiet time that separates two frames.
	FrameGapMS float64 `json:"frame_gap_ms"`
	// BelowOneFPS counts held sessions with a whole second of the window
	// without any frame.
	BelowOneFPS int `json:"below_one_fps"`
	// LongestSilenceMS is, per held session, the longest stretch of the
	// window without a frame start.
	LongestSilenceMS Summary `json:"longest_silence_ms"`
	// SessionSeconds is the time sessions showed a screen inside the window,
	// summed: the denominator of the server's CPU per session-second.
	SessionSeconds float64 `json:"session_seconds"`
	// Server is the server's cost; nil without -pid or -metrics-url.
	Server      *Usage `json:"server,omitempty"`
	ServerError string `json:"server_error,omitempty"`
	// Generator is this program's own cost, not counted for the server.
	Generator Usage `json:"generator"`
}

// Usage is a process's cost over the steady window.
type Usage struct {
	Source     string  `json:"source"`
	CPUSeconds float64 `json:"cpu_seconds"`
	Cores      float64 `json:"cores"`
	// CPUMsPerSessionSecond is CPU ms per second of one held session.
	CPUMsPerSessionSecond float64 `json:"cpu_ms_per_session_second,omitempty"`
	RSSBaselineBytes      int64   `json:"rss_baseline_bytes,omitempty"`
	RSSEndBytes           int64   `json:"rss_end_bytes"`
	// RSSPerSessionBytes is (RSS at window end − baseline) / held.
	RSSPerSessionBytes int64 `json:"rss_per_session_bytes,omitempty"`
}

// buildReport turns raw measurements into the report.
func buildReport(cfg Config, rr *runResult) Report {
	ws, we := rr.WindowStart, rr.WindowEnd
	win := we - ws
	rep := Report{
		Target:        cfg.Addr,
		Size:          fmt.Sprintf("%dx%d", cfg.Width, cfg.Height),
		Args:          cfg.Args,
		Requested:     cfg.Sessions,
		Ramp:          cfg.Ramp,
		WindowSeconds: win.Seconds(),
		Interrupted:   rr.Interrupted,
		FailReasons:   map[string]int{},
		FrameGapMS:    ms(cfg.FrameGap),
	}
	var lat, bps, fps, silence []float64
	for _, r := range rr.Results {
		held := r.FirstFrame != 0 && r.Ended == 0
		if held {
			rep.Held++
			if win >= time.Second && r.Slots.below(win) {
				rep.BelowOneFPS++
			}
			if win > 0 {
				silence = append(silence, ms(r.Slots.longestSilence(ws, we)))
			}
		} else {
			rep.Failed++
			rep.FailReasons[failReason(r, ws)]++
		}
		if r.FirstFrame != 0 && (r.Ended == 0 || r.Ended > ws) && r.Reason != "server busy" {
			lat = append(lat, ms(r.FirstFrame-r.ConnectStart))
		}
		if r.FirstFrame != 0 {
			from, to := max(r.FirstFrame, ws), we
			if r.Ended != 0 {
				to = min(r.Ended, we)
			}
			if to > from {
				rep.SessionSeconds += (to - from).Seconds()
			}
		}
		if held && r.FirstFrame <= ws && win > 0 {
			bps = append(bps, float64(r.Bytes1-r.Bytes0)/win.Seconds())
			fps = append(fps, float64(r.Frames1-r.Frames0)/win.Seconds())
		}
	}
	rep.FirstFrameMS, rep.BytesPerSec, rep.FramesPerSec = summarize(lat), summarize(bps), summarize(fps)
	rep.LongestSilenceMS = summarize(silence)
	if len(rep.FailReasons) == 0 {
		rep.FailReasons = nil
	}
	rep.ServerError = rr.ServerErr
	if rr.ServerStart != nil && rr.ServerEnd != nil {
		u := usage(rr.ServerSource, *rr.ServerStart, *rr.ServerEnd, win)
		if rep.SessionSeconds > 0 {
			u.CPUMsPerSessionSecond = u.CPUSeconds * 1000 / rep.SessionSeconds
		}
		if rr.ServerBase != nil {
			u.RSSBaselineBytes = rr.ServerBase.RSSBytes
			if rep.Held > 0 {
				u.RSSPerSessionBytes = (u.RSSEndBytes - u.RSSBaselineBytes) / int64(rep.Held)
			}
		}
		rep.Server = &u
	}
	rep.Generator = usage("overfit-load", rr.SelfStart, rr.SelfEnd, win)
	return rep
}

// failReason names why a session did not hold to the end of the window.
func failReason(r sessionResult, ws time.Duration) string {
	switch {
	case !r.Started:
		return reasonNotStarted
	case r.Ended == 0:
		return reasonNoOutput
	case r.Reason == "":
		return reasonUnknown
	case r.FirstFrame != 0 && r.Ended > ws:
		return "dropped during window: " + r.Reason
	}
	return r.Reason
}

func usage(source string, start, end resourceSample, win time.Duration) Usage {
	u := Usage{Source: source, CPUSeconds: end.CPUSeconds - start.CPUSeconds, RSSEndBytes: end.RSSBytes}
	if win > 0 {
		u.Cores = u.CPUSeconds / win.Seconds()
	}
	return u
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// writeJSON writes the report as indented JSON.
func (rep Report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return fmt.Errorf("write json report: %w", err)
	}
	return nil
}

// writeText writes the report for people, one measure per line.
func (rep Report) writeText(w io.Writer) error {
	var b strings.Builder
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "%-13s %s\n", label, fmt.Sprintf(format, args...))
	}
	head := fmt.Sprintf("%s  %d sessions at %s, ramp %g/s, steady window %.1fs",
		rep.Target, rep.Requested, rep.Size, rep.Ramp, rep.WindowSeconds)
	if rep.Args != "" {
		head += fmt.Sprintf(", args %q", rep.Args)
	}
	if rep.Interrupted {
		head += "  (INTERRUPTED: partial)"
	}
	line("overfit-load", "%s", head)
	line("sessions", "held %d/%d, failed %d", rep.Held, rep.Requested, rep.Failed)
	if f := rep.FirstFrameMS; f.N > 0 {
		line("first frame", "p50 %.1f ms  p95 %.1f ms  p99 %.1f ms  max %.1f ms  (n=%d, TCP connect → first screen byte)",
			f.Median, f.P95, f.P99, f.Max, f.N)
	} else {
		line("first frame", "no session showed screen output")
	}
	if s := rep.BytesPerSec; s.N > 0 {
		line("bytes/s", "median %s/s  p95 %s/s  max %s/s  (per session, n=%d)",
			humanBytes(s.Median), humanBytes(s.P95), humanBytes(s.Max), s.N)
		f := rep.FramesPerSec
		line("frames/s", "median %.1f  p95 %.1f  max %.1f  (frame = output burst after ≥ %s quiet)",
			f.Median, f.P95, f.Max, rep.frameGapString())
	}
	if rep.WindowSeconds >= 1 {
		line("≥ 1 frame/s", "%d of %d held sessions fell below in some second of the window",
			rep.BelowOneFPS, rep.Held)
		if l := rep.LongestSilenceMS; l.N > 0 {
			line("silence", "longest gap between frames per session: p50 %.0f ms  p99 %.0f ms  max %.0f ms",
				l.Median, l.P99, l.Max)
		}
	}
	if u := rep.Server; u != nil {
		line("server CPU", "%s: %.2f s in %.1f s = %.2f cores → %.3f ms per session-second",
			u.Source, u.CPUSeconds, rep.WindowSeconds, u.Cores, u.CPUMsPerSessionSecond)
		line("server RSS", "%s before the first session → %s at window end: %s per held session",
			humanBytes(float64(u.RSSBaselineBytes)), humanBytes(float64(u.RSSEndBytes)),
			humanBytes(float64(u.RSSPerSessionBytes)))
	}
	if rep.ServerError != "" {
		line("server", "not sampled: %s", rep.ServerError)
	}
	g := rep.Generator
	line("generator", "%.2f CPU s in window (%.2f cores), RSS %s", g.CPUSeconds, g.Cores, humanBytes(float64(g.RSSEndBytes)))
	if len(rep.FailReasons) > 0 {
		reasons := slices.SortedFunc(maps.Keys(rep.FailReasons), func(a, b string) int {
			return cmp.Or(cmp.Compare(rep.FailReasons[b], rep.FailReasons[a]), cmp.Compare(a, b))
		})
		for i, r := range reasons {
			label := ""
			if i == 0 {
				label = "failures"
			}
			line(label, "%6d  %s", rep.FailReasons[r], r)
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

func (rep Report) frameGapString() string {
	return (time.Duration(rep.FrameGapMS * float64(time.Millisecond))).String()
}

// humanBytes formats a byte count in binary units.
func humanBytes(n float64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	units := []string{"B", "KiB", "MiB", "GiB"}
	i := 0
	for n >= 1024 && i < len(units)-1 {
		n /= 1024
		i++
	}
	s := fmt.Sprintf("%.1f %s", n, units[i])
	if i == 0 {
		s = fmt.Sprintf("%.0f B", n)
	}
	if neg {
		s = "-" + s
	}
	return s
}
