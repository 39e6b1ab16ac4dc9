package sim

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The believability invariants: relations an ML engineer checks when
// reading a whole run's log, beyond the plain consistency of checkRun and
// checkLog. Each is checked on every run of the property test, which
// reports the share of runs each one catches (docs/physics.md explains the
// models behind them).

// belief is one per-run invariant.
type belief struct {
	name  string
	check func(p *runPlan, o Options, lines []string) error
}

var (
	reGradLine  = regexp.MustCompile(`NCCL (\S+) of bf16 grads: (\d+\.\d\d) GB over (\d+) DP ranks in (\d+\.\d+) ms \(bus bw (\d+\.\d) GB/s\)`)
	reNCCLVer   = regexp.MustCompile(`NCCL version (\d+)\.(\d+)\.(\d+)\+cuda(\d+)\.(\d+)`)
	reSMICuda   = regexp.MustCompile(`CUDA Version: (\d+)\.(\d+)`)
	reEvalValue = regexp.MustCompile(`'eval_loss': (\d+\.\d+)|lm loss value: (\d+\.\d+E[+-]\d+)|validation: step \d+  loss: (\d+\.\d+)|best eval loss (?:so far )?(\d+\.\d{4})`)
	rePacked    = regexp.MustCompile(`Dataset \S+: [^,]+ tokens, packed into ([\d,]+) sequences of (\d+) tokens`)
	reTrainLoss = regexp.MustCompile(`'train_loss': (\d+\.\d+)`)
	reHFLoss    = regexp.MustCompile(`^\{'loss': (\d+\.\d+),`)
	reSumUtil   = regexp.MustCompile(`^\| Avg GPU utilization +\| (\d+\.\d)% +\|$`)
	reSumEpochs = regexp.MustCompile(`^\| Epochs +\| (\S+) +\|$`)
)

