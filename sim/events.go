package sim

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// line is an event before it gets a Seq and wall time: at is virtual time
// since the run's start.
type line struct {
	at     time.Duration
	level  Level
	rank   int
	local  int
	kind   EventKind
	source string
	text   string
}

// script collects the lines of one segment and spreads them evenly over it,
// so the timeline never depends on how many lines a segment prints.
type script struct {
	p     *runPlan
	lines []line
	batch []line
}

func (s *script) log(level Level, src, format string, args ...any) {
	s.batch = append(s.batch, line{level: level, rank: 0, kind: KindLog, source: src, text: sprintf(format, args...)})
}

func (s *script) print(text string) {
	s.batch = append(s.batch, line{level: LevelInfo, rank: -1, kind: KindPrint, text: text})
}

// glog is a line from torch's C++-style logger ("W1128 12:00:00.123456 pid file:line] ...").
func (s *script) glog(level Level, src, text string) {
	s.batch = append(s.batch, line{level: level, rank: -1, kind: KindGlog, source: fmt.Sprint(s.p.hosts.pid-7) + " " + src, text: text})
}

func (s *script) nccl(format string, args ...any) {
	src := fmt.Sprintf("%s:%d:%d", s.p.hosts.host(0), s.p.hosts.pid, s.p.hosts.pid)
	s.batch = append(s.batch, line{level: LevelInfo, rank: 0, kind: KindNCCL, source: src, text: sprintf(format, args...)})
}

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// flush places the batch evenly in [from, to).
func (s *script) flush(from, to time.Duration) {
	n := len(s.batch)
	for i := range s.batch {
		s.batch[i].at = from + time.Duration(float64(to-from)*(float64(i)+0.5)/float64(n))
		s.lines = append(s.lines, s.batch[i])
	}
	s.batch = s.batch[:0]
}

// at places one line at an exact time.
func (s *script) at(t time.Duration) {
	for i := range s.batch {
		s.batch[i].at = t
		s.lines = append(s.lines, s.batch[i])
	}
	s.batch = s.batch[:0]
}

// src is a logger location in the run's framework.
func (p *runPlan) src(what string) string {
	if p.run.Framework != FrameworkHF {
		return ""
	}
	switch what {
	case "trainer":
		return "trainer.py:2314"
	case "eval":
		return "trainer.py:4012"
	case "save":
		return "trainer.py:3801"
	case "modeling":
		return "modeling_utils.py:3937"
	case "config":
		return "configuration_utils.py:733"
	case "tokenizer":
		return "tokenization_utils_base.py:2267"
	case "dist":
		return "training_args.py:2094"
	case "data":
		return "run_clm.py:512"
	}
	return "run_clm.py:608"
}

// modelClass is the transformers class of the architecture.
func (m Model) modelClass() string {
	switch {
	case m.Arch == archGPT2:
		return "GPT2LMHeadModel"
	case m.Arch == archQwen:
		return "Qwen2ForCausalLM"
	case m.Arch == archGemma2:
		return "Gemma2ForCausalLM"
	case m.experts() > 1:
		return "MixtralForCausalLM"
	case strings.HasPrefix(m.Family, "Mistral"):
		return "MistralForCausalLM"
	}
	return "LlamaForCausalLM"
}

// repo is the model's Hugging Face repository id.
func (m Model) repo() string {
	switch {
	case m.Fictional:
		return "overfit-labs/" + m.Name
	case m.Arch == archGPT2:
		return "openai-community/gpt2"
	case strings.HasPrefix(m.Family, "Llama 2"):
		return "meta-llama/" + strings.Replace(m.Name, "B", "b-hf", 1)
	case m.Family == "Llama 3":
		return "meta-llama/Meta-" + m.Name
	case strings.HasPrefix(m.Family, "Llama"):
		return "meta-llama/" + m.Name
	case strings.HasPrefix(m.Family, "Mi"):
		return "mistralai/" + m.Name + "-v0.1"
	case strings.HasPrefix(m.Family, "Qwen"):
		return "Qwen/" + m.Name
	case strings.HasPrefix(m.Family, "Gemma"):
		return "google/" + strings.ToLower(m.Name)
	}
	return m.Name
}

