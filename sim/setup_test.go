package sim

import (
	"fmt"
	"testing"
	"time"
)

// TestSetupBoundedWhateverSteps: the largest --steps on the largest
// cluster makes a fine-tune of thousands of tiny epochs (a small dataset,
// a huge global batch). What its set-up builds — evaluations, timeline
// segments, log lines, epoch labels — must not grow with them: it once
// built one evaluation per epoch and rescanned the best loss at each
// (76,924 evaluations, 24 s for --seed 65 --nodes 1024 --steps 1000000).
func TestSetupBoundedWhateverSteps(t *testing.T) {
	for seed := uint64(60); seed < 90; seed++ {
		for _, job := range []JobKind{JobAny, JobFinetune, JobPretrain} {
			o := Options{Seed: seed, Nodes: MaxNodes, Steps: MaxSteps, Job: job}
			s, err := NewStream(o)
			if err != nil {
				continue // infeasible combination
			}
			p := s.plan
			if len(p.evals) > maxEvals+1 || len(p.segs) > 12+3*(maxEvals+1) || len(p.epochLabels) > maxEpochLabels || len(s.statics) > 1000 {
				t.Errorf("%+v: %d evaluations, %d segments, %d epoch labels, %d static lines for %d epochs",
					o, len(p.evals), len(p.segs), len(p.epochLabels), len(s.statics), p.run.Epochs)
			}
		}
	}
}

// TestLateEpochLabel: epochs past the labels built up front still show
// their own "Epoch e/N".
func TestLateEpochLabel(t *testing.T) {
	s, err := NewStream(Options{Seed: 65, Nodes: MaxNodes, Steps: MaxSteps})
	if err != nil {
		t.Fatal(err)
	}
	r := s.Run()
	if r.Epochs <= maxEpochLabels {
		t.Fatalf("seed 65 has %d epochs; pick a run with more than %d", r.Epochs, maxEpochLabels)
	}
	var snap Snapshot
	for _, ep := range []int64{maxEpochLabels + 5, maxEpochLabels + 6, int64(r.Epochs) - 1} {
		s.Seek(s.plan.stepTime(s.plan.trainSeg(ep*r.StepsPerEpoch+2), ep*r.StepsPerEpoch+2) + time.Millisecond)
		s.Snapshot(&snap)
		want := fmt.Sprintf("Epoch %d/%d", ep+1, r.Epochs)
		found := false
		for _, b := range snap.Bars {
			found = found || b.Label == want
		}
		if !found {
			t.Errorf("at epoch %d the bars are %+v, want one labelled %q", ep+1, snap.Bars, want)
		}
	}
}

// TestJoinableIDsSeekToLive: for streams of the shortest runs (--steps 1,
// where MaxSeekRuns binds before MaxSeek), the oldest id JoinOffset
// accepts still seeks all the way to its live point, not short of it (the
// viewer would then step the rest of the way, for seconds).
func TestJoinableIDsSeekToLive(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	seeds := []uint64{1, 2, 3, 42, 65, 99, 7777, 123456}
	if testing.Short() {
		seeds = seeds[:2] // each seed costs a bisection of full seeks
	}
	for _, seed := range seeds {
		o := Options{Seed: seed, Speed: 128, Steps: 1}
		lo, hi := time.Duration(0), MaxSeek
		for hi-lo > time.Minute {
			mid := (lo + hi) / 2
			o.Start = now.Add(-mid)
			if _, err := JoinOffset(o, now); err == nil {
				lo = mid
			} else {
				hi = mid
			}
		}
		o.Start = now.Add(-lo)
		at, err := JoinOffset(o, now)
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewStream(o)
		if err != nil {
			t.Fatal(err)
		}
		s.Seek(at)
		if s.Now() != at {
			t.Errorf("seed %d: the oldest joinable id (%v old) seeks to %v, want %v", seed, lo, s.Now(), at)
		}
	}
}