// beliefs are checked in this order; the names are what the property test
// reports.
var beliefs = []belief{
	// 1. a job evaluates on its own interval: a config value sized to the
	// job (multiples of it, plus the job's last step), so a short window
	// of a long job shows at most one evaluation, and evaluation is a small
	// part of the wall time
	{"evalOnJobInterval", func(p *runPlan, _ Options, _ []string) error {
		r := p.run
		onInterval := 0
		for _, e := range p.evals {
			if e.step%r.EvalEvery != 0 && e.step != r.TotalSteps {
				return fmt.Errorf("evaluates at step %d, not a multiple of its interval %d", e.step, r.EvalEvery)
			}
			if e.step%r.EvalEvery == 0 {
				onInterval++
			}
		}
		if r.Job == JobPretrain {
			if r.EvalEvery*1000 < r.TotalSteps || (r.TotalSteps >= 2000 && r.EvalEvery < 100) {
				return fmt.Errorf("evaluates every %d steps of a %d-step job", r.EvalEvery, r.TotalSteps)
			}
			if r.StartStep > 0 && onInterval > 1 {
				return fmt.Errorf("a window of %d steps of a %d-step job evaluates %d times", r.EndStep-r.StartStep, r.TotalSteps, onInterval)
			}
		}
		var train, eval time.Duration
		for _, sg := range p.segs {
			switch sg.kind {
			case segTrain:
				train += sg.end - sg.start
			case segEval:
				eval += sg.end - sg.start
			}
		}
		if float64(eval) > 0.15*float64(train) {
			return fmt.Errorf("evaluation takes %v of %v training", eval.Round(time.Second), train.Round(time.Second))
		}
		return nil
	}},
	// 2. merging, serializing and writing the export runs in one process:
	// a few GB/s, not tens
	{"exportAFewGBps", func(p *runPlan, _ Options, _ []string) error {
		var total time.Duration
		for i := range p.segs {
			sg := &p.segs[i]
			d := sg.end - sg.start
			switch sg.kind {
			case segWrite:
				d = writeBarDur(sg)
			case segMerge, segSerialize:
			default:
				continue
			}
			if rate := float64(p.run.ExportBytes) / d.Seconds(); rate > 6e9 {
				return fmt.Errorf("%s at %.1f GB/s", sg.label, rate/1e9)
			}
			total += d
		}
		if rate := float64(p.run.ExportBytes) / total.Seconds(); rate > 2.5e9 {
			return fmt.Errorf("merge, serialize and write %.0f GB in %v (%.1f GB/s)", float64(p.run.ExportBytes)/1e9, total.Round(time.Second), rate/1e9)
		}
		return nil
	}},
	// 3. communication claimed to overlap a step fits in that step: the
	// gradient collectives and, under ZeRO-3/FSDP, the parameter
	// all-gathers of every micro-batch, at the printed bus bandwidth
	{"commFitsStep", func(p *runPlan, _ Options, lines []string) error {
		r := p.run
		for _, l := range lines {
			if !strings.Contains(l, "NCCL ") {
				continue
			}
			m := reGradLine.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			gbs, _ := strconv.ParseFloat(m[2], 64)
			dp, _ := strconv.ParseFloat(m[3], 64)
			bw, _ := strconv.ParseFloat(m[5], 64)
			one := (dp - 1) / dp * gbs / bw // one reduce-scatter or all-gather, s
			var per float64
			switch {
			case r.Sharding == "ZeRO-3" || r.Sharding == "FSDP":
				per = float64(r.GradAccum) * 3 * one // all-gather fwd + bwd, reduce-scatter, per micro-batch
			case r.Sharding == "ZeRO-2":
				per = float64(r.GradAccum)*one + one // reduce-scatter per micro-batch, all-gather after the step
			default:
				per = 2 * one // an all-reduce, or a reduce-scatter and an all-gather, per step
			}
			if per > r.StepTime.Seconds()*1.001 {
				return fmt.Errorf("%.2f s of communication per %.2f s step (%s, micro %d × accum %d): %q",
					per, r.StepTime.Seconds(), r.Sharding, r.MicroBatch, r.GradAccum, l)
			}
			return nil
		}
		return nil
	}},
	// 5. the gradient collective is the one the sharding uses
	{"collectiveMatchesSharding", func(p *runPlan, _ Options, lines []string) error {
		r := p.run
		want := "reduce-scatter"
		if r.Sharding == "DDP" || (r.Sharding == "ZeRO-1" && r.Framework != FrameworkMegatron) {
			want = "all-reduce"
		}
		for _, l := range lines {
			if !strings.Contains(l, "NCCL ") {
				continue
			}
			if m := reGradLine.FindStringSubmatch(l); m != nil && m[1] != want {
				return fmt.Errorf("%s (%v) gradients by %s, want %s", r.Sharding, r.Framework, m[1], want)
			}
		}
		return nil
	}},
	// 6. with memory to spare, a config raises the micro-batch before it
	// accumulates gradients (pipelines keep enough micro-batches in flight)
	{"microBatchBeforeAccum", func(p *runPlan, _ Options, _ []string) error {
		r := p.run
		if r.GradAccum <= 1 || (r.PP > 1 && r.GradAccum < 4*r.PP) {
			return nil
		}
		l := layout{TP: r.TP, PP: r.PP, DP: r.DP, MB: 2 * r.MicroBatch, Sharding: r.Sharding, Recompute: r.Recompute}
		if need := memPerGPU(r.Model, float64(r.Params), l, r.SeqLen); need <= float64(r.GPU.MemMiB)*(1<<20)*memHeadroom {
			return fmt.Errorf("micro %d × accum %d while micro %d fits (%.1f of %.1f GiB)",
				r.MicroBatch, r.GradAccum, 2*r.MicroBatch, need/gib, float64(r.GPU.MemMiB)/1024)
		}
		return nil
	}},
	// 7. software and network match the GPU generation
	{"versionsMatchGPU", func(p *runPlan, _ Options, lines []string) error {
		r := p.run
		var nccl, smi []string
		for _, l := range lines {
			if nccl == nil && strings.Contains(l, "NCCL version") {
				nccl = reNCCLVer.FindStringSubmatch(l)
			}
			if smi == nil && strings.Contains(l, "CUDA Version") {
				smi = reSMICuda.FindStringSubmatch(l)
			}
		}
		if r.GPU.Vendor == "nvidia" && (nccl == nil || smi == nil) {
			return fmt.Errorf("no NCCL or CUDA version printed")
		}
		if nccl == nil {
			return nil
		}
		v := func(s []string, i int) int { n, _ := strconv.Atoi(s[i]); return n }
		ncclVer := v(nccl, 1)*100 + v(nccl, 2)
		ncclCuda := v(nccl, 4)*10 + v(nccl, 5)
		driverCuda := v(smi, 1)*10 + v(smi, 2)
		if ncclCuda > driverCuda {
			return fmt.Errorf("NCCL built for CUDA %d.%d on a CUDA %d.%d driver", ncclCuda/10, ncclCuda%10, driverCuda/10, driverCuda%10)
		}
		if r.GPU.Key == "b200" {
			if ncclVer < 225 || ncclCuda < 128 || driverCuda < 128 {
				return fmt.Errorf("B200 with NCCL %s.%s+cuda%s.%s", nccl[1], nccl[2], nccl[4], nccl[5])
			}
			if !strings.Contains(r.GPU.Network, "NDR") || !strings.Contains(r.GPU.Network, "400") {
				return fmt.Errorf("B200 nodes with %s (HGX/DGX B200 ship ConnectX-7 NDR 400 Gb/s)", r.GPU.Network)
			}
		}
		return nil
	}},
	// 4. a window that stops before the job's end ends with a checkpoint,
	// and its export says which one it converts
	{"midJobWindowEndsWithCheckpoint", func(p *runPlan, _ Options, lines []string) error {
		r := p.run
		if r.Job != JobPretrain || r.EndStep == r.TotalSteps {
			return nil
		}
		saved, exported := false, false
		save, export := fmt.Sprintf("Checkpoint saved: checkpoint-%d ", r.EndStep), fmt.Sprintf("Exporting checkpoint-%d ", r.EndStep)
		for _, l := range lines {
			saved = saved || strings.Contains(l, save)
			exported = exported || strings.Contains(l, export)
		}
		if !saved {
			return fmt.Errorf("window %d..%d of %d ends without a checkpoint", r.StartStep, r.EndStep, r.TotalSteps)
		}
		if !exported {
			return fmt.Errorf("window %d..%d of %d exports without naming checkpoint-%d", r.StartStep, r.EndStep, r.TotalSteps, r.EndStep)
		}
		return nil
	}},
	// invented models only when asked for
	{"realModelsByDefault", func(p *runPlan, o Options, _ []string) error {
		if o.Model == "" && !o.Fictional && p.run.Model.Fictional {
			return fmt.Errorf("invented model %s drawn without --fictional", p.run.Model.Name)
		}
		return nil
	}},
	// the summary's best eval loss is one the log showed (a resumed job's
	// earlier best included: its resume line says it)
	{"summaryBestShown", func(p *runPlan, _ Options, lines []string) error {
		best, sum := math.Inf(1), -1.0
		for _, l := range lines {
			if !strings.Contains(l, "loss") {
				continue
			}
			for _, m := range reEvalValue.FindAllStringSubmatch(l, -1) {
				for _, g := range m[1:] {
					if g != "" {
						v, _ := strconv.ParseFloat(g, 64)
						best = math.Min(best, v)
					}
				}
			}
			if m := reSumBest.FindStringSubmatch(l); m != nil {
				sum, _ = strconv.ParseFloat(m[1], 64)
			}
		}
		if sum >= 0 && math.Abs(sum-best) > 6e-5 {
			return fmt.Errorf("summary best eval loss %.4f, the log showed %.4f at best", sum, best)
		}
		return nil
	}},
	// "packed into N sequences of L tokens" of a whole corpus holds its tokens
	{"packedHoldsCorpus", func(p *runPlan, _ Options, lines []string) error {
		for _, l := range lines {
			if !strings.Contains(l, "packed into") {
				continue
			}
			m := rePacked.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			n, _ := strconv.ParseInt(strings.ReplaceAll(m[1], ",", ""), 10, 64)
			sl, _ := strconv.ParseInt(m[2], 10, 64)
			if d := p.run.Dataset.Tokens - n*sl; d < 0 || d >= sl {
				return fmt.Errorf("%d sequences of %d tokens for a %d-token corpus", n, sl, p.run.Dataset.Tokens)
			}
		}
		return nil
	}},
	// HF's final train_loss is the mean of the losses it logged
	{"trainLossIsMean", func(p *runPlan, _ Options, lines []string) error {
		var sum float64
		n := 0
		for _, l := range lines {
			if !strings.HasPrefix(l, "{'") {
				continue
			}
			if m := reHFLoss.FindStringSubmatch(l); m != nil {
				v, _ := strconv.ParseFloat(m[1], 64)
				sum += v
				n++
			}
			if m := reTrainLoss.FindStringSubmatch(l); m != nil && n > 0 {
				v, _ := strconv.ParseFloat(m[1], 64)
				if math.Abs(v-sum/float64(n)) > 0.002+0.002*v {
					return fmt.Errorf("train_loss %.4f, the %d logged losses average %.4f", v, n, sum/float64(n))
				}
			}
		}
		return nil
	}},
	// every step trains on a new batch: its loss differs from the last
	// logged one by minibatch noise, not only by a slow drift
	{"lossNoisyStepToStep", func(p *runPlan, _ Options, _ []string) error {
		r := p.run
		var sum float64
		n := 0
		prev := math.NaN()
		for k := (r.StartStep/r.LogEvery + 1) * r.LogEvery; k <= r.EndStep && n < 400; k += r.LogEvery {
			if d, _ := p.phys.spike(k); d != 0 {
				prev = math.NaN()
				continue
			}
			l := p.phys.loss(k)
			if !math.IsNaN(prev) {
				sum += math.Abs(l - prev)
				n++
			}
			prev = l
		}
		if n >= 20 && sum/float64(n) < 0.003 {
			return fmt.Errorf("logged loss moves %.4f nats a step on average", sum/float64(n))
		}
		return nil
	}},
	// schedules and data a config would have
	{"scheduleAndDataSane", func(p *runPlan, _ Options, lines []string) error {
		r := p.run
		if r.Job == JobFinetune && r.PeakLR > 1e-4 {
			return fmt.Errorf("full fine-tune of %s at peak lr %.0e", billions(r.Params), r.PeakLR)
		}
		if r.Job == JobPretrain && (float64(r.WarmupSteps) > 0.1*float64(r.TotalSteps) || (r.TotalSteps >= 1000 && r.WarmupSteps < 100)) {
			return fmt.Errorf("pretraining warmup of %d steps in a %d-step job", r.WarmupSteps, r.TotalSteps)
		}
		if tpp := float64(r.TotalSteps) * float64(r.GlobalBatch*r.SeqLen) / float64(r.Params); r.Job == JobPretrain && r.StartStep == 0 && tpp < 2 {
			return fmt.Errorf("a whole pretraining job of %s on %.2f tokens per parameter", billions(r.Params), tpp)
		}
		for _, l := range lines {
			if !strings.HasPrefix(l, "| ") {
				continue
			}
			if m := reSumUtil.FindStringSubmatch(l); m != nil {
				if u, _ := strconv.ParseFloat(m[1], 64); u < 90 {
					return fmt.Errorf("average GPU utilization %.1f%% while training", u)
				}
			}
			if m := reSumEpochs.FindStringSubmatch(l); m != nil && r.Job == JobFinetune {
				if want := float64(r.EndStep) / float64(r.StepsPerEpoch); math.Abs(parseF(m[1])-want) > 0.006 {
					return fmt.Errorf("summary says %s epochs after %.3f", m[1], want)
				}
			}
		}
		return nil
	}},
}

