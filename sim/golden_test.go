package sim

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Regenerate the golden logs after an intended change of the engine's output:
//
//	go test ./sim -run TestGoldenLogs -update
//
// then read the diff of sim/testdata/*.log like a reviewer would.
var update = flag.Bool("update", false, "rewrite sim/testdata golden logs")

// goldenCases are one 405B-class pretraining run on a big cluster and one
// small fine-tune.
var goldenCases = []struct {
	file string
	o    Options
}{
	{"pretrain-405b-256xh100.log", Options{Seed: 405, Model: "llama-3.1-405b", GPU: "h100", Nodes: 256, Job: JobPretrain}},
	{"finetune-llama-3-8b-1xh100.log", Options{Seed: 8, Model: "llama-3-8b", GPU: "h100", Nodes: 1, Job: JobFinetune}},
}

func TestGoldenLogs(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.file, func(t *testing.T) {
			s := mustStream(t, c.o)
			lines, err := cycle(s, time.Second, 8)
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(lines, "\n") + "\n"
			path := filepath.Join("testdata", c.file)
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
				for i := range min(len(gl), len(wl)) {
					if gl[i] != wl[i] {
						t.Fatalf("line %d differs:\n got %q\nwant %q\n(run with -update if the change is intended)", i+1, gl[i], wl[i])
					}
				}
				t.Fatalf("log has %d lines, golden %d (run with -update if intended)", len(gl), len(wl))
			}
		})
	}
}