// statics builds every line of the run that is not a training log line.
func (p *runPlan) statics() []line {
	run, m := p.run, p.run.Model
	s := &script{p: p}
	gpus := run.Nodes * run.GPUsPerNode
	base := strings.TrimSuffix(run.OutputDir, "final/")
	for i := range p.segs {
		sg := &p.segs[i]
		switch sg.kind {
		case segBanner:
			p.banner(s)
			s.flush(sg.start, sg.end)
		case segLoad:
			switch {
			case run.StartStep > 0:
				s.log(LevelInfo, p.src("save"), "Loading checkpoint from %scheckpoint-%d (%s, %.0f B/param: bf16 weights + fp32 master + Adam moments)",
					base, run.StartStep, humanBytes(run.CheckpointBytes), float64(run.CheckpointBytes)/float64(run.Params))
				s.at(sg.start + time.Second/5)
				s.log(LevelInfo, p.src("save"), "Resuming from checkpoint-%d: %s tokens consumed, lr %.4e, best eval loss so far %.4f, data loader fast-forwarded to sample %s",
					run.StartStep, billions(int64(p.phys.tokensPerStep*float64(run.StartStep))), p.phys.lr(run.StartStep), p.bestBefore(0), commas(run.StartStep*int64(run.GlobalBatch)))
				s.at(sg.end - time.Second/5)
			case run.Job == JobPretrain && run.Framework == FrameworkMegatron:
				s.log(LevelInfo, "", "> building GPT model from scratch: %d layers, init method std 0.02", m.Layers)
				s.at(sg.start + time.Second/5)
				s.log(LevelInfo, "", "> initialized %s parameters on (tensor, pipeline) rank (0, 0)", commas(run.Params/int64(run.TP*run.PP)))
				s.at(sg.end - time.Second/5)
			case run.Job == JobPretrain && run.Framework == FrameworkHF:
				s.log(LevelInfo, p.src("data"), "Training new model from scratch - Total size=%.2fM params", float64(run.Params)/1e6)
				s.at(sg.start + time.Second/5)
				s.log(LevelInfo, p.src("modeling"), "Initialized %s weights (init std 0.02, %d layers)", m.modelClass(), m.Layers)
				s.at(sg.end - time.Second/5)
			case run.Job == JobPretrain:
				s.log(LevelInfo, "", "Building %s with %d layers, dim %d, %d heads, %d kv heads, vocab %d on meta device, init from scratch",
					m.Name, m.Layers, m.Hidden, m.Heads, m.KVHeads, m.Vocab)
				s.at(sg.start + time.Second/5)
				s.log(LevelInfo, "", "Model %s size: %s total parameters", m.Name, commas(run.Params))
				s.at(sg.end - time.Second/5)
			case run.Framework == FrameworkTorchtitan:
				// torchtitan reads a distributed checkpoint converted
				// from the HF weights, not the transformers cache
				s.log(LevelInfo, "", "Loading the checkpoint from ./assets/models/%s/dcp (converted from %s, bf16).", sanitize(m.Name), m.repo())
				s.at(sg.start + time.Second/5)
				s.log(LevelInfo, "", "Finished loading the checkpoint in %.2f seconds.", (sg.end - sg.start - 2*time.Second/5).Seconds())
				s.at(sg.end - time.Second/5)
			default:
				file := "model.safetensors"
				if run.Shards > 1 {
					file += ".index.json"
				}
				repo := m.repo()
				s.log(LevelInfo, p.src("modeling"), "loading weights file %s from cache at /root/.cache/huggingface/hub/models--%s/snapshots/%012x/%s",
					file, strings.ReplaceAll(repo, "/", "--"), mix64(uint64(len(repo))*0x9e37+uint64(m.Layers))>>16, file)
				s.at(sg.start + time.Second/5)
				s.log(LevelInfo, p.src("modeling"), "All model checkpoint weights were used when initializing %s.", m.modelClass())
				s.at(sg.end - time.Second/5)
			}
		case segPrep:
			p.prep(s)
			s.flush(sg.start, sg.end)
		case segEval:
			p.evalLines(s, sg)
		case segCkpt:
			step := sg.step1
			if sg.eval < 0 {
				// a window that stops mid-job: the scheduler's time limit
				// is near (SLURM sends a signal ahead of it), so the job
				// saves and exits, to be requeued from this checkpoint
				s.log(LevelWarning, p.src("trainer"), "Received SIGUSR1 (job time limit in 120 s) at step %d of %d: saving checkpoint-%d and exiting; the job requeues from it",
					step, run.TotalSteps, step)
				s.at(sg.start)
			}
			switch run.Framework {
			case FrameworkMegatron:
				s.log(LevelInfo, "", "saving checkpoint at iteration %7d to %scheckpoint-%d in torch_dist format", step, base, step)
			case FrameworkTorchtitan:
				s.log(LevelInfo, "", "Saving the checkpoint (or staging if async is enabled) to %scheckpoint-%d.", base, step)
			default:
				s.log(LevelInfo, p.src("save"), "Saving model checkpoint to %scheckpoint-%d", base, step)
			}
			s.at(sg.start + time.Second/10)
			if run.Framework == FrameworkMegatron {
				s.log(LevelInfo, "", "  successfully saved checkpoint from iteration %7d to %scheckpoint-%d [ t %d/%d, p %d/%d ]",
					step, base, step, run.TP, run.TP, run.PP, run.PP)
				s.at(sg.end - time.Second/5)
			}
			var note string
			switch {
			case sg.eval < 0:
				note = fmt.Sprintf("step %d of %d, best eval loss stays %.4f", step, run.TotalSteps, p.bestBefore(len(p.evals)))
			case p.evals[sg.eval].best:
				note = fmt.Sprintf("new best eval loss %.4f", p.evals[sg.eval].loss)
			default:
				note = fmt.Sprintf("eval loss %.4f, best stays %.4f", p.evals[sg.eval].loss, p.bestBefore(sg.eval))
			}
			s.log(LevelInfo, p.src("save"), "Checkpoint saved: checkpoint-%d (%s, %.0f B/param) in %.1f s, %s",
				step, humanBytes(run.CheckpointBytes), float64(run.CheckpointBytes)/float64(run.Params), (sg.end - sg.start).Seconds(), note)
			s.at(sg.end - time.Second/10)
		case segMerge:
			p.trainingDone(s, sg)
			if run.EndStep < run.TotalSteps {
				// labs convert the latest checkpoint of a long job to
				// Hugging Face format to evaluate it while the job goes on
				s.log(LevelInfo, p.src("export"), "Exporting checkpoint-%d (step %d of %d) to %s for evaluation", run.EndStep, run.EndStep, run.TotalSteps, run.OutputDir)
			} else {
				s.log(LevelInfo, p.src("export"), "Exporting final model to %s", run.OutputDir)
			}
			s.log(LevelInfo, p.src("export"), "Merging distributed weights (TP=%d, PP=%d, %s over %d ranks) into one bf16 state dict: %s",
				run.TP, run.PP, run.Sharding, gpus, gb(run.ExportBytes))
			s.at(sg.start + time.Second/10)
		case segOptimize:
			s.log(LevelInfo, p.src("export"), "Optimizing for inference: dropping optimizer state, casting to bfloat16, %d layers", m.Layers)
			s.at(sg.start + time.Second/10)
		case segSerialize:
			s.log(LevelInfo, p.src("export"), "Serializing to safetensors (max_shard_size=5GB, %s parameters)", commas(run.Params))
			s.at(sg.start + time.Second/10)
		case segWrite:
			p.writeLines(s, sg)
		case segSummary:
			for _, l := range summaryTable(p) {
				s.print(l)
			}
			s.at(sg.start + time.Second/4)
			s.log(LevelInfo, p.src("export"), "Training complete. Model saved to %s", run.OutputDir)
			s.at(sg.start + time.Second/2)
		case segTransition:
			s.log(LevelInfo, p.src("export"), "Starting new training run…")
			s.at(sg.start + time.Second/2)
		}
	}
	sort.SliceStable(s.lines, func(i, j int) bool { return s.lines[i].at < s.lines[j].at })
	intern(s.lines)
	return s.lines
}