func parseF(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }

// runRecord is what the cross-run invariants need of one run.
type runRecord struct {
	gpu                 string
	multiNode           bool
	selfTest            string // printed bus bw of the all-reduce self-test, "" if none
	resumed, endsJob    bool
	startFrac, startLRx float64 // window start as a fraction of the job; lr there over the min lr
}

func recordOf(p *runPlan, lines []string) runRecord {
	r := p.run
	rec := runRecord{gpu: r.GPU.Key, multiNode: r.Nodes > 1, resumed: r.StartStep > 0, endsJob: r.EndStep == r.TotalSteps}
	rec.startFrac = float64(r.StartStep) / float64(r.TotalSteps)
	rec.startLRx = p.phys.lr(r.StartStep) / r.MinLR
	for _, l := range lines {
		if !strings.Contains(l, "self-test") {
			continue
		}
		if m := reSelfTest.FindStringSubmatch(l); m != nil {
			rec.selfTest = m[3]
		}
	}
	return rec
}

// crossRunChecks are the invariants over many runs; each returns the share
// of runs it finds at fault, what it counted, and whether it holds.
func crossRunChecks(recs []runRecord) map[string]func() (float64, string, bool) {
	return map[string]func() (float64, string, bool){
		// 4. resumed windows are spread over their jobs, not all at the end
		"windowsSpreadOverJob": func() (float64, string, bool) {
			var resumed, atEnd, atFloor, early int
			for _, r := range recs {
				if !r.resumed {
					continue
				}
				resumed++
				if r.endsJob {
					atEnd++
				}
				if r.startLRx < 1.01 {
					atFloor++
				}
				if r.startFrac < 0.5 {
					early++
				}
			}
			if resumed == 0 {
				return 0, "no resumed window", false
			}
			share := float64(atEnd) / float64(resumed)
			detail := fmt.Sprintf("of %d resumed windows %d end the job, %d start at the lr floor, %d start in the job's first half",
				resumed, atEnd, atFloor, early)
			return share, detail, share <= 0.35 && float64(atFloor)/float64(resumed) <= 0.35 && float64(early)/float64(resumed) >= 0.3
		},
		// 8. the self-test's bus bandwidth comes from the cluster, not a
		// constant per GPU type: no value is printed by more than 20 % of
		// the runs on the same GPU and network
		"selfTestFromCluster": func() (float64, string, bool) {
			type key struct {
				gpu   string
				multi bool
			}
			groups := map[key]map[string]int{}
			sizes := map[key]int{}
			for _, r := range recs {
				if r.selfTest == "" {
					continue
				}
				k := key{r.gpu, r.multiNode}
				if groups[k] == nil {
					groups[k] = map[string]int{}
				}
				groups[k][r.selfTest]++
				sizes[k]++
			}
			canned, all := 0, 0
			var worst []string
			for k, vals := range groups {
				all += sizes[k]
				if sizes[k] < 20 {
					continue
				}
				for v, n := range vals {
					if float64(n) > 0.2*float64(sizes[k]) {
						canned += n
						worst = append(worst, fmt.Sprintf("%s/multi=%v: %s GB/s in %d of %d", k.gpu, k.multi, v, n, sizes[k]))
					}
				}
			}
			sort.Strings(worst)
			share := float64(canned) / float64(max(1, all))
			if canned > 0 {
				return share, "canned self-test bandwidths: " + strings.Join(worst, "; "), false
			}
			return share, fmt.Sprintf("%d self-tests in %d groups of GPU and network", all, len(groups)), true
		},
	}
}

