package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// userHZ is the unit of utime/stime in /proc/PID/stat. Linux fixes USER_HZ at
// 100 in its user-space ABI on every mainstream architecture, so no cgo
// sysconf(_SC_CLK_TCK) is needed.
const userHZ = 100

// procSampler samples a process through procfs.
type procSampler struct {
	root string // "/proc", or a fake tree in tests
	pid  string // a number or "self"
}

func (p procSampler) source() string {
	if p.pid == "self" {
		return "/proc/self"
	}
	return "pid " + p.pid
}

func (p procSampler) sample(context.Context) (resourceSample, error) {
	dir := filepath.Join(p.root, p.pid)
	stat, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return resourceSample{}, fmt.Errorf("read process stat: %w (is the server still running?)", err)
	}
	cpu, err := parseProcStatCPU(stat)
	if err != nil {
		return resourceSample{}, fmt.Errorf("parse %s/stat: %w", dir, err)
	}
	status, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		return resourceSample{}, fmt.Errorf("read process status: %w", err)
	}
	rss, err := parseProcStatusRSS(status)
	if err != nil {
		return resourceSample{}, fmt.Errorf("parse %s/status: %w", dir, err)
	}
	return resourceSample{CPUSeconds: cpu, RSSBytes: rss}, nil
}

// comm reads the process name, used to warn when -pid names the `go run`
// wrapper instead of the server it started.
func (p procSampler) comm() string {
	b, err := os.ReadFile(filepath.Join(p.root, p.pid, "comm"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// parseProcStatCPU returns utime+stime in seconds from the contents of
// /proc/PID/stat. The command name (field 2) may hold spaces and parentheses,
// so fields are counted after the last ')'.
func parseProcStatCPU(stat []byte) (float64, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("no command name in %q", truncate(string(stat), 40))
	}
	// After ')' come fields 3 (state) onwards: utime is field 14, stime 15.
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("only %d fields after the command name", len(f))
	}
	utime, err := strconv.ParseUint(f[11], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("utime: %w", err)
	}
	stime, err := strconv.ParseUint(f[12], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("stime: %w", err)
	}
	return float64(utime+stime) / userHZ, nil
}

// parseProcStatusRSS returns VmRSS in bytes from the contents of
// /proc/PID/status ("VmRSS:	  12345 kB").
func parseProcStatusRSS(status []byte) (int64, error) {
	for line := range strings.Lines(string(status)) {
		rest, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("unexpected VmRSS line %q", strings.TrimSpace(line))
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("VmRSS: %w", err)
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("no VmRSS line (kernel thread or zombie?)")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
