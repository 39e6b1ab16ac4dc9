package app

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestFooterShowsTheExactJoinLine(t *testing.T) {
	th := newTheme(true, 0)
	share, id := "ssh -t overfit.example.com -p 2222", "1AAAAAAAAAAAOgKi2oMRosI2T8w"
	join := share + " -- --join " + id
	for w := 10; w <= 300; w++ {
		v := footerView{th: &th}
		v.SetSize(w, 1)
		v.SetRun(share, id)
		out := v.View()
		plain := ansi.Strip(out)
		if ansi.StringWidth(out) > w {
			t.Fatalf("width %d: footer is %d wide", w, ansi.StringWidth(out))
		}
		switch {
		case w >= len(join)+1:
			if !strings.Contains(plain, join) {
				t.Fatalf("width %d: footer %q lacks the exact line %q", w, plain, join)
			}
		case w >= len("--join ")+len(id)+1:
			if !strings.Contains(plain, "--join "+id) {
				t.Fatalf("width %d: footer %q lacks the run id", w, plain)
			}
		default:
			if !strings.Contains(plain, "--join") {
				t.Fatalf("width %d: footer %q lost the join option", w, plain)
			}
		}
		full := 1 + len("run "+id) + 3 + len("watch live: ") + len(join) + 2 + len("? help") + 1
		if w >= full && !strings.Contains(plain, "run "+id) {
			t.Fatalf("width %d: footer %q lacks the run id label", w, plain)
		}
	}
}
