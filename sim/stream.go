package sim

import (
	"sort"
	"time"
)

// ringCap is how many events a stream keeps for EventsSince and Event: a
// little more than the tallest screen (100 rows) shows, since a viewer's log
// draws its lines from this ring instead of keeping copies. Every held event
// is scanned by the garbage collector on every cycle, in every session, so
// the ring holds what a screen can show and no more (512 held ~57 KB a
// session).
const ringCap = 128

// RingCap is how many of the newest events a stream holds: what a viewer can
// read back with Event after a tick, or after a Seek.
const RingCap = ringCap

// Stream is an endless chain of runs on a virtual clock. It is not safe for
// concurrent use: one session owns one stream.
type Stream struct {
	o   Options
	cat *catalog
	now time.Duration

	// event ring
	seq   uint64
	ring  []Event
	head  int
	count int

	// the current run and the cursors of its two event sources
	plan     *runPlan
	runStart time.Duration // virtual time the run began
	statics  []line
	si       int           // next static line
	logStep  int64         // next step that prints a train line (> EndStep: none)
	logSeg   int           // the train segment holding logStep
	trainAt  time.Duration // run time of logStep's lines
	pend     []line        // scratch for one step's lines
	nextAt   time.Duration // virtual time of the next event or run switch

	segIdx     int // segment of the last snapshot (a hint)
	hist       []LossPoint
	histNext   int64
	histStride int64
}

// NewStream validates o and starts its first run at virtual time 0.
// Options.Start is kept in UTC to the millisecond — what a run id carries —
// so a session and everyone joining its id print identical timestamps.
func NewStream(o Options) (*Stream, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if !o.Start.IsZero() {
		o.Start = o.Start.UTC().Truncate(time.Millisecond)
	}
	s := &Stream{o: o, cat: newCatalog(o), ring: make([]Event, ringCap), hist: make([]LossPoint, 0, 512)}
	s.startRun(drawRun(o, 0, o.Seed, s.cat), 0)
	return s, nil
}

// nextSeed derives the next run's seed: runs never repeat within a stream.
func nextSeed(seed uint64) uint64 { return hash2(seed, saltRun) }

// Options returns the options the stream was built with.
func (s *Stream) Options() Options { return s.o }

// Now is the virtual time since the stream's start.
func (s *Stream) Now() time.Duration { return s.now }

// Run is the current run. The pointer stays valid and unchanged for that run.
func (s *Stream) Run() *Run { return s.plan.run }

// NextSeq is the Seq the next produced event will get.
func (s *Stream) NextSeq() uint64 { return s.seq }

// startRun makes p the current run, beginning at virtual time start.
func (s *Stream) startRun(p *runPlan, start time.Duration) {
	s.plan, s.runStart = p, start
	s.statics = p.statics()
	s.si = 0
	s.segIdx = 0
	run := p.run
	s.hist = s.hist[:0]
	// A window that resumes a long job shows the loss of the steps before
	// it too (as much as the window itself, at least 100 steps), so a
	// viewer's chart has a curve from the first frame: the loss is defined
	// for every step of the job, not only the window's.
	from := run.StartStep
	if from > 0 {
		from = max(0, from-max(run.EndStep-run.StartStep, 100))
	}
	s.histNext = from
	s.histStride = max(1, (run.EndStep-from+510)/511)
	s.setLogStep((run.StartStep/run.LogEvery + 1) * run.LogEvery)
	s.updateNext()
}

// setLogStep points the train cursor at log step k (or past the end).
func (s *Stream) setLogStep(k int64) {
	p := s.plan
	s.logStep = k
	if k > p.run.EndStep {
		return
	}
	for i := range p.segs {
		sg := &p.segs[i]
		if sg.kind == segTrain && k > sg.step0 && k <= sg.step1 {
			s.logSeg = i
			s.trainAt = p.stepTime(sg, k)
			return
		}
	}
	s.logStep = p.run.EndStep + 1
}

func (s *Stream) updateNext() {
	n := s.plan.run.Duration
	if s.si < len(s.statics) {
		n = min(n, s.statics[s.si].at)
	}
	if s.logStep <= s.plan.run.EndStep {
		n = min(n, s.trainAt)
	}
	s.nextAt = s.runStart + n
}

// Advance moves the virtual clock forward by dt, producing every event due
// on the way (events at exactly the new time included).
func (s *Stream) Advance(dt time.Duration) {
	if dt <= 0 {
		return
	}
	target := s.now + dt
	for s.nextAt <= target {
		s.fire()
	}
	s.now = target
}

// fire produces the next event, or starts the next run when this one is over.
func (s *Stream) fire() {
	p := s.plan
	t := s.nextAt - s.runStart
	if t >= p.run.Duration {
		s.startRun(drawRun(s.o, p.run.Index+1, nextSeed(p.run.Seed), s.cat), s.runStart+p.run.Duration)
		return
	}
	if s.logStep <= p.run.EndStep && (s.si >= len(s.statics) || s.trainAt <= s.statics[s.si].at) {
		s.pend = p.trainLines(s.logStep, &p.segs[s.logSeg], s.pend[:0])
		for i := range s.pend {
			s.emit(&s.pend[i])
		}
		s.setLogStep(s.logStep + p.run.LogEvery)
	} else {
		s.emit(&s.statics[s.si])
		s.si++
	}
	s.updateNext()
}

