package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/overfit/overfit/sim"
)

// writeList prints one of the catalogs for --list: what --model and --gpu
// accept (an error line only points here: a whole list does not fit in one
// line), and the datasets runs draw from. what is "models", "gpus" or
// "datasets".
func writeList(w io.Writer, what string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	switch what {
	case "models":
		fmt.Fprintln(tw, "NAME\tMODEL\tPARAMETERS\tLAYERS\tCONTEXT\t")
		for _, m := range sim.Models() {
			note := ""
			if m.Fictional {
				note = "invented (--fictional)"
			}
			params := paramCount(m.Params())
			if a := m.ActiveParams(); a != m.Params() {
				params += " (" + paramCount(a) + " active)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\n", m.Key, m.Name, params, m.Layers, m.Context, note)
		}
	case "gpus":
		fmt.Fprintln(tw, "NAME\tGPU\tMEMORY\tBF16 DENSE\tPER NODE\t")
		for _, g := range sim.GPUs() {
			fmt.Fprintf(tw, "%s\t%s\t%d GiB\t%.0f TFLOPS\t%d\t\n", g.Key, g.Name, g.MemMiB/1024, g.PeakTFLOPs, g.PerNode)
		}
	case "datasets":
		fmt.Fprintln(tw, "DATASET\tJOB\tTOKENS\t")
		for _, d := range sim.Datasets() {
			fmt.Fprintf(tw, "%s\t%s\t%s\t\n", d.Name, d.Job, tokenCount(d.Tokens))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		_, err := fmt.Fprintln(w, "(a run draws its dataset to suit its job; no option picks one)")
		return err
	default:
		return fmt.Errorf("nothing to list called %q: want %s", what, listRule)
	}
	return tw.Flush()
}

// paramCount prints a parameter count as model cards do: 124M, 8.03B.
func paramCount(n int64) string {
	if n < 1e9 {
		return fmt.Sprintf("%dM", (n+500_000)/1_000_000)
	}
	return fmt.Sprintf("%.2fB", float64(n)/1e9)
}

// tokenCount prints a corpus size: 9.3M, 627B, 15T.
func tokenCount(n int64) string {
	f := float64(n)
	for _, u := range []struct {
		div  float64
		unit string
	}{{1e12, "T"}, {1e9, "B"}, {1e6, "M"}} {
		if f >= u.div {
			s := fmt.Sprintf("%.1f", f/u.div)
			return strings.TrimSuffix(s, ".0") + u.unit
		}
	}
	return fmt.Sprint(n)
}
