package main

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/overfit/overfit/sim"
)

// joinClockSlack is how far in the future a joined run may start: replicas'
// clocks differ a little, and a visitor should not be refused for that.
const joinClockSlack = 5 * time.Second

// sessionOptions are what a visitor asks for on the SSH command line or after
// `overfit play`.
type sessionOptions struct {
	Options sim.Options // validated; Seed and Start set
	Plain   bool
	Joined  bool   // Options came from a run id
	List    string // --list: "models", "gpus" or "datasets"; nothing else is set
}

// What each session option accepts, stated once: --help, the error for a
// bad value ("want " + rule) and the README's option table all say exactly
// this (TestOptionRulesAgree checks the three).
const (
	seedRule  = "a whole number from 0 to 18446744073709551615"
	modelRule = "a name from --list models"
	gpuRule   = "a name from --list gpus"
	nodesRule = "a whole number from 1 to 1024"
	jobRule   = "pretrain or finetune"
	speedRule = "a number above 0 and at most 128"
	stepsRule = "a whole number from 1 to 1000000"
	listRule  = "models, gpus or datasets"
)

// sessionUsage documents the session options, for --help.
const sessionUsage = `overfit session options (after "--" on the ssh command line, or after "overfit play"):
  --seed N           the run's seed, ` + seedRule + `
                     (default random); the same seed shows the same run
  --model NAME       model to train, ` + modelRule + `, e.g. llama-3-70b
                     (default drawn from the seed)
  --gpu NAME         accelerator, ` + gpuRule + `, e.g. h100 (default drawn)
  --nodes N          nodes in the cluster, ` + nodesRule + ` (default drawn)
  --job KIND         ` + jobRule + ` (default drawn)
  --speed X          time-lapse factor, ` + speedRule + ` (default 1)
  --steps N          optimizer steps shown per run, ` + stepsRule + `
                     (default derived from a 5-10 minute cycle)
  --fictional        also draw invented models (Hallucin8-8x3B, Stochastic-Parrot-7B, ...);
                     by default only real architectures are drawn
  --plain            start in plain mode: only the log and progress bars
  --join RUN-ID      watch the run with that id live, as shown in another session's footer
                     (or connect as the run id: ssh -p 2222 RUN-ID@HOST)
  --list WHAT        list the catalog's ` + listRule + `, and exit
  --help             show this help
Keys while watching: press ? for help, q to quit.
Examples:
  ssh -t -p 2222 HOST -- --seed 42 --model llama-3-70b --gpu h100 --nodes 16 --speed 4
  ssh -p 2222 HOST -- --list models
  ssh -T -p 2222 HOST            stream the plain log (no terminal needed)
`

// seedFunc draws a random seed; tests pass their own.
type seedFunc func() (uint64, error)

// randomSeed draws a seed from crypto/rand so concurrent sessions differ.
func randomSeed() (uint64, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, fmt.Errorf("draw a seed: %w", err)
	}
	return binary.LittleEndian.Uint64(b[:]), nil
}

