package app

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/overfit/overfit/sim"
)

// phaseSeeds are the runs the layout tests look at: different models,
// clusters and log styles.
var phaseSeeds = []uint64{1, 2, 14}

// modelAt returns a session of run seed at the given phase, some way into
// it so the log and the bars are populated.
func modelAt(t testing.TB, seed uint64, ph sim.Phase, w, h int) *Model {
	return modelInto(t, seed, ph, 20*time.Second, w, h)
}

// modelInto is modelAt, into the phase: at most halfway through it, so
// the frame shows the phase itself whatever its length.
func modelInto(t testing.TB, seed uint64, ph sim.Phase, into time.Duration, w, h int) *Model {
	t.Helper()
	// Probe where the phase begins and ends.
	probe, err := sim.NewStream(testOptions(seed))
	if err != nil {
		t.Fatal(err)
	}
	var snap sim.Snapshot
	var t0, t1 time.Duration
	found := false
	for i := 0; ; i++ {
		if i > 24*3600 {
			t.Fatalf("seed %d never reached phase %v", seed, ph)
		}
		probe.Snapshot(&snap)
		if snap.Phase == ph && !found {
			t0, found = probe.Now(), true
		}
		if snap.Phase != ph && found {
			t1 = probe.Now()
			break
		}
		probe.Advance(time.Second)
	}
	target := t0 + min(into, (t1-t0)/2)
	m := newTestModel(t, testOptions(seed), w, h)
	for m.stream.Now() < target {
		m.stream.Advance(min(time.Second, target-m.stream.Now()))
		m.pull()
	}
	if m.snap.Phase != ph {
		t.Fatalf("seed %d: phase %v at %v, want %v", seed, m.snap.Phase, target, ph)
	}
	return m
}

var allPhases = []sim.Phase{sim.PhaseInit, sim.PhaseTrain, sim.PhaseValidate, sim.PhaseExport, sim.PhaseSummary, sim.PhaseTransition}

// sweepSizes is a coarse grid plus the edges of every layout decision.
func sweepSizes() (ws, hs []int) {
	ws = []int{20, 21, 39, 40, 41, 50, 60, 79, 80, 81, 99, 100, 101, 120, 160, 200, 250, 299, 300}
	hs = []int{6, 11, 12, 13, 14, 17, 18, 19, 24, 30, 40, 60, 99, 100}
	return
}

func TestSizeSweep(t *testing.T) {
	ws, hs := sweepSizes()
	// Overlays and badges on the layout edges only: the grid times five
	// variants would make the race build slow for little more coverage.
	edgeW := []int{20, 39, 40, 41, 80, 99, 100, 101, 300}
	edgeH := []int{6, 11, 12, 13, 14, 17, 18, 40, 100}
	if testing.Short() {
		ws, hs = edgeW, edgeH // the quick loop: the layout edges, a third of the grid
	}
	for _, ph := range allPhases {
		t.Run(ph.String(), func(t *testing.T) {
			t.Parallel()
			sweepPhase(t, ph, ws, hs, edgeW, edgeH)
		})
	}
}

// sweepPhase checks every size of the grids for each seed at phase ph.
func sweepPhase(t *testing.T, ph sim.Phase, ws, hs, edgeW, edgeH []int) {
	for _, seed := range phaseSeeds {
		m := modelAt(t, seed, ph, 120, 40)
		check := func(w, h int, variant string) {
			m.plain = strings.HasPrefix(variant, "plain")
			m.showHelp = strings.HasSuffix(variant, "help")
			m.paused = variant == "paused×8"
			m.speed = 1
			if m.paused {
				m.speed = 8
			}
			m.Update(tea.WindowSizeMsg{Width: w, Height: h})
			m.dirty = true
			ctx := fmt.Sprintf("seed %d phase %v %dx%d %s", seed, ph, w, h, variant)
			f := frame(m)
			checkFrame(t, f, w, h, ctx)
			small := w < MinWidth || h < MinHeight
			if got := strings.Contains(f, "too small"); got != small {
				t.Fatalf("%s: too-small notice %v, want %v", ctx, got, small)
			}
			if small && !strings.Contains(ansi.Strip(f), "q to quit") {
				t.Fatalf("%s: the too-small notice does not say how to quit:\n%s", ctx, ansi.Strip(f))
			}
			if !small && m.showHelp && !helpListsQuit(ansi.Strip(f)) {
				t.Fatalf("%s: the help does not show q quit:\n%s", ctx, ansi.Strip(f))
			}
		}
		for _, w := range ws {
			for _, h := range hs {
				check(w, h, "dashboard")
				check(w, h, "plain")
			}
		}
		for _, w := range edgeW {
			for _, h := range edgeH {
				check(w, h, "help")
				check(w, h, "plain+help")
				check(w, h, "paused×8")
			}
		}
	}
}

