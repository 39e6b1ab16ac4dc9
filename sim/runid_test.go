package sim

import (
	"strings"
	"testing"
	"time"
)

func TestRunIDRoundTrip(t *testing.T) {
	cases := []Options{
		{Seed: 0, Start: testStart},
		{Seed: 42, Start: time.UnixMilli(1764331200123).UTC()},
		{Seed: ^uint64(0), Model: "llama-3.1-405b", GPU: "h100", Nodes: 256, Job: JobPretrain, Speed: 4, Cycle: 7 * time.Minute, Steps: 1234, Start: testStart},
		{Seed: 7, Model: "GPT-2", GPU: "MI300X", Job: JobFinetune, Speed: 0.25, Start: testStart},
		{Seed: 8, Fictional: true, Start: testStart},
		{Seed: 1 << 63, Nodes: 1, Speed: MaxSpeed, Cycle: MaxCycle, Steps: MaxSteps},
	}
	for _, o := range cases {
		id := EncodeRunID(o)
		if len(id) > 48 || strings.ContainsAny(id, "+/=: ") {
			t.Errorf("id %q is not compact and URL-safe", id)
		}
		got, err := ParseRunID(id)
		if err != nil {
			t.Fatalf("ParseRunID(%q): %v", id, err)
		}
		want := o
		if want.Model != "" {
			m, _ := LookupModel(want.Model)
			want.Model = m.Key
		}
		if want.GPU != "" {
			g, _ := LookupGPU(want.GPU)
			want.GPU = g.Key
		}
		if want.Speed == 1 {
			want.Speed = 0
		}
		if got != want && !(got.Start.Equal(want.Start) && got.Seed == want.Seed) {
			t.Errorf("round trip of %+v gave %+v", want, got)
		}
		got.Start, want.Start = time.Time{}, time.Time{}
		if got != want {
			t.Errorf("round trip of %+v gave %+v", want, got)
		}
		// the id of the parsed options is the same id
		if o.Start.IsZero() {
			continue
		}
		p, _ := ParseRunID(id)
		if EncodeRunID(p) != id {
			t.Errorf("re-encoding %q gives %q", id, EncodeRunID(p))
		}
	}
}

