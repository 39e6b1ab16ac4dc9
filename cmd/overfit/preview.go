package main

import (
	"bytes"
	"image/png"
	"net/http"
	"strconv"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/overfit/overfit/app"
	"github.com/overfit/overfit/sim"
)

// The preview is the frame a 120×40 viewer sees.
const (
	previewCols = 120
	previewRows = 40
)

// Bounds on what link previews cost: chat apps fetch a pasted link's image
// once per person, crawlers do worse.
const (
	previewRatePerSec  = 4  // new images rendered per second, whole server
	previewBurst       = 8  // renders allowed at once after a quiet spell
	maxPreviewsCached  = 32 // images kept (one per run id, for its second)
	previewCacheMaxAge = 1  // seconds a browser or chat app may reuse one
)

// previewCache renders run previews, at most one per run id and second and
// at most previewRatePerSec a second in all; over the rate, the last image
// of the run (if any) is served, else 429.
type previewCache struct {
	raster *rasterizer

	mu      sync.Mutex
	entries map[string]previewEntry
	tokens  float64
	last    time.Time
	render  sync.Mutex // one render at a time: 2 cores serve sessions first
}

type previewEntry struct {
	sec int64
	png []byte
}

func newPreviewCache(r *rasterizer) *previewCache {
	return &previewCache{raster: r, entries: map[string]previewEntry{}, tokens: previewBurst}
}

// previewSize is the preview image's size in pixels.
func (ws *webServer) previewSize() (int, int) {
	return ws.preview.raster.size(previewCols, previewRows)
}

// get returns id's preview for the second of now, rendering it if allowed.
func (c *previewCache) get(id string, now time.Time, draw func() ([]byte, error)) ([]byte, bool, error) {
	sec := now.Unix()
	c.mu.Lock()
	e, ok := c.entries[id]
	if ok && e.sec == sec {
		c.mu.Unlock()
		return e.png, true, nil
	}
	c.tokens = min(previewBurst, c.tokens+now.Sub(c.last).Seconds()*previewRatePerSec)
	c.last = now
	if c.tokens < 1 {
		c.mu.Unlock()
		return e.png, ok, nil // stale or nothing: over the rate
	}
	c.tokens--
	c.mu.Unlock()

	c.render.Lock()
	img, err := draw()
	c.render.Unlock()
	if err != nil {
		return nil, false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, had := c.entries[id]; !had && len(c.entries) >= maxPreviewsCached {
		oldest, at := "", int64(1<<62)
		for k, v := range c.entries {
			if v.sec < at {
				oldest, at = k, v.sec
			}
		}
		delete(c.entries, oldest)
	}
	c.entries[id] = previewEntry{sec: sec, png: img}
	return img, true, nil
}

// servePreview answers /r/RUN-ID.png with the run's live frame.
func (ws *webServer) servePreview(w http.ResponseWriter, _ *http.Request, id string, o sim.Options, now time.Time) {
	img, ok, err := ws.preview.get(id, now, func() ([]byte, error) { return ws.renderPreview(o) })
	switch {
	case err != nil:
		ws.srv.log.Error("preview failed", "run", id, "err", err)
		http.Error(w, "overfit: could not draw this run", http.StatusInternalServerError)
		return
	case !ok:
		w.Header().Set("Retry-After", "1")
		http.Error(w, "overfit: too many previews right now — try again in a second", http.StatusTooManyRequests)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Content-Length", strconv.Itoa(len(img)))
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(previewCacheMaxAge))
	_, _ = w.Write(img)
}

// renderPreview draws the run's frame as a viewer joining now sees it.
func (ws *webServer) renderPreview(o sim.Options) ([]byte, error) {
	m, err := app.New(app.Config{Options: o, Share: ws.srv.share, Width: previewCols, Height: previewRows})
	if err != nil {
		return nil, err
	}
	startClock(m)
	img, err := ws.preview.raster.frame(m.Frame(), previewCols, previewRows)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// startClock runs the model's start-up commands once, without a program:
// its first tick lands it where the run is now. The commands it returns
// (the next tick's timer) are not run.
func startClock(m tea.Model) {
	var run func(tea.Cmd)
	run = func(cmd tea.Cmd) {
		if cmd == nil {
			return
		}
		switch msg := cmd().(type) {
		case tea.BatchMsg:
			for _, c := range msg {
				run(c)
			}
		case nil:
		default:
			m.Update(msg)
		}
	}
	run(m.Init())
}
