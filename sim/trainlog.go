package sim

import (
	"fmt"
	"math"
	"strconv"
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
					peak, ph.loss(peak), ph.base(peak), p.gradNorm(s0), s0)})
		}
		if rec > from && rec <= k && peak > run.StartStep {
			out = append(out, line{at: at, level: LevelInfo, kind: KindLog, source: p.src("trainer"),
				text: fmt.Sprintf("Loss recovered at step %d: %.4f (trend %.4f), %d steps after the spike", rec, ph.loss(rec), ph.base(rec), rec-peak)})
		}
	}
	if float64(run.MemPerGPUMiB) > 0.88*float64(run.GPU.MemMiB) && unit(hash2(ph.seed^saltMisc, uint64(k))) < 0.015 {
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

// gradNorm is the grad norm at step as the run's framework reports it:
// HF Trainer hands back the bf16 tensor's value (0.287109375), Megatron-LM
// and torchtitan reduce the norm in fp32.
func (p *runPlan) gradNorm(step int64) float64 {
	g := p.phys.gradNorm(step)
	if p.run.Framework == FrameworkHF {
		return bf16(g)
	}
	return g
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
// with f = 2 for all-reduce, 1 for reduce-scatter (comm.go says which the
// sharding runs, and what else a step communicates).
func (p *runPlan) allReduceLine(k int64, at time.Duration) line {
	run := p.run
	op, f := gradOp(run), 1.0
	if op == "all-reduce" {
		f = 2
	}
	bw := p.gradBusBW * (0.93 + 0.06*unit(hash2(p.phys.seed^saltMisc, uint64(k)+7)))
	dp := float64(run.DP)
	// timed from the volume as printed (to 10 MB), so the line's own
	// numbers agree even for a small model's few hundred MB
	t := f * (dp - 1) / dp * round(p.gradBytes()/1e9, 2) / bw
	b := append(p.buf[:0], "NCCL "...)
	b = append(b, op...)
	b = append(b, " of bf16 grads: "...)
	b = strconv.AppendFloat(b, float64(int64(p.gradBytes()))/1e9, 'f', 2, 64)
	b = append(b, " GB over "...)
	b = strconv.AppendInt(b, int64(run.DP), 10)
	b = append(b, " DP ranks in "...)
	prec := 1
	if t < 0.1 {
		prec = 2
	}
	b = strconv.AppendFloat(b, t*1e3, 'f', prec, 64)
	b = append(b, " ms (bus bw "...)
	b = strconv.AppendFloat(b, bw, 'f', 1, 64)
	b = append(b, " GB/s)"...)
	switch run.Sharding {
	case "ZeRO-3", "FSDP":
		b = append(b, " per micro-batch, with 2 all-gathers of the params"...)
	case "ZeRO-2":
		b = append(b, " per micro-batch"...)
	}
	if p.commBound {
		b = append(b, ", not all hidden: the step waits for communication"...)
	} else {
		b = append(b, ", overlapped with backward"...)
	}
	p.buf = b
	return line{at: at, level: LevelInfo, kind: KindLog, source: p.src("trainer"), text: string(b)}
}

// meanStep is the mean step duration over the log interval ending at k.
func (p *runPlan) meanStep(k int64, sg *seg) time.Duration {
	from := max(sg.step0, k-p.run.LogEvery)
	if k <= from {
		return p.run.StepTime
	}
	return (p.stepTime(sg, k) - p.stepTime(sg, from)) / time.Duration(k-from)
}

// stepLine is the framework's per-step log line at step k. It is written
// with strconv appends into a reused buffer: for big runs a line per step is
// the hot path, and this keeps it to one allocation (the text itself).
func (p *runPlan) stepLine(k int64, sg *seg, at time.Duration) line {
	run, ph := p.run, &p.phys
	loss := ph.loss(k)
	gn := p.gradNorm(k)
	lr := ph.lr(k)
	dur := p.meanStep(k, sg)
	mfu := run.MFU * run.StepTime.Seconds() / dur.Seconds()
	tflops := mfu * run.GPU.PeakTFLOPs
	gpus := float64(run.Nodes * run.GPUsPerNode)
	b := p.buf[:0]
	l := line{at: at, level: LevelInfo, kind: KindLog}
	switch run.Framework {
	case FrameworkMegatron:
		b = append(b, " iteration "...)
		b = appendPadInt(b, k, 8)
		b = append(b, '/')
		b = appendPadInt(b, run.TotalSteps, 8)
		b = append(b, " | consumed samples: "...)
		b = appendPadInt(b, k*int64(run.GlobalBatch), 12)
		b = append(b, " | elapsed time per iteration (ms): "...)
		b = strconv.AppendFloat(b, dur.Seconds()*1e3, 'f', 1, 64)
		b = append(b, " | throughput per GPU (TFLOP/s/GPU): "...)
		b = strconv.AppendFloat(b, tflops, 'f', 1, 64)
		b = append(b, " | learning rate: "...)
		b = strconv.AppendFloat(b, lr, 'E', 6, 64)
		b = append(b, " | global batch size: "...)
		b = appendPadInt(b, int64(run.GlobalBatch), 5)
		b = append(b, " | lm loss: "...)
		b = strconv.AppendFloat(b, loss, 'E', 6, 64)
		b = append(b, " | loss scale: 1.0 | grad norm: "...)
		b = strconv.AppendFloat(b, gn, 'f', 3, 64)
		b = append(b, " | number of skipped iterations:   0 | number of nan iterations:   0 |"...)
	case FrameworkTorchtitan:
		tps := ph.tokensPerStep / dur.Seconds() / gpus
		b = append(b, "step: "...)
		b = strconv.AppendInt(b, k, 10)
		b = append(b, "  loss: "...)
		b = appendPadFloat(b, loss, 4, 7)
		b = append(b, "  grad_norm: "...)
		b = appendPadFloat(b, gn, 4, 7)
		b = append(b, "  memory: "...)
		b = strconv.AppendFloat(b, float64(run.MemPerGPUMiB)/1024, 'f', 2, 64)
		b = append(b, "GiB("...)
		b = strconv.AppendFloat(b, 100*float64(run.MemPerGPUMiB)/float64(run.GPU.MemMiB), 'f', 2, 64)
		b = append(b, "%)  tps: "...)
		b = AppendCommas(b, int64(math.Round(tps)))
		b = append(b, "  tflops: "...)
		b = strconv.AppendFloat(b, tflops, 'f', 2, 64)
		b = append(b, "  mfu: "...)
		b = strconv.AppendFloat(b, 100*mfu, 'f', 2, 64)
		b = append(b, '%')
	default:
		l.rank, l.kind = -1, KindPrint
		b = append(b, "{'loss': "...)
		b = appendPyFloat(b, round(loss, 4))
		b = append(b, ", 'grad_norm': "...)
		b = appendPyFloat(b, gn)
		b = append(b, ", 'learning_rate': "...)
		b = appendPyFloat(b, lr)
		b = append(b, ", 'epoch': "...)
		b = appendPyFloat(b, round(p.epoch(k), 2))
		b = append(b, '}')
	}
	p.buf = b
	l.text = string(b)
	return l
}

// appendPadInt is %*d: right-aligned in width.
func appendPadInt(b []byte, v int64, width int) []byte {
	n := 1
	for x := v; x >= 10 || x <= -10; x /= 10 {
		n++
	}
	if v < 0 {
		n++
	}
	for ; n < width; n++ {
		b = append(b, ' ')
	}
	return strconv.AppendInt(b, v, 10)
}

// appendPadFloat is %*.*f.
func appendPadFloat(b []byte, x float64, prec, width int) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, x, 'f', prec, 64)
	if pad := width - (len(b) - start); pad > 0 {
		b = append(b, "        "[:min(pad, 8)]...)
		copy(b[start+pad:], b[start:len(b)-pad])
		for i := range pad {
			b[start+i] = ' '
		}
	}
	return b
}

// appendPyFloat appends Python's repr of a float.
func appendPyFloat(b []byte, x float64) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, x, 'g', -1, 64)
	for _, c := range b[start:] {
		if c == '.' || c == 'e' || c == 'I' || c == 'N' {
			return b
		}
	}
	return append(b, ".0"...)
}
