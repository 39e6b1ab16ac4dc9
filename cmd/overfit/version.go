package main

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// buildInfo is what a binary knows about its own build, from what the Go
// toolchain embeds: no -ldflags are needed, so `go install …@v1.2.3`, a
// build in a clone and a release build all describe themselves the same way.
type buildInfo struct {
	// Version is the main module's version: a tag (v1.2.3) for `go install
	// …@v1.2.3` or a build at a tagged commit, a pseudo-version
	// (v0.0.0-20261201…-abcdef123456, "+dirty" when modified) for a build
	// in a clone, "(devel)" when the toolchain knew neither (no VCS, as in
	// a container build from a tarball).
	Version string
	// Revision is the commit ("" when the build had no VCS information).
	Revision string
	// Time is the commit's time, RFC 3339 ("" without VCS information).
	Time string
	// Modified says the working tree had uncommitted changes.
	Modified bool
	// GoVersion is the toolchain that built the binary.
	GoVersion string
}

// readBuildInfo reads this binary's build information.
func readBuildInfo() buildInfo {
	b := buildInfo{Version: "(devel)", GoVersion: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	return buildInfoFrom(bi)
}

// buildInfoFrom extracts what versionString and the build-info metric show.
func buildInfoFrom(bi *debug.BuildInfo) buildInfo {
	b := buildInfo{Version: "(devel)", GoVersion: bi.GoVersion}
	if b.GoVersion == "" {
		b.GoVersion = runtime.Version()
	}
	if bi.Main.Version != "" {
		b.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// String is the one line `overfit version` prints, e.g.
//
//	overfit v1.2.0 (commit 0123456789ab, 2026-12-01T21:00:00Z) go1.26.8 linux/amd64
//	overfit (devel) (no commit: built without version control information) go1.26.8 linux/amd64
func (b buildInfo) String() string {
	var sb strings.Builder
	sb.WriteString("overfit " + b.Version + " (")
	if b.Revision == "" {
		sb.WriteString("no commit: built without version control information")
	} else {
		sb.WriteString("commit " + b.Revision[:min(12, len(b.Revision))])
		if b.Modified {
			sb.WriteString(" with uncommitted changes")
		}
		if b.Time != "" {
			sb.WriteString(", " + b.Time)
		}
	}
	sb.WriteString(") " + b.GoVersion + " " + runtime.GOOS + "/" + runtime.GOARCH)
	return sb.String()
}

// versionString describes this build in one line.
func versionString() string { return readBuildInfo().String() }