func TestTooSmallNotice(t *testing.T) {
	m := newTestModel(t, testOptions(1), 39, 12)
	f := plainFrame(m)
	if !strings.Contains(f, "terminal too small") || !strings.Contains(f, "size 39×12, need 40×12") || !strings.Contains(f, "q to quit") {
		t.Fatalf("notice missing, or without the sizes or how to quit:\n%s", f)
	}
	checkFrame(t, frame(m), 39, 12, "39x12")
	// At 30×10 each phrase fits on a line of its own.
	m.Update(tea.WindowSizeMsg{Width: 30, Height: 10})
	f = plainFrame(m)
	for _, want := range []string{"terminal too small", "size 30×10, need 40×12", "q to quit"} {
		if !strings.Contains(f, want) {
			t.Fatalf("30×10: %q missing:\n%s", want, f)
		}
	}
	checkFrame(t, frame(m), 30, 10, "30x10")
	// Still one notice, wrapped, when very narrow.
	m.Update(tea.WindowSizeMsg{Width: 12, Height: 6})
	f = plainFrame(m)
	checkFrame(t, frame(m), 12, 6, "12x6")
	if !strings.Contains(f, "40×12") || !strings.Contains(f, "12×6") || !strings.Contains(f, "q to quit") {
		t.Fatalf("wrapped notice lost a size or how to quit:\n%s", f)
	}
	// Too few rows for the whole notice: how to quit stays.
	m.Update(tea.WindowSizeMsg{Width: 12, Height: 2})
	if f := plainFrame(m); !strings.Contains(f, "q to quit") {
		t.Fatalf("12x2: notice lost how to quit:\n%s", f)
	}
	// Degenerate sizes a misbehaving client could report.
	for _, sz := range [][2]int{{1, 1}, {5, 3}, {1, 100}, {300, 1}} {
		m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		checkFrame(t, frame(m), sz[0], sz[1], fmt.Sprintf("%dx%d", sz[0], sz[1]))
	}
	m.Update(tea.WindowSizeMsg{Width: 0, Height: 0})
	if f := frame(m); f != "" {
		t.Fatalf("0x0 frame is %q, want empty", f)
	}
}

func TestDashboardRegions(t *testing.T) {
	m := modelAt(t, 1, sim.PhaseTrain, 120, 40)
	f := plainFrame(m)
	run := m.snap.Run
	for _, want := range []string{run.Name, run.Model.Name, "TRAIN", "INIT", "SUMMARY", "metrics", "loss", "GPUs", m.RunID() + "@localhost", "elapsed", "ETA"} {
		if !strings.Contains(f, want) {
			t.Errorf("120x40 training frame lacks %q", want)
		}
	}
	// The pinned bars are the last rows above the footer, as the sim formats them.
	lines := strings.Split(f, "\n")
	bars := m.snap.Bars
	if len(bars) == 0 {
		t.Fatal("no bars in training")
	}
	for i := range bars {
		row := lines[len(lines)-1-len(bars)+i]
		label := bars[i].Label
		if !strings.HasPrefix(row, label) {
			t.Errorf("row %q is not bar %q", row, label)
		}
	}
	// Narrow: no side column, a metrics strip instead.
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	f = plainFrame(m)
	if strings.Contains(f, "╭") {
		t.Errorf("80x24 has side boxes:\n%s", f)
	}
	if !strings.Contains(f, "loss ") {
		t.Errorf("80x24 lacks the metrics strip:\n%s", f)
	}
}

func TestPlainModeIsOnlyLogAndBars(t *testing.T) {
	m := modelAt(t, 2, sim.PhaseTrain, 100, 30)
	m.Update(press("v"))
	f := plainFrame(m)
	var want []string
	for i := 0; i < m.log.count(); i++ {
		want = append(want, m.log.lineText(m.log.line(i)))
	}
	for i := range m.snap.Bars {
		want = append(want, m.snap.Bars[i].Format(100))
	}
	// Every row is a (wrapped) piece of a log line or a bar.
	all := strings.Join(want, "\n")
	for i, row := range strings.Split(f, "\n") {
		if row == "" {
			continue
		}
		if !strings.Contains(all, row) {
			t.Fatalf("plain row %d %q is neither a log line nor a bar", i, row)
		}
	}
	if ansi.Strip(frame(m)) != f {
		t.Fatal("unreachable")
	}
}

func TestExportShowsFourBars(t *testing.T) {
	m := modelAt(t, 1, sim.PhaseExport, 120, 40)
	f := plainFrame(m)
	found := 0
	for _, b := range m.snap.Bars {
		if strings.Contains(f, b.Label) {
			found++
		}
	}
	if found != len(m.snap.Bars) || found == 0 {
		t.Fatalf("export shows %d of %d bars:\n%s", found, len(m.snap.Bars), f)
	}
}

