package main

import (
	"bytes"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/overfit/overfit/app"
	"github.com/overfit/overfit/sim"
)

// The README's pictures are frames of fixed runs at fixed moments, drawn by
// the link previews' rasterizer, so they are byte-reproducible and a UI
// change that leaves them stale fails TestREADMEPicturesAreCurrent. Refresh
// them with the -update flag every golden file of the repository answers to
// (app's and sim's through x/exp/golden):
//
//	go test ./cmd/overfit -run TestREADMEPictures -update
const (
	picturesDir     = "../../docs/img"
	refreshPictures = "go test ./cmd/overfit -run TestREADMEPictures -update"
)

// updatePictures is -update. The pictures live in docs/img, not testdata,
// and are compared as bytes, so x/exp/golden (testdata/<test>.golden, an
// escaped text diff) does not fit them; the flag is the same.
var updatePictures = flag.Bool("update", false, "rewrite docs/img's pictures from what the program draws now")

// pictureSeed is the run the pictures show: a 70B pretraining run on 128
// nodes (the app's golden frames show it too).
const pictureSeed = 14

// pictureStart is the run's fixed start: the pictures' clock.
var pictureStart = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// pictureShare is what the pictures' footers show: a server on this
// machine with the default ports.
var pictureShare = app.Share{SSHHost: "localhost", SSHPort: 2222, Web: "http://localhost:8080"}

// picture is one README picture: a frame of the picture run, into a phase.
type picture struct {
	file  string
	w, h  int
	phase sim.Phase
	into  time.Duration // how far into the phase (at most halfway through it)
	plain bool
}

// readmePictures are the pictures README.md shows, in its order.
var readmePictures = []picture{
	{"training-120x40.png", 120, 40, sim.PhaseTrain, 2 * time.Minute, false},
	{"training-80x24.png", 80, 24, sim.PhaseTrain, 2 * time.Minute, false},
	{"training-plain-100x30.png", 100, 30, sim.PhaseTrain, 2 * time.Minute, true},
	{"validation-120x40.png", 120, 40, sim.PhaseValidate, 20 * time.Second, false},
	{"export-120x40.png", 120, 40, sim.PhaseExport, 20 * time.Second, false},
	{"summary-200x60.png", 200, 60, sim.PhaseSummary, 20 * time.Second, false},
	{"small-40x12.png", 40, 12, sim.PhaseTrain, 2 * time.Minute, false},
}

// phaseSpans probes the picture run for when each phase first begins and
// ends (run time), in steps of a second, until every wanted phase is seen.
func phaseSpans(t *testing.T, o sim.Options, want []sim.Phase) map[sim.Phase][2]time.Duration {
	t.Helper()
	s, err := sim.NewStream(o)
	if err != nil {
		t.Fatal(err)
	}
	spans := map[sim.Phase][2]time.Duration{}
	var open sim.Phase
	var snap sim.Snapshot
	for i := 0; ; i++ {
		if i > 24*3600 {
			t.Fatalf("seed %d: phases %v not all seen in a day of run time", o.Seed, want)
		}
		s.Snapshot(&snap)
		if i == 0 || snap.Phase != open {
			if sp, ok := spans[open]; ok && sp[1] == 0 {
				spans[open] = [2]time.Duration{sp[0], s.Now()}
			}
			if _, seen := spans[snap.Phase]; !seen {
				spans[snap.Phase] = [2]time.Duration{s.Now(), 0}
			}
			open = snap.Phase
		}
		done := true
		for _, ph := range want {
			if sp, ok := spans[ph]; !ok || sp[1] == 0 {
				done = false
			}
		}
		if done {
			return spans
		}
		s.Advance(time.Second)
	}
}

// renderPicture draws p as a PNG: a session of the picture run, shown at
// the chosen moment by one tick of a fixed clock.
func renderPicture(t *testing.T, r *rasterizer, p picture, at time.Duration) []byte {
	t.Helper()
	o := sim.Options{Seed: pictureSeed, Start: pictureStart}
	m, err := app.New(app.Config{Options: o, Plain: p.plain, Share: pictureShare, Width: p.w, Height: p.h})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(m.TickAt(pictureStart.Add(at)))
	img, err := r.frame(m.Frame(), p.w, p.h)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestREADMEPicturesAreCurrent renders every picture README.md shows (and
// its animated demo) and
// compares it with docs/img byte for byte; with -update it rewrites them
// instead.
func TestREADMEPicturesAreCurrent(t *testing.T) {
	skipInShortMode(t)
	update := *updatePictures
	r, err := newRasterizer()
	if err != nil {
		t.Fatal(err)
	}
	var phases []sim.Phase
	for _, p := range readmePictures {
		phases = append(phases, p.phase)
	}
	spans := phaseSpans(t, sim.Options{Seed: pictureSeed, Start: pictureStart}, phases)
	for _, p := range readmePictures {
		t.Run(p.file, func(t *testing.T) {
			sp := spans[p.phase]
			got := renderPicture(t, r, p, sp[0]+min(p.into, (sp[1]-sp[0])/2))
			checkPicture(t, p.file, got, update)
		})
	}
	t.Run(demoFile, func(t *testing.T) {
		sp := spans[sim.PhaseTrain]
		checkPicture(t, demoFile, renderDemo(t, r, sp[0]+min(time.Minute, (sp[1]-sp[0])/2)), update)
	})
}

// checkPicture compares a rendered picture with its file in docs/img, or
// writes it there when updating.
func checkPicture(t *testing.T, file string, got []byte, update bool) {
	t.Helper()
	path := filepath.Join(picturesDir, file)
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the README picture: %v; make it with: %s", err, refreshPictures)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("docs/img/%s is stale (the program draws it differently now: %d bytes, the file has %d); refresh the pictures with: %s",
			file, len(got), len(want), refreshPictures)
	}
}
