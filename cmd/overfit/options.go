package main

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
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
	Joined  bool // Options came from a run id
}

// sessionUsage documents the session options, for --help.
const sessionUsage = `overfit session options (after "--" on the ssh command line, or after "overfit play"):
  --seed N           the run's seed: the same seed shows the same run (default random)
  --model NAME       model to train, e.g. llama-3-8b, llama-3-70b (default drawn from the seed)
  --gpu NAME         accelerator, e.g. h100, a100, mi300x (default drawn)
  --nodes N          nodes in the cluster, 1 to 1024 (default drawn)
  --job KIND         pretrain or finetune (default drawn)
  --speed X          time-lapse factor, e.g. 4, at most 128 (default 1)
  --steps N          optimizer steps shown per run, 1 to 1000000 (default derived from a 5-10 minute cycle)
  --fictional        also draw invented models (Hallucin8-8x3B, Stochastic-Parrot-7B, ...);
                     by default only real architectures are drawn
  --plain            start in plain mode: only the log and progress bars
  --join RUN-ID      watch the run with that id live, as shown in another session's footer
                     (or connect as the run id: ssh -p 2222 RUN-ID@HOST)
  --help             show this help
Keys while watching: press ? for help, q to quit.
Examples:
  ssh -t -p 2222 HOST -- --seed 42 --model llama-3-70b --gpu h100 --nodes 16 --speed 4
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
		o       sim.Options
		so      sessionOptions
		seedStr string
		job     string
		join    string
	)
	fs := flag.NewFlagSet("overfit", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&seedStr, "seed", "", "")
	fs.StringVar(&o.Model, "model", "", "")
	fs.StringVar(&o.GPU, "gpu", "", "")
	fs.IntVar(&o.Nodes, "nodes", 0, "")
	fs.StringVar(&job, "job", "", "")
	fs.Float64Var(&o.Speed, "speed", 0, "")
	fs.Int64Var(&o.Steps, "steps", 0, "")
	fs.BoolVar(&o.Fictional, "fictional", false, "")
	fs.BoolVar(&so.Plain, "plain", false, "")
	fs.StringVar(&join, "join", "", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return so, errHelp
		}
		return so, fmt.Errorf("%s (see --help)", flagError(err))
	}
	if fs.NArg() > 0 {
		return so, fmt.Errorf("unexpected argument %q: options start with -- (see --help)", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	if set["join"] {
		for _, name := range []string{"seed", "model", "gpu", "nodes", "job", "speed", "steps", "fictional"} {
			if set[name] {
				return so, fmt.Errorf("--join cannot be combined with --%s: the run id fixes the run", name)
			}
		}
		jo, err := sim.ParseRunID(strings.TrimSpace(join))
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
		so.Options, so.Joined = jo, true
		return so, nil
	}

	if set["seed"] {
		v, err := strconv.ParseUint(seedStr, 10, 64)
		if err != nil {
			return so, fmt.Errorf("invalid value %q for --seed: want a whole number from 0 to 18446744073709551615", seedStr)
		}
		o.Seed = v
	} else {
		v, err := seed()
		if err != nil {
			return so, err
		}
		o.Seed = v
	}
	if set["speed"] && !(o.Speed > 0) {
		return so, fmt.Errorf("invalid value %v for --speed: want a number above 0", o.Speed)
	}
	if set["nodes"] && o.Nodes <= 0 {
		return so, fmt.Errorf("invalid value %d for --nodes: want at least 1", o.Nodes)
	}
	if set["steps"] && o.Steps <= 0 {
		return so, fmt.Errorf("invalid value %d for --steps: want at least 1", o.Steps)
	}
	o.Job = sim.JobKind(strings.ToLower(job))
	o.Start = now
	if err := o.Validate(); err != nil {
		return so, err
	}
	so.Options = o
	return so, nil
}

// later is the later of two instants: a start within joinClockSlack of the
// future counts as now.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
