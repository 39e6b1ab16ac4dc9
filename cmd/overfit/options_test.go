package main

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/overfit/overfit/sim"
)

// optionBoundsCases lists, for every session option that takes a value, values
// just inside and just outside what it accepts.
var optionBoundsCases = []struct {
	name    string
	rule    string
	good    []string
	bad     []string
	readme  string // the option's cell in the README's table
	helpArg string // what --help shows after the option
}{
	{"seed", seedRule, []string{"0", "18446744073709551615"}, []string{"-1", "18446744073709551616", "1.5", "x", ""}, "`--seed N`", "N"},
	{"model", modelRule, []string{"llama-3-8b", "Llama-3-8B", "platypus-13b"}, []string{"lama-3-8b", "gpt-5", ""}, "`--model NAME`", "NAME"},
	{"gpu", gpuRule, []string{"h100", "H100", "mi300x"}, []string{"h1000", "tpu", ""}, "`--gpu NAME`", "NAME"},
	{"nodes", nodesRule, []string{"1", strconv.Itoa(sim.MaxNodes)}, []string{"0", "-1", strconv.Itoa(sim.MaxNodes + 1), "2.5", "many"}, "`--nodes N`", "N"},
	{"job", jobRule, []string{"pretrain", "finetune"}, []string{"party", ""}, "`--job KIND`", "KIND"},
	{"speed", speedRule, []string{"0.25", "1", strconv.FormatFloat(sim.MaxSpeed, 'f', -1, 64)}, []string{"0", "-2", "128.5", "1000", "NaN", "Inf", "fast"}, "`--speed X`", "X"},
	{"steps", stepsRule, []string{"1", strconv.Itoa(sim.MaxSteps)}, []string{"0", "-5", strconv.Itoa(sim.MaxSteps + 1), "1e3"}, "`--steps N`", "N"},
	{"list", listRule, []string{"models", "gpus", "datasets"}, []string{"model", "all", ""}, "`--list WHAT`", "WHAT"},
}

// TestOptionRulesAgree checks, for every option, that a value outside its
// bounds gets an error stating the option's rule, that the values at its
// bounds are accepted, and that --help and the README state the same rule
// for it: one rule, said the same way in all three places.
func TestOptionRulesAgree(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	help := helpEntries(t, sessionUsage)
	rules := optionRules()
	if len(rules) != len(optionBoundsCases) {
		t.Errorf("%d options have rules, the test covers %d", len(rules), len(optionBoundsCases))
	}
	for _, tc := range optionBoundsCases {
		if rules[tc.name] != tc.rule {
			t.Errorf("--%s: optionRules says %q, want %q", tc.name, rules[tc.name], tc.rule)
		}
		for _, v := range tc.good {
			if _, err := parseSessionOptions([]string{"--" + tc.name, v}, now, fixedSeed(1)); err != nil {
				t.Errorf("--%s %q refused: %v", tc.name, v, err)
			}
		}
		for _, v := range tc.bad {
			_, err := parseSessionOptions([]string{"--" + tc.name, v}, now, fixedSeed(1))
			want := "invalid value " + strconv.Quote(v) + " for --" + tc.name + ": want " + tc.rule
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("--%s %q: error %v, want it to start %q", tc.name, v, err, want)
				continue
			}
			if len(err.Error()) > 160 {
				t.Errorf("--%s %q: error is %d bytes, want one short line: %q", tc.name, v, len(err.Error()), err)
			}
		}
		_, err := parseSessionOptions([]string{"--" + tc.name}, now, fixedSeed(1))
		if want := "missing value for --" + tc.name + ": want " + tc.rule; err == nil || err.Error() != want {
			t.Errorf("--%s without a value: error %v, want %q", tc.name, err, want)
		}
		entry, ok := help["--"+tc.name+" "+tc.helpArg]
		if !ok {
			t.Errorf("--help has no entry for --%s %s", tc.name, tc.helpArg)
		} else if !strings.Contains(entry, tc.rule) {
			t.Errorf("--help for --%s says %q, want the rule %q", tc.name, entry, tc.rule)
		}
		row := readmeRow(readme, tc.readme)
		if row == "" {
			t.Errorf("README has no table row for %s", tc.readme)
		} else if !strings.Contains(row, tc.rule) {
			t.Errorf("README row for %s is %q, want the rule %q", tc.readme, row, tc.rule)
		}
	}
}

// TestRulesFollowTheSimulatorsLimits ties the rules' numbers to the limits
// the simulator enforces, so that changing one without the other fails.
func TestRulesFollowTheSimulatorsLimits(t *testing.T) {
	for rule, n := range map[string]string{
		nodesRule: strconv.Itoa(sim.MaxNodes),
		stepsRule: strconv.Itoa(sim.MaxSteps),
		speedRule: strconv.FormatFloat(sim.MaxSpeed, 'f', -1, 64),
	} {
		if !strings.HasSuffix(rule, " "+n) {
			t.Errorf("rule %q does not end with the limit %s", rule, n)
		}
	}
}

