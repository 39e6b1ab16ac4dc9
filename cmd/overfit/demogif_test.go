package main

import (
	"bytes"
	"cmp"
	"image"
	"image/color"
	"image/gif"
	"slices"
	"testing"
	"time"

	"github.com/overfit/overfit/app"
	"github.com/overfit/overfit/sim"
)

// The README's animated demo: a few seconds of the picture run training
// as a time-lapse (a step takes seconds: at 1× the log would stand still),
// a frame per tick.
const (
	demoFile   = "demo-80x24.gif"
	demoCols   = 80
	demoRows   = 24
	demoFrames = 16
	demoSpeed  = 4
	demoTick   = app.DefaultTick
)

// renderDemo draws the demo GIF: demoFrames frames demoTick apart from
// run time at, as a session at demoSpeed× shows them. Frames after the
// first hold only the rectangle that changed, transparent where a pixel
// did not, so the file stays small.
func renderDemo(t *testing.T, r *rasterizer, at time.Duration) []byte {
	t.Helper()
	o := sim.Options{Seed: pictureSeed, Start: pictureStart, Speed: demoSpeed}
	m, err := app.New(app.Config{Options: o, Share: pictureShare, Width: demoCols, Height: demoRows})
	if err != nil {
		t.Fatal(err)
	}
	frames := make([]*image.RGBA, demoFrames)
	for i := range frames {
		// Run time is wall time × speed since the start.
		m.Update(m.TickAt(pictureStart.Add(at/demoSpeed + time.Duration(i)*demoTick)))
		if frames[i], err = r.frame(m.Frame(), demoCols, demoRows); err != nil {
			t.Fatal(err)
		}
	}
	pal, index := demoPalette(frames)
	anim := &gif.GIF{LoopCount: 0}
	for i, f := range frames {
		rect := f.Bounds()
		if i > 0 {
			rect = changed(frames[i-1], f)
			if rect.Empty() {
				rect = image.Rect(0, 0, 1, 1) // a frame must hold a pixel
			}
		}
		p := image.NewPaletted(rect, pal)
		for y := rect.Min.Y; y < rect.Max.Y; y++ {
			for x := rect.Min.X; x < rect.Max.X; x++ {
				c := f.RGBAAt(x, y)
				if i > 0 && c == frames[i-1].RGBAAt(x, y) {
					p.SetColorIndex(x, y, demoClear)
					continue
				}
				p.SetColorIndex(x, y, index(c))
			}
		}
		anim.Image = append(anim.Image, p)
		anim.Delay = append(anim.Delay, int(demoTick/(10*time.Millisecond)))
		anim.Disposal = append(anim.Disposal, gif.DisposalNone)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, anim); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// demoClear is the demo palette's transparent entry: a pixel a frame
// leaves as the previous one drew it.
const demoClear = 255

// demoPalette is the 255 colors the frames use most (ties broken by
// value, so it is reproducible) plus demoClear, and a mapping of any of
// their colors to the nearest of those.
func demoPalette(frames []*image.RGBA) (color.Palette, func(color.RGBA) uint8) {
	count := map[color.RGBA]int{}
	for _, f := range frames {
		for i := 0; i < len(f.Pix); i += 4 {
			count[color.RGBA{f.Pix[i], f.Pix[i+1], f.Pix[i+2], f.Pix[i+3]}]++
		}
	}
	cs := make([]color.RGBA, 0, len(count))
	for c := range count {
		cs = append(cs, c)
	}
	slices.SortFunc(cs, func(a, b color.RGBA) int {
		if c := cmp.Compare(count[b], count[a]); c != 0 {
			return c
		}
		return cmp.Compare(uint32(a.R)<<16|uint32(a.G)<<8|uint32(a.B), uint32(b.R)<<16|uint32(b.G)<<8|uint32(b.B))
	})
	pal := make(color.Palette, 0, demoClear+1)
	for _, c := range cs[:min(len(cs), demoClear)] {
		pal = append(pal, c)
	}
	idx := make(map[color.RGBA]uint8, len(cs))
	for _, c := range cs {
		idx[c] = uint8(pal.Index(c))
	}
	for len(pal) < demoClear {
		pal = append(pal, color.RGBA{A: 0xff}) // unused
	}
	pal = append(pal, color.RGBA{})
	return pal, func(c color.RGBA) uint8 { return idx[c] }
}

// changed is the smallest rectangle holding every pixel where a and b differ.
func changed(a, b *image.RGBA) image.Rectangle {
	var r image.Rectangle
	bd := b.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			if a.RGBAAt(x, y) != b.RGBAAt(x, y) {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r
}
