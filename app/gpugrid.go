package app

import (
	"strconv"

	"github.com/overfit/overfit/sim"
)

// utilGlyphs draw a GPU's utilization as a bar height; all are one cell wide
// (block elements, never East-Asian wide), so the renderer can diff them.
var utilGlyphs = [...]string{"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"}

// gpuGridView is the cluster at a glance: one row per node (or per GPU on a
// single node), cells colored by health, as many nodes as fit, then "+N".
type gpuGridView struct {
	boxPanel
	gpus    []sim.GPUStat
	nodes   int
	perNode int
	tmp     []byte
	extra   [1]span // the top border's "N nodes · M GPUs"
}

// setGPUs takes the snapshot's telemetry (node-major). The snapshot may hold
// only the first nodes (Snapshot.MaxGPUs): the rest are counted in "+N".
func (v *gpuGridView) setGPUs(run *sim.Run, gpus []sim.GPUStat) {
	// A copy: the snapshot's slice is refilled on every tick, the grid
	// refreshes once per second.
	v.gpus = append(v.gpus[:0], gpus...)
	v.rows.invalidate()
	v.nodes, v.perNode = 0, 0
	if run != nil && run.GPUsPerNode > 0 {
		v.nodes, v.perNode = run.Nodes, run.GPUsPerNode
	}
	if v.perNode == 0 || len(gpus) > v.nodes*v.perNode {
		// Trust the telemetry over the config if they ever disagree.
		v.nodes, v.perNode = 1, len(gpus)
	}
}

// total is how many rows the cluster has (nodes, or GPUs of a single node);
// have is how many of them the telemetry covers.
func (v *gpuGridView) total() (total, have int) {
	if v.perGPU() {
		return v.perNode, min(v.perNode, len(v.gpus))
	}
	if v.perNode == 0 {
		return 0, 0
	}
	return v.nodes, min(v.nodes, len(v.gpus)/v.perNode)
}

// need is how many GPUs of telemetry the grid can draw at its size (at
// least one: zero would mean "all" to sim.Snapshot).
func (v *gpuGridView) need() int {
	if v.perGPU() {
		return max(1, min(v.perNode, v.h-2))
	}
	total := v.nodes
	rows := v.h - 2
	n := min(total, rows)
	if n < total {
		n--
	}
	return max(1, n*v.perNode)
}

// shown is how many rows get a node (or GPU) of their own; a last "+N"
// row counts the rest.
func (v *gpuGridView) shown() int {
	total, have := v.total()
	rows := v.h - 2
	n := min(total, have, rows)
	if n < total && n == rows {
		n--
	}
	return max(n, 0)
}

// perGPU says whether rows are GPUs (a single node) rather than nodes.
func (v *gpuGridView) perGPU() bool { return v.nodes == 1 }

// top counts the cluster's nodes and GPUs after the title.
func (v *gpuGridView) top() (string, []span) {
	extra := ""
	if v.nodes > 0 {
		d := strconv.AppendInt(v.tmp[:0], int64(v.nodes), 10)
		d = append(d, " node"...)
		if v.nodes != 1 {
			d = append(d, 's')
		}
		d = append(d, " · "...)
		d = strconv.AppendInt(d, int64(v.nodes*v.perNode), 10)
		d = append(d, " GPUs"...)
		v.tmp = d
		extra = string(d)
	}
	v.extra[0] = span{extra, v.th.dim}
	return "GPUs", v.extra[:]
}

// writeLine appends line row: a node (or a GPU of a single node), the
// "+N" that counts the rest, or nothing.
func (v *gpuGridView) writeLine(b *builder, row, inner int) int {
	th := v.th
	total, _ := v.total()
	shown := v.shown()
	var used int
	switch {
	case row > shown || (row == shown && shown >= total):
	case row == shown:
		d := append(v.tmp[:0], '+')
		d = strconv.AppendInt(d, int64(total-row), 10)
		if v.perGPU() {
			d = append(d, " GPUs"...)
		} else {
			d = append(d, " nodes"...)
		}
		v.tmp = d
		s, w := clip(string(d), inner)
		th.dim.write(b, s)
		used = w
	case v.perGPU():
		used = v.writeGPU(b, &v.gpus[row], inner)
	default:
		used = v.writeNode(b, row, inner)
	}
	return used
}

