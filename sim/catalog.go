package sim

// The catalogs are data, not state: each accessor returns a fresh slice so no
// caller can change what another session sees.

// Architecture families whose tensor layout differs (see Model.tensors).
const (
	archLlama  = "llama"  // pre-norm, gated MLP, RMSNorm weights only
	archQwen   = "qwen2"  // llama + q/k/v biases
	archGemma2 = "gemma2" // llama + pre/post norms around attention and MLP
	archGPT2   = "gpt2"   // learned positions, biases everywhere, plain MLP, LayerNorm
)

// Models returns the model catalog, real architectures first, in a stable order.
func Models() []Model {
	return []Model{
		{Name: "GPT-2", Key: "gpt2", Family: "GPT-2", Arch: archGPT2, Layers: 12, Hidden: 768, Heads: 12, KVHeads: 12, FFN: 3072, Vocab: 50257, Tied: true, Context: 1024},
		{Name: "Llama-3.2-1B", Key: "llama-3.2-1b", Family: "Llama 3.2", Arch: archLlama, Layers: 16, Hidden: 2048, Heads: 32, KVHeads: 8, HeadDim: 64, FFN: 8192, Vocab: 128256, Tied: true, Context: 131072},
		{Name: "Llama-3.2-3B", Key: "llama-3.2-3b", Family: "Llama 3.2", Arch: archLlama, Layers: 28, Hidden: 3072, Heads: 24, KVHeads: 8, FFN: 8192, Vocab: 128256, Tied: true, Context: 131072},
		{Name: "Llama-2-7B", Key: "llama-2-7b", Family: "Llama 2", Arch: archLlama, Layers: 32, Hidden: 4096, Heads: 32, KVHeads: 32, FFN: 11008, Vocab: 32000, Context: 4096},
		{Name: "Llama-2-13B", Key: "llama-2-13b", Family: "Llama 2", Arch: archLlama, Layers: 40, Hidden: 5120, Heads: 40, KVHeads: 40, FFN: 13824, Vocab: 32000, Context: 4096},
		{Name: "Llama-2-70B", Key: "llama-2-70b", Family: "Llama 2", Arch: archLlama, Layers: 80, Hidden: 8192, Heads: 64, KVHeads: 8, FFN: 28672, Vocab: 32000, Context: 4096},
		{Name: "Mistral-7B", Key: "mistral-7b", Family: "Mistral", Arch: archLlama, Layers: 32, Hidden: 4096, Heads: 32, KVHeads: 8, FFN: 14336, Vocab: 32000, Context: 32768},
		{Name: "Mixtral-8x7B", Key: "mixtral-8x7b", Family: "Mixtral", Arch: archLlama, Layers: 32, Hidden: 4096, Heads: 32, KVHeads: 8, FFN: 14336, Vocab: 32000, Experts: 8, TopK: 2, Context: 32768},
		{Name: "Llama-3-8B", Key: "llama-3-8b", Family: "Llama 3", Arch: archLlama, Layers: 32, Hidden: 4096, Heads: 32, KVHeads: 8, FFN: 14336, Vocab: 128256, Context: 8192},
		{Name: "Llama-3-70B", Key: "llama-3-70b", Family: "Llama 3", Arch: archLlama, Layers: 80, Hidden: 8192, Heads: 64, KVHeads: 8, FFN: 28672, Vocab: 128256, Context: 8192},
		{Name: "Llama-3.1-405B", Key: "llama-3.1-405b", Family: "Llama 3.1", Arch: archLlama, Layers: 126, Hidden: 16384, Heads: 128, KVHeads: 8, FFN: 53248, Vocab: 128256, Context: 131072},
		{Name: "Qwen2.5-0.5B", Key: "qwen2.5-0.5b", Family: "Qwen2.5", Arch: archQwen, Layers: 24, Hidden: 896, Heads: 14, KVHeads: 2, FFN: 4864, Vocab: 151936, Tied: true, Context: 32768},
		{Name: "Qwen2.5-7B", Key: "qwen2.5-7b", Family: "Qwen2.5", Arch: archQwen, Layers: 28, Hidden: 3584, Heads: 28, KVHeads: 4, FFN: 18944, Vocab: 152064, Context: 131072},
		{Name: "Qwen2.5-72B", Key: "qwen2.5-72b", Family: "Qwen2.5", Arch: archQwen, Layers: 80, Hidden: 8192, Heads: 64, KVHeads: 8, FFN: 29568, Vocab: 152064, Context: 131072},
		{Name: "Gemma-2-9B", Key: "gemma-2-9b", Family: "Gemma 2", Arch: archGemma2, Layers: 42, Hidden: 3584, Heads: 16, KVHeads: 8, HeadDim: 256, FFN: 14336, Vocab: 256000, Tied: true, Context: 8192},
		// Invented models, built by the rules real ones follow: hidden = heads ×
		// head dim (64/128/256), heads divisible by KV heads, FFN 2.7–3.5 ×
		// hidden in multiples of 256, a real family's vocabulary.
		{Name: "Overfit-1B", Key: "overfit-1b", Family: "Overfit", Arch: archLlama, Layers: 16, Hidden: 2048, Heads: 16, KVHeads: 8, FFN: 5632, Vocab: 128256, Tied: true, Context: 8192, Fictional: true},
		{Name: "Gradient-Descent-3B", Key: "gradient-descent-3b", Family: "Gradient Descent", Arch: archLlama, Layers: 26, Hidden: 3072, Heads: 24, KVHeads: 8, FFN: 8448, Vocab: 50257, Context: 4096, Fictional: true},
		{Name: "Stochastic-Parrot-7B", Key: "stochastic-parrot-7b", Family: "Stochastic Parrot", Arch: archGemma2, Layers: 32, Hidden: 4096, Heads: 32, KVHeads: 8, FFN: 12288, Vocab: 256000, Tied: true, Context: 8192, Fictional: true},
		{Name: "Platypus-13B", Key: "platypus-13b", Family: "Platypus", Arch: archLlama, Layers: 40, Hidden: 5120, Heads: 40, KVHeads: 40, FFN: 13824, Vocab: 32000, Context: 4096, Fictional: true},
		{Name: "Hallucin8-8x3B", Key: "hallucin8-8x3b", Family: "Hallucin8", Arch: archLlama, Layers: 24, Hidden: 3072, Heads: 24, KVHeads: 8, FFN: 9216, Vocab: 32000, Experts: 8, TopK: 2, Context: 32768, Fictional: true},
		{Name: "Capybara-34B", Key: "capybara-34b", Family: "Capybara", Arch: archQwen, Layers: 60, Hidden: 7168, Heads: 56, KVHeads: 8, FFN: 20480, Vocab: 152064, Context: 32768, Fictional: true},
		{Name: "Mode-Collapse-120B", Key: "mode-collapse-120b", Family: "Mode Collapse", Arch: archLlama, Layers: 96, Hidden: 10240, Heads: 80, KVHeads: 8, FFN: 32768, Vocab: 128256, Context: 32768, Fictional: true},
	}
}

