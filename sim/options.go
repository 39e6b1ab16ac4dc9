package sim

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Limits of the options a user may set. They keep a stream cheap to run and
// to seek, and every run believable.
const (
	// MaxNodes is 8,192 GPUs at 8 a node: the scale of the largest
	// public training runs.
	MaxNodes = 1024
	MaxSpeed = 128.0
	MinCycle = time.Minute
	MaxCycle = 24 * time.Hour
	// MaxSteps is 20 times the longest window a default 5–10 minute cycle
	// shows (50,000 steps of the fastest model): a run of days. A run's
	// set-up does not grow with it (a fine-tune that outgrows its data
	// makes at most 20 passes, each one evaluation).
	MaxSteps = 1_000_000
	// MaxSeek bounds how far into a stream Seek goes (its cost grows with
	// the runs walked, ≈ 10 µs each): 60 virtual days, ≈ 12,000 runs.
	MaxSeek = 60 * 24 * time.Hour
	// MaxSeekRuns bounds the runs Seek walks, whatever their length: about
	// 0.3 s of one core (≈ 15 µs a run), above the 17,280 runs of 60 days
	// of the shortest default cycle (5 minutes). Run ids that would need
	// more are refused by JoinOffset, so a join's cost is bounded even for
	// a stream of the shortest runs (--steps 1).
	MaxSeekRuns = 20_000
)

// LookupModel finds a catalog model by Key or Name, ignoring case. The error
// names the bad value and lists the nearest matches.
func LookupModel(name string) (Model, error) {
	models := Models()
	keys := make([]string, len(models))
	for i, m := range models {
		if strings.EqualFold(name, m.Key) || strings.EqualFold(name, m.Name) {
			return m, nil
		}
		keys[i] = m.Key
	}
	return Model{}, unknown("model", name, keys)
}

// gpuAlias maps spellings people type to catalog GPU keys.
func gpuAlias(s string) string {
	switch s {
	case "a100-80gb", "a100-sxm", "a100-sxm4-80gb":
		return "a100"
	case "h100-sxm", "h100sxm", "h100-80gb":
		return "h100"
	case "h100pcie":
		return "h100-pcie"
	case "4090", "rtx-4090", "geforce-rtx-4090":
		return "rtx4090"
	case "mi300", "mi-300x":
		return "mi300x"
	}
	return s
}

// LookupGPU finds a catalog GPU by Key or Name, ignoring case ("h100",
// "H100", "mi300x", "NVIDIA H100 80GB HBM3").
func LookupGPU(name string) (GPUType, error) {
	gpus := GPUs()
	keys := make([]string, len(gpus))
	want := strings.ToLower(strings.TrimSpace(name))
	want = gpuAlias(want)
	for i, g := range gpus {
		if want == g.Key || strings.EqualFold(name, g.Name) {
			return g, nil
		}
		keys[i] = g.Key
	}
	return GPUType{}, unknown("gpu", name, keys)
}

// NameError is an unknown model or GPU name. Its text names the bad value
// and the nearest valid ones, or lists every valid one when none is near;
// a command line can say it its own way from the fields.
type NameError struct {
	Kind  string   // "model" or "gpu"
	Name  string   // what was asked for
	Near  []string // up to three close keys, nearest first
	Valid []string // every key
}

// Error is `unknown model "lama-3-8b" (did you mean llama-3-8b?)`, or the
// whole list of valid keys when nothing is close.
func (e *NameError) Error() string {
	if len(e.Near) == 0 {
		return fmt.Sprintf("unknown %s %q (valid: %s)", e.Kind, e.Name, strings.Join(e.Valid, ", "))
	}
	return fmt.Sprintf("unknown %s %q (did you mean %s?)", e.Kind, e.Name, strings.Join(e.Near, " or "))
}

// unknown builds the NameError for got: the valid keys within a small edit
// distance of it, or containing it, nearest first.
func unknown(what, got string, valid []string) error {
	type cand struct {
		key  string
		dist int
	}
	low := strings.ToLower(got)
	var near []cand
	for _, k := range valid {
		d := editDistance(low, k)
		if d <= max(2, len(k)/3) || (len(low) >= 3 && strings.Contains(k, low)) {
			near = append(near, cand{k, d})
		}
	}
	sort.SliceStable(near, func(i, j int) bool { return near[i].dist < near[j].dist })
	if len(near) > 3 {
		near = near[:3]
	}
	e := &NameError{Kind: what, Name: got, Valid: valid}
	for _, c := range near {
		e.Near = append(e.Near, c.key)
	}
	return e
}

