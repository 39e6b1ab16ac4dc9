package sim

import (
	"fmt"
	"math"
	"time"
)

// trainLines appends the lines printed when step k (a multiple of LogEvery)
// completes in train segment sg: warnings about what happened since the last
// log line, the framework's step line, and now and then a gradient
// all-reduce timing. All of it is a pure function of k.
func (p *runPlan) trainLines(k int64, sg *seg, out []line) []line {
	run, ph := p.run, &p.phys
	at := p.stepTime(sg, k)
	from := k - run.LogEvery
	// spikes whose peak (s0+2) or recovery falls in (from, k]
	for b := max(0, (from-2)/ph.spikeBlock-1); b <= k/ph.spikeBlock; b++ {
		s0, _, ok := ph.spikeAt(b)
		if !ok {
			continue
		}
		peak := s0 + 2
		rec := peak + int64(math.Ceil(4*ph.spikeDecay))
		if peak > from && peak <= k && peak > run.StartStep {
			out = append(out, line{at: at, level: LevelWarning, kind: KindLog, source: p.src("trainer"),
				text: fmt.Sprintf("Loss spike at step %d: loss %.4f vs trend %.4f, grad norm %.2f at step %d before clipping to 1.0; continuing",
					peak, ph.loss(peak), ph.base(peak), bf16(ph.gradNorm(s0)), s0)})
		}
		if rec > from && rec <= k && peak > run.StartStep {
			out = append(out, line{at: at, level: LevelInfo, kind: KindLog, source: p.src("trainer"),
				text: fmt.Sprintf("Loss recovered at step %d: %.4f (trend %.4f), %d steps after the spike", rec, ph.loss(rec), ph.base(rec), rec-peak)})
		}
	}
	if float64(run.MemPerGPUMiB) > 0.86*float64(run.GPU.MemMiB) && unit(hash2(ph.seed^saltMisc, uint64(k))) < 0.04 {
		out = append(out, line{at: at, level: LevelWarning, kind: KindLog, source: p.src("trainer"),
			text: fmt.Sprintf("%d pytorch allocator cache flushes since last step. this happens when there is high memory pressure and is detrimental to performance. if this is happening frequently, consider adding torch.cuda.empty_cache() calls in your training loop to ensure that all ranks flush their caches at the same time",
				1+int(unit(hash2(ph.seed^saltMisc, uint64(k)+1))*3))})
	}
	out = append(out, p.stepLine(k, sg, at))
	if run.DP > 1 && (k/run.LogEvery)%p.allReduceEvery() == 0 {
		out = append(out, p.allReduceLine(k, at))
	}
	return out
}

// allReduceEvery spaces the all-reduce timing lines about 30 s apart.
func (p *runPlan) allReduceEvery() int64 {
	return max(1, int64(math.Round(30/(float64(p.run.LogEvery)*p.run.StepTime.Seconds()))))
}

// gradBytes is the bf16 gradient volume one data-parallel rank reduces.
func (p *runPlan) gradBytes() float64 {
	return 2 * float64(p.run.Params) / float64(p.run.TP*p.run.PP)
}

// allReduceLine times the gradient reduction: t = f·(G−1)/G · bytes / busbw
// with f = 2 for all-reduce, 1 for reduce-scatter.
func (p *runPlan) allReduceLine(k int64, at time.Duration) line {
	run := p.run
	op, f := "reduce-scatter", 1.0
	if run.Sharding == "ZeRO-1" {
		op, f = "all-reduce", 2.0
	}
	bw := p.gradBusBW * (0.93 + 0.06*unit(hash2(p.phys.seed^saltMisc, uint64(k)+7)))
	dp := float64(run.DP)
	t := f * (dp - 1) / dp * p.gradBytes() / (bw * 1e9)
	return line{at: at, level: LevelInfo, kind: KindLog, source: p.src("trainer"),
		text: fmt.Sprintf("NCCL %s of bf16 grads: %s over %d DP ranks in %s ms (bus bw %.1f GB/s), overlapped with backward",
			op, gb(int64(p.gradBytes())), run.DP, millis(t), bw)}
}

// millis prints seconds as milliseconds with 2 decimals below 100 ms.
func millis(t float64) string {
	if t < 0.1 {
		return fmt.Sprintf("%.2f", t*1e3)
	}
	return fmt.Sprintf("%.1f", t*1e3)
}

// meanStep is the mean step duration over the log interval ending at k.
func (p *runPlan) meanStep(k int64, sg *seg) time.Duration {
	from := max(sg.step0, k-p.run.LogEvery)
	if k <= from {
		return p.run.StepTime
	}
	return (p.stepTime(sg, k) - p.stepTime(sg, from)) / time.Duration(k-from)
}

// stepLine is the framework's per-step log line at step k.
func (p *runPlan) stepLine(k int64, sg *seg, at time.Duration) line {
	run, ph := p.run, &p.phys
	loss := ph.loss(k)
	gn := bf16(ph.gradNorm(k))
	lr := ph.lr(k)
	dur := p.meanStep(k, sg)
	mfu := run.MFU * run.StepTime.Seconds() / dur.Seconds()
	tflops := mfu * run.GPU.PeakTFLOPs
	gpus := float64(run.Nodes * run.GPUsPerNode)
	switch run.Framework {
	case FrameworkMegatron:
		return line{at: at, level: LevelInfo, kind: KindLog, text: fmt.Sprintf(
			" iteration %8d/%8d | consumed samples: %12d | elapsed time per iteration (ms): %.1f | throughput per GPU (TFLOP/s/GPU): %.1f | learning rate: %E | global batch size: %5d | lm loss: %E | loss scale: 1.0 | grad norm: %.3f | number of skipped iterations:   0 | number of nan iterations:   0 |",
			k, run.TotalSteps, k*int64(run.GlobalBatch), dur.Seconds()*1e3, tflops, lr, run.GlobalBatch, loss, gn)}
	case FrameworkTorchtitan:
		mem := float64(run.MemPerGPUMiB) / 1024
		tps := ph.tokensPerStep / dur.Seconds() / gpus
		return line{at: at, level: LevelInfo, kind: KindLog, text: fmt.Sprintf(
			"step: %d  loss: %7.4f  grad_norm: %7.4f  memory: %.2fGiB(%.2f%%)  tps: %s  tflops: %.2f  mfu: %.2f%%",
			k, loss, gn, mem, 100*float64(run.MemPerGPUMiB)/float64(run.GPU.MemMiB), commas(int64(math.Round(tps))), tflops, 100*mfu)}
	}
	return line{at: at, level: LevelInfo, rank: -1, kind: KindPrint, text: fmt.Sprintf(
		"{'loss': %s, 'grad_norm': %s, 'learning_rate': %s, 'epoch': %s}",
		pyFloat(round(loss, 4)), pyFloat(gn), pyFloat(lr), pyFloat(round(p.epoch(k), 2)))}
}
