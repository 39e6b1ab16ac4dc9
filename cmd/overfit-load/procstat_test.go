package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A real /proc/PID/stat line, with a command name that has spaces and a ')'.
const fakeStat = "4242 (over fit) (x)) S 1 4242 4242 0 -1 4194560 1234 0 0 0 1520 380 0 0 20 0 9 0 12345 1234567 890 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"

const fakeStatus = `Name:	overfit
Umask:	0022
State:	S (sleeping)
VmPeak:	 1300000 kB
VmSize:	 1200000 kB
VmHWM:	  300000 kB
VmRSS:	  204800 kB
RssAnon:	  200000 kB
Threads:	9
`

func TestParseProcStatCPU(t *testing.T) {
	got, err := parseProcStatCPU([]byte(fakeStat))
	if err != nil {
		t.Fatal(err)
	}
	if want := (1520.0 + 380.0) / 100; got != want {
		t.Fatalf("cpu = %g s, want %g", got, want)
	}
	for _, bad := range []string{"", "4242 overfit S 1", "4242 (x) S 1 2 3", "4242 (x) S 1 1 1 0 -1 0 0 0 0 0 abc 380 0"} {
		if _, err := parseProcStatCPU([]byte(bad)); err == nil {
			t.Errorf("parseProcStatCPU(%q) succeeded, want error", bad)
		}
	}
}

func TestParseProcStatusRSS(t *testing.T) {
	got, err := parseProcStatusRSS([]byte(fakeStatus))
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(204800 * 1024); got != want {
		t.Fatalf("rss = %d, want %d", got, want)
	}
	if _, err := parseProcStatusRSS([]byte("Name:\tkthreadd\n")); err == nil || !strings.Contains(err.Error(), "VmRSS") {
		t.Fatalf("missing VmRSS: err = %v, want one naming VmRSS", err)
	}
	if _, err := parseProcStatusRSS([]byte("VmRSS:\t12 MB\n")); err == nil {
		t.Fatalf("unexpected unit accepted")
	}
}

func TestProcSamplerReadsAFakeTree(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "4242")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"stat": fakeStat, "status": fakeStatus, "comm": "overfit\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := procSampler{root: root, pid: "4242"}
	s, err := p.sample(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if s.CPUSeconds != 19 || s.RSSBytes != 204800*1024 {
		t.Fatalf("sample = %+v", s)
	}
	if p.comm() != "overfit" || p.source() != "pid 4242" {
		t.Fatalf("comm %q source %q", p.comm(), p.source())
	}
	if _, err := (procSampler{root: root, pid: "1"}).sample(t.Context()); err == nil {
		t.Fatalf("sampling a missing process succeeded")
	}
}

func TestProcSamplerSelf(t *testing.T) {
	s, err := procSampler{root: "/proc", pid: "self"}.sample(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if s.RSSBytes <= 0 {
		t.Fatalf("own RSS = %d, want > 0", s.RSSBytes)
	}
}