// intern moves the lines' sources and texts into one string. A stream holds
// its run's whole script, and thousands of sessions each hold one: as one
// object instead of a few hundred, the garbage collector marks it in one
// step. Events taken from the script share that string.
func intern(lines []line) {
	n := 0
	for i := range lines {
		n += len(lines[i].source) + len(lines[i].text)
	}
	var b strings.Builder
	b.Grow(n)
	for i := range lines {
		b.WriteString(lines[i].source)
		b.WriteString(lines[i].text)
	}
	all := b.String()
	for i := range lines {
		l := &lines[i]
		l.source, all = all[:len(l.source)], all[len(l.source):]
		l.text, all = all[:len(l.text)], all[len(l.text):]
	}
}

// writeBarDur is how long the shard writes take; the companion files and
// the total follow in the rest of the segment.
func writeBarDur(sg *seg) time.Duration { return sg.end - sg.start - 600*time.Millisecond }

// banner is the start of init: the launcher, config, distributed init.
func (p *runPlan) banner(s *script) {
	run, m, g := p.run, p.run.Model, p.run.GPU
	gpus := run.Nodes * run.GPUsPerNode
	for _, l := range p.nvidiaSMI() {
		s.print(l)
	}
	s.print(fmt.Sprintf("torchrun --nnodes=%d --nproc-per-node=%d --rdzv-backend=c10d --rdzv-endpoint=%s:29500 %s",
		run.Nodes, run.GPUsPerNode, p.hosts.host(0), p.entrypoint()))
	s.glog(LevelWarning, "torch/distributed/run.py:793", "Setting OMP_NUM_THREADS environment variable for each process to be 1 in default, to avoid your system being overloaded, please further tune the variable for optimal performance in your application as needed.")
	s.print("*****************************************")
	s.log(LevelInfo, p.src("dist"), "Run %q (seed %d), %s, %s", run.Name, run.Seed, run.Framework, jobWord(run.Job))
	arch := fmt.Sprintf("%d layers, hidden %d, %d heads / %d KV heads (head dim %d), FFN %d, vocab %d",
		m.Layers, m.Hidden, m.Heads, m.KVHeads, m.headDim(), m.FFN, m.Vocab)
	if m.experts() > 1 {
		arch += fmt.Sprintf(", %d experts top-%d", m.Experts, m.TopK)
	}
	if m.Tied {
		arch += ", tied embeddings"
	}
	s.log(LevelInfo, p.src("config"), "Model %s (%s): %s", m.Name, m.modelClass(), arch)
	if run.ActiveParams != run.Params {
		s.log(LevelInfo, p.src("modeling"), "Parameters: %s total (%s), %s active per token (%s)",
			commas(run.Params), billions(run.Params), commas(run.ActiveParams), billions(run.ActiveParams))
	} else {
		s.log(LevelInfo, p.src("modeling"), "Parameters: %s (%s)", commas(run.Params), billions(run.Params))
	}
	s.log(LevelInfo, p.src("dist"), "Cluster: %d node(s) x %d %s = %d GPUs, %s", run.Nodes, run.GPUsPerNode, g.Name, gpus, run.Interconnect)
	s.log(LevelInfo, p.src("dist"), "Parallelism: TP=%d PP=%d DP=%d, %s, activation checkpointing %s, bf16 mixed precision",
		run.TP, run.PP, run.DP, p.shardingName(), run.Recompute)
	s.log(LevelInfo, p.src("dist"), "Initializing torch.distributed: backend=nccl, world_size=%d, master=%s:29500", gpus, p.hosts.host(0))
	ip := fmt.Sprintf("10.%d.%d.%d", p.hosts.subnet, 0, 10)
	s.nccl("Bootstrap : Using eth0:%s<0>", ip)
	s.nccl("%s", g.CommLib)
	if run.Nodes > 1 && !strings.Contains(g.Network, "Ethernet") {
		link := "IB"
		if strings.Contains(g.Network, "RoCE") {
			link = "RoCE"
		}
		nics := make([]string, 0, 8)
		for i := range min(run.GPUsPerNode, 8) {
			nics = append(nics, fmt.Sprintf("[%d]mlx5_%d:1/%s", i, i, link))
		}
		s.nccl("NET/IB : Using %s ; OOB eth0:%s<0>", strings.Join(nics, " "), ip)
	} else {
		s.nccl("NET/Socket : Using [0]eth0:%s<0>", ip)
	}
	comm := 0x550000000000 | mix64(p.phys.seed^saltMisc)&0xfffffffff0
	s.nccl("comm 0x%x rank 0 nranks %d cudaDev 0 nvmlDev 0 busId 18000 commId 0x%x - Init START", comm, gpus, mix64(p.phys.seed)>>4)
	if g.IntraBusGBps >= 100 {
		s.nccl("Channel 00/0 : 0[0] -> 1[1] via P2P/IPC/read") // NVLink / Infinity Fabric
	} else {
		s.nccl("Channel 00/0 : 0[0] -> 1[1] via SHM/direct/direct") // PCIe boards without P2P
	}
	if run.Nodes > 1 {
		via := "NET/IB/0/GDRDMA"
		if strings.Contains(g.Network, "Ethernet") {
			via = "NET/Socket/0"
		}
		s.nccl("Channel 00/0 : %d[%d] -> 0[0] [receive] via %s", gpus-1, run.GPUsPerNode-1, via)
	}
	s.nccl("Connected all rings")
	s.nccl("Connected all trees")
	s.nccl("comm 0x%x rank 0 nranks %d cudaDev 0 nvmlDev 0 busId 18000 commId 0x%x - Init COMPLETE", comm, gpus, mix64(p.phys.seed)>>4)
	show := min(gpus, 8)
	if gpus > 8 {
		show = 6
	}
	for i := range show {
		s.log(LevelInfo, p.src("dist"), "rank %d: cuda:%d %s, %d MiB, %s", i, i%run.GPUsPerNode, g.Name, g.MemMiB, p.hosts.host(i/run.GPUsPerNode))
	}
	if gpus > show {
		s.log(LevelInfo, p.src("dist"), "… and %d more ranks (%d nodes) with the same GPU", gpus-show, run.Nodes)
	}
	// all-reduce self-test over every rank: t = 2(W−1)/W · bytes / busbw
	// plus a latency of a few µs per step of the ring or tree, so the bus
	// bandwidth it reports is this cluster's, a little under what big
	// gradient buckets reach
	bytes := 256.0 * (1 << 20)
	lat := 2 * math.Log2(float64(gpus)) * 6e-6
	if run.Nodes > 1 {
		lat += 2 * math.Log2(float64(run.Nodes)) * 20e-6
	}
	t := 2*float64(gpus-1)/float64(gpus)*bytes/(p.gradBusBW*1e9) + lat
	bw := 2 * float64(gpus-1) / float64(gpus) * bytes / t / 1e9
	t = 2 * float64(gpus-1) / float64(gpus) * bytes / (round(bw, 1) * 1e9) // as printed
	if gpus > 1 {
		s.log(LevelInfo, p.src("dist"), "all-reduce self-test: 256 MiB over %d ranks in %.2f ms (bus bw %.1f GB/s)", gpus, t*1e3, bw)
	}
}

