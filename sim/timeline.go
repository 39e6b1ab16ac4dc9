package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// segKind is one contiguous stretch of a run's timeline.
type segKind uint8

const (
	segBanner segKind = iota // config, distributed init, NCCL
	segLoad                  // model / checkpoint load bar
	segPrep                  // dataset, self-test, "Initialization complete"
	segTrain
	segEval
	segCkpt
	segMerge
	segOptimize
	segSerialize
	segWrite
	segSummary
	segTransition
)

func (k segKind) phase() Phase {
	switch k {
	case segBanner, segLoad, segPrep:
		return PhaseInit
	case segTrain:
		return PhaseTrain
	case segEval, segCkpt:
		return PhaseValidate
	case segMerge, segOptimize, segSerialize, segWrite:
		return PhaseExport
	case segSummary:
		return PhaseSummary
	}
	return PhaseTransition
}

// seg is one stretch [start, end) of virtual time since the run's start.
type seg struct {
	kind       segKind
	start, end time.Duration
	// train: steps (step0, step1]; eval/ckpt: the evaluated step in step1
	step0, step1 int64
	first        bool    // first train segment: its first step is slower
	eval         int     // eval/ckpt: index into runPlan.evals
	total        float64 // bar units for the segment's bar
	label, unit  string  // the segment's bar, if it has one
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// planRun turns the drawn cluster into the whole run: batch, throughput,
// step window, physics and the timeline of segments.
func planRun(o Options, index int, seed uint64, r *rand.Rand, cat *catalog, m Model, g GPUType, nodes int, job JobKind, fw Framework, lay layout, seq int) *runPlan {
	params, active := m.Params(), m.ActiveParams()
	gpus := nodes * g.PerNode
	// Wide data parallelism with big micro-batches would force a global
	// batch far beyond what such jobs use: shrink the micro-batch first.
	maxSeqs := maxSeqsFor(job, seq)
	for lay.MB > 1 && lay.DP*lay.MB > maxSeqs {
		lay.MB /= 2
		lay.MemBytes = memPerGPU(m, float64(params), lay, seq)
	}
	run := &Run{
		Index: index, Seed: seed, Model: m, Params: params, ActiveParams: active,
		GPU: g, Nodes: nodes, GPUsPerNode: g.PerNode, Job: job, Framework: fw,
		TP: lay.TP, PP: lay.PP, DP: lay.DP, Sharding: lay.Sharding, Recompute: lay.Recompute,
		SeqLen: seq,
	}
	run.Interconnect = g.Fabric
	if nodes > 1 {
		run.Interconnect += ", " + g.Network
	}

	// The dataset is chosen below, once the job knows how many tokens
	// (pretraining) or samples (fine-tuning) it needs.
	var ds Dataset

	// Throughput: tokens/s = MFU · peak · GPUs / (6 · N_active), MFU as
	// the compute reaches it; communication may lower it below.
	run.MFU = mfuFor(r, g, fw, lay, nodes, active)
	run.TokensPerSec = run.MFU * g.PeakTFLOPs * 1e12 * float64(gpus) / (6 * float64(active))

	// Batch: the largest of the sizes such runs use whose step stays
	// watchable (≤ ~15 s), never below one micro-batch per DP rank.
	dpmb := lay.DP * lay.MB
	var choices []float64 // tokens per step, or sequences for fine-tunes
	// Small models are often trained from scratch in one sitting (a
	// "speedrun"): the window is the whole job, and its batch is a small
	// one, so the run has hundreds of steps rather than a few dozen.
	scratch := job == JobPretrain && active < 2e9 && r.Float64() < 0.4
	if job == JobPretrain {
		b := float64(active) / 1e9
		switch {
		case b < 1 || scratch:
			choices = []float64{0.25e6, 0.5e6}
		case b < 10:
			choices = []float64{1e6, 2e6, 4e6}
		case b < 100:
			choices = []float64{1e6, 2e6, 4e6}
		default:
			choices = []float64{2e6, 4e6, 8e6, 16e6}
		}
		for i := range choices {
			choices[i] /= float64(seq)
		}
	} else {
		choices = []float64{32, 64, 128, 256}
	}
	gbSeqs := choices[0]
	for _, c := range choices[:len(choices)-r.IntN(2)] {
		if c*float64(seq)/run.TokensPerSec <= 15 {
			gbSeqs = c
		}
	}
	// Gradient accumulation is a power of two, as configs have it.
	run.GradAccum = max(1, 1<<int(math.Round(math.Log2(math.Max(1, gbSeqs/float64(dpmb))))))
	// With memory to spare a config raises the micro-batch before it
	// accumulates: fewer, bigger micro-batches use the GPU better. A
	// pipeline keeps at least 4 micro-batches per stage in flight.
	limit := float64(g.MemMiB) * (1 << 20) * memHeadroom
	raiseMB := func() {
		for run.GradAccum > 1 && (lay.PP == 1 || run.GradAccum >= 4*lay.PP) {
			l2 := lay
			l2.MB *= 2
			l2.MemBytes = memPerGPU(m, float64(params), l2, seq)
			if l2.MemBytes > limit {
				break
			}
			lay, run.GradAccum = l2, run.GradAccum/2
		}
		run.MicroBatch = lay.MB
	}
	raiseMB()
	run.GlobalBatch = lay.DP * lay.MB * run.GradAccum
	tokensPerStep := float64(run.GlobalBatch) * float64(seq)

	p := &runPlan{run: run, hotGPU: -1}
	// The data-parallel collectives run at the bus bandwidth this cluster
	// reaches: NVLink/Infinity Fabric inside a node, the network across.
	bus := g.IntraBusGBps
	if nodes > 1 {
		bus = g.InterBusGBps
	}
	p.gradBusBW = bus * busEfficiency(seed, nodes)
	// A step whose collectives cannot hide behind its compute waits for
	// them: it gets longer and MFU lower. Timed at the slowest bandwidth a
	// step's log line may print.
	compute := tokensPerStep / run.TokensPerSec
	comm := collectivesPerStep(run) * oneCollective(p.gradBytes(), run.DP, p.gradBusBW*0.93)
	// Collectives that run once per step are amortized by accumulating
	// more micro-batches: a team on a cluster too wide for its model
	// raises the global batch rather than wait on the network.
	for comm > commOverlap*compute && run.GradAccum < 64 && run.Sharding != "ZeRO-3" && run.Sharding != "FSDP" {
		run.GradAccum *= 2
		run.GlobalBatch *= 2
		tokensPerStep *= 2
		compute *= 2
		raiseMB()
		comm = collectivesPerStep(run) * oneCollective(p.gradBytes(), run.DP, p.gradBusBW*0.93)
	}
	st, bound := commBound(compute, comm)
	if bound {
		p.commBound = true
		run.MFU *= compute / st
		run.TokensPerSec = run.MFU * g.PeakTFLOPs * 1e12 * float64(gpus) / (6 * float64(active))
		st = tokensPerStep / run.TokensPerSec
	}
	run.StepTime = secs(st)

	// What the caching allocator holds: the estimate, or more — PyTorch
	// keeps freed blocks reserved, so a long run's peak sits well above
	// what the tensors need.
	// Fragmentation and cached blocks add tens of percent, not a
	// multiple: a 124M model at micro-batch 1 does not hold 56 GiB.
	reserved := math.Max(lay.MemBytes, math.Min(float64(g.MemMiB)*(1<<20)*between(r, 0.55, 0.88), lay.MemBytes*between(r, 1.15, 1.6)))
	run.MemPerGPUMiB = int(math.Min(reserved/(1<<20), float64(g.MemMiB)*memHeadroom))

	if r.Float64() < 0.3 {
		p.hotGPU = r.IntN(min(gpus, 64))
	}
	p.jitter = 0.015 + 0.02*r.Float64()
	p.firstSlow = secs(math.Min(st*between(r, 0.3, 1.2), between(r, 8, 20)))
	p.hosts = hostNames{
		prefix: []string{"gpu-node", "hgx", "dgx", "compute", "trn"}[r.IntN(5)],
		pid:    10000 + r.IntN(80000),
		subnet: 1 + r.IntN(250),
	}
	if g.Vendor == "amd" {
		p.hosts.prefix = []string{"mi300x-node", "rocm", "compute"}[r.IntN(3)]
	}

	// Fixed parts of the timeline (seconds).
	ckptBPP := 14.0
	if r.Float64() < 0.3 {
		ckptBPP = 16
	}
	run.CheckpointBytes = int64(ckptBPP * float64(params))
	run.ExportBytes = 2 * params
	agg := float64(min(nodes, 16))
	// a parallel file system gives each node ~25 GB/s, but the whole
	// cluster shares a few hundred GB/s: a 405B run's 5.7 TB state takes
	// ~15 s to write, not 4
	ckptBW := math.Min(float64(nodes)*checkpointBWGBs, maxCheckpointGBs) * 1e9
	bannerDur := 2.5 + 0.35*math.Log2(float64(gpus)+1) + r.Float64()
	var loadDur float64
	evalBatches := float64(20 + r.IntN(180))
	evalPer := math.Max(st/(3*float64(run.GradAccum)), 0.02)
	evalDur := evalBatches * evalPer
	if evalDur < 4 {
		evalBatches = math.Ceil(4 / evalPer)
	} else if evalDur > 25 {
		evalBatches = math.Max(5, math.Floor(25/evalPer))
	}
	evalDur = evalBatches * evalPer
	ckptDur := math.Max(2, float64(run.CheckpointBytes)/ckptBW)
	prepDur := 2 + 1.5*r.Float64()
	// The export runs in one process (rank 0 gathers the weights, as
	// save_pretrained does): gathering, serializing and writing each
	// stream a few GB/s, whatever the cluster's size.
	mergeDur := math.Max(1.5, float64(run.ExportBytes)/(between(r, 3.5, 5.5)*1e9))
	optDur := math.Max(1.5, float64(m.Layers)*between(r, 0.03, 0.09))
	serDur := math.Max(1.5, float64(run.ExportBytes)/(between(r, 4, 5.5)*1e9))
	writeDur := math.Max(1.5, float64(run.ExportBytes)/(between(r, 1.8, 2.8)*1e9)) + 0.6 // + the companion files
	sumDur, transDur := 6+3*r.Float64(), 3+2*r.Float64()

	cycle := o.Cycle
	if cycle == 0 {
		cycle = secs(between(r, 300, 600))
	}

	// Steps in the window and the job around it.
	nEval := 2 + r.IntN(3)
	fixed := bannerDur + prepDur + mergeDur + optDur + serDur + writeDur + sumDur + transDur
	if job == JobPretrain {
		loadDur = math.Max(3, float64(run.CheckpointBytes)/(ckptBW*1.5))
	} else {
		loadDur = math.Max(2, float64(run.ExportBytes)/(agg*2.5e9))
	}
	budget := cycle.Seconds() - fixed - loadDur - float64(nEval)*(evalDur+0.6*ckptDur)
	// a big model's export takes minutes at a few GB/s: the window then
	// trains at least half as long, and the cycle runs over its target
	budget = math.Max(budget, math.Max(0.25*cycle.Seconds(), 0.5*fixed))
	shownBudget := int64(math.Max(4, budget/st)) // at least a few steps, even of a big model in a short cycle
	if shownBudget < int64(nEval)*6 {
		// too few steps for that many evaluations: fewer, and the time
		// they would have taken goes to training
		nEval = int(max(1, min(int64(nEval), shownBudget/6)))
		budget = cycle.Seconds() - fixed - loadDur - float64(nEval)*(evalDur+0.6*ckptDur)
		shownBudget = int64(math.Max(4, math.Max(budget, math.Max(0.25*cycle.Seconds(), 0.5*fixed))/st))
	}

	if job == JobPretrain {
		var every, shown int64
		if o.Steps > 0 {
			shown = o.Steps
		} else {
			shown = shownBudget
		}
		tpp := between(r, 20, 200)
		// No public run went much past ~18T tokens (Llama 3: 15T), and a
		// job is sized to what its cluster does in weeks, not years.
		days := between(r, 12, 80)
		if active > 50e9 {
			days = between(r, 40, 90) // nobody starts a 70B+ job for two weeks
		}
		jobTokens := math.Min(math.Min(tpp*float64(params), 18e12), run.TokensPerSec*days*86400)
		jobSteps := int64(jobTokens / tokensPerStep)
		// A whole job in one window is a small model's speedrun on at
		// least a couple of tokens per parameter; anything else is a long
		// job that the window resumes.
		whole := jobSteps <= shown*3/2 || (scratch && float64(shown)*tokensPerStep >= 2.5*float64(params))
		endsJob := r.Float64() < 0.2
		place := between(r, 0.02, 0.98)
		if whole {
			if o.Steps > 0 {
				every = max(1, niceStep((shown+int64(nEval)-1)/int64(nEval)))
			} else {
				every = roundInterval(shownBudget / int64(nEval))
				shown = every * int64(nEval)
			}
			run.StartStep, run.TotalSteps = 0, shown
			run.EndStep = shown
		} else {
			// The job evaluates on its own interval, a config value of a
			// few hundred evaluations per job and never shorter than the
			// window: a viewer sees at most one evaluation on it (plus
			// the job's final one). Checkpoints are saved on it too, so
			// the step a window resumes from is a multiple of it.
			every = roundInterval(int64(float64(jobSteps) / between(r, 120, 400)))
			every = max(every, roundIntervalUp(shown))
			if jobSteps >= 2000 {
				every = max(every, 100)
			}
			if endsJob {
				// the job's last window: it runs to the job's final step
				run.StartStep = (jobSteps - shown + every - 1) / every * every
				run.TotalSteps = run.StartStep + shown
			} else {
				// anywhere in the job: the window ends when the scheduler's
				// time limit stops it, with a checkpoint to requeue from
				run.StartStep = max(every, int64(place*float64(jobSteps-shown))/every*every)
				run.TotalSteps = max(jobSteps, run.StartStep+shown)
			}
			run.EndStep = run.StartStep + shown
		}
		run.EvalEvery = every
		// The job trains on a mixture sampled from a corpus big enough for
		// it, sized so the job's last step comes near the end of its one
		// epoch (the step budget runs out just before the data does), as
		// real pretraining runs are set up.
		jobTok := float64(run.TotalSteps) * tokensPerStep
		ds = pickDataset(r, cat, job, func(d Dataset) bool { return float64(d.Tokens) >= jobTok })
		mix := math.Min(float64(ds.Tokens), jobTok/between(r, 0.93, 0.995))
		run.Samples = max(int64(run.GlobalBatch), int64(mix/float64(seq)))
		run.StepsPerEpoch = run.Samples / int64(run.GlobalBatch)
		run.Epochs = int(max(1, (run.TotalSteps+run.StepsPerEpoch-1)/max(1, run.StepsPerEpoch)))
	} else {
		epochs := 1 + r.IntN(3)
		var spe int64
		if o.Steps > 0 {
			spe = max(1, (o.Steps+int64(epochs)-1)/int64(epochs))
		} else {
			spe = max(2, shownBudget/int64(epochs))
		}
		// Conversations are packed into full sequences (so every token a
		// step claims is a real one): a dataset holds Tokens/seq of them.
		need := spe * int64(run.GlobalBatch)
		packed := func(d Dataset) int64 { return d.Tokens / int64(seq) }
		ds = pickDataset(r, cat, job, func(d Dataset) bool { return packed(d) >= need })
		if limit := packed(ds) / int64(run.GlobalBatch); spe > limit && o.Steps == 0 {
			// the whole dataset is less than the window wants: more
			// passes over it (which is how fine-tunes overfit)
			want := spe * int64(epochs)
			spe = max(1, limit)
			epochs = int(min(5, max(int64(epochs), want/spe)))
		} else if spe > limit {
			// a forced step count over a small dataset: as many passes
			// as it takes
			spe = max(1, limit)
			epochs = int((o.Steps + spe - 1) / spe)
		}
		run.Samples = spe*int64(run.GlobalBatch) + int64(r.IntN(run.GlobalBatch))
		if run.Samples > packed(ds) {
			run.Samples = spe * int64(run.GlobalBatch)
		}
		run.StepsPerEpoch = spe
		run.Epochs = epochs
		run.TotalSteps = spe * int64(epochs)
		if o.Steps > 0 {
			run.TotalSteps = o.Steps
		}
		run.StartStep, run.EndStep = 0, run.TotalSteps
		run.EvalEvery = spe
		if epochs == 1 {
			run.EvalEvery = max(1, (spe+1)/2)
		}
		if epochs > maxEvals {
			// Thousands of tiny epochs (a forced --steps over a small
			// dataset on a big cluster) evaluate every few epochs, as
			// eval_steps does: what a run costs to set up is bounded by
			// its evaluations, whatever --steps says.
			run.EvalEvery = spe * int64((epochs+maxEvals-1)/maxEvals)
		}
		if evals := float64(run.TotalSteps / run.EvalEvery); 2*evalPer*evals > 0.1*float64(run.TotalSteps)*st {
			// epochs of a few big steps: even a small evaluation after
			// each would take a good part of the run, so it evaluates at
			// the end only
			run.EvalEvery = run.TotalSteps
		}
	}
	shown := run.EndStep - run.StartStep
	run.LogEvery = 1
	for _, k := range []int64{1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000} {
		run.LogEvery = k
		if float64(k)*st >= 2.5 {
			break
		}
	}

	// Learning rate.
	b := float64(active) / 1e9
	if job == JobPretrain {
		switch {
		case b < 1:
			run.PeakLR = 6e-4
		case b < 20:
			run.PeakLR = 3e-4
		case b < 150:
			run.PeakLR = 1.5e-4
		default:
			run.PeakLR = 8e-5
		}
		// Warmup: 1–5 % of the job, at least 100 steps (a tenth of a
		// short job), at most 10 % and 8,000 steps (Llama 3 405B: 8,000).
		t := run.TotalSteps
		w := int64(float64(t) * between(r, 0.01, 0.05))
		run.WarmupSteps = max(1, min(max(w, min(100, t/10)), t/10, 8000))
	} else {
		// full fine-tunes: 1e-5 to 1e-4 (2e-4 and up are LoRA rates)
		if b < 3 {
			run.PeakLR = []float64{2e-5, 5e-5, 1e-4}[r.IntN(3)]
		} else {
			run.PeakLR = []float64{1e-5, 2e-5, 3e-5, 5e-5}[r.IntN(4)]
		}
		run.WarmupSteps = max(1, run.TotalSteps*3/100)
	}
	run.MinLR = run.PeakLR / 10
	run.WarmupSteps = min(run.WarmupSteps, max(0, run.TotalSteps-1))

	// Physics.
	ph := &p.phys
	ph.seed = seed
	ph.pretrain = job == JobPretrain
	ph.tokensPerStep = tokensPerStep
	ph.peakLR, ph.minLR = run.PeakLR, run.MinLR
	ph.warmup, ph.total = run.WarmupSteps, run.TotalSteps
	ph.stepsPerEpoch = float64(max(1, run.StepsPerEpoch))
	nEff := float64(active)
	if m.experts() > 1 {
		nEff *= 1.6 // a sparse model learns like a denser one than its active count
	}
	ph.n = nEff
	ph.lawE, ph.lawA, ph.lawB, ph.alpha, ph.beta = 1.8172, 482.01, 2085.43, 0.3478, 0.3658
	ph.lInit = math.Log(float64(m.Vocab)) + between(r, 0.02, 0.12)
	ph.noisePeriod = math.Max(3, math.Min(40, float64(shown)/25))
	if job == JobPretrain {
		ph.floor = ph.lawE + ph.lawA/math.Pow(ph.n, ph.alpha)
		ph.lawNTerm = ph.floor
		ph.noiseAmp = between(r, 0.015, 0.035)
		ph.valGap = between(r, 0.005, 0.025)
		ph.gnSettle = between(r, 0.18, 0.6)
		ph.gnCreep = between(r, 0.05, 0.35)
		ph.spikeMag = between(r, 0.25, 0.9)
		ph.spikeProb = 0.3
	} else {
		ph.ft0 = between(r, 1.5, 2.5) + 0.3/math.Max(0.3, b)
		ph.floor = ph.ft0 * between(r, 0.45, 0.65)
		ph.ftTau = between(r, 2, 6)
		ph.ftEpochDrop = between(r, 0.82, 0.94)
		ph.noiseAmp = between(r, 0.03, 0.06)
		ph.valGap = between(r, 0.03, 0.09)
		ph.overfit = between(r, 0.02, 0.12)
		ph.gnSettle = between(r, 0.3, 1.2)
		ph.gnCreep = between(r, 0.0, 0.2)
		ph.spikeMag = between(r, 0.1, 0.35)
		ph.spikeProb = 0.2
	}
	if run.StartStep == 0 {
		ph.gnInit = between(r, 6, 40)
		if job == JobFinetune {
			ph.gnInit = between(r, 1, 5)
		}
	}
	ph.gnTau = math.Max(2, float64(run.WarmupSteps)/2)
	ph.spikeBlock = max(8, shown)
	ph.firstSpike = run.StartStep
	ph.lastSpike = run.EndStep - int64(math.Ceil(4*math.Max(1.5, math.Min(30, float64(shown)/25)))) - 3
	ph.spikeDecay = math.Max(1.5, math.Min(30, float64(shown)/25))
	run.LossFloor = ph.floor

	// Evaluations: every EvalEvery steps of the job that fall in the
	// window, and at the job's end. A fine-tune's window is the whole
	// job; a pretraining window that stops mid-job may hold none.
	for s := (run.StartStep/run.EvalEvery + 1) * run.EvalEvery; s <= run.EndStep; s += run.EvalEvery {
		p.evalSteps = append(p.evalSteps, s)
	}
	if (job == JobFinetune || run.EndStep == run.TotalSteps) && (len(p.evalSteps) == 0 || p.evalSteps[len(p.evalSteps)-1] != run.EndStep) {
		p.evalSteps = append(p.evalSteps, run.EndStep)
	}
	best := math.Inf(1)
	if run.StartStep > 0 {
		best = ph.val(run.StartStep) // the resumed run's best so far
	}
	patience := 0
	for _, s := range p.evalSteps {
		v := ph.val(s)
		e := evalResult{step: s, loss: v, train: ph.base(s), bestBefore: best}
		if v < best {
			best, e.best, patience = v, true, 0
		} else {
			patience++
		}
		// Fine-tunes keep improvements. Pretraining evaluates often but
		// writes its multi-terabyte state on a save interval far longer
		// than a window (its resume point was one): here only the job's
		// final save at its last step.
		e.save = e.best
		if job == JobPretrain {
			e.save = s == run.EndStep
		}
		e.patience = patience
		e.acc = math.Min(0.92, math.Exp(-0.42*v)*1.05)
		p.evals = append(p.evals, e)
	}
	run.Patience = 3 + r.IntN(3)

	// Timeline.
	p.segs = make([]seg, 0, 9+2*len(p.evalSteps))
	t := time.Duration(0)
	add := func(k segKind, d float64, total float64) *seg {
		p.segs = append(p.segs, seg{kind: k, start: t, end: t + secs(d), total: total})
		t += secs(d)
		return &p.segs[len(p.segs)-1]
	}
	add(segBanner, bannerDur, 0)
	if job == JobPretrain && run.StartStep > 0 {
		add(segLoad, loadDur, float64(run.CheckpointBytes))
	} else if job == JobPretrain {
		add(segLoad, math.Max(1.5, float64(m.Layers)*0.04), float64(m.Layers))
	} else {
		add(segLoad, loadDur, float64(len(cat.shardsOf(m))))
	}
	add(segPrep, prepDur, 0)
	// Evaluation is a small part of a job's time: at most a tenth of the
	// window's training, in whole batches.
	if n := len(p.evalSteps); n > 0 {
		if capDur := 0.1 * float64(shown) * st / float64(n); evalDur > capDur {
			evalBatches = math.Max(1, math.Floor(capDur/evalPer))
			evalDur = evalBatches * evalPer
		}
	}
	prev := run.StartStep
	bounds := p.evalSteps
	if len(bounds) == 0 || bounds[len(bounds)-1] != run.EndStep {
		bounds = append(bounds[:len(bounds):len(bounds)], run.EndStep) // a window ending mid-job between evaluations
	}
	for i, s := range bounds {
		sg := seg{kind: segTrain, start: t, step0: prev, step1: s, first: i == 0}
		p.segs = append(p.segs, sg)
		end := p.stepTime(&p.segs[len(p.segs)-1], s)
		p.segs[len(p.segs)-1].end = end
		t = end
		save := s == run.EndStep && job == JobPretrain
		if i < len(p.evalSteps) {
			// each evaluation takes a slightly different time, as real ones do
			ev := add(segEval, evalDur*(1+0.03*signed(hash2(seed^saltVal, uint64(s)))), evalBatches)
			ev.step1, ev.eval = s, i
			save = p.evals[i].save
		}
		if save {
			ck := add(segCkpt, ckptDur, float64(run.CheckpointBytes))
			ck.step1, ck.eval = s, -1
			if i < len(p.evalSteps) {
				ck.eval = i
			}
		}
		prev = s
	}
	p.shards = cat.shardsOf(m)
	run.Shards = len(p.shards)
	add(segMerge, mergeDur, float64(run.ExportBytes))
	add(segOptimize, optDur, float64(m.Layers))
	add(segSerialize, serDur, float64(run.ExportBytes))
	add(segWrite, writeDur, float64(run.ExportBytes))
	add(segSummary, sumDur, 0)
	add(segTransition, transDur, 0)
	run.Duration = t
	for i := range p.segs {
		sg := &p.segs[i]
		switch sg.kind {
		case segLoad:
			switch {
			case job == JobPretrain && run.StartStep > 0:
				sg.label, sg.unit = fmt.Sprintf("Loading checkpoint-%d", run.StartStep), "B"
			case job == JobPretrain:
				sg.label, sg.unit = "Initializing weights", "layer"
			default:
				sg.label, sg.unit = "Loading checkpoint shards", "it"
			}
		case segCkpt:
			sg.label, sg.unit = fmt.Sprintf("Saving checkpoint-%d", sg.step1), "B"
		case segMerge:
			sg.label, sg.unit = "Merging distributed weights", "B"
		case segOptimize:
			sg.label, sg.unit = "Optimizing for inference", "layer"
		case segSerialize:
			sg.label, sg.unit = "Serializing to safetensors", "B"
		case segWrite:
			sg.label, sg.unit = "Writing shards", "B"
		}
	}
	for e := 1; e <= min(run.Epochs, maxEpochLabels) && job == JobFinetune; e++ {
		p.epochLabels = append(p.epochLabels, fmt.Sprintf("Epoch %d/%d", e, run.Epochs))
	}

	run.Dataset = ds

	// Names.
	tag := "pretrain"
	if job == JobFinetune {
		tag = []string{"SFT", "instruct", "chat SFT", "full FT"}[r.IntN(4)]
	}
	run.Name = fmt.Sprintf("%s %s %s", m.Name, shortDataset(ds.Name), tag)
	if r.Float64() < 0.4 {
		run.Name += fmt.Sprintf(" v%d", 2+r.IntN(4))
	}
	run.OutputDir = "./outputs/" + sanitize(run.Name) + "/final/"
	return p
}

// roundInterval rounds n down to an interval a config file would hold:
// 1–9 as they are, then 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5 or 8 × a power
// of ten (98 → 80, 137 → 120, 1047 → 1000), so evaluations, checkpoints
// and the checkpoint a job resumes from sit on round steps.
func roundInterval(n int64) int64 {
	if n < 10 {
		return max(1, n)
	}
	p := int64(1)
	for p*100 <= n {
		p *= 10
	}
	for _, m := range []int64{80, 75, 60, 50, 40, 30, 25, 20, 15, 12} {
		if m*p <= n {
			return m * p
		}
	}
	return 10 * p
}

// roundIntervalUp is the smallest interval roundInterval keeps that is at
// least n.
func roundIntervalUp(n int64) int64 {
	if n < 10 {
		return max(1, n)
	}
	for p := int64(1); ; p *= 10 {
		for _, m := range []int64{10, 12, 15, 20, 25, 30, 40, 50, 60, 75, 80} {
			if m*p >= n {
				return m * p
			}
		}
	}
}

// pickDataset draws a corpus for the job among those ok accepts, or the
// biggest for the job when none does.
func pickDataset(r *rand.Rand, cat *catalog, job JobKind, ok func(Dataset) bool) Dataset {
	var fit []Dataset
	var biggest Dataset
	for _, d := range cat.datasets {
		if d.Job != job {
			continue
		}
		if d.Tokens > biggest.Tokens {
			biggest = d
		}
		if ok(d) {
			fit = append(fit, d)
		}
	}
	if len(fit) == 0 {
		return biggest
	}
	return fit[r.IntN(len(fit))]
}

// stepTime is the virtual time (since the run's start) at which step k of a
// train segment completes. Steps take StepTime on average with a small
// smooth jitter (bounded, so steps stay ordered); the first step of the
// window is slower (compilation, warm caches).
func (p *runPlan) stepTime(s *seg, k int64) time.Duration {
	st := p.run.StepTime.Seconds()
	n0 := valueNoise(p.phys.seed^saltJitter, float64(s.step0), 7)
	nk := valueNoise(p.phys.seed^saltJitter, float64(k), 7)
	t := s.start + secs(float64(k-s.step0)*st+st*p.jitter*(nk-n0))
	if s.first && k > s.step0 {
		t += p.firstSlow
	}
	return t
}

// stepAt is the last step completed at time t within train segment s.
func (p *runPlan) stepAt(s *seg, t time.Duration) int64 {
	if t >= s.end {
		return s.step1
	}
	st := p.run.StepTime.Seconds()
	off := t - s.start
	if s.first {
		off -= p.firstSlow
	}
	k := s.step0 + int64(off.Seconds()/st)
	k = max(s.step0, min(s.step1, k+1))
	for k > s.step0 && p.stepTime(s, k) > t {
		k--
	}
	for k < s.step1 && p.stepTime(s, k+1) <= t {
		k++
	}
	return k
}

// stepDur is how long step k took (k > step0 of its segment).
func (p *runPlan) stepDur(s *seg, k int64) time.Duration {
	if k <= s.step0 {
		return p.run.StepTime
	}
	return p.stepTime(s, k) - p.stepTime(s, k-1)
}
