package sim

import (
	"fmt"
	"math"
	"time"
)

// segAt finds the segment holding run time t (starting from a hint, since
// snapshots mostly move forward).
func (s *Stream) segAt(t time.Duration) *seg {
	segs := s.plan.segs
	i := min(s.segIdx, len(segs)-1)
	for i > 0 && segs[i].start > t {
		i--
	}
	for i < len(segs)-1 && segs[i].end <= t {
		i++
	}
	s.segIdx = i
	return &segs[i]
}

// stepNow is the last completed step at run time t in segment sg.
func (p *runPlan) stepNow(sg *seg, t time.Duration) int64 {
	switch sg.kind {
	case segBanner, segLoad, segPrep:
		return p.run.StartStep
	case segTrain:
		return p.stepAt(sg, t)
	case segEval, segCkpt:
		return sg.step1
	}
	return p.run.EndStep
}

// trainSeg returns the train segment a step belongs to (its last one for
// steps past the window).
func (p *runPlan) trainSeg(k int64) *seg {
	var last *seg
	for i := range p.segs {
		sg := &p.segs[i]
		if sg.kind != segTrain {
			continue
		}
		last = sg
		if k <= sg.step1 {
			return sg
		}
	}
	return last
}

// Snapshot fills dst with the live state, reusing its slices. Set
// dst.MaxGPUs to fill only the GPUs a view can draw.
func (s *Stream) Snapshot(dst *Snapshot) {
	p := s.plan
	run := p.run
	t := s.now - s.runStart
	sg := s.segAt(t)
	dst.Run = run
	dst.Phase = sg.kind.phase()
	dst.RunElapsed = t
	dst.RunETA = 0
	for i := range p.segs {
		if p.segs[i].kind == segSummary {
			dst.RunETA = max(0, p.segs[i].start-t)
		}
	}
	k := p.stepNow(sg, t)
	s.metrics(&dst.Metrics, sg, k, t)
	dst.Bars = s.bars(dst.Bars[:0], sg, k, t)

	n := run.Nodes * run.GPUsPerNode
	if dst.MaxGPUs > 0 {
		n = min(n, dst.MaxGPUs)
	}
	if cap(dst.GPUs) < n {
		dst.GPUs = make([]GPUStat, n)
	}
	dst.GPUs = dst.GPUs[:n]
	for i := range dst.GPUs {
		p.gpuStat(i, sg, t, &dst.GPUs[i])
	}

	for s.histNext <= k && len(s.hist) < cap(s.hist) {
		s.hist = append(s.hist, LossPoint{Step: s.histNext, Loss: p.phys.loss(s.histNext)})
		s.histNext += s.histStride
	}
	dst.Loss = append(dst.Loss[:0], s.hist...)
	if len(s.hist) > 0 && s.hist[len(s.hist)-1].Step < k {
		dst.Loss = append(dst.Loss, LossPoint{Step: k, Loss: p.phys.loss(k)})
	}
	dst.ValLoss = dst.ValLoss[:0]
	for i := range p.segs {
		e := &p.segs[i]
		if e.kind == segEval && e.end <= t {
			dst.ValLoss = append(dst.ValLoss, LossPoint{Step: e.step1, Loss: p.evals[e.eval].loss})
		}
	}
}

func (s *Stream) metrics(m *Metrics, sg *seg, k int64, t time.Duration) {
	p := s.plan
	run, ph := p.run, &p.phys
	ts := p.trainSeg(k)
	dur := p.stepDur(ts, k)
	if sg.kind == segTrain && k == sg.step0 {
		dur = run.StepTime
	}
	*m = Metrics{
		Step: k, TotalSteps: run.TotalSteps,
		Epoch:  p.epoch(k),
		Tokens: int64(float64(k) * ph.tokensPerStep),
		Loss:   ph.loss(k),
		LR:     ph.lr(k), GradNorm: p.gradNorm(k),
		StepTime:   dur,
		MemUsedMiB: int(math.Min(p.memAt(sg, t), float64(run.GPU.MemMiB))),
	}
	m.PPL = math.Exp(m.Loss)
	m.TokensPerSec = ph.tokensPerStep / dur.Seconds()
	m.MFU = m.TokensPerSec * 6 * float64(run.ActiveParams) / (run.GPU.PeakTFLOPs * 1e12 * float64(run.Nodes*run.GPUsPerNode))
	m.TFLOPsPerGPU = m.MFU * run.GPU.PeakTFLOPs
	best := math.Inf(1)
	if run.StartStep > 0 {
		best = ph.val(run.StartStep) // the resumed job's best, as its log says
	}
	for i := range p.segs {
		e := &p.segs[i]
		if e.kind == segEval && e.end <= t {
			m.ValLoss = p.evals[e.eval].loss
			best = math.Min(best, m.ValLoss)
		}
	}
	if m.ValLoss > 0 {
		m.ValPPL = math.Exp(m.ValLoss)
		m.BestValLoss = best
	}
}

