package main

import (
	"slices"
	"strings"
	"testing"
	"unicode"
)

func TestSplitArgs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   \t\n ", nil},
		{"--seed 42", []string{"--seed", "42"}},
		{"  --seed\t42 \n--plain  ", []string{"--seed", "42", "--plain"}},
		{"--seed=42", []string{"--seed=42"}},
		{`--model "llama-3-8b"`, []string{"--model", "llama-3-8b"}},
		{`--model 'llama 3'`, []string{"--model", "llama 3"}},
		{`--model="llama 3" --plain`, []string{"--model=llama 3", "--plain"}},
		{`a"b c"d`, []string{"ab cd"}},
		{`'' x ""`, []string{"", "x", ""}},
		{`a\ b`, []string{"a b"}},
		{`\'x\'`, []string{"'x'"}},
		{`"a \"b\" \\ \n"`, []string{`a "b" \ \n`}},
		{`'a \"b\" \\'`, []string{`a \"b\" \\`}},
		{`'it'\''s'`, []string{"it's"}},
		{"--model λ-7B", []string{"--model", "λ-7B"}},
		{"a\u00a0b", []string{"a", "b"}}, // no-break space separates, as go-shlex did
		{"a\xffb \xfe", []string{"a\xffb", "\xfe"}},
	} {
		got, err := splitArgs(tc.in)
		if err != nil {
			t.Errorf("splitArgs(%q): %v", tc.in, err)
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("splitArgs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSplitArgsErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`--model "llama`, `a " quote is not closed`},
		{`--model 'llama`, `a ' quote is not closed`},
		{`--model "a'`, `a " quote is not closed`},
		{`--seed 42 \`, `nothing after the last backslash (write \\ for a backslash)`},
		{`"\"`, `a " quote is not closed`},
	} {
		got, err := splitArgs(tc.in)
		if err == nil {
			t.Errorf("splitArgs(%q) = %q, want error %q", tc.in, got, tc.want)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("splitArgs(%q) error %q, want %q", tc.in, err, tc.want)
		}
	}
}

// quoteArgs is the inverse of splitArgs: each word in single quotes; a
// single quote in a word closes the quotes, is escaped with a backslash
// and opens them again.
func quoteArgs(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(quoted, " ")
}

func FuzzSplitArgs(f *testing.F) {
	for _, s := range []string{"", "--seed 42 --plain", `--model "llama 3"`, `'it'\''s'`, `a\ b "c\"d"`, "\"", "\\", "a\xffb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, err := splitArgs(s)
		if err != nil {
			return
		}
		// Without quotes or backslashes, words are the white-space fields.
		if !strings.ContainsAny(s, `'"\`) {
			if want := strings.FieldsFunc(s, unicode.IsSpace); !slices.Equal(words, want) && len(words)+len(want) > 0 {
				t.Fatalf("splitArgs(%q) = %q, want the fields %q", s, words, want)
			}
		}
		// Quoting the words again gives the same words back.
		again, err := splitArgs(quoteArgs(words))
		if err != nil {
			t.Fatalf("splitArgs(quoteArgs(%q)): %v", words, err)
		}
		if !slices.Equal(again, words) && len(again)+len(words) > 0 {
			t.Fatalf("splitArgs(quoteArgs(%q)) = %q", words, again)
		}
	})
}

// BenchmarkSplitArgsLongToken is the worst case the options' length bound
// allows: one maxCommandLen-byte token, plain and quoted. The cost is
// linear in the length (go-shlex, used before, rebuilt the token string
// on every rune: quadratic).
//
//	go test ./cmd/overfit -run '^$' -bench SplitArgs -benchmem
func BenchmarkSplitArgsLongToken(b *testing.B) {
	plain := strings.Repeat("x", maxCommandLen)
	quoted := `"` + strings.Repeat(`x\"`, (maxCommandLen-2)/3) + `"`
	for _, bc := range []struct{ name, in string }{{"plain", plain}, {"quoted", quoted}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.in)))
			for b.Loop() {
				if _, err := splitArgs(bc.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
