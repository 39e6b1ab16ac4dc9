package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// layout is how a model is split over a cluster, and what it costs per GPU.
type layout struct {
	TP, PP, DP, MB int
	Sharding       string
	Recompute      string // "selective" or "full" activation checkpointing
	MemBytes       float64
}

const (
	gib              = 1 << 30
	memHeadroom      = 0.93 // allocator fragmentation and spikes need the rest
	overheadBytes    = 3.6 * gib
	fineTuneSeqLen   = 4096
	minFeasibleSeq   = 2048
	maxDrawnNodes    = 256
	checkpointBWGBs  = 25.0  // per node, to a parallel file system
	maxCheckpointGBs = 400.0 // the file system's aggregate bandwidth
)

// shardingsFor lists the state shardings a framework offers, cheapest
// communication first.
func shardingsFor(fw Framework) []string {
	switch fw {
	case FrameworkMegatron:
		return []string{"ZeRO-1"}
	case FrameworkTorchtitan:
		return []string{"FSDP"}
	}
	return []string{"DDP", "ZeRO-2", "ZeRO-3", "FSDP"}
}

// stateBytes is weights + grads + Adam states per GPU for n parameters per
// model-parallel rank sharded over dp data-parallel ranks (16 B/param total).
func stateBytes(sharding string, n float64, dp int) float64 {
	g := float64(dp)
	switch sharding {
	case "DDP":
		return 16 * n // every rank holds the whole state
	case "ZeRO-1":
		return 4*n + 12*n/g
	case "ZeRO-2":
		return 2*n + 14*n/g
	}
	return 16 * n / g
}

// memPerGPU estimates peak bytes per GPU for one layout.
func memPerGPU(m Model, params float64, l layout, seq int) float64 {
	n := params / float64(l.TP*l.PP)
	s, b, d := float64(seq), float64(l.MB), float64(m.Hidden)
	var act float64
	if l.Recompute == "full" {
		act = s * b * d * (2*float64(m.Layers) + 34) / float64(l.TP)
	} else {
		act = s * b * d * float64(m.Layers) * 34 / float64(l.TP)
	}
	logits := s * b * float64(m.Vocab) * 6 / float64(l.TP)
	return stateBytes(l.Sharding, n, l.DP) + act + logits + overheadBytes
}

// microCommRatio is, for shardings that communicate every micro-batch
// (ZeRO-2 its gradients, ZeRO-3/FSDP also the parameters twice), that
// communication over the micro-batch's compute at a high MFU of 0.5 and bus
// bandwidth busbw GB/s (see comm.go). Shardings that communicate once per
// step give 0: gradient accumulation amortizes them.
func microCommRatio(m Model, params float64, g GPUType, l layout, seq int, busbw float64) float64 {
	var n float64
	switch l.Sharding {
	case "ZeRO-3", "FSDP":
		n = 3
	case "ZeRO-2":
		n = 1
	default:
		return 0
	}
	mp := float64(l.TP * l.PP)
	comm := n * oneCollective(2*params/mp, l.DP, busbw)
	compute := 6 * float64(m.ActiveParams()) * float64(l.MB*seq) / mp / (0.5 * g.PeakTFLOPs * 1e12)
	return comm / compute
}