func (p *runPlan) entrypoint() string {
	switch p.run.Framework {
	case FrameworkMegatron:
		return fmt.Sprintf("pretrain_gpt.py --tensor-model-parallel-size %d --pipeline-model-parallel-size %d --use-distributed-optimizer --bf16", p.run.TP, p.run.PP)
	case FrameworkTorchtitan:
		return "-m torchtitan.train --job.config_file ./train_configs/" + sanitize(p.run.Model.Name) + ".toml"
	}
	return "run_clm.py --bf16 --do_train --do_eval --output_dir " + strings.TrimSuffix(p.run.OutputDir, "final/")
}

// plural is "1 shard", "4 shards".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func jobWord(j JobKind) string {
	if j == JobFinetune {
		return "full fine-tune"
	}
	return "pretraining"
}

// prep is the end of init: tokenizer, data, batch, the training header.
func (p *runPlan) prep(s *script) {
	run, m := p.run, p.run.Model
	s.log(LevelInfo, p.src("tokenizer"), "Tokenizer: vocab size %s, model max length %d", commas(int64(m.Vocab)), m.Context)
	if run.Job == JobPretrain {
		// "packed into N sequences" describes the whole corpus only when
		// N sequences hold its tokens; a job that samples less says so
		if mix := run.Samples * int64(run.SeqLen); run.Dataset.Tokens-mix >= int64(run.SeqLen) {
			s.log(LevelInfo, p.src("data"), "Dataset %s: %s tokens, sampled a %s-token mixture for this job, packed into %s sequences of %d tokens",
				run.Dataset.Name, billions(run.Dataset.Tokens), billions(mix), commas(run.Samples), run.SeqLen)
		} else {
			s.log(LevelInfo, p.src("data"), "Dataset %s: %s tokens, packed into %s sequences of %d tokens",
				run.Dataset.Name, billions(run.Dataset.Tokens), commas(run.Samples), run.SeqLen)
		}
	} else {
		s.log(LevelInfo, p.src("data"), "Dataset %s: %s samples (%s tokens), packed into sequences of %d tokens: training on %s of %s",
			run.Dataset.Name, commas(run.Dataset.Samples), billions(run.Dataset.Tokens), run.SeqLen, commas(run.Samples), commas(run.Dataset.Tokens/int64(run.SeqLen)))
	}
	tps := int64(run.GlobalBatch) * int64(run.SeqLen)
	s.log(LevelInfo, p.src("data"), "Batch: micro %d x grad accum %d x DP %d = global %d sequences (%s tokens/step)",
		run.MicroBatch, run.GradAccum, run.DP, run.GlobalBatch, commas(tps))
	s.log(LevelInfo, p.src("trainer"), "Optimizer AdamW (betas 0.9, 0.95, weight decay 0.1), lr %.1e, warmup %s, cosine to %.1e, grad clip 1.0",
		run.PeakLR, plural(int(run.WarmupSteps), "step"), run.MinLR)
	switch run.Framework {
	case FrameworkHF:
		s.log(LevelInfo, p.src("trainer"), "***** Running training *****")
		s.log(LevelInfo, p.src("trainer"), "  Num examples = %s", commas(run.Samples))
		s.log(LevelInfo, p.src("trainer"), "  Num Epochs = %d", run.Epochs)
		s.log(LevelInfo, p.src("trainer"), "  Instantaneous batch size per device = %d", run.MicroBatch)
		s.log(LevelInfo, p.src("trainer"), "  Total train batch size (w. parallel, distributed & accumulation) = %d", run.GlobalBatch)
		s.log(LevelInfo, p.src("trainer"), "  Gradient Accumulation steps = %d", run.GradAccum)
		s.log(LevelInfo, p.src("trainer"), "  Total optimization steps = %s", commas(run.TotalSteps))
		s.log(LevelInfo, p.src("trainer"), "  Number of trainable parameters = %s", commas(run.Params))
		if run.StartStep > 0 {
			s.log(LevelInfo, p.src("trainer"), "  Continuing training from global step %d", run.StartStep)
		}
	case FrameworkMegatron:
		s.log(LevelInfo, "", "> number of parameters on (tensor, pipeline) model parallel rank (0, 0): %s", commas(run.Params/int64(run.TP*run.PP)))
		s.log(LevelInfo, "", "setting training iterations to %d", run.TotalSteps)
	case FrameworkTorchtitan:
		s.log(LevelInfo, "", "Training starts at step %d, with local batch size %d, global batch size %d, sequence length %d, total steps %d (warmup %d)",
			run.StartStep+1, run.MicroBatch, run.GlobalBatch, run.SeqLen, run.TotalSteps, run.WarmupSteps)
	}
	s.log(LevelInfo, p.src("trainer"), "Initialization complete: %.1f GiB allocated per GPU of %.1f GiB", float64(run.MemPerGPUMiB)/1024, float64(run.GPU.MemMiB)/1024)
}

