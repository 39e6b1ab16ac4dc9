package sim

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// testStart is the wall-clock start of every test stream.
var testStart = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// cycle advances s through its whole current run in steps of dt, checking
// the invariants of a consistent run (sim/README.md) on every snapshot and
// on the run's whole log.
// It returns the run's log lines and the first problem found.
func cycle(s *Stream, dt time.Duration, maxGPUs int) ([]string, error) {
	run := s.Run()
	if err := checkRun(run); err != nil {
		return nil, err
	}
	// validation sits slightly above training: above the smooth curve,
	// within a small ε of the noisy logged loss (spikes aside), and within
	// a few hundredths in pretraining
	ph := &s.plan.phys
	for _, e := range s.plan.evals {
		train := ph.loss(e.step)
		spike, _ := ph.spike(e.step)
		switch {
		case e.loss < ph.base(e.step):
			return nil, fmt.Errorf("val loss %.4f below the train curve %.4f at step %d", e.loss, ph.base(e.step), e.step)
		case spike == 0 && e.loss < train-0.1:
			return nil, fmt.Errorf("val loss %.4f below train loss %.4f at step %d", e.loss, train, e.step)
		case run.Job == JobPretrain && e.loss-ph.base(e.step) > 0.05:
			return nil, fmt.Errorf("pretraining val loss %.4f far above train %.4f", e.loss, ph.base(e.step))
		}
	}
	// a resumed window opens on a settled curve, not in the middle of a
	// spike whose start it never showed
	if d, _ := ph.spike(run.StartStep + 1); run.StartStep > 0 && d != 0 {
		return nil, fmt.Errorf("resumed at step %d in the middle of a loss spike (+%.3f)", run.StartStep, d)
	}
	var (
		snap   Snapshot
		evs    []Event
		lines  []string
		next   uint64
		last   Phase
		lastAt time.Duration
	)
	// the run's first events may have come with the Advance that ended
	// the previous run: start from the oldest held event of this run
	held, _ := s.EventsSince(0, nil)
	for _, e := range held {
		if e.RunIdx == run.Index {
			next, lastAt = e.Seq, e.At
			break
		}
		next = e.Seq + 1
	}
	snap.MaxGPUs = maxGPUs
	for s.Run() == run {
		s.Advance(dt)
		var err error
		evs, next = s.EventsSince(next, evs[:0])
		for i, e := range evs {
			if i > 0 && e.Seq != evs[i-1].Seq+1 {
				return lines, fmt.Errorf("seq gap %d -> %d", evs[i-1].Seq, e.Seq)
			}
			if e.At < lastAt || e.At > s.Now() {
				return lines, fmt.Errorf("event %q at %v out of order (last %v, now %v)", e.Text, e.At, lastAt, s.Now())
			}
			lastAt = e.At
			if !e.Time.Equal(s.Options().Start.Add(e.At)) {
				return lines, fmt.Errorf("event time %v != start + %v", e.Time, e.At)
			}
			if e.RunIdx == run.Index {
				lines = append(lines, e.String())
			}
		}
		if s.Run() != run {
			break
		}
		s.Snapshot(&snap)
		if snap.Phase < last && !(last == PhaseValidate && snap.Phase == PhaseTrain) {
			return lines, fmt.Errorf("phase went back from %v to %v", last, snap.Phase)
		}
		last = snap.Phase
		if err = checkSnapshot(run, &snap); err != nil {
			return lines, fmt.Errorf("at %v (%v): %w", snap.RunElapsed, snap.Phase, err)
		}
	}
	return lines, checkLog(run, lines)
}

func finite(xs ...float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

func near(a, b, rel float64) bool {
	return math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b))+1e-12
}

