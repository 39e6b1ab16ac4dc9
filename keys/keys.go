// Package keys holds overfit's key bindings. The session UI matches keys only
// through this KeyMap, and the help screen is generated from it, so a binding
// added here is both live and documented.
package keys

import "charm.land/bubbles/v2/key"

// KeyMap is every key the session UI reacts to.
type KeyMap struct {
	Quit   key.Binding // leave the session
	Help   key.Binding // show or hide the full help
	Pause  key.Binding // freeze or resume the run's clock
	Faster key.Binding // raise the time-lapse factor
	Slower key.Binding // lower the time-lapse factor
	Plain  key.Binding // switch between the dashboard and the bare terminal log
	NewRun key.Binding // abandon this run and start the next one
	Live   key.Binding // jump back to where the shared run is now
}

// Default returns the bindings documented in the README and the help screen.
func Default() KeyMap {
	return KeyMap{
		Quit: key.NewBinding(
			key.WithKeys("q", "ctrl+c"),
			key.WithHelp("q", "quit"),
		),
		Help: key.NewBinding(
			key.WithKeys("?"),
			key.WithHelp("?", "help"),
		),
		Pause: key.NewBinding(
			key.WithKeys("space", "p"),
			key.WithHelp("space", "pause/resume"),
		),
		Faster: key.NewBinding(
			key.WithKeys("+", "=", "]"),
			key.WithHelp("+", "faster"),
		),
		Slower: key.NewBinding(
			key.WithKeys("-", "[", "_"),
			key.WithHelp("-", "slower"),
		),
		Plain: key.NewBinding(
			key.WithKeys("v", "tab"),
			key.WithHelp("v/tab", "plain/dashboard"),
		),
		NewRun: key.NewBinding(
			key.WithKeys("n"),
			key.WithHelp("n", "new run"),
		),
		Live: key.NewBinding(
			key.WithKeys("l"),
			key.WithHelp("l", "back to live"),
		),
	}
}

// ShortHelp is the one-line help: the keys a first-time visitor needs.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Help, k.Pause, k.Plain, k.Quit}
}

// FullHelp groups every binding into columns: the run's clock, the view, the
// session.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Pause, k.Faster, k.Slower, k.Live},
		{k.Plain, k.NewRun},
		{k.Help, k.Quit},
	}
}