// evalLines are the evaluation's lines and, when it did not improve, the
// early-stopping warning.
func (p *runPlan) evalLines(s *script, sg *seg) {
	run := p.run
	e := p.evals[sg.eval]
	dur := (sg.end - sg.start).Seconds()
	examples := int(sg.total) * run.MicroBatch * run.DP
	switch run.Framework {
	case FrameworkHF:
		s.log(LevelInfo, p.src("eval"), "***** Running Evaluation *****")
		s.log(LevelInfo, p.src("eval"), "  Num examples = %s", commas(int64(examples)))
		s.log(LevelInfo, p.src("eval"), "  Batch size = %d", run.MicroBatch)
		s.at(sg.start + time.Second/10)
		s.print(fmt.Sprintf("{'eval_loss': %s, 'eval_accuracy': %s, 'eval_runtime': %s, 'eval_samples_per_second': %s, 'eval_steps_per_second': %s, 'epoch': %s}",
			pyFloat(round(e.loss, 4)), pyFloat(round(e.acc, 4)), pyFloat(round(dur, 4)), pyFloat(round(float64(examples)/dur, 3)),
			pyFloat(round(sg.total/dur, 3)), pyFloat(round(p.epoch(e.step), 2))))
	case FrameworkMegatron:
		s.print(strings.Repeat("-", 100))
		s.print(fmt.Sprintf(" validation loss at iteration %d | lm loss value: %E | lm loss PPL: %E | ", e.step, e.loss, math.Exp(e.loss)))
		s.print(strings.Repeat("-", 100))
		s.at(sg.end - time.Second/10)
	default:
		s.log(LevelInfo, "", "validation: step %d  loss: %.4f  perplexity: %.4f  (%d batches, %.1fs)", e.step, e.loss, math.Exp(e.loss), int(sg.total), dur)
	}
	s.at(sg.end - time.Second/10)
	if !e.best && run.Job == JobFinetune {
		s.log(LevelWarning, p.src("trainer"), "Early stopping patience %d/%d: eval loss %.4f did not improve on best %.4f",
			min(e.patience, run.Patience), run.Patience, e.loss, p.bestBefore(sg.eval))
		s.at(sg.end - time.Second/20)
	}
}