// headDim is the per-head width: explicit when the architecture says so.
func (m Model) headDim() int {
	if m.HeadDim > 0 {
		return m.HeadDim
	}
	return m.Hidden / m.Heads
}

func (m Model) experts() int {
	if m.Experts > 1 {
		return m.Experts
	}
	return 1
}

// tensors calls fn with the element count of every tensor, in the order
// save_pretrained writes them (module definition order). Params and the
// shard packing both read this one list, so they cannot disagree.
func (m Model) tensors(fn func(n int64)) {
	d, hd := int64(m.Hidden), int64(m.headDim())
	h, kv := int64(m.Heads), int64(m.KVHeads)
	ffn, v := int64(m.FFN), int64(m.Vocab)
	fn(v * d) // token embeddings
	if m.Arch == archGPT2 {
		fn(int64(m.Context) * d) // learned positions
	}
	for range m.Layers {
		switch m.Arch {
		case archGPT2:
			fn(d)                   // ln_1.weight
			fn(d)                   // ln_1.bias
			fn(d * hd * (h + 2*kv)) // attn.c_attn.weight
			fn(hd * (h + 2*kv))     // attn.c_attn.bias
			fn(hd * h * d)          // attn.c_proj.weight
			fn(d)                   // attn.c_proj.bias
			fn(d)                   // ln_2.weight
			fn(d)                   // ln_2.bias
			fn(d * ffn)             // mlp.c_fc.weight
			fn(ffn)                 // mlp.c_fc.bias
			fn(ffn * d)             // mlp.c_proj.weight
			fn(d)                   // mlp.c_proj.bias
			continue
		}
		fn(d * hd * h) // q_proj
		if m.Arch == archQwen {
			fn(hd * h)
		}
		fn(d * hd * kv) // k_proj
		if m.Arch == archQwen {
			fn(hd * kv)
		}
		fn(d * hd * kv) // v_proj
		if m.Arch == archQwen {
			fn(hd * kv)
		}
		fn(hd * h * d) // o_proj
		if e := int64(m.experts()); e > 1 {
			fn(d * e) // router
			for range e {
				fn(ffn * d) // w1
				fn(d * ffn) // w2
				fn(ffn * d) // w3
			}
		} else {
			fn(ffn * d) // gate_proj
			fn(ffn * d) // up_proj
			fn(d * ffn) // down_proj
		}
		fn(d) // input_layernorm
		fn(d) // post_attention_layernorm
		if m.Arch == archGemma2 {
			fn(d) // pre_feedforward_layernorm
			fn(d) // post_feedforward_layernorm
		}
	}
	fn(d) // final norm
	if m.Arch == archGPT2 {
		fn(d) // ln_f.bias
	}
	if !m.Tied {
		fn(v * d) // lm_head
	}
}