// TestUnknownNamesPointToTheList: a bad model or GPU name is answered with
// the nearest names and a pointer to --list, never the whole catalog (an
// SSH error line is cut at maxErrorLine bytes).
func TestUnknownNamesPointToTheList(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct{ args, want string }{
		{"--model lama-3-8b", "(did you mean llama-3-8b"},
		{"--model zzzzzzzz", "want a name from --list models"},
		{"--gpu h1000", "(did you mean h100"},
		{"--gpu zzzzzzzz", "want a name from --list gpus"},
	} {
		_, err := parseSessionOptions(strings.Fields(tc.args), now, fixedSeed(1))
		if err == nil || !strings.Contains(err.Error(), tc.want) || len("overfit: "+err.Error()) > maxErrorLine {
			t.Errorf("%s: error %v, want a line under %d bytes containing %q", tc.args, err, maxErrorLine, tc.want)
		}
	}
	long := strings.Repeat("x", 10_000)
	if _, err := parseSessionOptions([]string{"--nodes", long}, now, fixedSeed(1)); err == nil || len(err.Error()) > 160 {
		t.Errorf("a 10 kB value: error of %d bytes", len(err.Error()))
	}
}

// TestListPrintsEveryName: --list shows every name --model and --gpu
// accept, one a line, and the datasets.
func TestListPrintsEveryName(t *testing.T) {
	for what, names := range map[string][]string{
		"models":   modelKeys(),
		"gpus":     gpuKeys(),
		"datasets": datasetNames(),
	} {
		o, err := parseSessionOptions([]string{"--list", what}, time.Now(), fixedSeed(1))
		if err != nil || o.List != what {
			t.Fatalf("--list %s: %+v, %v", what, o, err)
		}
		var b bytes.Buffer
		if err := writeList(&b, what); err != nil {
			t.Fatal(err)
		}
		lines := map[string]bool{}
		for _, l := range strings.Split(b.String(), "\n") {
			if f := strings.Fields(l); len(f) > 0 {
				lines[f[0]] = true
			}
		}
		for _, n := range names {
			if !lines[n] {
				t.Errorf("--list %s does not start a line with %q:\n%s", what, n, b.String())
			}
		}
	}
}

func modelKeys() (k []string) {
	for _, m := range sim.Models() {
		k = append(k, m.Key)
	}
	return k
}

func gpuKeys() (k []string) {
	for _, g := range sim.GPUs() {
		k = append(k, g.Key)
	}
	return k
}

func datasetNames() (k []string) {
	for _, d := range sim.Datasets() {
		k = append(k, d.Name)
	}
	return k
}

// helpEntries splits --help into its option entries: "--nodes N" → the
// entry's text, continuation lines joined.
func helpEntries(t *testing.T, usage string) map[string]string {
	t.Helper()
	entries := map[string]string{}
	var cur string
	sc := bufio.NewScanner(strings.NewReader(usage))
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "  --"):
			f := strings.Fields(l)
			cur = f[0]
			if len(f) > 1 && strings.ToUpper(f[1]) == f[1] && !strings.HasPrefix(f[1], "(") {
				cur += " " + f[1]
			}
			entries[cur] = strings.Join(strings.Fields(strings.TrimPrefix(strings.TrimSpace(l), cur)), " ")
		case cur != "" && strings.HasPrefix(l, "      "):
			entries[cur] += " " + strings.Join(strings.Fields(l), " ")
		default:
			cur = ""
		}
	}
	return entries
}

// readmeRow returns the README table row whose first cell is cell.
func readmeRow(readme []byte, cell string) string {
	for _, l := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(l, "| "+cell+" |") {
			return l
		}
	}
	return ""
}

// TestListOverSSH: the catalogs are one command away for a visitor, whole
// (not cut like an error line), on stdout.
func TestListOverSSH(t *testing.T) {
	ts := startServer(t, testConfig(t))
	c, _ := dial(t, ts.addr)
	code, out, errOut := runCommand(t, c, "--list models")
	if code != 0 || errOut != "" {
		t.Fatalf("--list models: exit %d, stderr %q", code, errOut)
	}
	for _, k := range modelKeys() {
		if !strings.Contains(out, "\n"+k+" ") {
			t.Errorf("--list models over SSH lacks %s:\n%s", k, out)
		}
	}
	code, out, errOut = runCommand(t, c, "--model zzzz")
	if code != 2 || out != "" || !strings.Contains(errOut, "--list models") || strings.Contains(errOut, "…") {
		t.Errorf("--model zzzz: exit %d, stdout %q, stderr %q; want a whole line pointing to --list models", code, out, errOut)
	}
}
