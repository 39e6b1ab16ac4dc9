package app

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/overfit/overfit/sim"
)

// goldenSeed is the run the golden frames show. Regenerate them after a
// change of sim's output or of the layout with: go test ./app -run Golden -update
const goldenSeed = 14

var phaseFileNames = map[sim.Phase]string{
	sim.PhaseInit: "init", sim.PhaseTrain: "train", sim.PhaseValidate: "valid",
	sim.PhaseExport: "export", sim.PhaseSummary: "summary",
}

// TestGolden pins the frames (escape codes stripped) of each phase at the
// three reference sizes, plain mode at 80×24, and one colored frame.
func TestGolden(t *testing.T) {
	for _, ph := range []sim.Phase{sim.PhaseInit, sim.PhaseTrain, sim.PhaseValidate, sim.PhaseExport, sim.PhaseSummary} {
		into := 20 * time.Second
		if ph == sim.PhaseTrain {
			into = 2 * time.Minute // a chart with a history, a log of steps
		}
		m := modelInto(t, goldenSeed, ph, into, 120, 40)
		for _, sz := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
			name := fmt.Sprintf("%s_%dx%d", phaseFileNames[ph], sz[0], sz[1])
			t.Run(name, func(t *testing.T) {
				m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
				golden.RequireEqual(t, plainFrame(m)+"\n")
			})
		}
		t.Run(phaseFileNames[ph]+"_plain_80x24", func(t *testing.T) {
			m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
			m.Update(press("v"))
			defer m.Update(press("v"))
			golden.RequireEqual(t, plainFrame(m)+"\n")
		})
	}
	t.Run("train_120x40_color", func(t *testing.T) {
		m := modelInto(t, goldenSeed, sim.PhaseTrain, 2*time.Minute, 120, 40)
		m.Update(tea.ColorProfileMsg{Profile: colorprofile.TrueColor})
		// Stored raw: `cat` shows it in color; diffs are escaped by golden.
		golden.RequireEqual(t, frame(m)+"\n")
	})
}