// checkRun checks the configuration's own consistency.
func checkRun(r *Run) error {
	m := r.Model
	switch {
	case r.Params != m.Params() || r.ActiveParams != m.ActiveParams():
		return fmt.Errorf("params %d/%d differ from the model's", r.Params, r.ActiveParams)
	case r.TP*r.PP*r.DP != r.Nodes*r.GPUsPerNode:
		return fmt.Errorf("TP %d × PP %d × DP %d != %d GPUs", r.TP, r.PP, r.DP, r.Nodes*r.GPUsPerNode)
	case r.GlobalBatch != r.MicroBatch*r.GradAccum*r.DP:
		return fmt.Errorf("global batch %d != %d × %d × %d", r.GlobalBatch, r.MicroBatch, r.GradAccum, r.DP)
	case r.StepsPerEpoch != r.Samples/int64(r.GlobalBatch):
		return fmt.Errorf("steps/epoch %d != samples %d / global batch %d", r.StepsPerEpoch, r.Samples, r.GlobalBatch)
	case r.MemPerGPUMiB > r.GPU.MemMiB || r.MemPerGPUMiB <= 0:
		return fmt.Errorf("memory %d MiB of %d", r.MemPerGPUMiB, r.GPU.MemMiB)
	case r.MFU < 0.22 || r.MFU > 0.55:
		return fmt.Errorf("MFU %.3f outside 22–55%%", r.MFU)
	case !near(r.TokensPerSec, r.MFU*r.GPU.PeakTFLOPs*1e12*float64(r.Nodes*r.GPUsPerNode)/(6*float64(r.ActiveParams)), 1e-9):
		return fmt.Errorf("tokens/s %.0f disagrees with MFU × peak × GPUs / 6N", r.TokensPerSec)
	case !near(r.StepTime.Seconds(), float64(r.GlobalBatch*r.SeqLen)/r.TokensPerSec, 1e-6):
		return fmt.Errorf("step time %v != tokens per step / tokens/s", r.StepTime)
	case r.ExportBytes != 2*r.Params:
		return fmt.Errorf("export bytes %d != 2 × params", r.ExportBytes)
	case float64(r.CheckpointBytes) < 14*float64(r.Params) || float64(r.CheckpointBytes) > 16*float64(r.Params):
		return fmt.Errorf("checkpoint %d bytes is not 14–16 B/param", r.CheckpointBytes)
	case r.Shards != hfShardCount(m):
		return fmt.Errorf("%d shards, the 5 GB rule gives %d", r.Shards, hfShardCount(m))
	case r.StartStep < 0 || r.StartStep >= r.EndStep || r.EndStep > r.TotalSteps:
		return fmt.Errorf("window %d..%d of %d", r.StartStep, r.EndStep, r.TotalSteps)
	case r.Job == JobFinetune && r.StartStep != 0:
		return fmt.Errorf("a fine-tune starts at step %d", r.StartStep)
	case r.MinLR <= 0 || !near(r.MinLR, r.PeakLR/10, 1e-9):
		return fmt.Errorf("min lr %g is not 10%% of peak %g", r.MinLR, r.PeakLR)
	case r.OutputDir != "./outputs/"+sanitize(r.Name)+"/final/" || strings.ContainsAny(r.OutputDir, " ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
		return fmt.Errorf("output dir %q", r.OutputDir)
	case r.Duration <= 0:
		return fmt.Errorf("duration %v", r.Duration)
	}
	// every sequence a step counts is a full one of real tokens
	if r.Samples*int64(r.SeqLen) > r.Dataset.Tokens && r.Samples > int64(r.GlobalBatch) {
		return fmt.Errorf("%d sequences of %d tokens from a %d-token dataset", r.Samples, r.SeqLen, r.Dataset.Tokens)
	}
	if r.Job == JobPretrain {
		// The job's token budget, its data and its epochs agree: a mixture
		// sampled from the corpus is one epoch that the job's last step
		// nearly completes; a whole corpus may be repeated a little.
		mix := r.Samples * int64(r.SeqLen)
		end := float64(r.TotalSteps) / float64(r.StepsPerEpoch)
		switch {
		case mix > r.Dataset.Tokens:
			return fmt.Errorf("mixture of %d tokens from a %d-token corpus", mix, r.Dataset.Tokens)
		case mix < r.Dataset.Tokens*9/10 && (end < 0.9 || end > 1 || r.Epochs != 1):
			return fmt.Errorf("job ends at epoch %.3f of %d over its sampled mixture", end, r.Epochs)
		case end < 0.9:
			return fmt.Errorf("job ends at epoch %.3f", end)
		case r.Epochs != int(math.Ceil(end-1e-9)):
			return fmt.Errorf("%d epochs for a job ending at epoch %.3f", r.Epochs, end)
		}
		// evaluations, saves and the checkpoint resumed from sit on round
		// steps, as an eval/save interval in a config puts them
		if r.EvalEvery != roundInterval(r.EvalEvery) || r.StartStep%r.EvalEvery != 0 {
			return fmt.Errorf("eval interval %d, resumed from step %d", r.EvalEvery, r.StartStep)
		}
		// a resumed job was sized to weeks of its cluster, not years
		if days := float64(r.TotalSteps) * r.StepTime.Seconds() / 86400; r.StartStep > 0 && days > 91 {
			return fmt.Errorf("job of %d steps at %v takes %.0f days", r.TotalSteps, r.StepTime, days)
		}
	}
	need := memPerGPU(m, float64(r.Params), layout{TP: r.TP, PP: r.PP, DP: r.DP, MB: r.MicroBatch, Sharding: r.Sharding, Recompute: r.Recompute}, r.SeqLen)
	if need > float64(r.GPU.MemMiB)*(1<<20) {
		return fmt.Errorf("needs %.1f GiB per GPU, has %d MiB", need/gib, r.GPU.MemMiB)
	}
	// the allocator holds what the tensors need plus caching, not a multiple
	if got := float64(r.MemPerGPUMiB) * (1 << 20); got > 1.6*need+(1<<20) {
		return fmt.Errorf("%.1f GiB reserved per GPU for %.1f GiB of tensors", got/gib, need/gib)
	}
	return nil
}

// scheduleLR is the schedule written independently of physics.lr.
func scheduleLR(r *Run, step int64) float64 {
	if step < r.WarmupSteps {
		return r.PeakLR * float64(step+1) / float64(r.WarmupSteps)
	}
	f := math.Min(1, float64(step-r.WarmupSteps)/float64(max(1, r.TotalSteps-r.WarmupSteps)))
	return r.MinLR + (r.PeakLR-r.MinLR)*(1+math.Cos(math.Pi*f))/2
}

func checkSnapshot(r *Run, s *Snapshot) error {
	m := &s.Metrics
	if s.Run != r {
		return fmt.Errorf("snapshot of another run")
	}
	if !finite(m.Loss, m.PPL, m.LR, m.GradNorm, m.TokensPerSec, m.MFU, m.TFLOPsPerGPU, m.ValLoss, m.Epoch) {
		return fmt.Errorf("non-finite metrics %+v", *m)
	}
	// nothing sits above a fresh model's ln(vocab) plus a spike
	if m.Loss > math.Log(float64(r.Model.Vocab))+2 || m.ValLoss > math.Log(float64(r.Model.Vocab))+2 {
		return fmt.Errorf("loss %.4f / val %.4f above a fresh model's", m.Loss, m.ValLoss)
	}
	if m.Loss < r.LossFloor || m.Loss <= 0 {
		return fmt.Errorf("loss %.4f below floor %.4f", m.Loss, r.LossFloor)
	}
	if !near(m.PPL, math.Exp(m.Loss), 1e-12) || (m.ValLoss > 0 && !near(m.ValPPL, math.Exp(m.ValLoss), 1e-12)) {
		return fmt.Errorf("ppl %.4f != e^%.4f", m.PPL, m.Loss)
	}
	if m.Step < r.StartStep || m.Step > r.EndStep {
		return fmt.Errorf("step %d outside %d..%d", m.Step, r.StartStep, r.EndStep)
	}
	if !near(m.LR, scheduleLR(r, m.Step), 1e-9) {
		return fmt.Errorf("lr %g at step %d, schedule says %g", m.LR, m.Step, scheduleLR(r, m.Step))
	}
	tps := float64(r.GlobalBatch*r.SeqLen) / m.StepTime.Seconds()
	gpus := float64(r.Nodes * r.GPUsPerNode)
	if !near(m.TokensPerSec, tps, 1e-6) || !near(m.MFU, tps*6*float64(r.ActiveParams)/(r.GPU.PeakTFLOPs*1e12*gpus), 1e-6) ||
		!near(m.TFLOPsPerGPU, m.MFU*r.GPU.PeakTFLOPs, 1e-9) {
		return fmt.Errorf("throughput disagrees: tps %.0f (step %v ⇒ %.0f) mfu %.4f tflops %.1f", m.TokensPerSec, m.StepTime, tps, m.MFU, m.TFLOPsPerGPU)
	}
	if m.MFU > 0.6 || m.MFU < 0.05 {
		return fmt.Errorf("mfu %.3f implausible", m.MFU)
	}
	if m.Tokens != int64(float64(m.Step)*float64(r.GlobalBatch*r.SeqLen)) {
		return fmt.Errorf("tokens %d at step %d", m.Tokens, m.Step)
	}
	if m.MemUsedMiB > r.GPU.MemMiB || m.MemUsedMiB < 0 {
		return fmt.Errorf("memory %d of %d MiB", m.MemUsedMiB, r.GPU.MemMiB)
	}
	if m.GradNorm <= 0 {
		return fmt.Errorf("grad norm %g", m.GradNorm)
	}
	for _, p := range s.Loss {
		if !finite(p.Loss) || p.Loss < r.LossFloor || p.Step > m.Step {
			return fmt.Errorf("loss point %+v (floor %.4f, step %d)", p, r.LossFloor, m.Step)
		}
	}
	if len(s.Loss) > 513 {
		return fmt.Errorf("%d loss points", len(s.Loss))
	}
	for _, p := range s.ValLoss {
		if !finite(p.Loss) || p.Loss < r.LossFloor {
			return fmt.Errorf("val point %+v", p)
		}
	}
	for _, b := range s.Bars {
		if b.Total <= 0 || b.Done < 0 || b.Done > b.Total*(1+1e-9) || b.Rate < 0 || !finite(b.Done, b.Total, b.Rate) || b.Elapsed < 0 || b.ETA < 0 {
			return fmt.Errorf("bar %+v", b)
		}
		if b.Label == "Training" && s.Phase == PhaseTrain {
			// wall consistency: the claimed rate is the real stepping rate
			if !near(1/b.Rate, r.StepTime.Seconds(), 0.1) && m.Step-r.StartStep > 3 {
				return fmt.Errorf("training bar claims %.3f s/it, steps take %v", 1/b.Rate, r.StepTime)
			}
		}
		for _, w := range []int{10, 40, 80, 200} {
			if n := utf8.RuneCountInString(b.Format(w)); n > w {
				return fmt.Errorf("bar %q is %d cells in %d", b.Format(w), n, w)
			}
		}
	}
	if s.Phase == PhaseTrain {
		// one bar, plus the epoch's in a fine-tune of several epochs (one
		// epoch would only repeat the training bar)
		want := 1
		if r.Job == JobFinetune && r.StepsPerEpoch > 0 && r.Epochs > 1 {
			want = 2
		}
		if len(s.Bars) != want {
			return fmt.Errorf("%d bars while training a %d-epoch %v run, want %d", len(s.Bars), r.Epochs, r.Job, want)
		}
	}
	hot := 0
	for i, g := range s.GPUs {
		if g.Node*r.GPUsPerNode+g.Local != i || g.MemUsedMiB > g.MemTotalMiB || g.MemTotalMiB != r.GPU.MemMiB {
			return fmt.Errorf("gpu %d: %+v", i, g)
		}
		if g.Util < 0 || g.Util > 1 || g.PowerW < r.GPU.IdleW-1e-9 || g.PowerW > g.PowerCapW {
			return fmt.Errorf("gpu %d util %.3f power %.0f of %.0f", i, g.Util, g.PowerW, g.PowerCapW)
		}
		// power follows utilisation, temperature follows power
		k := (g.PowerW - r.GPU.IdleW) / math.Max(g.Util, 1e-9)
		if g.Util > 0.01 && (k < 0.78*r.GPU.PowerCapW-r.GPU.IdleW-1e-6 || k > 0.93*r.GPU.PowerCapW-r.GPU.IdleW+1e-6) {
			return fmt.Errorf("gpu %d power %.0f W does not track util %.3f", i, g.PowerW, g.Util)
		}
		d := g.TempC - 50*g.PowerW/g.PowerCapW
		if d > 33 {
			hot++ // one board may run warm, by a fixed offset
			d -= 7
		}
		if d < 29 || d > 33 || hot > 1 {
			return fmt.Errorf("gpu %d temp %.1f does not track power %.0f", i, g.TempC, g.PowerW)
		}
		if (g.Health == HealthHot) != (g.TempC >= 85) || (g.Health == HealthWarm) != (g.TempC >= 78 && g.TempC < 85) {
			return fmt.Errorf("gpu %d health %v at %.1f °C", i, g.Health, g.TempC)
		}
	}
	return nil
}

var (
	reShard     = regexp.MustCompile(`^  model-(\d{5})-of-(\d{5})\.safetensors  (\d+\.\d\d) GB$`)
	reMore      = regexp.MustCompile(`^  … (\d+) more …$`)
	reExport    = regexp.MustCompile(`^Export complete: (\d+) shards?, (\d+\.\d\d) GB total$`)
	reSingle    = regexp.MustCompile(`^  model\.safetensors  (\d+\.\d\d) GB$`)
	reAllRed    = regexp.MustCompile(`: (\d+\.\d\d) GB over (\d+) DP ranks in (\d+\.\d+) ms \(bus bw (\d+\.\d) GB/s\)`)
	reSaved     = regexp.MustCompile(`Checkpoint saved: checkpoint-(\d+) `)
	reSaveRate  = regexp.MustCompile(`Checkpoint saved: .* in (\d+\.\d) s, `)
	reBestStays = regexp.MustCompile(`best stays (\d+\.\d{4})`)
	reNewBest   = regexp.MustCompile(`new best eval loss (\d+\.\d{4})`)
	reSumBest   = regexp.MustCompile(`^\| Best eval loss +\| (\d+\.\d{4}) +\|$`)
	reSelfTest  = regexp.MustCompile(`256 MiB over (\d+) ranks in (\d+\.\d\d) ms \(bus bw (\d+\.\d) GB/s\)`)
)

// checkLog checks the whole plain log of one run.
func checkLog(r *Run, lines []string) error {
	all := strings.Join(lines, "\n")
	for _, want := range []string{r.Model.Name, commas(r.Params), "NCCL INFO", "Initialization complete", r.OutputDir,
		"Training complete. Model saved to " + r.OutputDir, "Starting new training run…", "| Training summary"} {
		if !strings.Contains(all, want) {
			return fmt.Errorf("log lacks %q", want)
		}
	}
	if r.Framework != FrameworkHF && strings.Contains(all, ".cache/huggingface/hub") {
		return fmt.Errorf("%v run loads weights through transformers' cache", r.Framework)
	}
	if strings.Contains(all, " 1 steps") {
		return fmt.Errorf("log says \"1 steps\"")
	}
	if r.StartStep > 0 && !strings.Contains(all, fmt.Sprintf("Resuming from checkpoint-%d", r.StartStep)) {
		return fmt.Errorf("resumed run does not say so")
	}
	// the nvidia-smi table before the launcher line lines up too
	for i := 1; i < len(lines) && strings.HasPrefix(lines[0], "+--") && !strings.HasPrefix(lines[i], "torchrun"); i++ {
		if utf8.RuneCountInString(lines[i]) != utf8.RuneCountInString(lines[0]) {
			return fmt.Errorf("nvidia-smi line %q misaligned", lines[i])
		}
	}
	// the summary's best eval loss is the best the log reported
	best := math.Inf(1)
	for _, l := range lines {
		for _, re := range []*regexp.Regexp{reBestStays, reNewBest} {
			if m := re.FindStringSubmatch(l); m != nil {
				v, _ := strconv.ParseFloat(m[1], 64)
				best = math.Min(best, v)
			}
		}
	}
	for _, l := range lines {
		if m := reSumBest.FindStringSubmatch(l); m != nil && !math.IsInf(best, 1) && m[1] != fmt.Sprintf("%.4f", best) {
			return fmt.Errorf("summary best eval loss %s, the log's best was %.4f", m[1], best)
		}
	}
	var idx []int
	listed, more := 0, 0
	var tableW int
	inSummary := false
	for _, l := range lines {
		if m := reShard.FindStringSubmatch(l); m != nil {
			i, _ := strconv.Atoi(m[1])
			n, _ := strconv.Atoi(m[2])
			if n != r.Shards {
				return fmt.Errorf("shard line %q names %d shards, run has %d", l, n, r.Shards)
			}
			idx = append(idx, i)
			listed++
		}
		if reSingle.MatchString(l) {
			if r.Shards != 1 {
				return fmt.Errorf("single-file export of a %d-shard model", r.Shards)
			}
			idx = append(idx, 1)
			listed++
		}
		if m := reMore.FindStringSubmatch(l); m != nil {
			more, _ = strconv.Atoi(m[1])
		}
		if m := reExport.FindStringSubmatch(l); m != nil {
			if n, _ := strconv.Atoi(m[1]); n != r.Shards || m[2] != fmt.Sprintf("%.2f", float64(r.ExportBytes)/1e9) {
				return fmt.Errorf("%q disagrees with %d shards of %d bytes", l, r.Shards, r.ExportBytes)
			}
		}
		if m := reAllRed.FindStringSubmatch(l); m != nil {
			gbs, _ := strconv.ParseFloat(m[1], 64)
			dp, _ := strconv.ParseFloat(m[2], 64)
			ms, _ := strconv.ParseFloat(m[3], 64)
			bw, _ := strconv.ParseFloat(m[4], 64)
			f := 1.0
			if strings.Contains(l, "all-reduce") {
				f = 2
			}
			// printed values are rounded: GB to 2 decimals, ms to 2–1
			if want := f * (dp - 1) / dp * gbs / bw * 1e3; !near(ms, want, 0.03) && math.Abs(ms-want) > 0.01 {
				return fmt.Errorf("%q: %.1f ms, bytes/bus bw give %.1f", l, ms, want)
			}
			if int(dp) != r.DP {
				return fmt.Errorf("%q: DP %d", l, r.DP)
			}
		}
		if m := reSelfTest.FindStringSubmatch(l); m != nil {
			w, _ := strconv.ParseFloat(m[1], 64)
			ms, _ := strconv.ParseFloat(m[2], 64)
			bw, _ := strconv.ParseFloat(m[3], 64)
			if want := 2 * (w - 1) / w * 256 * (1 << 20) / (bw * 1e9) * 1e3; !near(ms, want, 0.01) {
				return fmt.Errorf("%q: want %.2f ms", l, want)
			}
		}
		if m := reSaveRate.FindStringSubmatch(l); m != nil {
			// the write rate stays what a shared parallel file system gives
			sec, _ := strconv.ParseFloat(m[1], 64)
			limit := math.Min(float64(r.Nodes)*25, 400) * 1e9 // GB/s per node, shared file system
			if float64(r.CheckpointBytes)/sec > limit*1.03 {
				return fmt.Errorf("%q: %.0f GB/s to storage", l, float64(r.CheckpointBytes)/sec/1e9)
			}
		}
		if m := reSaved.FindStringSubmatch(l); m != nil && r.Job == JobPretrain && m[1] != strconv.FormatInt(r.EndStep, 10) {
			return fmt.Errorf("pretraining wrote a full checkpoint mid-window: %q (job ends at %d)", l, r.EndStep)
		}
		if reExport.MatchString(l) {
			inSummary = true
		}
		if inSummary && (strings.HasPrefix(l, "+-") || strings.HasPrefix(l, "| ")) {
			if tableW == 0 {
				tableW = utf8.RuneCountInString(l)
			} else if utf8.RuneCountInString(l) != tableW {
				return fmt.Errorf("summary line %q is not %d wide", l, tableW)
			}
		}
	}
	if listed+more != r.Shards || len(idx) == 0 || idx[0] != 1 || idx[len(idx)-1] != r.Shards {
		return fmt.Errorf("shard listing %v + %d more for %d shards", idx, more, r.Shards)
	}
	for i := 1; i < len(idx); i++ {
		if idx[i] <= idx[i-1] {
			return fmt.Errorf("shard indices %v not increasing", idx)
		}
	}
	return nil
}