// fit finds the first layout that fits: little model parallelism for small
// models and full tensor parallelism inside a node for big ones, then the
// framework's cheapest sharding, selective recompute and big micro-batches
// (up to maxMB). With busbw > 0 it also skips layouts whose per-micro-batch
// communication at busbw GB/s could not hide behind their compute. ok is
// false when nothing fits.
func fit(m Model, params float64, g GPUType, gpus int, seq int, fw Framework, maxMB int, busbw float64, maxSeqs int) (layout, bool) {
	limit := float64(g.MemMiB) * (1 << 20) * memHeadroom
	tps := []int{1, 2, 4, 8}
	pps := []int{1, 2, 4, 8, 16}
	if fw == FrameworkHF {
		tps, pps = []int{1}, []int{1}
	}
	// Big models use full tensor parallelism inside a node (as Llama 3 did),
	// then as little pipelining as fits; small ones as little model
	// parallelism as fits.
	if params > 20e9 && fw != FrameworkHF {
		tps = []int{8, 4, 2, 1}
	}
	for _, tp := range tps {
		for _, pp := range pps {
			{
				if tp > g.PerNode || gpus%(tp*pp) != 0 || m.KVHeads%tp != 0 || pp > m.Layers/4 {
					continue
				}
				for _, sh := range shardingsFor(fw) {
					for _, rc := range []string{"selective", "full"} {
						dp := gpus / (tp * pp)
						top := maxMB
						for top > 1 && dp*top > maxSeqs {
							top /= 2 // wide data parallelism keeps the global batch in bounds
						}
						for mb := top; mb >= 1; mb /= 2 {
							l := layout{TP: tp, PP: pp, DP: dp, MB: mb, Sharding: sh, Recompute: rc}
							l.MemBytes = memPerGPU(m, params, l, seq)
							if l.MemBytes > limit {
								continue
							}
							if busbw > 0 && microCommRatio(m, params, g, l, seq, busbw) > 0.8*commOverlap {
								break // smaller micro-batches only communicate more per FLOP
							}
							return l, true
						}
					}
				}
			}
		}
	}
	return layout{}, false
}

// fitsAny says whether the model fits on nodes × GPU with some framework.
func fitsAny(m Model, g GPUType, nodes int) bool {
	p := float64(m.Params())
	for _, fw := range []Framework{FrameworkMegatron, FrameworkTorchtitan, FrameworkHF} {
		if _, ok := fit(m, p, g, nodes*g.PerNode, minFeasibleSeq, fw, 1, 0, math.MaxInt); ok {
			return true
		}
	}
	return false
}

// maxSeqsFor caps the sequences a step's micro-batches hold across data
// parallelism: a fine-tune's global batch stays in the hundreds, a
// pretraining step under 16M tokens.
func maxSeqsFor(job JobKind, seq int) int {
	if job == JobPretrain {
		return max(1, int(16e6)/seq)
	}
	return 256
}

// commCheckBus is the bus bandwidth (GB/s) layouts are checked against:
// the link's, at the low end of what a cluster reaches.
func commCheckBus(g GPUType, nodes int) float64 {
	if nodes > 1 {
		return g.InterBusGBps * 0.8
	}
	return g.IntraBusGBps * 0.8
}

// jobFrameworks and jobSeqs are what drawRun may pick for a job.
func jobFrameworks(job JobKind) []Framework {
	if job == JobFinetune {
		return []Framework{FrameworkHF, FrameworkTorchtitan}
	}
	return []Framework{FrameworkHF, FrameworkMegatron, FrameworkTorchtitan}
}

func jobSeqs(m Model, job JobKind) []int {
	s := []int{2048, 4096, 8192}
	if job == JobFinetune {
		s = []int{1024, 2048, 4096}
	} else if m.Arch == archGPT2 {
		s = []int{1024}
	}
	for i := range s {
		s[i] = min(s[i], m.Context)
	}
	return s
}

// commFeasible says whether some layout of m on nodes × g for the job fits
// in memory and keeps its per-micro-batch communication hidden.
func commFeasible(m Model, g GPUType, nodes int, job JobKind) bool {
	p := float64(m.Params())
	for _, fw := range jobFrameworks(job) {
		for _, seq := range jobSeqs(m, job) {
			if _, ok := fit(m, p, g, nodes*g.PerNode, seq, fw, 8, commCheckBus(g, nodes), maxSeqsFor(job, seq)); ok {
				return true
			}
		}
	}
	return false
}

