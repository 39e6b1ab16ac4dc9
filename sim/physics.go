package sim

import "math"

// physics holds the closed-form curves of one run. Every method is a pure
// function of the step, so any step can be evaluated without the ones before
// it (that is what makes Seek cheap).
type physics struct {
	seed     uint64
	pretrain bool

	// pretraining: Chinchilla-type law L(D) = E + A/N^α + B/D^β, softly
	// capped by the fresh model's ln(vocab)
	lawE, lawA, lawB, alpha, beta float64
	lawNTerm                      float64 // E + A/N^α, computed once
	n                             float64 // effective parameters
	tokensPerStep                 float64
	lInit                         float64

	// fine-tuning: a gentle power-law descent that drops at epoch boundaries
	ft0, ftTau, ftEpochDrop float64
	stepsPerEpoch           float64

	floor       float64 // the loss never goes below this
	noiseAmp    float64 // relative, in log space of (loss - floor)
	noisePeriod float64 // steps between noise features

	spikeBlock int64
	firstSpike int64 // spikes start after this step: a resumed window never opens mid-spike
	lastSpike  int64 // no spike starts after this step: each recovers before the window ends
	spikeProb  float64
	spikeDecay float64 // steps
	spikeMag   float64 // nats at the peak, before the per-spike factor

	gnInit, gnTau, gnSettle, gnCreep float64

	peakLR, minLR float64
	warmup, total int64

	valGap, overfit float64
}

// law is the scaling-law loss after d tokens.
func (p *physics) law(d float64) float64 {
	if d < 1 {
		d = 1
	}
	return p.lawNTerm + p.lawB/math.Pow(d, p.beta)
}

// inv8 is x^-8 by multiplication (this is on the per-step path).
func inv8(x float64) float64 {
	x2 := x * x
	x4 := x2 * x2
	return 1 / (x4 * x4)
}

// base is the smooth (noise-free) train loss after `step` steps.
func (p *physics) base(step int64) float64 {
	if p.pretrain {
		l := p.law(float64(step) * p.tokensPerStep)
		// smooth minimum with the fresh model's loss, ~ln(vocab) at first:
		// (l^-8 + init^-8)^(-1/8)
		return 1 / math.Sqrt(math.Sqrt(math.Sqrt(inv8(l)+inv8(p.lInit))))
	}
	x := float64(step) / p.stepsPerEpoch
	ep := math.Floor(math.Max(0, (float64(step)-1)/p.stepsPerEpoch))
	return p.floor + (p.ft0-p.floor)*math.Pow(1+p.ftTau*x, -0.6)*math.Pow(p.ftEpochDrop, ep)
}

// spike returns the extra loss (nats) and the grad-norm multiplier at step
// from the rare loss spikes: at most one starts per block of steps, chosen by
// a hash, so the spikes near any step are found by looking at three blocks.
func (p *physics) spike(step int64) (dLoss, gnMul float64) {
	gnMul = 1
	b := step / p.spikeBlock
	for bb := b - 2; bb <= b; bb++ {
		s0, mag, ok := p.spikeAt(bb)
		if !ok || step < s0 {
			continue
		}
		d := float64(step - s0)
		switch {
		case d == 0:
			gnMul *= 1 + 12*mag
		case d < 2:
			gnMul *= 1 + 4*mag
			dLoss += mag * p.spikeMag * 0.6
		default:
			dLoss += mag * p.spikeMag * math.Exp(-(d-2)/p.spikeDecay)
			gnMul *= 1 + 2*mag*math.Exp(-(d-2)/(p.spikeDecay/3))
		}
	}
	return dLoss, gnMul
}

// spikeAt says whether block b has a spike, and where and how big.
func (p *physics) spikeAt(b int64) (s0 int64, mag float64, ok bool) {
	if b < 0 {
		return 0, 0, false
	}
	h := hash2(p.seed^saltSpike, uint64(b))
	if unit(h) >= p.spikeProb {
		return 0, 0, false
	}
	h2 := mix64(h)
	s0 = b*p.spikeBlock + int64(unit(h2)*float64(p.spikeBlock))
	mag = 0.5 + unit(mix64(h2))
	return s0, mag, s0 > p.firstSpike && s0 <= p.lastSpike
}

// loss is the train loss logged at step: the base curve with small
// autocorrelated noise (multiplicative on the distance to the floor, so it
// never crosses it) plus any spike.
func (p *physics) loss(step int64) float64 {
	b := math.Max(p.base(step), p.floor+1e-9)
	// Each step's loss is measured on a new batch: a per-step part (a
	// hash of the step) on top of the slow, autocorrelated drift, so the
	// logged loss moves from step to step as minibatch noise makes it.
	nz := 0.6*noise2(p.seed^saltLoss, float64(step), p.noisePeriod) + 0.8*signed(hash2(p.seed^saltLoss^0xba7c, uint64(step)))
	// Batch-to-batch noise: a part relative to the distance from the floor
	// plus ~0.01 nats of data noise that never goes away, capped at ~0.04
	// nats so validation stays just above training even early on. The
	// multiplicative form keeps the loss above the floor.
	gap := math.Max(b-p.floor, 1e-9)
	// The cap at 1 keeps a curve that has converged onto its floor (a
	// fine-tune forced through dozens of epochs) from exploding.
	amp := math.Min(math.Min(p.noiseAmp+0.01/gap, 0.04/gap), 1)
	l := p.floor + gap*math.Exp(amp*nz)
	d, _ := p.spike(step)
	return l + d
}

// val is the validation loss measured at step: a little above the smooth
// train curve, more so late in a fine-tune (that is the overfitting).
func (p *physics) val(step int64) float64 {
	b := p.base(step)
	gap := p.valGap * (1 + 0.3*valueNoise(p.seed^saltVal, float64(step), math.Max(8, p.noisePeriod*4)))
	if !p.pretrain {
		x := float64(step) / p.stepsPerEpoch
		if x > 1 {
			// overfitting grows with each extra pass, then levels off
			gap += p.overfit * math.Pow(math.Min(x-1, 5), 1.3)
		}
	}
	return b + gap
}

// lr is the learning rate at step: linear warmup, then cosine to minLR.
func (p *physics) lr(step int64) float64 {
	if step < p.warmup {
		return p.peakLR * float64(step+1) / float64(p.warmup)
	}
	if step >= p.total {
		return p.minLR
	}
	f := float64(step-p.warmup) / float64(max(1, p.total-p.warmup))
	return p.minLR + (p.peakLR-p.minLR)*0.5*(1+math.Cos(math.Pi*f))
}

// gradNorm is the (pre-clipping) gradient norm at step: tens at
// initialisation, settling, creeping up late, jumping before loss spikes.
func (p *physics) gradNorm(step int64) float64 {
	s := float64(step)
	g := p.gnSettle + p.gnInit*math.Exp(-s/p.gnTau) + p.gnCreep*s/float64(max(1, p.total))
	g *= math.Exp(0.12 * noise2(p.seed^saltGrad, s, 6))
	_, mul := p.spike(step)
	return g * mul
}