// bars appends the live bars, outermost first.
func (s *Stream) bars(dst []Bar, sg *seg, k int64, t time.Duration) []Bar {
	p := s.plan
	lin := func(label, unit string, sg *seg, dur time.Duration) Bar {
		el := min(t-sg.start, dur)
		f := float64(el) / float64(max(1, dur))
		b := Bar{Label: label, Unit: unit, Total: sg.total, Done: sg.total * f, Elapsed: el, ETA: dur - el,
			Rate: sg.total / dur.Seconds()}
		if unit != "B" {
			b.Done = math.Floor(b.Done)
		}
		return b
	}
	switch sg.kind {
	case segLoad:
		return append(dst, lin(sg.label, sg.unit, sg, sg.end-sg.start))
	case segTrain, segEval, segCkpt:
		dst = s.trainBars(dst, k, t)
		if sg.kind == segEval {
			dst = append(dst, lin("Evaluating", "it", sg, sg.end-sg.start))
		} else if sg.kind == segCkpt {
			dst = append(dst, lin(sg.label, "B", sg, sg.end-sg.start))
		}
		return dst
	case segMerge, segOptimize, segSerialize, segWrite:
		for i := range p.segs {
			e := &p.segs[i]
			if e.kind < segMerge || e.kind > segWrite || e.start > t {
				continue
			}
			d := e.end - e.start
			if e.kind == segWrite {
				d = writeBarDur(e)
			}
			dst = append(dst, lin(e.label, e.unit, e, d))
		}
	}
	return dst
}

// trainBars are the epoch bar (fine-tunes) and the step bar. Their rate is
// measured over the last few steps, so at speed 1 a bar claiming 2.31 s/it
// really advances one step every 2.31 s.
func (s *Stream) trainBars(dst []Bar, k int64, t time.Duration) []Bar {
	p := s.plan
	run := p.run
	ts := p.trainSeg(k)
	rate := 1 / run.StepTime.Seconds()
	// the window's first step is slower (warm-up); it stays out of the rate
	from := ts.step0
	if ts.first {
		from++
	}
	if n := min(10, k-from); n > 0 {
		rate = float64(n) / (p.stepTime(ts, k) - p.stepTime(ts, k-n)).Seconds()
	}
	first := p.trainSeg(run.StartStep + 1)
	el := max(0, t-first.start)
	eta := time.Duration(float64(run.EndStep-k) / rate * float64(time.Second))
	// A one-epoch fine-tune has one bar, as HF Trainer's tqdm shows it: an
	// epoch bar would only repeat the training bar.
	if run.Job == JobFinetune && run.StepsPerEpoch > 0 && run.Epochs > 1 {
		ep := min(int64(run.Epochs)-1, max(0, (k-1)/run.StepsPerEpoch))
		if k == 0 {
			ep = 0
		}
		in := k - ep*run.StepsPerEpoch
		left := max(0, min(run.StepsPerEpoch, run.EndStep-ep*run.StepsPerEpoch)-in)
		dst = append(dst, Bar{Label: p.epochLabel(ep), Done: float64(in), Total: float64(run.StepsPerEpoch), Unit: "it",
			Rate: rate, Elapsed: max(0, t-p.epochStart(ep*run.StepsPerEpoch)), ETA: time.Duration(float64(left) / rate * float64(time.Second))})
	}
	return append(dst, Bar{Label: "Training", Done: float64(k), Total: float64(run.TotalSteps), Unit: "it",
		Rate: rate, Elapsed: el, ETA: eta})
}

// epochLabel is "Epoch e/N" for the 0-based epoch ep. Labels past the
// first maxEpochLabels are built when their epoch comes, one at a time (a
// run of thousands of tiny epochs would otherwise build them all up front).
func (p *runPlan) epochLabel(ep int64) string {
	if ep < int64(len(p.epochLabels)) {
		return p.epochLabels[ep]
	}
	if p.lateEpoch != ep+1 {
		p.lateEpoch, p.lateLabel = ep+1, fmt.Sprintf("Epoch %d/%d", ep+1, p.run.Epochs)
	}
	return p.lateLabel
}

// epochStart is when the epoch beginning after step k started: the train
// segment resuming at k (after the epoch-end evaluation), or step k's end.
func (p *runPlan) epochStart(k int64) time.Duration {
	for i := range p.segs {
		if sg := &p.segs[i]; sg.kind == segTrain && sg.step0 == k {
			return sg.start
		}
	}
	sg := p.trainSeg(k)
	return p.stepTime(sg, k)
}