// checkFeasible rejects forced options that no run can satisfy.
func checkFeasible(m *Model, g *GPUType, nodes int, job JobKind) error {
	if m == nil {
		return nil
	}
	gpus := GPUs()
	if g != nil {
		gpus = []GPUType{*g}
	}
	nodeList := []int{nodes}
	if nodes == 0 {
		nodeList = nodeList[:0]
		for n := 1; n <= MaxNodes; n *= 2 {
			nodeList = append(nodeList, n)
		}
	}
	jobs := []JobKind{job}
	if job == JobAny {
		jobs = []JobKind{JobPretrain, JobFinetune}
	}
	memOK := false
	for _, gg := range gpus {
		for _, n := range nodeList {
			if !fitsAny(*m, gg, n) {
				continue
			}
			memOK = true
			for _, j := range jobs {
				if commFeasible(*m, gg, n, j) {
					return nil
				}
			}
		}
	}
	if memOK {
		// it fits, but every step would wait on the network: a cluster
		// far too wide for the model (or a link far too slow)
		where := "any gpu"
		if g != nil {
			where = g.Key
		}
		hint := "try fewer nodes"
		for n := nodes / 2; n >= 1 && g != nil; n /= 2 {
			ok := false
			for _, j := range jobs {
				ok = ok || commFeasible(*m, *g, n, j)
			}
			if ok {
				hint = fmt.Sprintf("try --nodes %d", n)
				break
			}
		}
		what := "this job"
		if job != JobAny {
			what = "a " + string(job) + " job"
		}
		return fmt.Errorf("model %s on %d node(s) of %s would wait on communication every step of %s: %s", m.Key, nodes, where, what, hint)
	}
	where := "any gpu"
	if g != nil {
		where = g.Key
	}
	if nodes > 0 {
		need := 0
		for n := nodes; n <= MaxNodes && g != nil; n *= 2 {
			if fitsAny(*m, *g, n) {
				need = n
				break
			}
		}
		hint := "try more nodes or a bigger gpu"
		if need > 0 {
			hint = fmt.Sprintf("try --nodes %d", need)
		}
		return fmt.Errorf("model %s does not fit in memory on %d node(s) of %s: %s", m.Key, nodes, where, hint)
	}
	return fmt.Errorf("model %s does not fit in memory on %s with up to %d nodes: try a bigger gpu", m.Key, where, MaxNodes)
}

// pick draws one element by weight.
func pick[T any](r *rand.Rand, items []T, weight func(T) float64) T {
	var total float64
	for _, it := range items {
		total += weight(it)
	}
	x := r.Float64() * total
	for _, it := range items {
		x -= weight(it)
		if x < 0 {
			return it
		}
	}
	return items[len(items)-1]
}