// TestBeliefsOnForcedClusters runs every catalog model on every GPU on 1
// and 128 nodes (a pretraining job on one, a fine-tune on the other), as
// users may force them, then with the GPU,
// nodes or job left to the draw: each valid combination holds the
// consistency and believability invariants, and a cluster far too wide for
// its model is refused by Validate, not shown waiting on the network.
func TestBeliefsOnForcedClusters(t *testing.T) {
	if testing.Short() {
		t.Skip("the catalog sweep takes seconds: run without -short (the full suite) to include it")
	}
	valid, refused := 0, 0
	for mi, m := range Models() {
		for gi, g := range GPUs() {
			for ni, nodes := range []int{1, 128} {
				// each model × GPU gets both jobs, one per node count
				for _, job := range []JobKind{[]JobKind{JobPretrain, JobFinetune}[(mi+gi+ni)%2]} {
					// one-minute cycles: the layout is what is under test, and
					// short windows keep the sweep cheap
					o := Options{Seed: uint64(mi*1000 + gi*10 + nodes), Model: m.Key, GPU: g.Key, Nodes: nodes, Job: job, Cycle: MinCycle}
					if err := o.Validate(); err != nil {
						refused++
						if !strings.Contains(err.Error(), "does not fit in memory") && !strings.Contains(err.Error(), "would wait on communication") {
							t.Fatalf("%+v: %v", o, err)
						}
						continue
					}
					valid++
					s := mustStream(t, o)
					p, r := s.plan, s.Run()
					lines, err := cycle(s, max(time.Second, r.Duration/40), 8)
					if err != nil {
						t.Fatalf("%s on %d×%s, %s: %v", m.Key, nodes, g.Key, job, err)
					}
					for _, b := range beliefs {
						if err := b.check(p, o, lines); err != nil {
							t.Errorf("%s on %d×%s, %s: %s: %v", m.Key, nodes, g.Key, job, b.name, err)
						}
					}
				}
			}
		}
	}
	// the same with the GPU, the node count or the job left to the draw,
	// which must find the few layouts that work on their own
	for mi, m := range Models() {
		for gi, g := range append([]GPUType{{}}, GPUs()...) {
			for _, nodes := range []int{0, 24} {
				o := Options{Seed: uint64(mi*1000 + gi*10 + nodes), Model: m.Key, GPU: g.Key, Nodes: nodes, Cycle: MinCycle}
				if o.Validate() != nil {
					continue
				}
				valid++
				s := mustStream(t, o)
				p, r := s.plan, s.Run()
				lines, err := cycle(s, max(time.Second, r.Duration/30), 4)
				if err != nil {
					t.Fatalf("%+v: %v", o, err)
				}
				for _, b := range beliefs {
					if err := b.check(p, o, lines); err != nil {
						t.Errorf("%+v: %s: %v", o, b.name, err)
					}
				}
			}
		}
	}
	t.Logf("%d combinations run, %d refused", valid, refused)
	if refused == 0 || valid < 400 {
		t.Errorf("%d run, %d refused: the sweep lost its reach", valid, refused)
	}
}

