// Package release checks overfit's GoReleaser configuration
// (.goreleaser.yaml at the repository root) with GoReleaser's own loader,
// pinned in go.mod. It is a module of its own so that GoReleaser's
// dependencies stay out of overfit's go.sum; .ci/run runs its test, and
// `goreleaser check` too when GoReleaser v2.15.1 is installed (building it
// from source takes half an hour on two cores; see the test's doc comment).
package release
