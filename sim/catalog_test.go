package sim

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestParamsMatchPublishedCounts(t *testing.T) {
	want := map[string]float64{
		"gpt2": 124e6, "llama-3.2-1b": 1.24e9, "llama-3.2-3b": 3.21e9,
		"llama-2-7b": 6.74e9, "llama-2-13b": 13.02e9, "llama-2-70b": 68.98e9,
		"mistral-7b": 7.24e9, "mixtral-8x7b": 46.7e9,
		"llama-3-8b": 8.03e9, "llama-3-70b": 70.55e9, "llama-3.1-405b": 405.85e9,
		"qwen2.5-0.5b": 0.494e9, "qwen2.5-7b": 7.62e9, "qwen2.5-72b": 72.71e9, "gemma-2-9b": 9.24e9,
	}
	for key, w := range want {
		m, err := LookupModel(key)
		if err != nil {
			t.Fatal(err)
		}
		got := float64(m.Params())
		if math.Abs(got-w)/w > 0.005 {
			t.Errorf("%s: %d params, want %.4g (±0.5%%)", key, m.Params(), w)
		}
	}
	m, _ := LookupModel("mixtral-8x7b")
	if a := float64(m.ActiveParams()); math.Abs(a-12.9e9)/12.9e9 > 0.005 {
		t.Errorf("mixtral active params %v, want 12.9B", a)
	}
	m, _ = LookupModel("llama-3-8b")
	if got := 2 * m.Params(); got != 16_060_522_496 {
		t.Errorf("llama-3-8b bf16 bytes %d, want 16060522496", got)
	}
}

func TestCatalogSizesAndRules(t *testing.T) {
	models := Models()
	real, fict := 0, 0
	keys := map[string]bool{}
	for _, m := range models {
		if keys[m.Key] {
			t.Errorf("duplicate key %s", m.Key)
		}
		keys[m.Key] = true
		if m.Key != strings.ToLower(m.Key) {
			t.Errorf("key %q not lowercase", m.Key)
		}
		if m.Heads%m.KVHeads != 0 {
			t.Errorf("%s: heads %d not divisible by kv heads %d", m.Name, m.Heads, m.KVHeads)
		}
		if m.Params() != m.tensorParams() {
			t.Errorf("%s: formula gives %d params, tensor list %d", m.Name, m.Params(), m.tensorParams())
		}
		if m.ActiveParams() > m.Params() || m.Params() <= 0 {
			t.Errorf("%s: params %d active %d", m.Name, m.Params(), m.ActiveParams())
		}
		if !m.Fictional {
			real++
			continue
		}
		fict++
		hd := m.headDim()
		if hd != 64 && hd != 128 && hd != 256 || m.Hidden != m.Heads*hd {
			t.Errorf("%s: hidden %d != heads %d × head dim %d in {64,128,256}", m.Name, m.Hidden, m.Heads, hd)
		}
		if r := float64(m.FFN) / float64(m.Hidden); r < 2.7 || r > 3.5 || m.FFN%256 != 0 {
			t.Errorf("%s: FFN %d is %.2f× hidden or not a multiple of 256", m.Name, m.FFN, r)
		}
		switch m.Vocab {
		case 32000, 50257, 128256, 151936, 152064, 256000:
		default:
			t.Errorf("%s: vocab %d is no real family's", m.Name, m.Vocab)
		}
	}
	if real < 12 || fict < 1 {
		t.Errorf("%d real and %d fictional models, want ≥ 12 real and some fictional", real, fict)
	}
	if n := len(GPUs()); n < 6 {
		t.Errorf("%d GPUs, want ≥ 6", n)
	}
	if n := len(Datasets()); n < 8 {
		t.Errorf("%d datasets, want ≥ 8", n)
	}
	for _, g := range GPUs() {
		if g.MemMiB <= 0 || g.PowerCapW <= g.IdleW || g.PeakTFLOPs <= 0 || g.PerNode <= 0 {
			t.Errorf("gpu %s has implausible numbers: %+v", g.Key, g)
		}
	}
}