func TestGPUGridCollapsesNodes(t *testing.T) {
	run := &sim.Run{Nodes: 16, GPUsPerNode: 8, GPU: sim.GPUType{Name: "NVIDIA H100 80GB HBM3", MemMiB: 81559}}
	gpus := make([]sim.GPUStat, 16*8)
	for i := range gpus {
		gpus[i] = sim.GPUStat{Node: i / 8, Local: i % 8, Util: 0.97, TempC: 70, MemUsedMiB: 60000, MemTotalMiB: 81559, PowerW: 600, PowerCapW: 700, Health: sim.Health(i % 3)}
	}
	th := newTheme(true, 0)
	var v gpuGridView
	v.th = &th
	v.setSize(44, 8)
	v.setGPUs(run, gpus)
	out := panelText(&v)
	if !strings.Contains(out, "+11 nodes") || !strings.Contains(out, "node04") || strings.Contains(out, "node05") {
		t.Fatalf("16 nodes in 6 rows should show 5 nodes then +11:\n%s", out)
	}
	checkFrame(t, out, 44, 8, "gpu grid")
}

func TestLossChartFitsExactly(t *testing.T) {
	var pts, val []sim.LossPoint
	for i := int64(0); i < 500; i++ {
		pts = append(pts, sim.LossPoint{Step: 1000 + i, Loss: 3 - float64(i)/400})
		if i%100 == 99 {
			val = append(val, sim.LossPoint{Step: 1000 + i, Loss: 3.02 - float64(i)/400})
		}
	}
	th := newTheme(true, 0)
	for _, w := range []int{20, 30, 44, 61, 72} {
		for _, h := range []int{3, 4, 6, 9, 20, 40} {
			var v lossChartView
			v.th = &th
			v.setSize(w, h)
			v.setHistory(pts, val, 1600)
			out := panelText(&v)
			checkFrame(t, out, w, h, fmt.Sprintf("chart %dx%d", w, h))
			for i, l := range strings.Split(out, "\n") {
				if ansi.StringWidth(l) != w {
					t.Fatalf("chart %dx%d row %d is %d wide", w, h, i, ansi.StringWidth(l))
				}
			}
		}
	}
}

// The GPU grid fetches telemetry only for the nodes it draws; growing the
// terminal must fetch the newly visible ones in the same frame.
func TestGPUGridAfterGrowing(t *testing.T) {
	m := modelInto(t, goldenSeed, sim.PhaseTrain, time.Minute, 80, 24)
	if len(m.snap.GPUs) > 1 {
		t.Fatalf("80x24 (no grid) fetched %d GPUs of telemetry", len(m.snap.GPUs))
	}
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	f := plainFrame(m)
	if !strings.Contains(f, "node00") || !strings.Contains(f, "node05") {
		t.Fatalf("grid after growing lacks nodes:\n%s", f)
	}
	if want := m.gpus.need(); len(m.snap.GPUs) != want {
		t.Fatalf("telemetry for %d GPUs, grid draws %d", len(m.snap.GPUs), want)
	}
}

// helpListsQuit reports whether a frame's help box shows the quit key.
func helpListsQuit(f string) bool {
	for _, l := range strings.Split(f, "\n") {
		if fs := strings.Fields(strings.Trim(l, "│ ")); len(fs) == 2 && fs[0] == "q" && fs[1] == "quit" {
			return true
		}
		if strings.Contains(l, "q quit") {
			return true
		}
	}
	return false
}

// TestREADMEStatesTheBreakpoints: the README says at which sizes the band,
// the GPU grid, the run config and the strip appear; those numbers follow
// from layoutDashboard's constants, so a change to one fails here.
func TestREADMEStatesTheBreakpoints(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(readme)), " ")
	m := newTestModel(t, testOptions(1), 120, 40)
	// Find each breakpoint by probing the layout.
	firstW := func(h int, has func(dashLayout) bool) int {
		for w := MinWidth; w <= 300; w++ {
			if has(m.layoutDashboard(w, h, 1)) {
				return w
			}
		}
		return -1
	}
	has := func(k panelKind) func(dashLayout) bool {
		return func(l dashLayout) bool {
			for _, b := range l.boxes[:l.nBoxes] {
				if b.kind == k {
					return true
				}
			}
			return false
		}
	}
	band := firstW(40, func(l dashLayout) bool { return l.bandH > 0 })
	grid := firstW(40, has(panelGPUs))
	config := firstW(40, has(panelConfig))
	bandRows, configRows, stripRows := -1, -1, -1
	for h := MinHeight; h <= 100; h++ {
		if l := m.layoutDashboard(300, h, 1); l.bandH > 0 && bandRows < 0 {
			bandRows = h
		}
		if has(panelConfig)(m.layoutDashboard(300, h, 1)) && configRows < 0 {
			configRows = h
		}
		if m.layoutDashboard(80, h, 1).strip && stripRows < 0 {
			stripRows = h
		}
	}
	for _, want := range []string{
		fmt.Sprintf("From %d columns and %d rows the metrics and the loss chart sit in a band", band, bandRows),
		fmt.Sprintf("from %d columns the GPU grid joins them", grid),
		fmt.Sprintf("from %d columns and %d rows the run config too", config, configRows),
		fmt.Sprintf("Below %d×%d (from %d rows), a one-line metrics strip", band, bandRows, stripRows),
		fmt.Sprintf("the smallest layout is %d×%d", MinWidth, MinHeight),
	} {
		if !strings.Contains(text, want) {
			t.Errorf("README does not say %q", want)
		}
	}
}
