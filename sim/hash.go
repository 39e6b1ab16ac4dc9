package sim

import "math"

// Per-step quantities (loss noise, grad norm, spikes, step-time jitter) are
// hash functions of (seed, step) rather than draws from a sequential PRNG, so
// any step can be computed directly: Seek never has to walk the steps before.

// mix64 is the splitmix64 finalizer: a cheap bijective avalanche.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hash2 combines a seed with a value.
func hash2(seed, v uint64) uint64 {
	return mix64(seed ^ mix64(v+0x9e3779b97f4a7c15))
}

// unit maps a hash to [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// signed maps a hash to [-1, 1).
func signed(h uint64) float64 { return 2*unit(h) - 1 }

// valueNoise is smooth noise in [-1, 1] with features every `period` units of
// x: hashed lattice values blended with a smoothstep. Neighbouring steps get
// close values, which is what makes the loss noise autocorrelated.
func valueNoise(seed uint64, x, period float64) float64 {
	u := x / period
	i := math.Floor(u)
	f := u - i
	s := f * f * (3 - 2*f)
	a := signed(hash2(seed, uint64(int64(i))))
	b := signed(hash2(seed, uint64(int64(i)+1)))
	return a + (b-a)*s
}

// noise2 is two octaves of value noise, roughly in [-1, 1].
func noise2(seed uint64, x, period float64) float64 {
	return 0.7*valueNoise(seed, x, period) + 0.3*valueNoise(seed^0x5bd1e995, x, period/5)
}

// salts keep the hash streams of different quantities independent.
const (
	saltLoss uint64 = 0x1000 + iota
	saltGrad
	saltJitter
	saltSpike
	saltVal
	saltGPU
	saltMisc
	saltRun
)