func TestShardCountsFollowTheFiveGBRule(t *testing.T) {
	for key, want := range map[string]int{"llama-3-8b": 4, "llama-3-70b": 30, "llama-3.1-405b": 191} {
		m, _ := LookupModel(key)
		sh := shardSizes(m)
		if len(sh) != want || hfShardCount(m) != want {
			t.Errorf("%s: %d shards, want %d", key, len(sh), want)
		}
	}
	for _, m := range Models() {
		sh := shardSizes(m)
		var sum int64
		for i, b := range sh {
			sum += b
			if b > maxShardBytes && b != 2*int64(m.Vocab)*int64(m.Hidden) {
				t.Errorf("%s shard %d is %d bytes, over 5 GB", m.Name, i+1, b)
			}
		}
		if sum != 2*m.Params() {
			t.Errorf("%s: shards sum to %d, want %d", m.Name, sum, 2*m.Params())
		}
		// Greedy packing leaves the tail (final norm + lm_head) in the last
		// shard: the smallest, except where lm_head alone outweighs a
		// shard's worth of layers (405B: 4.2 GB, as in the real checkpoint).
		if len(sh) > 1 && int64(m.Vocab)*int64(m.Hidden)*2 < sh[len(sh)-2] {
			last := sh[len(sh)-1]
			for _, b := range sh[:len(sh)-1] {
				if last > b {
					t.Errorf("%s: last shard %d is not the smallest (%v)", m.Name, last, sh)
					break
				}
			}
		}
	}
}

func TestLookupErrorsNameTheValueAndSuggest(t *testing.T) {
	_, err := LookupModel("lama-3-8b")
	if err == nil || !strings.Contains(err.Error(), `"lama-3-8b"`) || !strings.Contains(err.Error(), "llama-3-8b") {
		t.Errorf("LookupModel(lama-3-8b) error = %v", err)
	}
	_, err = LookupModel("zzzzzz")
	if err == nil || !strings.Contains(err.Error(), "valid:") {
		t.Errorf("LookupModel(zzzzzz) error = %v, want the valid list", err)
	}
	for _, name := range []string{"h100", "H100", "a100", "mi300x", "NVIDIA H100 80GB HBM3", "4090"} {
		if _, err := LookupGPU(name); err != nil {
			t.Errorf("LookupGPU(%q): %v", name, err)
		}
	}
	if m, err := LookupModel("Llama-3-70B"); err != nil || m.Key != "llama-3-70b" {
		t.Errorf("LookupModel by name: %v %v", m.Key, err)
	}
	_, err = LookupGPU("h10")
	if err == nil || !strings.Contains(err.Error(), "h100") {
		t.Errorf("LookupGPU(h10) error = %v", err)
	}
}

// TestNamesStateTheirSize checks every model whose name ends in a size
// ("Platypus-13B", "Hallucin8-8x3B") against its computed parameter count,
// invented models included: a viewer reads the name and the count side by
// side. Published models round their size (Llama-3.2-1B has 1.24B), so the
// count may differ from the name by a quarter.
func TestNamesStateTheirSize(t *testing.T) {
	for _, m := range Models() {
		i := strings.LastIndexByte(m.Name, '-')
		size := m.Name[i+1:]
		if i < 0 || !strings.HasSuffix(size, "B") {
			continue
		}
		size = strings.TrimSuffix(size, "B")
		if e, per, ok := strings.Cut(size, "x"); ok {
			// "8x7B" names eight experts of 7B; they share attention and
			// embeddings, so the total lies between one expert and the
			// product.
			n, err1 := strconv.ParseFloat(e, 64)
			s, err2 := strconv.ParseFloat(per, 64)
			if err1 != nil || err2 != nil {
				t.Errorf("%s: cannot read the size %q", m.Name, size)
				continue
			}
			p := float64(m.Params()) / 1e9
			if p < s || p > n*s*1.05 {
				t.Errorf("%s: %.2fB params, want between %vB and %vB", m.Name, p, s, n*s)
			}
			continue
		}
		s, err := strconv.ParseFloat(size, 64)
		if err != nil {
			t.Errorf("%s: cannot read the size %q", m.Name, size)
			continue
		}
		p := float64(m.Params()) / 1e9
		if math.Abs(p-s) > max(0.1*s, 0.25) {
			t.Errorf("%s: %.2fB params, but the name says %vB", m.Name, p, s)
		}
	}
}
