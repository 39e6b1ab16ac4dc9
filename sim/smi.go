package sim

import (
	"fmt"
	"strings"
)

// nvidiaSMI is the table a job script's `nvidia-smi` prints on node 0
// before launching: idle boards, a few MiB used, cool. AMD boards get none
// (rocm-smi looks different and job scripts rarely print it).
func (p *runPlan) nvidiaSMI() []string {
	run, g := p.run, p.run.GPU
	if g.Vendor != "nvidia" {
		return nil
	}
	const w1, w2, w3 = 41, 24, 22
	row := func(a, b, c string) string { return "|" + a + "|" + b + "|" + c + "|" }
	split := func(a, b string, w int) string { // a left, b right, in w cells
		pad := w - len(a) - len(b)
		if pad < 1 {
			return (a + " " + b)[:w]
		}
		return a + strings.Repeat(" ", pad) + b
	}
	rule := func(c byte, j byte) string {
		return string(j) + strings.Repeat(string(c), w1) + string(j) + strings.Repeat(string(c), w2) + string(j) + strings.Repeat(string(c), w3) + string(j)
	}
	full := w1 + w2 + w3 + 2
	ver := strings.Fields(g.DriverLine)[2]
	out := []string{
		"+" + strings.Repeat("-", full) + "+",
		"|" + split(" NVIDIA-SMI "+ver, g.DriverLine+"     ", full) + "|",
		"|" + rule('-', '+')[1:],
		row(split(" GPU  Name", "Persistence-M ", w1), split(" Bus-Id", "Disp.A ", w2), split(" Volatile", "Uncorr. ECC ", w3)),
		row(split(" Fan  Temp   Perf", "Pwr:Usage/Cap ", w1), split("", "Memory-Usage ", w2), split(" GPU-Util", "Compute M. ", w3)),
		row(strings.Repeat(" ", w1), strings.Repeat(" ", w2), split("", "MIG M. ", w3)),
		"|" + rule('=', '+')[1:len(rule('=', '+'))-1] + "|",
	}
	bus := []string{"18", "2A", "3A", "5D", "9A", "AB", "BA", "DB"}
	for i := range run.GPUsPerNode {
		h := hash2(p.phys.seed^saltGPU, uint64(i)+991)
		temp := 28 + int(unit(h)*9)
		watts := int(g.IdleW) + int(unit(mix64(h))*12)
		name := g.Name
		if len(name) > 28 {
			name = name[:28]
		}
		out = append(out,
			row(split(fmt.Sprintf(" %3d  %s", i, name), "On  ", w1), split("", fmt.Sprintf("00000000:%s:00.0 Off ", bus[i%len(bus)]), w2), split("", "0 ", w3)),
			row(split(fmt.Sprintf(" N/A   %2dC    P0", temp), fmt.Sprintf("%dW / %4.0fW ", watts, g.PowerCapW), w1),
				split("", fmt.Sprintf("1MiB / %6dMiB ", g.MemMiB), w2), split("      0%", "Default ", w3)),
			row(strings.Repeat(" ", w1), strings.Repeat(" ", w2), split("", "Disabled ", w3)),
			rule('-', '+'),
		)
	}
	return out
}