// parseSessionOptions turns session arguments into validated options. now is
// the session's wall-clock start. It returns errHelp for --help; other errors
// are one line meant for the visitor.
func parseSessionOptions(args []string, now time.Time, seed seedFunc) (sessionOptions, error) {
	var (
		so                                         sessionOptions
		o                                          sim.Options
		seedStr, nodes, job, speed, steps, joinStr string
	)
	fs := flag.NewFlagSet("overfit", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	// Numbers are read as text so that every bad value, a typo included,
	// gets the option's own rule rather than the flag package's wording.
	fs.StringVar(&seedStr, "seed", "", "")
	fs.StringVar(&o.Model, "model", "", "")
	fs.StringVar(&o.GPU, "gpu", "", "")
	fs.StringVar(&nodes, "nodes", "", "")
	fs.StringVar(&job, "job", "", "")
	fs.StringVar(&speed, "speed", "", "")
	fs.StringVar(&steps, "steps", "", "")
	fs.BoolVar(&o.Fictional, "fictional", false, "")
	fs.BoolVar(&so.Plain, "plain", false, "")
	fs.StringVar(&joinStr, "join", "", "")
	fs.StringVar(&so.List, "list", "", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return so, errHelp
		}
		return so, sessionFlagError(err)
	}
	if fs.NArg() > 0 {
		return so, fmt.Errorf("unexpected argument %q: options start with -- (see --help)", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	if set["list"] {
		switch so.List {
		case "models", "gpus", "datasets":
			return sessionOptions{List: so.List}, nil
		}
		return so, badValue("list", so.List, listRule)
	}
	if set["join"] {
		jo, err := parseJoin(joinStr, set, now)
		if err != nil {
			return so, err
		}
		so.Options, so.Joined = jo, true
		return so, nil
	}

	if set["seed"] {
		v, err := strconv.ParseUint(seedStr, 10, 64)
		if err != nil {
			return so, badValue("seed", seedStr, seedRule)
		}
		o.Seed = v
	} else {
		v, err := seed()
		if err != nil {
			return so, err
		}
		o.Seed = v
	}
	if set["model"] {
		if _, err := sim.LookupModel(o.Model); err != nil {
			return so, badName("model", o.Model, modelRule, err)
		}
	}
	if set["gpu"] {
		if _, err := sim.LookupGPU(o.GPU); err != nil {
			return so, badName("gpu", o.GPU, gpuRule, err)
		}
	}
	if set["nodes"] {
		v, err := strconv.Atoi(nodes)
		if err != nil || v < 1 || v > sim.MaxNodes {
			return so, badValue("nodes", nodes, nodesRule)
		}
		o.Nodes = v
	}
	if set["job"] {
		k, err := sim.ParseJob(job)
		if err != nil || k == sim.JobAny {
			return so, badValue("job", job, jobRule)
		}
		o.Job = k
	}
	if set["speed"] {
		v, err := strconv.ParseFloat(speed, 64)
		if err != nil || math.IsNaN(v) || v <= 0 || v > sim.MaxSpeed {
			return so, badValue("speed", speed, speedRule)
		}
		o.Speed = v
	}
	if set["steps"] {
		v, err := strconv.ParseInt(steps, 10, 64)
		if err != nil || v < 1 || v > sim.MaxSteps {
			return so, badValue("steps", steps, stepsRule)
		}
		o.Steps = v
	}
	o.Start = now
	// What is left: a model, GPU and node count that cannot work together.
	if err := o.Validate(); err != nil {
		return so, err
	}
	so.Options = o
	return so, nil
}

// parseJoin reads --join's run id; set says which other options were given.
func parseJoin(id string, set map[string]bool, now time.Time) (sim.Options, error) {
	var so sim.Options
	for _, name := range []string{"seed", "model", "gpu", "nodes", "job", "speed", "steps", "fictional"} {
		if set[name] {
			return so, fmt.Errorf("--join cannot be combined with --%s: the run id fixes the run", name)
		}
	}
	jo, err := sim.ParseRunID(strings.TrimSpace(id))
	if err != nil {
		return so, fmt.Errorf("bad --join run id: %v", err)
	}
	if jo.Start.IsZero() {
		return so, errors.New("bad --join run id: it has no start time")
	}
	if ahead := jo.Start.Sub(now); ahead > joinClockSlack {
		return so, fmt.Errorf("bad --join run id: the run starts in the future (%s from now); check the id or this server's clock", ahead.Round(time.Second))
	}
	// Seek stops at sim.MaxSeek: past it every viewer would land at the
	// same frozen point instead of live, so such an id is refused.
	if _, err := sim.JoinOffset(jo, later(now, jo.Start)); err != nil {
		return so, fmt.Errorf("bad --join run id: %v", err)
	}
	return jo, nil
}

// maxQuoted bounds how much of a bad value an error quotes: the line must
// stay one short line whatever a client sends.
const maxQuoted = 40

// badValue is the error for a bad value of --name: the option's rule, as
// --help states it.
func badValue(name, value, rule string) error {
	return fmt.Errorf("invalid value %s for --%s: want %s", quoteValue(value), name, rule)
}

// badName is badValue for a model or GPU name, with the nearest names the
// catalog has, if any.
func badName(name, value, rule string, err error) error {
	var ne *sim.NameError
	if errors.As(err, &ne) && len(ne.Near) > 0 {
		return fmt.Errorf("%w (did you mean %s?)", badValue(name, value, rule), strings.Join(ne.Near, " or "))
	}
	return badValue(name, value, rule)
}

// quoteValue quotes a value for an error line, cut to maxQuoted bytes.
func quoteValue(v string) string {
	if len(v) > maxQuoted {
		return strconv.Quote(strings.ToValidUTF8(v[:maxQuoted], "")) + "…"
	}
	return strconv.Quote(v)
}

// optionRules maps each session option that takes a value to its rule.
func optionRules() map[string]string {
	return map[string]string{
		"seed": seedRule, "model": modelRule, "gpu": gpuRule, "nodes": nodesRule,
		"job": jobRule, "speed": speedRule, "steps": stepsRule, "list": listRule,
	}
}

// sessionFlagError words the flag package's errors for visitors: a missing
// value gets the option's rule.
func sessionFlagError(err error) error {
	if name, ok := strings.CutPrefix(err.Error(), "flag needs an argument: -"); ok {
		if rule, ok := optionRules()[name]; ok {
			return fmt.Errorf("missing value for --%s: want %s", name, rule)
		}
	}
	return fmt.Errorf("%s (see --help)", flagError(err))
}

// later is the later of two instants: a start within joinClockSlack of the
// future counts as now.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
