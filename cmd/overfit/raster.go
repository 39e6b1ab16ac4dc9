package main

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"

	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/vt"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	appscreen "github.com/overfit/overfit/app/screen"
)

// Colors of the rasterized terminal: the dark palette's defaults.
var (
	rasterBg = color.RGBA{0x16, 0x16, 0x1e, 0xff}
	rasterFg = color.RGBA{0xd4, 0xd4, 0xd8, 0xff}
)

// rasterFontSize is the Go Mono size in pixels; cells are its advance wide
// and its line height tall.
const rasterFontSize = 14

// rasterizer draws terminal frames as images with the Go Mono fonts. The
// parsed fonts are read-only and shared; faces (which cache glyphs and are
// not safe for concurrent use) are made per image.
type rasterizer struct {
	regular, bold *opentype.Font
	cellW, cellH  int
	ascent        int
}

// newRasterizer parses the bundled fonts and measures a cell.
func newRasterizer() (*rasterizer, error) {
	reg, err := opentype.Parse(gomono.TTF)
	if err != nil {
		return nil, fmt.Errorf("parse the Go Mono font: %w", err)
	}
	bold, err := opentype.Parse(gomonobold.TTF)
	if err != nil {
		return nil, fmt.Errorf("parse the Go Mono Bold font: %w", err)
	}
	r := &rasterizer{regular: reg, bold: bold}
	face, err := r.face(reg)
	if err != nil {
		return nil, err
	}
	defer face.Close()
	adv, _ := face.GlyphAdvance('M')
	m := face.Metrics()
	r.cellW = adv.Ceil()
	r.ascent = m.Ascent.Ceil()
	r.cellH = r.ascent + m.Descent.Ceil() + 1
	return r, nil
}

func (r *rasterizer) face(f *opentype.Font) (font.Face, error) {
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: rasterFontSize, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("make a font face: %w", err)
	}
	return face, nil
}

// size is the image size of a w×h terminal.
func (r *rasterizer) size(w, h int) (int, int) { return w * r.cellW, h * r.cellH }

// frame draws a frame's rows (as app.Model.Frame hands them over) on a w×h
// terminal: the rows go through the same renderer as a session's and a
// terminal emulator, whose cells are drawn.
func (r *rasterizer) frame(rows []string, w, h int) (*image.RGBA, error) {
	emu := vt.NewEmulator(w, h)
	_, _ = emu.Write(appscreen.New(w, h, colorprofile.TrueColor).Render(nil, rows))
	return r.cells(emu, w, h)
}

// cells draws the emulator's screen.
func (r *rasterizer) cells(emu *vt.Emulator, w, h int) (*image.RGBA, error) {
	reg, err := r.face(r.regular)
	if err != nil {
		return nil, err
	}
	defer reg.Close()
	bold, err := r.face(r.bold)
	if err != nil {
		return nil, err
	}
	defer bold.Close()
	iw, ih := r.size(w, h)
	img := image.NewRGBA(image.Rect(0, 0, iw, ih))
	draw.Draw(img, img.Bounds(), image.NewUniform(rasterBg), image.Point{}, draw.Src)
	d := &font.Drawer{Dst: img}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := emu.CellAt(x, y)
			if c == nil || c.Width == 0 {
				continue // the tail of a wide character
			}
			fg, bg := cellColors(c)
			cw := max(c.Width, 1) * r.cellW
			cell := image.Rect(x*r.cellW, y*r.cellH, x*r.cellW+cw, (y+1)*r.cellH)
			if bg != nil {
				draw.Draw(img, cell, image.NewUniform(bg), image.Point{}, draw.Src)
			}
			if c.Content == "" || c.Content == " " {
				continue
			}
			if drawBlock(img, cell, c.Content, fg) {
				continue
			}
			d.Face = reg
			if c.Style.Attrs&uv.AttrBold != 0 {
				d.Face = bold
			}
			d.Src = image.NewUniform(fg)
			d.Dot = fixed.P(cell.Min.X, cell.Min.Y+r.ascent)
			d.DrawString(c.Content)
		}
	}
	return img, nil
}