// Params is the total parameter count, computed from the architecture
// (the decoder-only count: embeddings, then per layer attention, MLP and
// norms; extended for biases, extra norms, learned
// positions and experts). A test checks it against the tensor list that
// the export packs, so the two cannot drift apart.
func (m Model) Params() int64 {
	d, hd := int64(m.Hidden), int64(m.headDim())
	h, kv := int64(m.Heads), int64(m.KVHeads)
	ffn, v, e := int64(m.FFN), int64(m.Vocab), int64(m.experts())
	attn := d * hd * (2*h + 2*kv)
	var layer, extra int64
	switch m.Arch {
	case archGPT2:
		layer = attn + hd*(h+2*kv) + d + 2*d*ffn + ffn + d + 4*d
		extra = int64(m.Context)*d + 2*d
	default:
		layer = attn + 3*d*ffn*e + 2*d
		if e > 1 {
			layer += d * e
		}
		if m.Arch == archQwen {
			layer += hd * (h + 2*kv)
		}
		if m.Arch == archGemma2 {
			layer += 2 * d
		}
		extra = d
	}
	emb := v * d
	if !m.Tied {
		emb *= 2
	}
	return int64(m.Layers)*layer + emb + extra
}

// tensorParams sums the tensor list: the same count as Params, the slow way.
func (m Model) tensorParams() int64 {
	var total int64
	m.tensors(func(n int64) { total += n })
	return total
}

// ActiveParams is the parameter count one token passes through: for a
// mixture of experts only TopK experts run, which is what drives FLOPs.
func (m Model) ActiveParams() int64 {
	p := m.Params()
	if e := m.experts(); e > 1 && m.TopK > 0 && m.TopK < e {
		p -= int64(e-m.TopK) * int64(m.Layers) * 3 * int64(m.Hidden) * int64(m.FFN)
	}
	return p
}

// ncclCUDA124 is the NCCL that PyTorch 2.5's CUDA 12.4 wheels bundle; it
// runs on any driver of CUDA 12.4 or later. Blackwell (B200) needs NCCL
// 2.25+ built for CUDA 12.8, as PyTorch 2.7's cu128 wheels ship it.
const ncclCUDA124 = "NCCL version 2.21.5+cuda12.4"

