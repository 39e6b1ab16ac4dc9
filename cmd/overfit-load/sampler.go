package main

import "context"

// resourceSample is one reading of a process's cumulative CPU time and its
// resident set size.
type resourceSample struct {
	CPUSeconds float64
	RSSBytes   int64
}

// sampler reads a process's resources; the server is sampled through /proc
// (-pid) or its Prometheus endpoint (-metrics-url), the generator through
// /proc/self.
type sampler interface {
	sample(ctx context.Context) (resourceSample, error)
	// source names what is sampled, for the report.
	source() string
}
