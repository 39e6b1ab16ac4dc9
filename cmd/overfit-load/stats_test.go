package main

import "testing"

func TestPercentileNearestRank(t *testing.T) {
	hundred := make([]float64, 100)
	for i := range hundred {
		hundred[i] = float64(i + 1)
	}
	ten := hundred[:10]
	cases := []struct {
		name   string
		sorted []float64
		p      float64
		want   float64
	}{
		{"empty", nil, 50, 0},
		{"single p50", []float64{7}, 50, 7},
		{"single p99", []float64{7}, 99, 7},
		{"100 p50", hundred, 50, 50},
		{"100 p95", hundred, 95, 95},
		{"100 p99", hundred, 99, 99},
		{"100 p100", hundred, 100, 100},
		{"10 p50", ten, 50, 5},
		{"10 p95 rounds up to the max", ten, 95, 10},
		{"10 p99", ten, 99, 10},
		{"two p50 is the lower", []float64{1, 3}, 50, 1},
	}
	for _, c := range cases {
		if got := percentile(c.sorted, c.p); got != c.want {
			t.Errorf("%s: percentile(p%g) = %g, want %g", c.name, c.p, got, c.want)
		}
	}
}

func TestSummarizeSortsAndSummarizes(t *testing.T) {
	xs := []float64{5, 1, 4, 2, 3}
	got := summarize(xs)
	want := Summary{N: 5, Median: 3, P95: 5, P99: 5, Max: 5}
	if got != want {
		t.Fatalf("summarize = %+v, want %+v", got, want)
	}
	if (summarize(nil) != Summary{}) {
		t.Fatalf("summarize(nil) should be zero")
	}
}
