package main

import (
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// timedModel wraps a session's UI to feed the frame render time metric: it
// times View, and observes only views whose content changed, so the figure
// is the cost of building a real new frame rather than of the many calls
// that return the model's cached view. The renderer's diff and the write
// to the client are not included (they live in Bubble Tea; bytes sent and
// stalled writers are measured on the session's writer).
type timedModel struct {
	tea.Model
	observe prometheus.Observer
	last    string // the previous frame's content
}

// Update passes the message on and keeps the result wrapped.
func (m *timedModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	next, cmd := m.Model.Update(msg)
	m.Model = next
	return m, cmd
}

// View renders the wrapped model and records how long a new frame took.
// Comparing with the last content is cheap: an unchanged cached view is
// the same string, which Go compares by pointer first.
func (m *timedModel) View() tea.View {
	begun := time.Now()
	v := m.Model.View()
	took := time.Since(begun)
	if v.Content != m.last {
		m.last = v.Content
		m.observe.Observe(took.Seconds())
	}
	return v
}
