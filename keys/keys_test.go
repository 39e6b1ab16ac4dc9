package keys

import (
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

func press(s string) tea.KeyPressMsg {
	switch s {
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

func TestBindingsMatchTheirKeys(t *testing.T) {
	k := Default()
	cases := map[string]key.Binding{
		"q": k.Quit, "ctrl+c": k.Quit, "?": k.Help, "space": k.Pause, "p": k.Pause,
		"+": k.Faster, "=": k.Faster, "]": k.Faster, "-": k.Slower, "[": k.Slower,
		"v": k.Plain, "tab": k.Plain, "n": k.NewRun, "l": k.Live,
	}
	for s, b := range cases {
		if !key.Matches(press(s), b) {
			t.Errorf("key %q does not match its binding %v", s, b.Keys())
		}
	}
}

func TestNoKeyIsBoundTwice(t *testing.T) {
	k := Default()
	seen := map[string]string{}
	for _, group := range k.FullHelp() {
		for _, b := range group {
			for _, s := range b.Keys() {
				if prev, ok := seen[s]; ok {
					t.Errorf("key %q bound to both %q and %q", s, prev, b.Help().Desc)
				}
				seen[s] = b.Help().Desc
			}
		}
	}
}

func TestFullHelpListsEveryBinding(t *testing.T) {
	k := Default()
	all := []key.Binding{k.Quit, k.Help, k.Pause, k.Faster, k.Slower, k.Plain, k.NewRun, k.Live}
	listed := map[string]bool{}
	for _, group := range k.FullHelp() {
		for _, b := range group {
			listed[b.Help().Desc] = true
		}
	}
	for _, b := range all {
		if b.Help().Key == "" || b.Help().Desc == "" {
			t.Errorf("binding %v has no help text", b.Keys())
		}
		if !listed[b.Help().Desc] {
			t.Errorf("binding %q missing from FullHelp", b.Help().Desc)
		}
	}
	for _, b := range k.ShortHelp() {
		if !listed[b.Help().Desc] {
			t.Errorf("short help binding %q missing from FullHelp", b.Help().Desc)
		}
	}
}
