// Package sim is overfit's deterministic training-run engine.
//
// A Stream is an endless chain of simulated training runs. It is a pure
// function of its Options: the caller advances a virtual clock with Advance
// (or jumps with Seek), then reads the log events produced and a Snapshot of
// live state. Nothing here reads the wall clock or a global random source, so
// the same Options always produce the same runs, byte for byte.
package sim

import "time"

// JobKind says whether a run pretrains from scratch or fine-tunes.
type JobKind string

// The job kinds a run can have. The empty JobKind means "draw from the seed".
const (
	JobAny      JobKind = ""
	JobPretrain JobKind = "pretrain"
	JobFinetune JobKind = "finetune"
)

// Options are the inputs of a Stream. Zero values mean "draw from the seed"
// (or the documented default); Validate reports the first bad value.
type Options struct {
	Seed  uint64        // the first run's seed; later runs derive theirs from it
	Model string        // catalog name (see Models), "" = drawn
	GPU   string        // catalog name (see GPUs), "" = drawn
	Nodes int           // nodes in the cluster, 0 = drawn
	Job   JobKind       // pretrain or finetune, "" = drawn
	Speed float64       // time-lapse factor shown by the UI, 0 = 1
	Cycle time.Duration // target wall time of one whole run at speed 1, 0 = drawn (5–10 min)
	Steps int64         // fixed optimizer steps in the shown window, 0 = derived from Cycle
	// Fictional lets runs draw the invented models of the catalog too
	// (Hallucin8-8x3B, Stochastic-Parrot-7B, …). Off, only real
	// architectures are drawn; a forced Model is used either way.
	Fictional bool
	// Start is the wall-clock instant that virtual time 0 stands for. It only
	// feeds timestamps shown in logs; the engine never reads a clock.
	Start time.Time
}

// Level is the severity of a log event.
type Level uint8

// Log levels, as training frameworks print them.
const (
	LevelDebug Level = iota
	LevelInfo
	LevelWarning
	LevelError
)

// Event is one log line produced by the engine.
type Event struct {
	Seq   uint64        // position in the stream's event order, from 0, no gaps
	At    time.Duration // virtual time since the stream's start
	Time  time.Time     // Options.Start + At: the timestamp a log would print
	Level Level
	Rank  int    // the rank that printed it, or -1
	Text  string // plain text, no colors, no trailing newline

	Kind   EventKind // how the line is prefixed when printed
	Style  Framework // log style of the run that printed it
	Source string    // logger location ("trainer.py:2048") or NCCL origin ("host:pid:tid")
	Local  int       // local rank within the node (NCCL lines)
	RunIdx int       // index of the run that printed it
}

// EventKind says how an event's line is prefixed.
type EventKind uint8

// Event kinds.
const (
	KindLog   EventKind = iota // a framework logger line: timestamp/level prefix
	KindPrint                  // a bare print: dict lines, tables, banners
	KindNCCL                   // an NCCL_DEBUG=INFO line
	KindGlog                   // torch's C++-style line: "W1128 12:00:00.123456 pid file:line] text"
)

// Phase is the stage a run is in.
type Phase uint8

// The phases of a run, in order. PhaseValidate also covers checkpoint writes.
const (
	PhaseInit Phase = iota
	PhaseTrain
	PhaseValidate
	PhaseExport
	PhaseSummary
	PhaseTransition
)

// Bar is one progress bar (tqdm-like) that is live now.
type Bar struct {
	Label   string  // e.g. "Epoch 2/3", "Training", "Writing shards"
	Done    float64 // units done
	Total   float64 // units in all (> 0)
	Unit    string  // "it", "B", "shard", "step", ...
	Rate    float64 // units per virtual second, recent
	Elapsed time.Duration
	ETA     time.Duration
}

// Metrics are the latest training numbers of the run.
type Metrics struct {
	Step, TotalSteps int64 // global optimizer step and the job's last step
	Epoch            float64
	Tokens           int64   // tokens consumed by the job so far
	Loss, PPL        float64 // train loss and e^loss
	ValLoss, ValPPL  float64 // latest validation, 0 before the first
	BestValLoss      float64
	LR               float64
	GradNorm         float64
	TokensPerSec     float64 // whole cluster
	StepTime         time.Duration
	TFLOPsPerGPU     float64
	MFU              float64 // 0..1
	MemUsedMiB       int     // per GPU, max over ranks
}

// GPUStat is live telemetry of one GPU, as nvidia-smi would show it.
type GPUStat struct {
	Node, Local int     // node index and local rank within the node
	Util        float64 // 0..1
	MemUsedMiB  int
	MemTotalMiB int
	TempC       float64
	PowerW      float64
	PowerCapW   float64
	Health      Health
}

// Health is a GPU's condition as a dashboard would color it.
type Health uint8