func (s *Stream) emit(l *line) {
	at := s.runStart + l.at
	i := (s.head + s.count) % ringCap
	if s.count == ringCap {
		s.head = (s.head + 1) % ringCap
	} else {
		s.count++
	}
	s.ring[i] = Event{
		Seq: s.seq, At: at, Time: s.o.Start.Add(at), Level: l.level, Rank: l.rank, Text: l.text,
		Kind: l.kind, Style: s.plan.run.Framework, Source: l.source, Local: l.local, RunIdx: s.plan.run.Index,
	}
	s.seq++
}

// EventsSince appends to dst the held events with Seq >= seq, in order, and
// returns the extended slice and the Seq to ask for next time. A seq older
// than the ring starts at the oldest held event.
func (s *Stream) EventsSince(seq uint64, dst []Event) ([]Event, uint64) {
	oldest := s.seq - uint64(s.count)
	if seq < oldest {
		seq = oldest
	}
	for q := seq; q < s.seq; q++ {
		dst = append(dst, s.ring[(s.head+int(q-oldest))%ringCap])
	}
	return dst, s.seq
}

// OldestSeq is the Seq of the oldest event held (NextSeq when none is).
func (s *Stream) OldestSeq() uint64 { return s.seq - uint64(s.count) }

// Event returns the held event numbered seq; ok is false once it has left
// the ring (or before it happened). The copy shares its strings with the
// ring, so reading an event allocates nothing.
func (s *Stream) Event(seq uint64) (e Event, ok bool) {
	oldest := s.OldestSeq()
	if seq < oldest || seq >= s.seq {
		return Event{}, false
	}
	return s.ring[(s.head+int(seq-oldest))%ringCap], true
}

// SkipRun ends the current run now; the next run (derived seed) starts at
// the current virtual time. Seek ignores skips: it always lands where the
// unskipped stream would be.
func (s *Stream) SkipRun() {
	p := s.plan
	s.startRun(drawRun(s.o, p.run.Index+1, nextSeed(p.run.Seed), s.cat), s.now)
}

// Seek jumps to absolute virtual time at (forwards or backwards), at most
// MaxSeek and MaxSeekRuns runs in. Only run configurations are walked, never steps, so hours take
// milliseconds.
// Afterwards the ring holds the events of the last stretch before at (it
// is full unless the stream is younger), as a watcher would have seen
// them, numbered on from the NextSeq before the call: a viewer should clear
// its log and read from that Seq.
func (s *Stream) Seek(at time.Duration) {
	at = max(0, min(at, MaxSeek))
	type placed struct {
		p     *runPlan
		start time.Duration
	}
	const keep = 8
	var kept [keep]placed
	n := 0
	p, start := drawRun(s.o, 0, s.o.Seed, s.cat), time.Duration(0)
	kept[0] = placed{p, 0}
	n = 1
	for start+p.run.Duration <= at {
		if n >= MaxSeekRuns {
			// A bound on the walk's cost; JoinOffset refuses the ids
			// that would get here, so no viewer lands short of live.
			at = start + p.run.Duration - 1
			break
		}
		start += p.run.Duration
		p = drawRun(s.o, p.run.Index+1, nextSeed(p.run.Seed), s.cat)
		kept[n%keep] = placed{p, start}
		n++
	}
	seq0 := s.seq
	for window := 20 * time.Minute; ; window *= 2 {
		t0 := max(0, at-window)
		first := max(0, n-keep)
		pick := kept[first%keep]
		for i := first; i < n; i++ {
			if kept[i%keep].start <= t0 {
				pick = kept[i%keep]
			}
		}
		t0 = max(t0, pick.start)
		s.seq, s.head, s.count = seq0, 0, 0
		s.startRun(pick.p, pick.start)
		s.positionAt(t0 - pick.start)
		s.now = t0
		for s.nextAt <= at {
			s.fire()
		}
		s.now = at
		if s.count >= ringCap || t0 == 0 || t0 > at-window || window > 48*time.Hour {
			break
		}
	}
}

// positionAt moves the current run's cursors to the first events at or
// after run time t, without producing anything.
func (s *Stream) positionAt(t time.Duration) {
	p := s.plan
	s.si = sort.Search(len(s.statics), func(i int) bool { return s.statics[i].at >= t })
	L := p.run.LogEvery
	k := int64(-1)
	for i := range p.segs {
		sg := &p.segs[i]
		if sg.kind != segTrain || sg.end < t {
			continue
		}
		if sg.start >= t {
			k = (sg.step0/L + 1) * L
			break
		}
		done := p.stepAt(sg, t)
		m := max((sg.step0/L+1)*L, done/L*L)
		for m <= sg.step1 && p.stepTime(sg, m) < t {
			m += L
		}
		if m <= sg.step1 {
			k = m
			break
		}
	}
	if k < 0 {
		k = p.run.EndStep + 1
	}
	s.setLogStep(k)
	s.updateNext()
}