// trainingDone is each framework's end-of-training notice.
func (p *runPlan) trainingDone(s *script, sg *seg) {
	run := p.run
	var trainTime float64
	for _, x := range p.segs {
		if x.kind >= segTrain && x.kind <= segCkpt {
			trainTime += (x.end - x.start).Seconds()
		}
	}
	switch run.Framework {
	case FrameworkHF:
		// train_loss is the mean of what the run logged: every LogEvery
		// steps of the window (sampled evenly when there are thousands)
		var sum float64
		first := (run.StartStep/run.LogEvery + 1) * run.LogEvery
		logged := max(1, (run.EndStep-first)/run.LogEvery+1)
		stride := max(1, logged/4096)
		n := 0
		for k := first; k <= run.EndStep; k += stride * run.LogEvery {
			sum += round(p.phys.loss(k), 4)
			n++
		}
		if n == 0 {
			sum, n = p.phys.loss(run.EndStep), 1
		}
		shown := float64(run.EndStep - run.StartStep)
		s.log(LevelInfo, p.src("trainer"), "Training completed. Do not forget to share your model on huggingface.co/models =)")
		s.print(fmt.Sprintf("{'train_runtime': %s, 'train_samples_per_second': %s, 'train_steps_per_second': %s, 'train_loss': %s, 'epoch': %s}",
			pyFloat(round(trainTime, 4)), pyFloat(round(shown*float64(run.GlobalBatch)/trainTime, 3)), pyFloat(round(shown/trainTime, 3)),
			pyFloat(sum/float64(n)), pyFloat(round(p.epoch(run.EndStep), 2))))
	case FrameworkMegatron:
		if run.EndStep < run.TotalSteps {
			s.log(LevelInfo, "", "exiting program at iteration %d", run.EndStep)
		} else {
			s.log(LevelInfo, "", "[after training is done]")
		}
	default:
		s.log(LevelInfo, "", "Training completed")
	}
	s.at(sg.start)
}

