package app

// The new-run key (n) starts a run at most newRunRate times a second, after
// a burst of newRunBurst: each press sets up a new stream, and a visitor
// cannot read a run in less than a second anyway. Presses beyond are
// ignored, so a held-down key or a script cannot spend the server's CPU.
const (
	newRunBurst = 3
	newRunRate  = 1.0
)
