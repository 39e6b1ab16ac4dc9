package sim

import (
	"testing"
	"time"
)

// FuzzStream builds streams from arbitrary seeds and options; valid ones
// must run a whole cycle without panics, NaN/Inf or broken invariants, and
// seeking into them must work.
func FuzzStream(f *testing.F) {
	f.Add(uint64(0), uint8(0), uint8(0), uint16(0), uint8(0), uint16(0), uint16(0))
	f.Add(uint64(405), uint8(11), uint8(2), uint16(256), uint8(1), uint16(0), uint16(7))
	f.Add(uint64(8), uint8(2), uint8(2), uint16(1), uint8(2), uint16(30), uint16(0))
	f.Add(uint64(1<<63), uint8(8), uint8(8), uint16(4), uint8(2), uint16(3), uint16(60))
	f.Add(uint64(77), uint8(21), uint8(6), uint16(64), uint8(1), uint16(9999), uint16(1))
	f.Fuzz(func(t *testing.T, seed uint64, model, gpu uint8, nodes uint16, job uint8, steps uint16, cycleMin uint16) {
		o := Options{Seed: seed, Nodes: int(nodes % 300), Steps: int64(steps), Cycle: time.Duration(cycleMin) * time.Minute, Start: testStart}
		if ms := Models(); model > 0 {
			o.Model = ms[int(model-1)%len(ms)].Key
		}
		if gs := GPUs(); gpu > 0 {
			o.GPU = gs[int(gpu-1)%len(gs)].Key
		}
		o.Job = []JobKind{JobAny, JobPretrain, JobFinetune, "bogus"}[job%4]
		s, err := NewStream(o)
		if err != nil {
			if o.Validate() == nil {
				t.Fatalf("NewStream failed on valid options %+v: %v", o, err)
			}
			return
		}
		r := s.Run()
		dt := max(time.Second, r.Duration/150)
		if _, err := cycle(s, dt, 8); err != nil {
			t.Fatalf("%+v (%s %d×%s %s): %v", o, r.Model.Key, r.Nodes, r.GPU.Key, r.Job, err)
		}
		s.Seek(r.Duration / 2)
		var snap Snapshot
		snap.MaxGPUs = 4
		s.Snapshot(&snap)
		if err := checkSnapshot(s.Run(), &snap); err != nil {
			t.Fatalf("after seek: %v", err)
		}
	})
}
