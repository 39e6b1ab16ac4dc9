package sim

import (
	"testing"
	"time"
)

// Run with:
//
//	go test ./sim -run XXX -bench . -benchmem
//
// BenchmarkAdvanceStep advances one simulated optimizer step per op (log
// lines every LogEvery steps included, amortized); BenchmarkAdvanceTick one
// 250 ms UI tick plus a Snapshot, as a watching session does.

func benchStream(b *testing.B, o Options) *Stream {
	o.Start = testStart
	s, err := NewStream(o)
	if err != nil {
		b.Fatal(err)
	}
	s.Advance(90 * time.Second) // past init, into training
	return s
}

// BenchmarkAdvanceStep/…/steady stays inside the training window (a
// 10M-step window; sought back, untimed, if a benchmark ever gets through);
// …/cycles runs on through whole runs, so run set-up, export and summary
// are amortized over the steps too.
func BenchmarkAdvanceStep(b *testing.B) {
	for _, c := range []struct {
		name string
		o    Options
	}{
		{"gpt2-speedrun", Options{Seed: 2, Model: "gpt2", GPU: "h100", Nodes: 1, Job: JobPretrain}},
		{"llama-3-8b", Options{Seed: 3, Model: "llama-3-8b", Job: JobPretrain}},
		{"405b", Options{Seed: 405, Model: "llama-3.1-405b", GPU: "h100", Nodes: 256, Job: JobPretrain}},
	} {
		b.Run(c.name+"/steady", func(b *testing.B) {
			o := c.o
			o.Steps = MaxSteps // a long window: training is the steady state
			s := benchStream(b, o)
			var first, last *seg
			for i := range s.plan.segs {
				if sg := &s.plan.segs[i]; sg.kind == segTrain {
					if first == nil {
						first = sg
					}
					last = sg
				}
			}
			from, to := s.runStart+first.start+time.Second, s.runStart+last.end-time.Minute
			if to <= from {
				to = s.runStart + first.end
			}
			s.Seek(from)
			step := s.Run().StepTime
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if s.Now()+step >= to {
					b.StopTimer()
					s.Seek(from)
					b.StartTimer()
				}
				s.Advance(step)
			}
		})
		b.Run(c.name+"/cycles", func(b *testing.B) {
			s := benchStream(b, c.o)
			step := s.Run().StepTime
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				s.Advance(step)
			}
		})
	}
}

func BenchmarkAdvanceTick(b *testing.B) {
	s := benchStream(b, Options{Seed: 3, Model: "llama-3-8b", Job: JobPretrain})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s.Advance(250 * time.Millisecond)
	}
}

func BenchmarkSnapshot(b *testing.B) {
	for _, c := range []struct {
		name    string
		o       Options
		maxGPUs int
	}{
		{"8gpus", Options{Seed: 3, Model: "llama-3-8b", GPU: "h100", Nodes: 1, Job: JobFinetune}, 0},
		{"2048gpus-all", Options{Seed: 405, Model: "llama-3.1-405b", GPU: "h100", Nodes: 256, Job: JobPretrain}, 0},
		{"2048gpus-max64", Options{Seed: 405, Model: "llama-3.1-405b", GPU: "h100", Nodes: 256, Job: JobPretrain}, 64},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := benchStream(b, c.o)
			var snap Snapshot
			snap.MaxGPUs = c.maxGPUs
			s.Snapshot(&snap)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				s.Advance(250 * time.Millisecond)
				s.Snapshot(&snap)
			}
		})
	}
}

// BenchmarkSeek24h is a viewer joining a run id 24 hours after its start.
func BenchmarkSeek24h(b *testing.B) {
	o := Options{Seed: 12345, Start: testStart}
	b.ReportAllocs()
	for b.Loop() {
		s, err := NewStream(o)
		if err != nil {
			b.Fatal(err)
		}
		s.Seek(24 * time.Hour)
	}
}
