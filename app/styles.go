package app

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// sgrReset ends every painted span. Spans never nest, so a plain reset is
// always right and keeps the renderer's style parser on its fast path.
const sgrReset = ansi.ResetStyle

// paint is a precomputed SGR sequence. Building frames by concatenating these
// instead of calling lipgloss.Style.Render per span is what keeps a full frame
// well under the 0.5 ms budget; lipgloss still chooses the colors.
type paint string

// write appends s in this paint.
func (p paint) write(b *builder, s string) {
	if p == "" || s == "" {
		b.WriteString(s)
		return
	}
	b.WriteString(string(p))
	b.WriteString(s)
	b.WriteString(sgrReset)
}

// writeBytes is write for a scratch buffer, without a string conversion.
func (p paint) writeBytes(b *builder, s []byte) {
	if p == "" || len(s) == 0 {
		b.Write(s)
		return
	}
	b.WriteString(string(p))
	b.Write(s)
	b.WriteString(sgrReset)
}

// theme is every paint the views use, for one background and color profile.
type theme struct {
	dim, bold, accent, accentBold, info, ok, warn, err, hot paint
	border, title, badge, pauseBadge                        paint
	phaseDone, phaseNow, phaseNext                          paint
	barFill, chart, chartAxis                               paint
	health                                                  [3]paint // by sim.Health
	help                                                    help.Styles
}

// swatch is one role's color for each profile and background. The 16- and
// 256-color values are picked by hand: letting the renderer downsample the
// true-color value often lands on a muddy neighbour.
type swatch struct {
	ansi, ansi256 int
	dark, light   string
}

var (
	swDim    = swatch{8, 245, "#7f849c", "#8c8fa1"}
	swAccent = swatch{5, 183, "#cba6f7", "#8839ef"}
	swInfo   = swatch{4, 111, "#89b4fa", "#1e66f5"}
	swTeal   = swatch{6, 116, "#94e2d5", "#179299"}
	swOK     = swatch{2, 114, "#a6e3a1", "#40a02b"}
	swWarn   = swatch{3, 222, "#f9e2af", "#df8e1d"}
	swOrange = swatch{3, 216, "#fab387", "#fe640b"}
	swErr    = swatch{1, 211, "#f38ba8", "#d20f39"}
	swBorder = swatch{8, 240, "#585b70", "#9ca0b0"}
	swBadgeB = swatch{5, 183, "#cba6f7", "#8839ef"}
	swBadgeF = swatch{0, 235, "#1e1e2e", "#eff1f5"}
	swPauseB = swatch{3, 222, "#f9e2af", "#df8e1d"}
)

// color resolves a swatch for the profile and background; nil means no color.
func (s swatch) color(p colorprofile.Profile, dark bool) color.Color {
	switch p {
	case colorprofile.TrueColor:
		return lipgloss.LightDark(dark)(lipgloss.Color(s.light), lipgloss.Color(s.dark))
	case colorprofile.ANSI256:
		return ansi.IndexedColor(s.ansi256)
	case colorprofile.ANSI:
		return ansi.BasicColor(s.ansi)
	}
	return nil
}

// themes holds a theme for every background and color profile, built once
// and never written after: sessions that look alike share one, so a session
// holds no paints of its own (thousands of sessions would otherwise each
// keep ~70 strings alive for the garbage collector to mark).
var themes = func() (t [2][colorprofile.TrueColor + 1]theme) {
	for d := range t {
		for p := range t[d] {
			t[d][p] = newTheme(d == 1, colorprofile.Profile(p))
		}
	}
	return t
}()

// themeFor is the shared theme for a background and color profile; a
// profile this build does not know gets the Unknown one, which newTheme
// treats alike (attributes, no colors).
func themeFor(dark bool, p colorprofile.Profile) *theme {
	d := 0
	if dark {
		d = 1
	}
	if int(p) < 0 || int(p) >= len(themes[d]) {
		p = colorprofile.Unknown
	}
	return &themes[d][p]
}

// newTheme builds the paints for a background and color profile. With the
// NoTTY profile every paint is empty, so frames carry no escape codes at
// all; with Ascii only attributes (bold, faint, reverse) remain. The renderer
// downsamples again anyway, so nothing here can bypass NO_COLOR.
func newTheme(dark bool, p colorprofile.Profile) theme {
	colors := p == colorprofile.TrueColor || p == colorprofile.ANSI256 || p == colorprofile.ANSI
	attrs := p != colorprofile.NoTTY
	fg := func(s swatch, bold bool) paint {
		st := ansi.Style{}
		if colors {
			st = st.ForegroundColor(s.color(p, dark))
		}
		if bold && attrs {
			st = st.Bold()
		}
		if len(st) == 0 {
			return ""
		}
		return paint(st.String())
	}
	badge := func(bg swatch) paint {
		st := ansi.Style{}
		if colors {
			st = st.ForegroundColor(swBadgeF.color(p, dark)).BackgroundColor(bg.color(p, dark)).Bold()
		} else if attrs {
			st = st.Reverse(true).Bold()
		}
		if len(st) == 0 {
			return ""
		}
		return paint(st.String())
	}
	t := theme{
		dim:        fg(swDim, false),
		accent:     fg(swAccent, false),
		accentBold: fg(swAccent, true),
		info:       fg(swInfo, false),
		ok:         fg(swOK, false),
		warn:       fg(swWarn, false),
		err:        fg(swErr, true),
		hot:        fg(swOrange, false),
		border:     fg(swBorder, false),
		title:      fg(swTeal, true),
		badge:      badge(swBadgeB),
		pauseBadge: badge(swPauseB),
		phaseDone:  fg(swOK, false),
		phaseNow:   badge(swBadgeB),
		phaseNext:  fg(swDim, false),
		barFill:    fg(swOK, false),
		chart:      fg(swAccent, false),
		chartAxis:  fg(swDim, false),
		health:     [3]paint{fg(swOK, false), fg(swWarn, false), fg(swErr, true)},
	}
	if attrs && !colors {
		// Without colors, faint text and bold keep the hierarchy readable.
		t.dim = paint(ansi.Style{}.Faint().String())
		t.bold = paint(ansi.Style{}.Bold().String())
		t.title = t.bold
		t.accentBold = t.bold
		t.border, t.phaseNext, t.chartAxis = "", t.dim, t.dim
	} else if attrs {
		t.bold = paint(ansi.Style{}.Bold().String())
	}
	// The help box is drawn by bubbles/help with lipgloss styles, from the
	// same swatches so it follows the profile like everything else.
	st := func(sw swatch) lipgloss.Style {
		if c := sw.color(p, dark); colors && c != nil {
			return lipgloss.NewStyle().Foreground(c)
		}
		return lipgloss.NewStyle()
	}
	t.help = help.Styles{
		Ellipsis:       st(swDim),
		ShortKey:       st(swAccent).Bold(attrs),
		ShortDesc:      st(swDim),
		ShortSeparator: st(swBorder),
		FullKey:        st(swAccent).Bold(attrs),
		FullDesc:       st(swDim),
		FullSeparator:  st(swBorder),
	}
	return t
}