func TestRunIDRejections(t *testing.T) {
	id := EncodeRunID(Options{Seed: 99, Model: "llama-3-8b", Start: testStart})
	flip := func(i int) string {
		b := []byte(id)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	cases := map[string]string{
		"":                "malformed",
		"x" + id[1:]:      "malformed",
		"7" + id[1:]:      "unsupported run id version 7",
		"1abc":            "malformed",
		"1!!!!!!!!!!!!":   "malformed",
		id[:len(id)-2]:    "",
		flip(5):           "checksum",
		flip(len(id) - 1): "checksum",
		id + "AA":         "",
	}
	for in, want := range cases {
		_, err := ParseRunID(in)
		if err == nil {
			t.Errorf("ParseRunID(%q) accepted", in)
			continue
		}
		msg := err.Error()
		if msg != strings.ToLower(msg[:1])+msg[1:] || (want != "" && !strings.Contains(msg, want)) {
			t.Errorf("ParseRunID(%q) = %q, want lowercase containing %q", in, msg, want)
		}
	}
}

func TestValidate(t *testing.T) {
	bad := map[string]Options{
		`unknown model "lama-3-8b" (did you mean llama-3-8b`: {Model: "lama-3-8b"},
		`unknown gpu "h10"`:   {GPU: "h10"},
		"invalid nodes -1":    {Nodes: -1},
		"invalid nodes 5000":  {Nodes: 5000},
		`unknown job "train"`: {Job: "train"},
		"invalid speed -1":    {Speed: -1},
		"invalid cycle 10s":   {Cycle: 10 * time.Second},
		"invalid steps -5":    {Steps: -5},
		"does not fit in memory on 1 node(s) of rtx4090": {Model: "llama-3.1-405b", GPU: "rtx4090", Nodes: 1},
	}
	for want, o := range bad {
		err := o.Validate()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate(%+v) = %v, want %q", o, err, want)
		}
		if _, err := NewStream(o); err == nil {
			t.Errorf("NewStream(%+v) accepted", o)
		}
	}
	err := Options{Model: "llama-3.1-405b", GPU: "h100", Nodes: 1}.Validate()
	if err == nil || !strings.Contains(err.Error(), "try --nodes") {
		t.Errorf("405B on one H100 node: %v, want a node hint", err)
	}
	good := []Options{{}, {Model: "Llama-3-8B", GPU: "H100", Nodes: 2, Job: JobFinetune, Speed: 2, Cycle: time.Hour, Steps: 100}}
	for _, o := range good {
		if err := o.Validate(); err != nil {
			t.Errorf("Validate(%+v): %v", o, err)
		}
	}
	for in, want := range map[string]JobKind{"pretrain": JobPretrain, "fine-tune": JobFinetune, "": JobAny} {
		if got, err := ParseJob(in); err != nil || got != want {
			t.Errorf("ParseJob(%q) = %v, %v", in, got, err)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0m 0s", 59 * time.Second: "0m 59s", 7*time.Minute + 12*time.Second: "7m 12s",
		time.Hour: "1h 0m 0s", 26*time.Hour + 3*time.Minute + 4*time.Second + 900*time.Millisecond: "26h 3m 4s", -time.Second: "0m 0s",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestSummaryTableAligns(t *testing.T) {
	for _, name := range []string{"x", "Llama-3.1-405B FineWeb pretrain with an absurdly long run name that keeps going"} {
		for _, seed := range []uint64{1, 2, 3} {
			p := drawRun(Options{Seed: seed}, 0, seed, newCatalog(Options{}))
			p.run.Name = name
			p.run.OutputDir = "./outputs/" + sanitize(name) + "/final/"
			lines := summaryTable(p)
			w := len([]rune(lines[0]))
			for _, l := range lines {
				if len([]rune(l)) != w {
					t.Fatalf("name %q: line %q is %d wide, want %d\n%s", name, l, len([]rune(l)), w, strings.Join(lines, "\n"))
				}
				if strings.Trim(l, "+-| abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,:/()%>_") != "" {
					t.Fatalf("non-ASCII or unexpected characters in %q", l)
				}
			}
			if !strings.Contains(strings.Join(lines, "\n"), p.run.OutputDir) {
				t.Fatal("summary lacks the model path")
			}
		}
	}
	rows := boxTable("T", [][2]string{{"a", ""}, {"", "b"}})
	for _, l := range rows {
		if len(l) != len(rows[0]) {
			t.Fatalf("empty cells misalign: %q", rows)
		}
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"Llama-3-8B OpenHermes-2.5 SFT v2": "llama-3-8b-openhermes-2.5-sft-v2",
		"A  B//C":                          "a-b-c",
		"Mixtral 8x7B (chat) ":             "mixtral-8x7b-chat",
	} {
		if got := sanitize(in); got != want {
			t.Errorf("sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBarFormat(t *testing.T) {
	b := Bar{Label: "Training", Done: 420, Total: 1000, Unit: "it", Rate: 2.19, Elapsed: 192 * time.Second, ETA: 266 * time.Second}
	got := b.Format(80)
	if !strings.HasPrefix(got, "Training:  42%|") || !strings.HasSuffix(got, "| 420/1000 [03:12<04:26, 2.19it/s]") || len([]rune(got)) != 80 {
		t.Errorf("Format(80) = %q", got)
	}
	b.Rate = 1 / 2.31
	if got := b.Format(80); !strings.Contains(got, "2.31s/it]") {
		t.Errorf("slow bar %q, want s/it", got)
	}
	bytes := Bar{Label: "Writing shards", Done: 8.03e9, Total: 16.06e9, Unit: "B", Rate: 4.01e9, Elapsed: 2 * time.Second, ETA: 2 * time.Second}
	if got := bytes.Format(90); !strings.Contains(got, "8.03GB/16.1GB [00:02<00:02, 4.01GB/s]") {
		t.Errorf("bytes bar %q", got)
	}
	long := Bar{Label: "Training", Done: 5, Total: 10, Rate: 1, Elapsed: 3*time.Hour + 2*time.Minute, ETA: 30 * time.Hour}
	if got := long.Format(120); !strings.Contains(got, "[3:02:00<30:00:00,") {
		t.Errorf("hours bar %q", got)
	}
	for w := 0; w < 100; w++ {
		if n := len([]rune(b.Format(w))); n > w {
			t.Errorf("Format(%d) is %d cells", w, n)
		}
	}
}

// TestJoinedStreamPrintsTheSame: a stream built from a parsed run id prints
// exactly what the original prints, whatever the original's Start precision
// and time zone.
func TestJoinedStreamPrintsTheSame(t *testing.T) {
	start := time.Date(2026, 11, 28, 13, 4, 5, 123456789, time.FixedZone("CET", 3600))
	host, err := NewStream(Options{Seed: 77, Start: start, Speed: 2})
	if err != nil {
		t.Fatal(err)
	}
	o, err := ParseRunID(EncodeRunID(host.Options()))
	if err != nil {
		t.Fatal(err)
	}
	guest, err := NewStream(o)
	if err != nil {
		t.Fatal(err)
	}
	host.Advance(3 * time.Minute)
	guest.Seek(3 * time.Minute)
	he, _ := host.EventsSince(0, nil)
	ge, _ := guest.EventsSince(0, nil)
	if len(ge) == 0 || len(he) < len(ge) {
		t.Fatalf("host %d events, guest %d", len(he), len(ge))
	}
	he = he[len(he)-len(ge):]
	for i := range ge {
		if he[i].String() != ge[i].String() {
			t.Fatalf("line %d differs:\nhost  %q\nguest %q", i, he[i].String(), ge[i].String())
		}
	}
	if EncodeRunID(guest.Options()) != EncodeRunID(host.Options()) {
		t.Fatal("the guest's id differs from the host's")
	}
}

func TestJoinOffset(t *testing.T) {
	now := testStart.Add(2 * time.Hour)
	at, err := JoinOffset(Options{Start: testStart, Speed: 4}, now)
	if err != nil || at != 8*time.Hour {
		t.Errorf("JoinOffset = %v, %v; want 8h", at, err)
	}
	if at, err := JoinOffset(Options{Start: testStart}, now); err != nil || at != 2*time.Hour {
		t.Errorf("speed 0 means 1: %v, %v", at, err)
	}
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{}, "no start"},
		{Options{Start: now.Add(time.Hour)}, "future"},
		{Options{Start: now.Add(-MaxSeek - time.Hour)}, "too old"},
		{Options{Start: now.Add(-MaxSeek / 2), Speed: 4}, "too old"},
	} {
		if _, err := JoinOffset(c.o, now); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("JoinOffset(%+v) = %v, want %q", c.o, err, c.want)
		}
	}
}