// writeNode appends "node03 ▇▇▇▇▇▇▇▇  98%  71C  612W  61.2G" within room.
func (v *gpuGridView) writeNode(b *builder, node, room int) int {
	th := v.th
	gs := v.gpus[node*v.perNode : (node+1)*v.perNode]
	d := append(v.tmp[:0], "node"...)
	if node < 10 {
		d = append(d, '0')
	}
	d = strconv.AppendInt(d, int64(node), 10)
	label := string(d)
	if len(label)+1+len(gs) > room {
		label = label[4:]
	}
	if len(label)+1+len(gs) > room {
		v.tmp = d
		return 0
	}
	th.dim.write(b, label)
	b.WriteByte(' ')
	w := len(label) + 1
	var util, temp, power float64
	var mem int
	worst := sim.HealthOK
	for k := range gs {
		g := &gs[k]
		th.health[min(int(g.Health), 2)].write(b, utilGlyph(g.Util))
		util += g.Util
		power += g.PowerW
		temp = max(temp, g.TempC)
		mem = max(mem, g.MemUsedMiB)
		worst = max(worst, g.Health)
	}
	w += len(gs)
	n := float64(len(gs))
	// The fields are formatted back to back into one scratch buffer: no
	// allocation per field.
	var ends [4]int
	d = append(appendFixed(d[:0], util/n*100, 0), '%')
	ends[0] = len(d)
	d = append(appendFixed(d, temp, 0), 'C')
	ends[1] = len(d)
	d = append(appendFixed(d, power/n, 0), 'W')
	ends[2] = len(d)
	d = append(appendGiB(d, mem), 'G')
	ends[3] = len(d)
	w = writeFields(b, d, ends, [4]int{5, 5, 6, 7}, th.health[min(int(worst), 2)], w, room)
	v.tmp = d
	return w
}

// writeGPU appends "GPU3 ████████  98%  71C  612/700W  61.2/80.0G" within room.
func (v *gpuGridView) writeGPU(b *builder, g *sim.GPUStat, room int) int {
	th := v.th
	d := append(v.tmp[:0], "GPU"...)
	d = strconv.AppendInt(d, int64(g.Local), 10)
	v.tmp = d
	if len(d) > room {
		return 0
	}
	th.dim.writeBytes(b, d)
	w := len(d)
	// A short utilization meter, scaled to the room left.
	meter := min(10, room-w-1-34)
	if meter >= 4 {
		b.WriteByte(' ')
		full := int(g.Util*float64(meter) + 0.5)
		d = d[:0]
		for range full {
			d = append(d, "█"...)
		}
		th.health[min(int(g.Health), 2)].writeBytes(b, d)
		d = d[:0]
		for range meter - full {
			d = append(d, "░"...)
		}
		th.dim.writeBytes(b, d)
		w += 1 + meter
	}
	// The fields are formatted back to back into one scratch buffer: no
	// allocation per field.
	var ends [4]int
	d = append(appendFixed(d[:0], g.Util*100, 0), '%')
	ends[0] = len(d)
	d = append(appendFixed(d, g.TempC, 0), 'C')
	ends[1] = len(d)
	d = appendFixed(d, g.PowerW, 0)
	d = append(d, '/')
	d = append(appendFixed(d, g.PowerCapW, 0), 'W')
	ends[2] = len(d)
	d = appendGiB(d, g.MemUsedMiB)
	d = append(d, '/')
	d = append(appendGiB(d, g.MemTotalMiB), 'G')
	ends[3] = len(d)
	w = writeFields(b, d, ends, [4]int{5, 5, 11, 13}, th.health[min(int(g.Health), 2)], w, room)
	v.tmp = d
	return w
}

func utilGlyph(u float64) string {
	i := int(u*float64(len(utilGlyphs)) - 0.001)
	return utilGlyphs[max(0, min(i, len(utilGlyphs)-1))]
}

// writeFields writes the util, temperature, power and memory fields that end
// at ends in d, each right-aligned in its width, while they fit in room
// (w cells are used already); the temperature takes the health paint. It
// returns the cells used.
func writeFields(b *builder, d []byte, ends, widths [4]int, temp paint, w, room int) int {
	start := 0
	for k, end := range ends {
		if w+widths[k] > room {
			break
		}
		f := d[start:end]
		start = end
		spaces(b, widths[k]-len(f))
		pt := paint("")
		if k == 1 {
			pt = temp
		}
		pt.writeBytes(b, f)
		w += widths[k]
	}
	return w
}
