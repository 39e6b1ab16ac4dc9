package sim

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// TestStepLineMatchesPrintf pins the hand-rolled step-line formatting to the
// printf formats it replaces, for every framework.
func TestStepLineMatchesPrintf(t *testing.T) {
	for seed := uint64(0); seed < 60; seed++ {
		p := drawRun(Options{Seed: seed}, 0, seed, newCatalog(Options{}))
		for _, fw := range []Framework{FrameworkHF, FrameworkMegatron, FrameworkTorchtitan} {
			p.run.Framework = fw
			sg := p.trainSeg(p.run.EndStep)
			k := sg.step1
			got := p.stepLine(k, sg, 0).text
			run, ph := p.run, &p.phys
			loss, gn, lr := ph.loss(k), ph.gradNorm(k), ph.lr(k)
			if fw == FrameworkHF {
				gn = bf16(gn) // HF reports the bf16 tensor; the others an fp32 norm
			}
			dur := p.meanStep(k, sg)
			mfu := run.MFU * run.StepTime.Seconds() / dur.Seconds()
			tflops := mfu * run.GPU.PeakTFLOPs
			var want string
			switch fw {
			case FrameworkMegatron:
				want = fmt.Sprintf(" iteration %8d/%8d | consumed samples: %12d | elapsed time per iteration (ms): %.1f | throughput per GPU (TFLOP/s/GPU): %.1f | learning rate: %E | global batch size: %5d | lm loss: %E | loss scale: 1.0 | grad norm: %.3f | number of skipped iterations:   0 | number of nan iterations:   0 |",
					k, run.TotalSteps, k*int64(run.GlobalBatch), dur.Seconds()*1e3, tflops, lr, run.GlobalBatch, loss, gn)
			case FrameworkTorchtitan:
				tps := ph.tokensPerStep / dur.Seconds() / float64(run.Nodes*run.GPUsPerNode)
				want = fmt.Sprintf("step: %d  loss: %7.4f  grad_norm: %7.4f  memory: %.2fGiB(%.2f%%)  tps: %s  tflops: %.2f  mfu: %.2f%%",
					k, loss, gn, float64(run.MemPerGPUMiB)/1024, 100*float64(run.MemPerGPUMiB)/float64(run.GPU.MemMiB), commas(int64(math.Round(tps))), tflops, 100*mfu)
			default:
				want = fmt.Sprintf("{'loss': %s, 'grad_norm': %s, 'learning_rate': %s, 'epoch': %s}",
					pyFloat(round(loss, 4)), pyFloat(gn), pyFloat(lr), pyFloat(round(p.epoch(k), 2)))
			}
			if got != want {
				t.Fatalf("seed %d %v:\n got %q\nwant %q", seed, fw, got, want)
			}
		}
	}
}

func TestEventStringPrefixes(t *testing.T) {
	at := testStart.Add(83*time.Second + 456*time.Millisecond)
	cases := []struct {
		e    Event
		want string
	}{
		{Event{Time: at, Level: LevelInfo, Kind: KindLog, Style: FrameworkHF, Source: "trainer.py:2314", Text: "hi"},
			"[INFO|trainer.py:2314] 2026-11-28 12:01:23,456 >> hi"},
		{Event{Time: at, Level: LevelWarning, Kind: KindLog, Style: FrameworkHF, Text: "careful"},
			"[WARNING|trainer.py:2318] 2026-11-28 12:01:23,456 >> careful"},
		{Event{Time: at, Level: LevelInfo, Kind: KindLog, Style: FrameworkMegatron, Text: " iteration 1"},
			"[2026-11-28 12:01:23]  iteration 1"},
		{Event{Time: at, Level: LevelWarning, Kind: KindLog, Style: FrameworkMegatron, Text: "spike"},
			"[2026-11-28 12:01:23] WARNING: spike"},
		{Event{Time: at, Level: LevelInfo, Kind: KindLog, Style: FrameworkTorchtitan, Rank: 0, Text: "step: 1"},
			"[rank0]:[titan] 2026-11-28 12:01:23,456 - root - INFO - step: 1"},
		{Event{Time: at, Level: LevelInfo, Kind: KindNCCL, Source: "hgx-000:1:1", Local: 3, Text: "Connected all rings"},
			"hgx-000:1:1 [3] NCCL INFO Connected all rings"},
		{Event{Time: at, Level: LevelWarning, Kind: KindGlog, Source: "42 torch/distributed/run.py:793", Text: "Setting"},
			"W1128 12:01:23.456000 42 torch/distributed/run.py:793] Setting"},
		{Event{Time: at, Kind: KindPrint, Rank: -1, Text: "{'loss': 1.0}"}, "{'loss': 1.0}"},
	}
	for _, c := range cases {
		if got := c.e.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}

func TestRoundInterval(t *testing.T) {
	for n, want := range map[int64]int64{0: 1, 1: 1, 7: 7, 10: 10, 11: 10, 13: 12, 37: 30, 98: 80, 137: 120, 270: 250, 999: 800, 1047: 1000, 5000: 5000} {
		if got := roundInterval(n); got != want {
			t.Errorf("roundInterval(%d) = %d, want %d", n, got, want)
		}
	}
}

// TestSpeedrunsUseSmallBatches: a small model trained from scratch in one
// sitting takes hundreds of small steps, not a few dozen 4M-token ones.
func TestSpeedrunsUseSmallBatches(t *testing.T) {
	n := 0
	for seed := uint64(0); seed < 400; seed++ {
		s := mustStream(t, Options{Seed: seed, Job: JobPretrain})
		r := s.Run()
		if r.StartStep > 0 || r.ActiveParams >= 2e9 {
			continue
		}
		n++
		if tok := r.GlobalBatch * r.SeqLen; tok > 512*1024 && r.TotalSteps < 100 {
			t.Errorf("seed %d: %s from scratch with %d tokens/step, %d steps", seed, r.Model.Name, tok, r.TotalSteps)
		}
	}
	if n == 0 {
		t.Fatal("no speedruns drawn")
	}
}
