package sim

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

func mustStream(t testing.TB, o Options) *Stream {
	t.Helper()
	if o.Start.IsZero() {
		o.Start = testStart
	}
	s, err := NewStream(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestInvariantsOverManySeeds drives whole cycles of thousands of seeds and
// checks every invariant of a consistent run on each snapshot and log, then the
// believability invariants (believe_test.go) on each run and across runs,
// reporting the share of runs each one catches.
func TestInvariantsOverManySeeds(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 300
	}
	// four shards in parallel (one stream each, nothing shared), counted
	// after they all finish
	const shards = 4
	type tally struct {
		jobs                      map[JobKind]int
		resumed, spikes, patience int
		caught                    map[string]int
		example                   map[string]string
		recs                      []runRecord
	}
	tallies := make([]tally, shards)
	t.Run("seeds", func(t *testing.T) {
		for sh := range shards {
			t.Run(fmt.Sprint(sh), func(t *testing.T) {
				t.Parallel()
				c := &tallies[sh]
				c.jobs = map[JobKind]int{}
				c.caught, c.example = map[string]int{}, map[string]string{}
				for seed := uint64(sh); seed < uint64(n); seed += shards {
					s := mustStream(t, Options{Seed: seed * 0x9e3779b97f4a7c15})
					r, p := s.Run(), s.plan
					lines, err := cycle(s, 7*time.Second+time.Duration(seed%5)*time.Second, 16)
					if err != nil {
						t.Fatalf("seed %d (%s on %d×%s, %s): %v", seed, r.Model.Key, r.Nodes, r.GPU.Key, r.Job, err)
					}
					for _, b := range beliefs {
						if err := b.check(p, s.Options(), lines); err != nil {
							c.caught[b.name]++
							if c.example[b.name] == "" {
								c.example[b.name] = fmt.Sprintf("seed %d (%s on %d×%s, %s): %v", seed, r.Model.Key, r.Nodes, r.GPU.Key, r.Job, err)
							}
						}
					}
					c.recs = append(c.recs, recordOf(p, lines))
					c.jobs[r.Job]++
					if r.StartStep > 0 {
						c.resumed++
					}
					all := strings.Join(lines, "\n")
					if strings.Contains(all, "Loss spike") {
						c.spikes++
					}
					if strings.Contains(all, "patience") {
						c.patience++
					}
				}
			})
		}
	})
	jobs := map[JobKind]int{}
	resumed, spikes, patience := 0, 0, 0
	caught, example := map[string]int{}, map[string]string{}
	var recs []runRecord
	for _, c := range tallies {
		for k, v := range c.jobs {
			jobs[k] += v
		}
		for k, v := range c.caught {
			caught[k] += v
			if example[k] == "" {
				example[k] = c.example[k]
			}
		}
		recs = append(recs, c.recs...)
		resumed += c.resumed
		spikes += c.spikes
		patience += c.patience
	}
	t.Logf("%v, %d resumed, %d with spikes, %d with patience warnings", jobs, resumed, spikes, patience)
	if jobs[JobPretrain] == 0 || jobs[JobFinetune] == 0 || resumed == 0 || spikes == 0 || patience == 0 {
		t.Errorf("the seeds never showed some behaviour: %v resumed %d spikes %d patience %d", jobs, resumed, spikes, patience)
	}
	for _, b := range beliefs {
		t.Logf("%-32s %5.1f %% of %d runs", b.name, 100*float64(caught[b.name])/float64(len(recs)), len(recs))
		if caught[b.name] > 0 {
			t.Errorf("%s fails in %d of %d runs, e.g. %s", b.name, caught[b.name], len(recs), example[b.name])
		}
	}
	cross := crossRunChecks(recs)
	names := make([]string, 0, len(cross))
	for name := range cross {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		share, detail, ok := cross[name]()
		t.Logf("%-32s %5.1f %% of the runs it counts: %s", name, 100*share, detail)
		if !ok && len(recs) >= 300 {
			t.Errorf("%s: %s", name, detail)
		}
	}
}

// TestForcedOptionsHold checks user choices are kept in every run.
func TestForcedOptionsHold(t *testing.T) {
	s := mustStream(t, Options{Seed: 3, Model: "Llama-3-70B", GPU: "H100", Nodes: 16, Job: JobFinetune})
	for range 3 {
		r := s.Run()
		if r.Model.Key != "llama-3-70b" || r.GPU.Key != "h100" || r.Nodes != 16 || r.Job != JobFinetune {
			t.Fatalf("run %d ignores forced options: %s %s %d %s", r.Index, r.Model.Key, r.GPU.Key, r.Nodes, r.Job)
		}
		if _, err := cycle(s, 10*time.Second, 8); err != nil {
			t.Fatal(err)
		}
	}
	s = mustStream(t, Options{Seed: 4, Steps: 40, Cycle: 3 * time.Minute})
	if r := s.Run(); r.EndStep-r.StartStep != 40 {
		t.Errorf("steps forced to 40, window is %d..%d", r.StartStep, r.EndStep)
	}
}

func TestDeterminism(t *testing.T) {
	collect := func(o Options, dts []time.Duration) ([]Event, Snapshot) {
		s := mustStream(t, o)
		var evs []Event
		var next uint64
		for _, dt := range dts {
			s.Advance(dt)
			evs, next = s.EventsSince(next, evs)
		}
		var snap Snapshot
		s.Snapshot(&snap)
		return evs, snap
	}
	even := make([]time.Duration, 900)
	for i := range even {
		even[i] = time.Second
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var ragged []time.Duration
	for total := time.Duration(0); total < 900*time.Second; {
		d := time.Duration(rng.IntN(3000)) * time.Millisecond
		if total+d > 900*time.Second {
			d = 900*time.Second - total
		}
		ragged = append(ragged, d)
		total += d
	}
	for _, seed := range []uint64{1, 42, 1 << 40} {
		o := Options{Seed: seed, Start: testStart}
		e1, s1 := collect(o, even)
		e2, s2 := collect(o, even)
		e3, s3 := collect(o, ragged)
		if !reflect.DeepEqual(e1, e2) || !reflect.DeepEqual(s1, s2) {
			t.Fatalf("seed %d: two identical streams differ", seed)
		}
		if !reflect.DeepEqual(e1, e3) || !reflect.DeepEqual(s1.Metrics, s3.Metrics) || !reflect.DeepEqual(s1.Bars, s3.Bars) || !reflect.DeepEqual(s1.GPUs, s3.GPUs) {
			t.Fatalf("seed %d: advancing in other increments changes the stream", seed)
		}
		o2 := o
		o2.Seed++
		e4, _ := collect(o2, even)
		if reflect.DeepEqual(texts(e1), texts(e4)) {
			t.Fatalf("seeds %d and %d give the same log", seed, seed+1)
		}
	}
}

func texts(evs []Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.String()
	}
	return out
}

func TestRunsChainWithDerivedSeeds(t *testing.T) {
	s := mustStream(t, Options{Seed: 9})
	seen := map[uint64]bool{}
	names := map[string]int{}
	for i := range 12 {
		r := s.Run()
		if r.Index != i || seen[r.Seed] {
			t.Fatalf("run %d: index %d seed %d (repeat %v)", i, r.Index, r.Seed, seen[r.Seed])
		}
		seen[r.Seed] = true
		names[r.Model.Key]++
		s.Advance(r.Duration - (s.Now() - runStartOf(s)))
		if s.Run() == r {
			t.Fatalf("run %d did not end after its duration", i)
		}
	}
	if len(names) < 4 {
		t.Errorf("12 runs used only models %v", names)
	}
}

func runStartOf(s *Stream) time.Duration { return s.runStart }

func TestSkipRun(t *testing.T) {
	s := mustStream(t, Options{Seed: 5})
	s.Advance(90 * time.Second)
	r := s.Run()
	s.SkipRun()
	if s.Run() == r || s.Run().Index != 1 {
		t.Fatal("SkipRun did not start the next run")
	}
	var snap Snapshot
	s.Snapshot(&snap)
	if snap.Phase != PhaseInit || snap.RunElapsed != 0 {
		t.Fatalf("after SkipRun: phase %v elapsed %v", snap.Phase, snap.RunElapsed)
	}
	if _, err := cycle(s, 5*time.Second, 8); err != nil {
		t.Fatal(err)
	}
}

func TestEventsSince(t *testing.T) {
	s := mustStream(t, Options{Seed: 11})
	if evs, next := s.EventsSince(0, nil); len(evs) != 0 || next != 0 {
		t.Fatalf("fresh stream has events %v", evs)
	}
	s.Advance(20 * time.Second)
	evs, next := s.EventsSince(0, nil)
	if len(evs) == 0 || next != s.NextSeq() || evs[0].Seq != 0 {
		t.Fatalf("got %d events, next %d", len(evs), next)
	}
	again, _ := s.EventsSince(next, nil)
	if len(again) != 0 {
		t.Fatalf("no new events expected, got %d", len(again))
	}
	tail, _ := s.EventsSince(next-2, nil)
	if len(tail) != 2 || tail[1].Seq != next-1 {
		t.Fatalf("tail %v", tail)
	}
	s.Advance(4 * time.Hour)
	all, next2 := s.EventsSince(0, nil)
	if len(all) != ringCap || all[0].Seq != next2-ringCap {
		t.Fatalf("after 4h: %d events from %d, next %d", len(all), all[0].Seq, next2)
	}
}

// TestSeekMatchesAdvance: seeking to T shows what advancing to T shows.
func TestSeekMatchesAdvance(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range 12 {
		o := Options{Seed: rng.Uint64(), Start: testStart}
		if i%3 == 0 {
			o.Model = "llama-3.1-405b"
		}
		at := time.Duration(rng.Int64N(int64(3 * time.Hour)))
		a := mustStream(t, o)
		for a.Now() < at {
			a.Advance(min(37*time.Second, at-a.Now()))
		}
		b := mustStream(t, o)
		b.Advance(5 * time.Second)
		b.Seek(at)
		var sa, sb Snapshot
		a.Snapshot(&sa)
		b.Snapshot(&sb)
		if sa.Run.Seed != sb.Run.Seed || sa.Phase != sb.Phase || sa.Metrics != sb.Metrics || sa.RunElapsed != sb.RunElapsed ||
			!reflect.DeepEqual(sa.Bars, sb.Bars) || !reflect.DeepEqual(sa.Loss, sb.Loss) || !reflect.DeepEqual(sa.GPUs, sb.GPUs) {
			t.Fatalf("seed %d at %v: seek gives %v step %d loss %.4f, advance %v step %d loss %.4f",
				o.Seed, at, sb.Phase, sb.Metrics.Step, sb.Metrics.Loss, sa.Phase, sa.Metrics.Step, sa.Metrics.Loss)
		}
		ea, _ := a.EventsSince(0, nil)
		eb, _ := b.EventsSince(0, nil)
		if len(eb) < min(ringCap, len(ea)) {
			t.Fatalf("seed %d at %v: only %d events of history after seek", o.Seed, at, len(eb))
		}
		ta, tb := texts(ea), texts(eb)
		if fmt.Sprint(ta[len(ta)-len(tb):]) != fmt.Sprint(tb) && len(tb) <= len(ta) {
			t.Fatalf("seed %d at %v: history after seek differs from what a watcher saw", o.Seed, at)
		}
		// and both go on identically
		a.Advance(3 * time.Minute)
		b.Advance(3 * time.Minute)
		na, _ := a.EventsSince(a.NextSeq()-50, nil)
		nb, _ := b.EventsSince(b.NextSeq()-50, nil)
		if fmt.Sprint(texts(na)) != fmt.Sprint(texts(nb)) {
			t.Fatalf("seed %d: streams diverge after seek", o.Seed)
		}
	}
}

func TestSeekBackwardsAndToZero(t *testing.T) {
	s := mustStream(t, Options{Seed: 21})
	s.Advance(2 * time.Hour)
	s.Seek(10 * time.Second)
	if s.Now() != 10*time.Second || s.Run().Index != 0 {
		t.Fatalf("seek back: now %v run %d", s.Now(), s.Run().Index)
	}
	evs, _ := s.EventsSince(0, nil)
	if len(evs) == 0 || evs[len(evs)-1].At > 10*time.Second {
		t.Fatalf("seek back history wrong: %d events", len(evs))
	}
	s.Seek(0)
	if evs, _ := s.EventsSince(0, nil); len(evs) != 0 {
		t.Fatalf("at time 0 there is no history yet, got %d events", len(evs))
	}
}

func TestSnapshotReusesSlices(t *testing.T) {
	s := mustStream(t, Options{Seed: 31, Model: "llama-3-8b", Job: JobPretrain})
	s.Advance(2 * time.Minute)
	var snap Snapshot
	s.Snapshot(&snap)
	allocs := testing.AllocsPerRun(100, func() {
		s.Advance(250 * time.Millisecond)
		s.Snapshot(&snap)
	})
	if allocs > 1 {
		t.Errorf("Snapshot allocates %.1f times per call in steady state", allocs)
	}
}

func TestSeekIsBounded(t *testing.T) {
	s := mustStream(t, Options{Seed: 23})
	s.Seek(100 * 365 * 24 * time.Hour)
	if s.Now() != MaxSeek {
		t.Fatalf("seek far past MaxSeek lands at %v, want %v", s.Now(), MaxSeek)
	}
	if evs, _ := s.EventsSince(0, nil); len(evs) < ringCap {
		t.Fatalf("only %d events of history at MaxSeek", len(evs))
	}
}

// TestResumedWindowChartsItsPast: a window that resumes a long job has a
// loss curve from its first snapshot (the steps before the window, as much
// as the window and at least 100), never past the current step.
func TestResumedWindowChartsItsPast(t *testing.T) {
	resumed := 0
	for seed := uint64(1); seed <= 40; seed++ {
		s := mustStream(t, Options{Seed: seed, Start: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)})
		var snap Snapshot
		s.Snapshot(&snap)
		r := s.Run()
		if r.StartStep == 0 {
			if len(snap.Loss) > 1 {
				t.Errorf("seed %d: a run from step 0 charts %d points before training", seed, len(snap.Loss))
			}
			continue
		}
		resumed++
		if len(snap.Loss) < 50 {
			t.Fatalf("seed %d: resumed at step %d with %d loss points", seed, r.StartStep, len(snap.Loss))
		}
		if first := snap.Loss[0].Step; first >= r.StartStep || first < r.StartStep-max(r.EndStep-r.StartStep, 100) {
			t.Errorf("seed %d: chart starts at step %d for a window %d..%d", seed, first, r.StartStep, r.EndStep)
		}
		for _, p := range snap.Loss {
			if p.Step > snap.Metrics.Step {
				t.Fatalf("seed %d: point at step %d ahead of step %d", seed, p.Step, snap.Metrics.Step)
			}
		}
	}
	if resumed == 0 {
		t.Fatal("no resumed window among the seeds")
	}
}

func TestEventReadsTheRing(t *testing.T) {
	s := mustStream(t, Options{Seed: 11})
	if _, ok := s.Event(0); ok {
		t.Fatal("a fresh stream holds event 0")
	}
	s.Advance(4 * time.Hour)
	held, next := s.EventsSince(0, nil)
	if s.OldestSeq() != held[0].Seq || next != s.NextSeq() {
		t.Fatalf("oldest %d, next %d; EventsSince starts at %d, next %d", s.OldestSeq(), s.NextSeq(), held[0].Seq, next)
	}
	for _, want := range held {
		got, ok := s.Event(want.Seq)
		if !ok || got != want {
			t.Fatalf("Event(%d) = %+v, %v; want %+v", want.Seq, got, ok, want)
		}
	}
	for _, seq := range []uint64{s.OldestSeq() - 1, s.NextSeq(), s.NextSeq() + 1000} {
		if _, ok := s.Event(seq); ok {
			t.Fatalf("Event(%d) found outside the ring [%d, %d)", seq, s.OldestSeq(), s.NextSeq())
		}
	}
}
