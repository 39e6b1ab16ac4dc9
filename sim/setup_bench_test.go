package sim

import "testing"

// BenchmarkSetupWorst is NewStream (a run's whole set-up: configuration,
// timeline, evaluations, static log lines) for the most expensive options
// allowed: the largest --steps on the largest cluster, which makes a
// fine-tune of 76,924 tiny epochs for --seed 65, and the option set that
// allocated most in a search over 3,000 seeds × nodes × steps × job.
func BenchmarkSetupWorst(b *testing.B) {
	for _, c := range []struct {
		name string
		o    Options
	}{
		{"seed65-nodes1024-steps1M", Options{Seed: 65, Nodes: MaxNodes, Steps: MaxSteps}},
		{"seed2364-nodes1024-finetune-steps1000", Options{Seed: 2364, Nodes: MaxNodes, Steps: 1000, Job: JobFinetune}},
		{"default-seed1", Options{Seed: 1}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if _, err := NewStream(c.o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
