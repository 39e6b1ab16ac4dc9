package sim

import "fmt"

// maxShardBytes is Hugging Face's default max_shard_size "5GB" (decimal).
const maxShardBytes = 5_000_000_000

// shardSizes packs the model's bf16 tensors greedily, whole tensors in
// save order, into shards of at most 5 GB, as save_pretrained does: a tensor
// that would overflow the current shard starts the next one. So shards are
// uneven and the last (final norm, lm_head remainder) is usually the
// smallest.
func shardSizes(m Model) []int64 {
	var shards []int64
	var cur int64
	m.tensors(func(n int64) {
		b := 2 * n
		if cur > 0 && cur+b > maxShardBytes {
			shards = append(shards, cur)
			cur = 0
		}
		cur += b
	})
	if cur > 0 {
		shards = append(shards, cur)
	}
	return shards
}

// hfShardCount is the number of shards a bf16 save of m has.
func hfShardCount(m Model) int {
	n, cur := 0, int64(0)
	m.tensors(func(t int64) {
		b := 2 * t
		if cur > 0 && cur+b > maxShardBytes {
			n++
			cur = 0
		}
		cur += b
	})
	if cur > 0 {
		n++
	}
	return n
}

// shardName is model-00001-of-00004.safetensors.
func shardName(i, n int) string {
	return fmt.Sprintf("model-%05d-of-%05d.safetensors", i, n)
}

// shardListed says whether shard i (1-based) of n is printed; long lists
// show the first and last few with one "… N more …" line between.
const shardHead, shardTail = 4, 3

func shardListed(i, n int) bool {
	return n <= shardHead+shardTail+1 || i <= shardHead || i > n-shardTail
}

// companionFiles are the files saved next to the shards, with sizes that
// depend on the model: tokenizer by vocabulary, index by tensor count.
func companionFiles(m Model) []struct {
	name  string
	bytes int64
} {
	tok := int64(9_085_657)
	switch m.Vocab {
	case 32000:
		tok = 1_842_767
	case 50257:
		tok = 1_355_256
	case 151936, 152064:
		tok = 7_031_645
	case 256000:
		tok = 17_525_357
	}
	tensors := int64(0)
	m.tensors(func(int64) { tensors++ })
	return []struct {
		name  string
		bytes int64
	}{
		{"config.json", 680 + int64(len(m.Arch))*12 + int64(m.experts())*8},
		{"generation_config.json", 184},
		{"tokenizer.json", tok},
		{"tokenizer_config.json", 50_977 + tok/400},
		{"special_tokens_map.json", 301},
		{"model.safetensors.index.json", 120 + tensors*82},
	}
}
