package sim

import "math"

// The data-parallel communication of a step (docs/physics.md, "Collectives").
//
// Every collective moves the bf16 gradient (or parameter) volume of one
// model-parallel rank, gradBytes. With NCCL's bus-bandwidth convention one
// reduce-scatter or all-gather over G ranks takes (G−1)/G · bytes / busbw
// and an all-reduce (a reduce-scatter plus an all-gather) twice that. What a
// step runs depends on how the state is sharded:
//
//   - DDP, DeepSpeed ZeRO-1: one all-reduce of the gradients per step;
//   - Megatron-LM's distributed optimizer: a reduce-scatter of the gradients
//     and an all-gather of the updated parameters per step;
//   - ZeRO-2: a reduce-scatter per micro-batch (partitioned gradients
//     accumulate), an all-gather of the parameters after the step;
//   - ZeRO-3, FSDP: per micro-batch an all-gather of the parameters for the
//     forward pass, another for the backward pass, a reduce-scatter of the
//     gradients.

// commOverlap is the share of a step's compute that communication can hide
// behind (backward for the gradients, prefetch during forward for the
// parameters); the rest of the step (optimizer, the first layers' forward,
// the last bucket's reduction) is exposed.
const commOverlap = 0.85

// gradOp is the collective that reduces the gradients under the run's sharding.
func gradOp(r *Run) string {
	if r.Sharding == "DDP" || (r.Sharding == "ZeRO-1" && r.Framework != FrameworkMegatron) {
		return "all-reduce"
	}
	return "reduce-scatter"
}

// collectivesPerStep counts the step's collectives in units of one
// reduce-scatter (an all-reduce counts two).
func collectivesPerStep(r *Run) float64 {
	ga := float64(r.GradAccum)
	switch r.Sharding {
	case "ZeRO-3", "FSDP":
		return 3 * ga
	case "ZeRO-2":
		return ga + 1
	}
	return 2
}

// oneCollective is the time of one reduce-scatter (or all-gather) of
// bytes over dp ranks at busbw GB/s.
func oneCollective(bytes float64, dp int, busbw float64) float64 {
	if dp <= 1 {
		return 0
	}
	g := float64(dp)
	return (g - 1) / g * bytes / (busbw * 1e9)
}

// commBound stretches a step whose communication cannot hide behind its
// compute: the step then lasts the communication plus the exposed part of
// the compute. It returns the step time in seconds and whether it is
// communication-bound.
func commBound(compute, comm float64) (float64, bool) {
	if comm <= commOverlap*compute {
		return compute, false
	}
	return comm + (1-commOverlap)*compute, true
}

// busEfficiency is the share of the link's nominal bus bandwidth this
// cluster's NCCL reaches: it differs from cluster to cluster (topology,
// firmware, congestion) and falls a little with every doubling of the
// nodes a ring or tree spans.
func busEfficiency(seed uint64, nodes int) float64 {
	e := 0.82 + 0.15*unit(hash2(seed^saltMisc, 0xb05))
	if nodes > 1 {
		e -= 0.012 * math.Log2(float64(nodes))
	}
	return e
}

// shardingName is how the run's log names its sharding: Megatron-LM's
// distributed optimizer shards the optimizer state like ZeRO-1 but reduces
// gradients by reduce-scatter.
func (p *runPlan) shardingName() string {
	if p.run.Framework == FrameworkMegatron && p.run.Sharding == "ZeRO-1" {
		return "distributed optimizer (ZeRO-1)"
	}
	return p.run.Sharding
}