// TestFictionalOptIn: invented models are drawn only with Options.Fictional.
func TestFictionalOptIn(t *testing.T) {
	count := func(fictional bool) int {
		n := 0
		for seed := range uint64(300) {
			if s := mustStream(t, Options{Seed: seed, Fictional: fictional}); s.Run().Model.Fictional {
				n++
			}
		}
		return n
	}
	if n := count(false); n != 0 {
		t.Errorf("%d of 300 default runs train an invented model", n)
	}
	if n := count(true); n < 20 {
		t.Errorf("only %d of 300 runs with Fictional train an invented model", n)
	}
	if err := (Options{Model: "hallucin8-8x3b"}).Validate(); err != nil {
		t.Errorf("a forced invented model is refused: %v", err)
	}
}

// TestBeliefsWithStepsAndCycles: the believability invariants hold too for
// forced step counts, cycle lengths from 1 to 60 minutes (the longest on
// the slowest seeds only), and with invented models allowed.
func TestBeliefsWithStepsAndCycles(t *testing.T) {
	for seed := range uint64(60) {
		cyc := time.Duration(1+seed%15) * time.Minute
		if seed%20 == 0 {
			cyc = time.Hour
		}
		for _, o := range []Options{{Seed: seed, Steps: int64(5 + seed*7%300)}, {Seed: seed, Cycle: cyc}, {Seed: seed, Fictional: true}} {
			s := mustStream(t, o)
			p, r := s.plan, s.Run()
			lines, err := cycle(s, max(time.Second, r.Duration/60), 4)
			if err != nil {
				t.Fatalf("%+v: %v", o, err)
			}
			for _, b := range beliefs {
				if err := b.check(p, o, lines); err != nil {
					t.Errorf("%+v (%s on %d×%s, %s): %s: %v", o, r.Model.Key, r.Nodes, r.GPU.Key, r.Job, b.name, err)
				}
			}
		}
	}
}
