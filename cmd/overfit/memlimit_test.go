package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

func TestMemoryFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if got := cgroupMemoryMax(write("max1", "max\n")); got != 0 {
		t.Errorf(`memory.max "max" = %d, want 0`, got)
	}
	if got := cgroupMemoryMax(write("max2", "1073741824\n")); got != 1<<30 {
		t.Errorf("memory.max = %d, want 1 GiB", got)
	}
	if got := cgroupMemoryMax(filepath.Join(dir, "absent")); got != 0 {
		t.Errorf("absent memory.max = %d", got)
	}
	info := "MemFree:  100 kB\nMemTotal:       24684032 kB\n"
	if got := memTotal(write("meminfo", info)); got != 24684032*1024 {
		t.Errorf("MemTotal = %d", got)
	}
	if got := memTotal(write("bad", "nothing here\n")); got != 0 {
		t.Errorf("no MemTotal = %d", got)
	}
}

func TestSetMemoryLimitRespectsEnv(t *testing.T) {
	env := func(k string) string {
		if k == "GOMEMLIMIT" {
			return "1GiB"
		}
		return ""
	}
	if got := setMemoryLimit(env); got != 0 {
		t.Errorf("with GOMEMLIMIT set, limit %d was set", got)
	}
}

func TestSetGCPercent(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	if got := setGCPercent(func(k string) string {
		if k == "GOGC" {
			return "100"
		}
		return ""
	}); got != 0 || debug.SetGCPercent(100) != 100 {
		t.Fatalf("with GOGC set: set %d", got)
	}
	if got := setGCPercent(func(string) string { return "" }); got != gcPercent {
		t.Fatalf("set %d, want %d", got, gcPercent)
	}
	if now := debug.SetGCPercent(100); now != gcPercent {
		t.Fatalf("GOGC is %d after setGCPercent, want %d", now, gcPercent)
	}
}