// GPU health states.
const (
	HealthOK Health = iota
	HealthWarm
	HealthHot
)

// LossPoint is one point of the loss history.
type LossPoint struct {
	Step int64
	Loss float64
}

// Snapshot is the live state of the stream, for panels. Fill it with
// Stream.Snapshot, which reuses its slices.
type Snapshot struct {
	Run        *Run
	Phase      Phase
	RunElapsed time.Duration // virtual time since this run began
	RunETA     time.Duration // virtual time until this run's summary
	Bars       []Bar         // live bars, outermost first
	Metrics    Metrics
	GPUs       []GPUStat // every GPU of the cluster, node-major
	Loss       []LossPoint
	ValLoss    []LossPoint

	// MaxGPUs is an input: when > 0, Snapshot fills only the first MaxGPUs
	// GPUs (node-major), for views that cannot draw a whole big cluster.
	MaxGPUs int
}

// Model is one architecture of the catalog. Parameter counts are computed.
type Model struct {
	Name      string // display name, e.g. "Llama-3-8B"
	Key       string // option name, e.g. "llama-3-8b"
	Family    string
	Layers    int
	Hidden    int
	Heads     int
	KVHeads   int
	HeadDim   int
	FFN       int
	Vocab     int
	Tied      bool
	Experts   int // 0 or 1 = dense
	TopK      int // experts active per token
	Fictional bool
	Arch      string // tensor layout: "llama", "qwen2", "gemma2", "gpt2"
	Context   int    // maximum sequence length the architecture supports
}

// GPUType is one accelerator of the catalog.
type GPUType struct {
	Name       string // as nvidia-smi prints it, e.g. "NVIDIA H100 80GB HBM3"
	Key        string // option name, e.g. "h100"
	MemMiB     int
	PowerCapW  float64
	PeakTFLOPs float64 // dense bf16
	IdleW      float64 // power drawn when idle
	PerNode    int     // GPUs in one node
	Fabric     string  // intra-node interconnect
	Network    string  // inter-node network
	// Bus bandwidths an NCCL all-reduce reaches, GB/s: inside a node and
	// across nodes.
	IntraBusGBps, InterBusGBps float64
	Vendor                     string // "nvidia" or "amd"
	DriverLine                 string // driver/runtime versions as the SMI tool prints them
	CommLib                    string // the collective library's version line (NCCL_DEBUG=INFO)
}

// Dataset is a named training corpus.
type Dataset struct {
	Name    string
	Tokens  int64
	Samples int64
	Job     JobKind // what the corpus is for: pretraining or instruction tuning
}

// Framework is the log style a run imitates.
type Framework uint8

// Log styles.
const (
	FrameworkHF Framework = iota
	FrameworkMegatron
	FrameworkTorchtitan
)

// Run is the one configuration every phase of a run reads. It is drawn once
// from the run's seed and never changes.
type Run struct {
	Index         int // 0 for the stream's first run
	Seed          uint64
	Name          string // e.g. "llama-3-8b-fineweb-pretrain"
	Model         Model
	Params        int64 // total parameters
	ActiveParams  int64 // parameters per token (MoE < Params)
	GPU           GPUType
	Nodes         int
	GPUsPerNode   int
	Interconnect  string
	TP, PP, DP    int
	Sharding      string // "ZeRO-1", "ZeRO-2", "ZeRO-3", "FSDP"
	Job           JobKind
	Dataset       Dataset
	SeqLen        int
	MicroBatch    int // sequences per GPU per micro-step
	GradAccum     int
	GlobalBatch   int // sequences per optimizer step
	Epochs        int
	StepsPerEpoch int64
	StartStep     int64 // first step shown (> 0 when resumed from a checkpoint)
	EndStep       int64 // last step shown
	TotalSteps    int64 // the whole job's steps
	WarmupSteps   int64
	PeakLR        float64
	MinLR         float64
	MFU           float64 // mean, 0..1
	TokensPerSec  float64 // mean, whole cluster
	StepTime      time.Duration
	MemPerGPUMiB  int
	Framework     Framework
	OutputDir     string        // "./outputs/<sanitized-name>/final/"
	Duration      time.Duration // virtual length of the whole run, init to transition end

	Recompute       string  // activation checkpointing: "selective" or "full"
	Samples         int64   // training sequences per epoch (a subset of the dataset for short fine-tunes)
	EvalEvery       int64   // steps between evaluations (each also ends the window's last step)
	LogEvery        int64   // steps between detailed log lines
	Patience        int     // early-stopping patience, in evaluations
	LossFloor       float64 // the train loss never goes below this
	CheckpointBytes int64   // full training state, 14–16 bytes per parameter
	ExportBytes     int64   // exported bf16 weights, 2 bytes per parameter
	Shards          int     // safetensors shards of the export (5 GB rule)
}
