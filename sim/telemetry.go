package sim

import (
	"math"
	"time"
)

// segUtil is the mean GPU utilisation nvidia-smi shows during a segment:
// 95–100 % while training even at 40 % MFU, lower around it.
func segUtil(k segKind) float64 {
	switch k {
	case segBanner:
		return 0.02
	case segLoad:
		return 0.18
	case segPrep:
		return 0.35
	case segTrain:
		return 0.975
	case segEval:
		return 0.86
	case segCkpt:
		return 0.22
	case segMerge, segSerialize:
		return 0.30
	case segOptimize:
		return 0.55
	case segWrite:
		return 0.08
	}
	return 0.01
}

// avgUtil is the time-weighted mean utilisation while the job trains and
// evaluates, as a job report gives it (checkpoint writes, which leave the
// GPUs waiting on storage, are reported as I/O time, not utilisation).
func (p *runPlan) avgUtil() float64 {
	var sum, tot float64
	for _, sg := range p.segs {
		if sg.kind != segTrain && sg.kind != segEval {
			continue
		}
		d := (sg.end - sg.start).Seconds()
		sum += d * segUtil(sg.kind)
		tot += d
	}
	if tot == 0 {
		return 0
	}
	return sum / tot
}

// memAt is the memory one GPU holds at time t of segment sg.
func (p *runPlan) memAt(sg *seg, t time.Duration) float64 {
	full := float64(p.run.MemPerGPUMiB)
	const ctx = 520 // CUDA context and NCCL buffers
	switch sg.kind {
	case segBanner:
		return ctx
	case segLoad:
		f := float64(t-sg.start) / float64(max(1, sg.end-sg.start))
		return ctx + (full*0.55-ctx)*math.Min(1, math.Max(0, f))
	case segPrep:
		return full * 0.55
	case segTrain, segEval, segCkpt:
		return full
	case segMerge, segOptimize, segSerialize, segWrite:
		return full * 0.3
	}
	return ctx
}

// gpuStat fills the telemetry of GPU i at time t: utilisation wobbles
// smoothly per GPU, power follows utilisation, temperature follows power.
func (p *runPlan) gpuStat(i int, sg *seg, t time.Duration, dst *GPUStat) {
	run, g := p.run, p.run.GPU
	seed := hash2(p.phys.seed^saltGPU, uint64(i))
	x := t.Seconds()
	base := segUtil(sg.kind)
	u := base + (1-base)*0.5*valueNoise(seed, x, 2.5) - 0.02*unit(seed)
	if sg.kind != segTrain {
		u = base * (1 + 0.25*valueNoise(seed, x, 1.7))
	}
	u = math.Max(0, math.Min(1, u))
	pf := 0.78 + 0.15*unit(mix64(seed)) // how hard this board pulls at full load
	power := g.IdleW + (g.PowerCapW*pf-g.IdleW)*u
	power = math.Min(power, g.PowerCapW)
	temp := 29 + 4*unit(mix64(seed+1)) + 50*power/g.PowerCapW
	if i == p.hotGPU {
		temp += 7 // one board with poor airflow: it runs hot under load
	}
	mem := p.memAt(sg, t) * (0.985 + 0.015*unit(mix64(seed+2)))
	*dst = GPUStat{
		Node: i / run.GPUsPerNode, Local: i % run.GPUsPerNode,
		Util: u, MemUsedMiB: int(math.Min(mem, float64(g.MemMiB))), MemTotalMiB: g.MemMiB,
		TempC: temp, PowerW: power, PowerCapW: g.PowerCapW,
	}
	switch {
	case temp >= 85:
		dst.Health = HealthHot
	case temp >= 78:
		dst.Health = HealthWarm
	}
}
