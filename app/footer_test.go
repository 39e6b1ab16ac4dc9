package app

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestShareLines(t *testing.T) {
	const id = "1AAAAAAAAAAAOgKi2oMRosI2T8w"
	for _, tc := range []struct {
		share    Share
		ssh, web string
	}{
		{Share{}, "--join " + id, ""},
		{Share{SSHHost: "demo.example.com", SSHPort: 22}, "ssh " + id + "@demo.example.com", ""},
		{Share{SSHHost: "demo.example.com"}, "ssh " + id + "@demo.example.com", ""},
		{Share{SSHHost: "localhost", SSHPort: 2222, Web: "http://localhost:8080"},
			"ssh -p 2222 " + id + "@localhost", "http://localhost:8080/r/" + id},
	} {
		if got := tc.share.SSHLine(id); got != tc.ssh {
			t.Errorf("%+v: ssh line %q, want %q", tc.share, got, tc.ssh)
		}
		if got := tc.share.WebLink(id); got != tc.web {
			t.Errorf("%+v: web link %q, want %q", tc.share, got, tc.web)
		}
	}
}

func TestFooterShowsTheExactJoinLines(t *testing.T) {
	th := newTheme(true, 0)
	id := "1AAAAAAAAAAAOgKi2oMRosI2T8w"
	for _, share := range []Share{
		{SSHHost: "overfit.example.com", SSHPort: 2222},
		{SSHHost: "overfit.example.com", SSHPort: 2222, Web: "https://overfit.example.com"},
	} {
		join, web := share.SSHLine(id), share.WebLink(id)
		for w := 10; w <= 300; w++ {
			v := footerView{th: &th}
			v.setSize(w, 1)
			v.setRun(share, id)
			out := v.row()
			plain := ansi.Strip(out)
			if ansi.StringWidth(out) > w {
				t.Fatalf("width %d: footer is %d wide", w, ansi.StringWidth(out))
			}
			switch {
			case web != "" && w >= len(join)+len(" · ")+len(web)+1:
				if !strings.Contains(plain, join) || !strings.Contains(plain, web) {
					t.Fatalf("width %d: footer %q lacks the exact lines %q and %q", w, plain, join, web)
				}
			case w >= len(join)+1:
				if !strings.Contains(plain, join) {
					t.Fatalf("width %d: footer %q lacks the exact line %q", w, plain, join)
				}
			default:
				if !strings.Contains(plain, id[:min(len(id), w-2)]) {
					t.Fatalf("width %d: footer %q lost the run id", w, plain)
				}
			}
			if w >= 300 && !strings.Contains(plain, "run "+id) {
				t.Fatalf("width %d: footer %q lacks the run id label", w, plain)
			}
		}
	}
}

// TestFooterWithoutAServer: local play with no public address names no
// server to join (nobody would answer); the run id and the help hint stay,
// down to narrow widths.
func TestFooterWithoutAServer(t *testing.T) {
	th := newTheme(true, 0)
	id := "1AAAAAAAAAAAOgKi2oMRosI2T8w"
	for w := 10; w <= 300; w++ {
		v := footerView{th: &th}
		v.setSize(w, 1)
		v.setRun(Share{}, id)
		out := v.row()
		plain := ansi.Strip(out)
		if ansi.StringWidth(out) > w {
			t.Fatalf("width %d: footer is %d wide", w, ansi.StringWidth(out))
		}
		if strings.Contains(plain, "ssh") || strings.Contains(plain, "--join") || strings.Contains(plain, "watch live") {
			t.Fatalf("width %d: footer %q offers a join", w, plain)
		}
		if !strings.Contains(plain, id[:min(len(id), w-2)]) {
			t.Fatalf("width %d: footer %q lost the run id", w, plain)
		}
		if w >= len(id)+10 && !strings.Contains(plain, "? help") {
			t.Fatalf("width %d: footer %q lacks the help hint", w, plain)
		}
	}
	// A web viewer named without an ssh address: its link, no ssh line.
	v := footerView{th: &th}
	v.setSize(120, 1)
	v.setRun(Share{Web: "https://overfit.example.com"}, id)
	if plain := ansi.Strip(v.row()); !strings.Contains(plain, "https://overfit.example.com/r/"+id) || strings.Contains(plain, "ssh") {
		t.Fatalf("web only: footer %q", plain)
	}
}

// TestFooterHintAtTheMinimumWidth: at 40 columns, too narrow for the join
// line, the footer still says where the help is.
func TestFooterHintAtTheMinimumWidth(t *testing.T) {
	th := newTheme(true, 0)
	v := footerView{th: &th}
	v.setSize(MinWidth, 1)
	v.setRun(Share{SSHHost: "overfit.example.com", SSHPort: 2222}, "1AAAAAAAAAAAOgKi2oMRosI2T8w")
	if plain := ansi.Strip(v.row()); !strings.Contains(plain, "? help") {
		t.Fatalf("footer at %d columns: %q, want the help hint", MinWidth, plain)
	}
}
