package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
)

// Regenerate the golden logs after an intended change of the engine's output
// (the same helper and flag as app's golden frames):
//
//	go test ./sim -run TestGoldenLogs -update
//
// then read the diff of sim/testdata/TestGoldenLogs like a reviewer would.
// Only the tests use the helper: the engine itself stays stdlib only.

// goldenCases are one 405B-class pretraining run on a big cluster and one
// small fine-tune; the name is the golden file's, in testdata/TestGoldenLogs.
var goldenCases = []struct {
	name string
	o    Options
}{
	{"pretrain-405b-256xh100", Options{Seed: 405, Model: "llama-3.1-405b", GPU: "h100", Nodes: 256, Job: JobPretrain}},
	{"finetune-llama-3-8b-1xh100", Options{Seed: 8, Model: "llama-3-8b", GPU: "h100", Nodes: 1, Job: JobFinetune}},
}

// TestGoldenLogs pins the whole log of one cycle of each case.
func TestGoldenLogs(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			s := mustStream(t, c.o)
			lines, err := cycle(s, time.Second, 8)
			if err != nil {
				t.Fatal(err)
			}
			golden.RequireEqual(t, strings.Join(lines, "\n")+"\n")
		})
	}
}
