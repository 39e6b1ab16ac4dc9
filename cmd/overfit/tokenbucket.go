package main

import "time"

// tokenBucket is a rate limiter's state: tokens accrue at a rate up to a
// burst, and each allowed event spends one (or, for bytes, several). The
// rate and burst belong to the caller, so a bucket is two words.
type tokenBucket struct {
	tokens float64
	last   time.Time // when tokens was last refilled
}

// fullBucket is a bucket holding its whole burst at now.
func fullBucket(burst float64, now time.Time) tokenBucket {
	return tokenBucket{tokens: burst, last: now}
}

// refill adds what accrued since the last refill at perSecond, up to burst.
func (b *tokenBucket) refill(now time.Time, burst, perSecond float64) {
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*perSecond)
	b.last = now
}

// take refills the bucket and spends one token, or reports there is none.
func (b *tokenBucket) take(now time.Time, burst, perSecond float64) bool {
	b.refill(now, burst, perSecond)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