func between(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// niceStep rounds n down to 1, 2, 2.5 or 5 × a power of ten.
func niceStep(n int64) int64 {
	if n < 1 {
		return 1
	}
	p := int64(1)
	for p*10 <= n {
		p *= 10
	}
	for _, f := range []int64{5, 2, 1} {
		if f*p <= n {
			if f == 2 && p >= 100 && 25*p/10 <= n {
				return 25 * p / 10
			}
			return f * p
		}
	}
	return p
}

// sanitize turns a run name into a path component: lowercase, path-unsafe
// characters as dashes, no doubled or trailing dashes.
func sanitize(name string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(name) {
		ok := (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
		if !ok {
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = true
			continue
		}
		b.WriteRune(c)
		dash = false
	}
	return strings.TrimRight(b.String(), "-.")
}

// shortDataset is the display form of a dataset id: "HuggingFaceFW/fineweb" → "fineweb".
func shortDataset(name string) string {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// nodesFor draws a cluster size that suits the model and job.
func nodesFor(r *rand.Rand, active float64, job JobKind) int {
	b := active / 1e9
	var choices []int
	switch {
	case job == JobFinetune && b < 2:
		choices = []int{1, 1, 1, 2}
	case job == JobFinetune && b < 20:
		choices = []int{1, 1, 2, 4}
	case job == JobFinetune && b < 100:
		choices = []int{2, 4, 8}
	case job == JobFinetune:
		choices = []int{16, 32}
	case b < 1:
		choices = []int{1, 1, 2, 4}
	case b < 5:
		choices = []int{2, 4, 8, 16}
	case b < 20:
		choices = []int{8, 16, 32, 64}
	case b < 100:
		choices = []int{32, 64, 128}
	default:
		choices = []int{128, 192, 256}
	}
	return choices[r.IntN(len(choices))]
}

// runPlan is one run: its public configuration, its physics and its
// timeline, all fixed when the run is drawn.
type runPlan struct {
	run  *Run
	phys physics
	// timeline (virtual offsets from the run's start)
	segs      []seg
	evalSteps []int64
	evals     []evalResult
	shards    []int64 // bytes of each exported shard
	hosts     hostNames
	jitter    float64 // relative amplitude of step-time jitter
	firstSlow time.Duration
	gradBusBW float64 // GB/s the data-parallel collectives reach on this cluster
	commBound bool    // the step waits for its collectives (they do not all overlap)

	epochLabels []string // "Epoch 2/3" of the first epochs, built once so snapshots never allocate
	lateEpoch   int64    // the epoch lateLabel is for (0: none yet)
	lateLabel   string   // the label of an epoch past epochLabels, built when it comes
	buf         []byte   // scratch for step lines
	hotGPU      int      // a GPU that runs 7 °C warmer than its peers, or -1
}

// Bounds on what a run's set-up builds, whatever --steps and --nodes say:
// evaluations (each a few log lines and timeline segments) and epoch bar
// labels built up front (later ones are built when their epoch comes).
const (
	maxEvals       = 20
	maxEpochLabels = 64
)

type evalResult struct {
	step     int64
	loss     float64 // validation loss
	train    float64 // smoothed train loss at that step
	best     bool    // new best; else patience grows
	save     bool    // a checkpoint is written after this evaluation
	patience int     // evaluations without improvement so far
	acc      float64
	// bestBefore is the best validation loss before this evaluation (the
	// resumed run's, or +Inf), kept so the log line needs no rescan.
	bestBefore float64
}

// hostNames names the cluster's machines.
type hostNames struct {
	prefix string
	pid    int
	subnet int
}

func (h hostNames) host(node int) string { return fmt.Sprintf("%s-%03d", h.prefix, node) }

// drawRun draws run `index` of a stream from its seed: everything a run
// shows follows from this one configuration.
func drawRun(o Options, index int, seed uint64, cat *catalog) *runPlan {
	r := rand.New(rand.NewPCG(seed, seed^0x6f766572666974))
	models, gpus := cat.models, cat.gpus
	forcedModel, forcedGPU := cat.forcedModel, cat.forcedGPU
	job := o.Job
	if job == JobAny {
		job = JobFinetune
		if r.Float64() < 0.5 {
			job = JobPretrain
		}
		// a forced cluster too wide for one kind of job gets the other
		if forcedModel != nil && forcedGPU != nil && o.Nodes > 0 && !commFeasible(*forcedModel, *forcedGPU, o.Nodes, job) {
			job = map[JobKind]JobKind{JobPretrain: JobFinetune, JobFinetune: JobPretrain}[job]
		}
	}
	var (
		m     Model
		g     GPUType
		nodes int
		fw    Framework
		lay   layout
		seq   int
	)
	for attempt := 0; ; attempt++ {
		if forcedModel != nil {
			m = *forcedModel
		} else {
			m = pick(r, models, func(m Model) float64 {
				b := float64(m.Params()) / 1e9
				switch {
				case m.Fictional && !o.Fictional:
					return 0 // invented models are opt-in
				case job == JobFinetune && b > 100:
					return 0.3
				case m.Fictional:
					return 0.6
				}
				return 1
			})
		}
		active := float64(m.ActiveParams())
		if forcedGPU != nil {
			g = *forcedGPU
		} else {
			g = pick(r, gpus, func(g GPUType) float64 {
				consumer := g.Key == "rtx4090" || g.Key == "l40s" || g.Key == "h100-pcie"
				switch {
				case consumer && (job == JobPretrain || active > 15e9):
					return 0.05
				case consumer:
					return 0.5
				case g.Key == "h100":
					return 3
				}
				return 1
			})
		}
		nodes = o.Nodes
		if nodes == 0 {
			nodes = nodesFor(r, active, job)
		}
		switch {
		case job == JobFinetune:
			fw = FrameworkHF
			if r.Float64() < 0.2 {
				fw = FrameworkTorchtitan
			}
		case active > 30e9:
			fw = FrameworkMegatron
			if r.Float64() < 0.4 {
				fw = FrameworkTorchtitan
			}
		default:
			fw = Framework(r.IntN(3))
		}
		if job == JobFinetune {
			seq = []int{1024, 2048, 4096}[r.IntN(3)]
		} else {
			seq = []int{2048, 4096, 8192}[r.IntN(3)]
			if m.Arch == archGPT2 {
				seq = 1024
			}
		}
		seq = min(seq, m.Context)
		// The layout must fit in memory and, while there are draws left,
		// keep its communication hidden behind compute (a config that
		// leaves the GPUs waiting on the network is one nobody runs).
		bus := 0.0
		if attempt < 400 {
			bus = commCheckBus(g, nodes)
		}
		var ok bool
		lay, ok = fit(m, float64(m.Params()), g, nodes*g.PerNode, seq, fw, []int{1, 2, 4, 8}[r.IntN(4)], bus, maxSeqsFor(job, seq))
		if !ok && attempt > 8 {
			// Forced options were checked by Validate, so only drawn
			// values can be at fault, and the draws keep missing the few
			// layouts that work (say a Mixtral fine-tune on 24 nodes: only
			// A100s with TP 8 × PP 8): draw among those instead.
			if combos := cat.workingLayouts(o, m, job); len(combos) > 0 {
				c := combos[r.IntN(len(combos))]
				g, nodes, seq, fw = c.g, c.nodes, c.seq, c.fw
				lay, ok = fit(m, float64(m.Params()), g, nodes*g.PerNode, seq, fw, 8, commCheckBus(g, nodes), maxSeqsFor(job, seq))
			}
		}
		if !ok && attempt > 40 {
			// nothing keeps communication hidden: bump the cluster until
			// the model fits in memory
			for n := max(nodes, 1) * 2; n <= MaxNodes*4; n *= 2 {
				if lay, ok = fit(m, float64(m.Params()), g, n*g.PerNode, minFeasibleSeq, FrameworkTorchtitan, 1, 0, math.MaxInt); ok {
					nodes, seq, fw = n, minFeasibleSeq, FrameworkTorchtitan
					break
				}
			}
		}
		if ok {
			// communication that only accumulates per step (Megatron's
			// distributed optimizer) can still bind a small global batch
			p := planRun(o, index, seed, r, cat, m, g, nodes, job, fw, lay, seq)
			if p.run.MFU >= minMFU || attempt >= 400 {
				return p
			}
		}
		if o.Job == JobAny && attempt%25 == 24 {
			// the forced part of the cluster suits the other kind of job
			job = map[JobKind]JobKind{JobPretrain: JobFinetune, JobFinetune: JobPretrain}[job]
		}
		if o.Nodes == 0 && attempt%3 == 2 {
			continue // a fresh draw of everything not forced
		}
	}
}

// minMFU is the lowest model-FLOPs utilisation a run may show: below it a
// configuration is one that a team would have fixed before launching.
const minMFU = 0.22

// mfuFor draws a realistic model-FLOPs utilisation for the setup.
func mfuFor(r *rand.Rand, g GPUType, fw Framework, lay layout, nodes int, active int64) float64 {
	lo, hi := 0.36, 0.47
	switch fw {
	case FrameworkHF:
		lo, hi = 0.30, 0.42
	case FrameworkTorchtitan:
		lo, hi = 0.33, 0.45
	}
	x := between(r, lo, hi)
	if g.IntraBusGBps < 100 {
		x *= 0.85 // PCIe GPUs wait on communication
	}
	if lay.Recompute == "full" {
		x *= 0.88
	}
	if nodes > 64 {
		x *= 0.96
	}
	if active < 1e9 {
		x *= 0.75 // small matmuls never fill a big GPU
	}
	return math.Max(minMFU, math.Min(0.55, x))
}
