package main

import (
	"bytes"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionCommands(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		var out, errOut bytes.Buffer
		if code := run(args, func(string) string { return "" }, nil, &out, &errOut); code != 0 {
			t.Fatalf("overfit %v: exit %d, stderr %q", args, code, errOut.String())
		}
		line := out.String()
		if !strings.HasPrefix(line, "overfit ") || strings.Count(line, "\n") != 1 || errOut.Len() != 0 {
			t.Fatalf("overfit %v printed %q (stderr %q), want one line starting \"overfit \"", args, line, errOut.String())
		}
		if want := readBuildInfo().GoVersion; !strings.Contains(line, want) {
			t.Fatalf("overfit %v printed %q, want the Go version %s in it", args, line, want)
		}
	}
}

func TestBuildInfoString(t *testing.T) {
	for _, tc := range []struct {
		name string
		bi   debug.BuildInfo
		want []string
		not  []string
	}{
		{
			name: "release",
			bi: debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.0"}, Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
				{Key: "vcs.time", Value: "2026-12-01T21:00:00Z"},
				{Key: "vcs.modified", Value: "false"},
			}},
			want: []string{"overfit v1.2.0 (commit 0123456789ab, 2026-12-01T21:00:00Z) go1.26.8 "},
			not:  []string{"uncommitted"},
		},
		{
			name: "dirty clone",
			bi: debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261201210000-0123456789ab+dirty"}, Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: "0123456789abcdef"},
				{Key: "vcs.modified", Value: "true"},
			}},
			want: []string{"overfit v0.0.0-20261201210000-0123456789ab+dirty (commit 0123456789ab with uncommitted changes) go1.26.8 "},
		},
		{
			name: "no vcs",
			bi:   debug.BuildInfo{GoVersion: "go1.26.8"},
			want: []string{"overfit (devel) (no commit: built without version control information) go1.26.8 "},
		},
	} {
		got := buildInfoFrom(&tc.bi).String()
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q, want it to contain %q", tc.name, got, w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(got, n) {
				t.Errorf("%s: %q, want no %q", tc.name, got, n)
			}
		}
	}
}
