package main

import (
	"math"
	"slices"
)

// percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest value with at least p % of the samples at
// or below it. It returns 0 for no samples. Nearest rank never invents a value
// that was not measured, which keeps p99 of small runs honest.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// Summary is the distribution of one per-session quantity.
type Summary struct {
	N      int     `json:"n"`
	Median float64 `json:"median"`
	P95    float64 `json:"p95"`
	P99    float64 `json:"p99"`
	Max    float64 `json:"max"`
}

// summarize sorts xs in place and summarizes it.
func summarize(xs []float64) Summary {
	if len(xs) == 0 {
		return Summary{}
	}
	slices.Sort(xs)
	return Summary{
		N:      len(xs),
		Median: percentile(xs, 50),
		P95:    percentile(xs, 95),
		P99:    percentile(xs, 99),
		Max:    xs[len(xs)-1],
	}
}
