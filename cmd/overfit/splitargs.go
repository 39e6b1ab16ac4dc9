package main

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// splitArgs splits an SSH exec command into words the way a POSIX shell
// would, and nothing more: words are separated by white space; single
// quotes keep everything up to the next single quote; double quotes keep
// everything up to the next unescaped double quote, a backslash escaping
// only `"` and `\` inside them; outside quotes a backslash keeps the next
// character. ssh joins the client's arguments with spaces, so a shell on the
// client has usually removed the quotes already; they matter for a command
// quoted twice (ssh host -- '--model "llama-3-8b"').
//
// It is one pass over the string (linear time, one allocation per word
// plus the slice), so the options' length bound (maxCommandLen) bounds its
// cost too. Bytes that are not UTF-8 are kept as they are. Errors are lowercase and name what is missing.
func splitArgs(s string) ([]string, error) {
	var (
		words []string
		word  strings.Builder
		in    bool // inside a word (a quoted empty word counts)
		quote rune // the open quote, or 0
	)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				word.WriteString(s[i-size : i])
			}
		case quote == '"':
			switch {
			case r == '"':
				quote = 0
			case r == '\\' && i < len(s) && (s[i] == '"' || s[i] == '\\'):
				word.WriteByte(s[i])
				i++
			default:
				word.WriteString(s[i-size : i])
			}
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == '\\':
			if i == len(s) {
				return nil, errors.New(`nothing after the last backslash (write \\ for a backslash)`)
			}
			_, size = utf8.DecodeRuneInString(s[i:])
			word.WriteString(s[i : i+size])
			i += size
			in = true
		case unicode.IsSpace(r):
			if in {
				words = append(words, word.String())
				word.Reset()
				in = false
			}
		default:
			word.WriteString(s[i-size : i])
			in = true
		}
	}
	if quote != 0 {
		return nil, errors.New("a " + string(quote) + " quote is not closed")
	}
	if in {
		words = append(words, word.String())
	}
	return words, nil
}