// bestBefore is the best validation loss before eval i (i = len(evals):
// the run's best).
func (p *runPlan) bestBefore(i int) float64 {
	if i < len(p.evals) {
		return p.evals[i].bestBefore
	}
	best := math.Inf(1)
	if p.run.StartStep > 0 {
		best = p.phys.val(p.run.StartStep)
	}
	if n := len(p.evals); n > 0 {
		best = math.Min(p.evals[n-1].bestBefore, p.evals[n-1].loss)
	}
	return best
}

// writeLines lists the shards as they are written, collapsing long lists,
// then the companion files and the total.
func (p *runPlan) writeLines(s *script, sg *seg) {
	run := p.run
	n := len(p.shards)
	if n > 1 {
		s.log(LevelInfo, p.src("modeling"), "The model is bigger than the maximum size per checkpoint (5GB) and is going to be split in %d checkpoint shards. You can find where each parameters has been saved in the index located at %smodel.safetensors.index.json.", n, run.OutputDir)
		s.at(sg.start + time.Second/20)
	}
	var cum int64
	dur := writeBarDur(sg)
	if n == 1 {
		// a model under 5 GB is saved as one file, without an index
		s.print(fmt.Sprintf("  model.safetensors  %s", gb(p.shards[0])))
		s.at(sg.start + dur)
	}
	for i, b := range p.shards {
		if n == 1 {
			break
		}
		cum += b
		at := sg.start + time.Duration(float64(dur)*float64(cum)/float64(run.ExportBytes))
		if i+1 == n-shardTail+1 && !shardListed(n-shardTail, n) {
			s.print(fmt.Sprintf("  … %d more …", n-shardHead-shardTail))
			s.at(at - time.Millisecond)
		}
		if shardListed(i+1, n) {
			s.print(fmt.Sprintf("  %s  %s", shardName(i+1, n), gb(b)))
			s.at(at)
		}
	}
	for _, f := range companionFiles(run.Model) {
		if n == 1 && f.name == "model.safetensors.index.json" {
			continue
		}
		s.print(fmt.Sprintf("  %s  %s", f.name, humanBytes(f.bytes)))
	}
	s.print(fmt.Sprintf("Export complete: %s, %s total", plural(n, "shard"), gb(run.ExportBytes)))
	s.flush(sg.end-time.Second/2, sg.end)
}

func round(x float64, digits int) float64 {
	f := math.Pow(10, float64(digits))
	return math.Round(x*f) / f
}

// epoch is the fractional epoch at step.
func (p *runPlan) epoch(step int64) float64 {
	return float64(step) / float64(max(1, p.run.StepsPerEpoch))
}