// GPUs returns the accelerator catalog in a stable order. HGX/DGX B200
// nodes ship ConnectX-7 NICs (NDR InfiniBand, 400 Gb/s per GPU), like
// H100 and H200 systems, so their inter-node bus bandwidth is the same.
func GPUs() []GPUType {
	return []GPUType{
		{Name: "NVIDIA A100-SXM4-80GB", Key: "a100", MemMiB: 81920, PowerCapW: 400, PeakTFLOPs: 312, IdleW: 62, PerNode: 8, Fabric: "NVLink3/NVSwitch", Network: "HDR InfiniBand 200Gb/s", IntraBusGBps: 230, InterBusGBps: 22, Vendor: "nvidia", DriverLine: "Driver Version: 550.90.07    CUDA Version: 12.4", CommLib: ncclCUDA124},
		{Name: "NVIDIA H100 80GB HBM3", Key: "h100", MemMiB: 81559, PowerCapW: 700, PeakTFLOPs: 989, IdleW: 72, PerNode: 8, Fabric: "NVLink4/NVSwitch", Network: "NDR InfiniBand 400Gb/s", IntraBusGBps: 370, InterBusGBps: 45, Vendor: "nvidia", DriverLine: "Driver Version: 550.90.07    CUDA Version: 12.4", CommLib: ncclCUDA124},
		{Name: "NVIDIA H100 PCIe", Key: "h100-pcie", MemMiB: 81559, PowerCapW: 350, PeakTFLOPs: 756, IdleW: 48, PerNode: 8, Fabric: "PCIe Gen5 + NVLink bridges", Network: "RoCEv2 200Gb/s", IntraBusGBps: 48, InterBusGBps: 19, Vendor: "nvidia", DriverLine: "Driver Version: 550.90.07    CUDA Version: 12.4", CommLib: ncclCUDA124},
		{Name: "NVIDIA H200", Key: "h200", MemMiB: 143771, PowerCapW: 700, PeakTFLOPs: 989, IdleW: 76, PerNode: 8, Fabric: "NVLink4/NVSwitch", Network: "NDR InfiniBand 400Gb/s", IntraBusGBps: 370, InterBusGBps: 45, Vendor: "nvidia", DriverLine: "Driver Version: 560.35.03    CUDA Version: 12.6", CommLib: ncclCUDA124},
		{Name: "NVIDIA B200", Key: "b200", MemMiB: 183359, PowerCapW: 1000, PeakTFLOPs: 2250, IdleW: 140, PerNode: 8, Fabric: "NVLink5/NVSwitch", Network: "NDR InfiniBand 400Gb/s", IntraBusGBps: 720, InterBusGBps: 46, Vendor: "nvidia", DriverLine: "Driver Version: 570.124.06   CUDA Version: 12.8", CommLib: "NCCL version 2.26.2+cuda12.8"},
		{Name: "AMD Instinct MI300X", Key: "mi300x", MemMiB: 196592, PowerCapW: 750, PeakTFLOPs: 1307, IdleW: 140, PerNode: 8, Fabric: "Infinity Fabric", Network: "RoCEv2 400Gb/s", IntraBusGBps: 310, InterBusGBps: 42, Vendor: "amd", DriverLine: "ROCm 6.2.0", CommLib: "RCCL version 2.20.5+hip6.2 HEAD:bd6ae1c"},
		{Name: "NVIDIA L40S", Key: "l40s", MemMiB: 46068, PowerCapW: 350, PeakTFLOPs: 362, IdleW: 36, PerNode: 8, Fabric: "PCIe Gen4", Network: "RoCEv2 100Gb/s", IntraBusGBps: 22, InterBusGBps: 10, Vendor: "nvidia", DriverLine: "Driver Version: 550.90.07    CUDA Version: 12.4", CommLib: ncclCUDA124},
		{Name: "NVIDIA GeForce RTX 4090", Key: "rtx4090", MemMiB: 24564, PowerCapW: 450, PeakTFLOPs: 165, IdleW: 28, PerNode: 8, Fabric: "PCIe Gen4", Network: "Ethernet 100Gb/s", IntraBusGBps: 20, InterBusGBps: 9, Vendor: "nvidia", DriverLine: "Driver Version: 550.90.07    CUDA Version: 12.4", CommLib: ncclCUDA124},
	}
}

