package main

import (
	"bufio"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// memoryShare is the part of the machine's (or container's) memory the
// server's heap may grow to before the garbage collector works harder than
// GOGC asks. Sessions hold ~200 KB of live heap each; with gcPercent the
// heap may grow to about 2.3 times that between collections, which is fine
// until the box is nearly full, and then the soft limit trades CPU for
// staying out of the OOM killer.
const memoryShare = 0.75

// gcPercent is the server's GOGC unless the environment sets one. Every
// collection marks every session's live heap while the sessions keep
// drawing; at 5,000 sessions on 2 cores a cycle is ~1 s of extra CPU, and
// at the default 100 three cycles a minute left 4-51 % of sessions with a
// second without a frame, at 130 (two a minute) 0.2-0.3 %, for ~65 KiB
// more memory per session (docs/performance.md).
const gcPercent = 130

// setGCPercent sets GOGC to gcPercent unless GOGC is set, and returns the
// value set (0 if none).
func setGCPercent(getenv func(string) string) int {
	if getenv("GOGC") != "" {
		return 0
	}
	debug.SetGCPercent(gcPercent)
	return gcPercent
}

// setMemoryLimit sets a soft memory limit of memoryShare of the cgroup's
// memory.max, or of physical RAM, unless GOMEMLIMIT is set. It returns the
// limit set in bytes, 0 if none.
func setMemoryLimit(getenv func(string) string) int64 {
	if getenv("GOMEMLIMIT") != "" {
		return 0
	}
	total := cgroupMemoryMax("/sys/fs/cgroup/memory.max")
	if ram := memTotal("/proc/meminfo"); ram > 0 && (total <= 0 || ram < total) {
		total = ram
	}
	if total <= 0 {
		return 0
	}
	limit := int64(float64(total) * memoryShare)
	debug.SetMemoryLimit(limit)
	return limit
}

// cgroupMemoryMax reads a cgroup v2 memory.max; 0 when absent or "max".
func cgroupMemoryMax(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// memTotal reads MemTotal from /proc/meminfo in bytes; 0 when unknown.
func memTotal(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close() //nolint:errcheck
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0
		}
		return kb * 1024
	}
	return 0
}