// cellColors resolves a cell's colors (default, indexed or RGB; reverse
// video swapped); bg is nil for the default background.
func cellColors(c *uv.Cell) (fg, bg color.Color) {
	fg, bg = c.Style.Fg, c.Style.Bg
	if fg == nil {
		fg = rasterFg
	}
	if c.Style.Attrs&uv.AttrReverse != 0 {
		if bg == nil {
			bg = rasterBg
		}
		fg, bg = bg, fg
	}
	if c.Style.Attrs&uv.AttrFaint != 0 {
		r, g, b, _ := fg.RGBA()
		br, bgc, bb, _ := rasterBg.RGBA()
		fg = color.RGBA{uint8((r + br) >> 9), uint8((g + bgc) >> 9), uint8((b + bb) >> 9), 0xff}
	}
	return fg, bg
}

// drawBlock draws the block and line characters the bars, boxes and
// charts use as shapes, so they join up whatever the font has; it reports
// whether s was one of them.
func drawBlock(img *image.RGBA, cell image.Rectangle, s string, fg color.Color) bool {
	rs := []rune(s)
	if len(rs) != 1 {
		return false
	}
	ch := rs[0]
	src := image.NewUniform(fg)
	x0, y0, x1, y1 := cell.Min.X, cell.Min.Y, cell.Max.X, cell.Max.Y
	w, h := x1-x0, y1-y0
	cx, cy := x0+w/2, y0+h/2
	fill := func(r image.Rectangle) { draw.Draw(img, r.Intersect(cell), src, image.Point{}, draw.Src) }
	hline := func(from, to int) { fill(image.Rect(from, cy, to, cy+1)) }
	vline := func(from, to int) { fill(image.Rect(cx, from, cx+1, to)) }
	switch {
	case ch == '█':
		fill(cell)
	case ch >= '▉' && ch <= '▏': // left eighths: ▉ is 7/8 … ▏ is 1/8
		fill(image.Rect(x0, y0, x0+w*(8-int(ch-'█'))/8, y1))
	case ch >= '▁' && ch <= '▇': // lower eighths
		fill(image.Rect(x0, y1-h*int(ch-'▀')/8, x1, y1))
	case ch == '▸' || ch == '▶':
		// A small right-pointing triangle, centred in the cell.
		half := w / 3
		for dx := 0; dx <= half*2; dx++ {
			rise := (half*2 - dx) / 2
			fill(image.Rect(x0+w/4+dx, cy-rise, x0+w/4+dx+1, cy+rise+1))
		}
	case ch == '▀':
		fill(image.Rect(x0, y0, x1, cy))
	case ch == '▐':
		fill(image.Rect(cx, y0, x1, y1))
	case ch == '─' || ch == '━':
		hline(x0, x1)
	case ch == '│' || ch == '┃':
		vline(y0, y1)
	case ch == '╭' || ch == '┌':
		hline(cx, x1)
		vline(cy, y1)
	case ch == '╮' || ch == '┐':
		hline(x0, cx+1)
		vline(cy, y1)
	case ch == '╰' || ch == '└':
		hline(cx, x1)
		vline(y0, cy+1)
	case ch == '╯' || ch == '┘':
		hline(x0, cx+1)
		vline(y0, cy+1)
	case ch == '├':
		vline(y0, y1)
		hline(cx, x1)
	case ch == '┤':
		vline(y0, y1)
		hline(x0, cx+1)
	case ch == '┼':
		vline(y0, y1)
		hline(x0, x1)
	case ch == '┬':
		hline(x0, x1)
		vline(cy, y1)
	case ch == '┴':
		hline(x0, x1)
		vline(y0, cy+1)
	default:
		return false
	}
	return true
}