// editDistance is the Levenshtein distance between two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Validate reports the first bad option, naming the value and what is valid.
// A forced model/GPU/node combination that cannot fit in GPU memory under any
// layout is an error too (with the node count that would fit), rather than a
// silently different cluster: the user asked for exactly that.
func (o Options) Validate() error {
	var m *Model
	if o.Model != "" {
		mm, err := LookupModel(o.Model)
		if err != nil {
			return err
		}
		m = &mm
	}
	var g *GPUType
	if o.GPU != "" {
		gg, err := LookupGPU(o.GPU)
		if err != nil {
			return err
		}
		g = &gg
	}
	if o.Nodes < 0 || o.Nodes > MaxNodes {
		return fmt.Errorf("invalid nodes %d: must be between 1 and %d (0 draws it from the seed)", o.Nodes, MaxNodes)
	}
	switch o.Job {
	case JobAny, JobPretrain, JobFinetune:
	default:
		return fmt.Errorf("unknown job %q (valid: pretrain, finetune)", string(o.Job))
	}
	if math.IsNaN(o.Speed) || o.Speed < 0 || o.Speed > MaxSpeed {
		return fmt.Errorf("invalid speed %v: must be above 0 and at most %v (0 means 1)", o.Speed, MaxSpeed)
	}
	if o.Cycle != 0 && (o.Cycle < MinCycle || o.Cycle > MaxCycle) {
		return fmt.Errorf("invalid cycle %v: must be between %v and %v (0 draws 5–10 minutes)", o.Cycle, MinCycle, MaxCycle)
	}
	if o.Steps < 0 || o.Steps > MaxSteps {
		return fmt.Errorf("invalid steps %d: must be between 1 and %d (0 derives them from the cycle)", o.Steps, MaxSteps)
	}
	return checkFeasible(m, g, o.Nodes, o.Job)
}

// ParseJob reads a job kind as users type it ("pretrain", "fine-tune", ...).
func ParseJob(s string) (JobKind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return JobAny, nil
	case "pretrain", "pretraining", "pt":
		return JobPretrain, nil
	case "finetune", "fine-tune", "fine-tuning", "finetuning", "sft", "ft":
		return JobFinetune, nil
	}
	return JobAny, fmt.Errorf("unknown job %q (valid: pretrain, finetune)", s)
}

// FormatDuration prints "Xh Ym Zs" from one hour up, else "Ym Zs"; it
// truncates to whole seconds, and negative durations print as 0m 0s.
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%dh %dm %ds", s/3600, s%3600/60, s%60)
	}
	return fmt.Sprintf("%dm %ds", s/60, s%60)
}

// JoinOffset is where a viewer joining o's run id at wall time now lands:
// (now − Start) × Speed of virtual time. It fails, with a line a user can
// act on, for an id without a start, from the future, or too old to join.
func JoinOffset(o Options, now time.Time) (time.Duration, error) {
	if o.Start.IsZero() {
		return 0, errors.New("run id has no start time: copy the whole id from the session footer")
	}
	wall := now.Sub(o.Start)
	if wall < -time.Second {
		return 0, fmt.Errorf("run id starts in the future (%s, %s from now): check this machine's clock", o.Start.UTC().Format(time.RFC3339), FormatDuration(-wall))
	}
	speed := o.Speed
	if speed <= 0 {
		speed = 1
	}
	at := time.Duration(math.Max(0, float64(wall)*speed))
	if at > MaxSeek || wall > MaxSeek || estimatedRuns(o, at) > MaxSeekRuns*7/10 {
		return 0, fmt.Errorf("run id is too old to join (started %s ago): start a new run instead", FormatDuration(wall))
	}
	return at, nil
}

// estimatedRuns is about how many runs Seek(at) walks for o's stream,
// from the length of its first 64 runs (≈ 1 ms; a forced --steps 1 makes
// runs of a minute or two, the default five to ten); JoinOffset leaves 30 %
// of MaxSeekRuns for the estimate's error, since a Seek cut short would
// leave the viewer to step the rest of the way.
func estimatedRuns(o Options, at time.Duration) int {
	if o.Validate() != nil {
		return 0
	}
	const sample = 64
	cat := newCatalog(o)
	var total time.Duration
	seed := o.Seed
	for i := 0; i < sample; i++ {
		p := drawRun(o, i, seed, cat)
		total += p.run.Duration
		seed = nextSeed(p.run.Seed)
	}
	return int(at / max(time.Second, total/sample))
}