// Datasets returns the corpus catalog: pretraining corpora, then
// instruction-tuning sets.
func Datasets() []Dataset {
	return []Dataset{
		{Name: "HuggingFaceFW/fineweb", Tokens: 15_000_000_000_000, Samples: 22_335_106_879, Job: JobPretrain},
		{Name: "HuggingFaceFW/fineweb-edu", Tokens: 1_300_000_000_000, Samples: 1_279_107_432, Job: JobPretrain},
		{Name: "cerebras/SlimPajama-627B", Tokens: 627_000_000_000, Samples: 590_394_625, Job: JobPretrain},
		{Name: "allenai/dolma", Tokens: 3_000_000_000_000, Samples: 4_367_000_000, Job: JobPretrain},
		{Name: "togethercomputer/RedPajama-Data-V2", Tokens: 30_000_000_000_000, Samples: 30_400_000_000, Job: JobPretrain},
		{Name: "allenai/c4", Tokens: 156_000_000_000, Samples: 365_000_000, Job: JobPretrain},
		{Name: "Skylion007/openwebtext", Tokens: 9_035_582_198, Samples: 8_013_769, Job: JobPretrain},
		{Name: "tatsu-lab/alpaca", Tokens: 9_300_000, Samples: 52_002, Job: JobFinetune},
		{Name: "teknium/OpenHermes-2.5", Tokens: 460_000_000, Samples: 1_001_551, Job: JobFinetune},
		{Name: "HuggingFaceH4/ultrachat_200k", Tokens: 290_000_000, Samples: 207_865, Job: JobFinetune},
		{Name: "Open-Orca/SlimOrca", Tokens: 240_000_000, Samples: 517_982, Job: JobFinetune},
		{Name: "meta-math/MetaMathQA", Tokens: 120_000_000, Samples: 395_000, Job: JobFinetune},
		{Name: "databricks/databricks-dolly-15k", Tokens: 3_400_000, Samples: 15_011, Job: JobFinetune},
	}
}

// catalog is one stream's copy of the catalogs, with the options' forced
// model and GPU resolved and shard layouts memoized per model. Drawing a run
// then allocates little, which keeps Seek's walk over thousands of runs
// cheap. It belongs to one Stream: nothing is shared between sessions.
type catalog struct {
	models      []Model
	gpus        []GPUType
	datasets    []Dataset
	forcedModel *Model
	forcedGPU   *GPUType
	shards      map[string][]int64
	working     map[string][]combo // workingLayouts, by model and job
}

// combo is one cluster and set-up a model's job can run on.
type combo struct {
	g     GPUType
	nodes int
	fw    Framework
	seq   int
}

// workingLayouts lists, once per model and job, the GPUs (the forced one or
// all), node counts (the forced one or powers of two) and frameworks and
// sequence lengths on which m fits in memory and keeps its communication
// hidden: what drawRun falls back on when its random draws keep missing.
func (c *catalog) workingLayouts(o Options, m Model, job JobKind) []combo {
	key := m.Key + "/" + string(job)
	if l, ok := c.working[key]; ok {
		return l
	}
	gs, ns := c.gpus, []int{o.Nodes}
	if c.forcedGPU != nil {
		gs = []GPUType{*c.forcedGPU}
	}
	if o.Nodes == 0 {
		ns = ns[:0]
		for n := 1; n <= maxDrawnNodes; n *= 2 {
			ns = append(ns, n)
		}
	}
	var l []combo
	for _, g := range gs {
		for _, n := range ns {
			for _, fw := range jobFrameworks(job) {
				for _, seq := range jobSeqs(m, job) {
					if _, ok := fit(m, float64(m.Params()), g, n*g.PerNode, seq, fw, 8, commCheckBus(g, n), maxSeqsFor(job, seq)); ok {
						l = append(l, combo{g, n, fw, seq})
					}
				}
			}
		}
	}
	c.working[key] = l
	return l
}

func newCatalog(o Options) *catalog {
	c := &catalog{models: Models(), gpus: GPUs(), datasets: Datasets(), shards: map[string][]int64{}, working: map[string][]combo{}}
	if m, err := LookupModel(o.Model); o.Model != "" && err == nil {
		c.forcedModel = &m
	}
	if g, err := LookupGPU(o.GPU); o.GPU != "" && err == nil {
		c.forcedGPU = &g
	}
	return c
}

// shardsOf is the bf16 shard layout of m (shared, read-only).
func (c *catalog) shardsOf(m Model) []int64 {
	sh, ok := c.shards[m.Key]
	if !ok {
		sh = shardSizes(m)
		c.shards[m.Key] = sh
	}
	return sh
}
