package main

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/overfit/overfit/sim"
)

// pageTemplate is the web viewer: a full-window xterm.js that opens the
// session's WebSocket (web/static/overfit.js). Paths are relative so the
// viewer also works under a path prefix behind a proxy.
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<meta name="description" content="{{.Description}}">
{{- if .Image}}
<meta property="og:type" content="website">
<meta property="og:site_name" content="overfit">
<meta property="og:title" content="{{.Title}}">
<meta property="og:description" content="{{.Description}}">
<meta property="og:url" content="{{.URL}}">
<meta property="og:image" content="{{.Image}}">
<meta property="og:image:width" content="{{.ImageW}}">
<meta property="og:image:height" content="{{.ImageH}}">
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:title" content="{{.Title}}">
<meta name="twitter:description" content="{{.Description}}">
<meta name="twitter:image" content="{{.Image}}">
{{- end}}
<link rel="stylesheet" href="{{.Root}}static/xterm.css">
<link rel="stylesheet" href="{{.Root}}static/overfit.css">
</head>
<body>
<div id="term" data-root="{{.Root}}" data-join="{{.Join}}"></div>
<noscript>overfit needs JavaScript in the browser; or run: {{.SSH}}</noscript>
<script src="{{.Root}}static/xterm.js"></script>
<script src="{{.Root}}static/addon-fit.js"></script>
<script src="{{.Root}}static/overfit.js"></script>
</body>
</html>
`))

// errorTemplate is the page for a run id that cannot be watched.
var errorTemplate = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>overfit: {{.Title}}</title>
<link rel="stylesheet" href="{{.Root}}static/overfit.css">
</head>
<body class="message">
<h1>overfit: {{.Title}}</h1>
<p>{{.Detail}}</p>
<p>Check that the link has the whole run id, as the footer of a session shows it, or <a href="{{.Root}}">start a new run</a>.</p>
</body>
</html>
`))

// pageData fills pageTemplate.
type pageData struct {
	Title, Description string
	Root               string // relative path to the viewer's root: "./" or "../"
	Join               string // run id to watch, "" for a new run
	SSH                string // the ssh line that opens the same
	URL, Image         string // absolute, for link previews; "" = none
	ImageW, ImageH     int
}

// pageCSP keeps the viewer to its own scripts, styles and WebSocket.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'"

// servePage serves / : a new run in the browser.
func (ws *webServer) servePage(w http.ResponseWriter, _ *http.Request) {
	ws.render(w, http.StatusOK, pageTemplate, pageData{
		Title:       "overfit — a live LLM training run",
		Description: "A believable, never-ending LLM training run, live in your terminal or browser.",
		Root:        "./",
		SSH:         ws.srv.share.SSHLine("<run-id>"),
	})
}

// serveRun serves /r/RUN-ID (that run, live) and /r/RUN-ID.png (its
// preview). An id that cannot be watched gets a 404 page saying why.
func (ws *webServer) serveRun(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	id, png := strings.CutSuffix(id, ".png")
	now := ws.srv.clock()
	opts, err := parseSessionOptions([]string{"--join", id}, now, ws.srv.seed)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "bad --join run id: ")
		if png {
			http.Error(w, "overfit: bad run id: "+msg, http.StatusNotFound)
			return
		}
		ws.render(w, http.StatusNotFound, errorTemplate, struct{ Title, Detail, Root string }{
			"this run cannot be watched", "The run id " + strconv.Quote(truncate(id, 80)) + " is not valid: " + msg + ".", "../",
		})
		return
	}
	if png {
		ws.servePreview(w, r, id, opts.Options, now)
		return
	}
	title, desc := runTitle(opts.Options, now)
	pw, ph := ws.previewSize()
	ws.render(w, http.StatusOK, pageTemplate, pageData{
		Title:       title,
		Description: desc,
		Root:        "../",
		Join:        id,
		SSH:         ws.srv.share.SSHLine(id),
		URL:         ws.base + "/r/" + id,
		Image:       ws.base + "/r/" + id + ".png",
		ImageW:      pw,
		ImageH:      ph,
	})
}

// render executes t into a buffer first, so a failure is a clean 500.
func (ws *webServer) render(w http.ResponseWriter, code int, t *template.Template, data any) {
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		ws.srv.log.Error("web page failed", "err", err)
		http.Error(w, "overfit: internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(b.Bytes())
}

// runTitle names a run as a link preview shows it, where the run is at
// now: "Llama-3-70B pretrain · 128×8 H200 · step 1,017,881 · loss 1.95".
func runTitle(o sim.Options, now time.Time) (title, description string) {
	st, at, err := streamAt(o, now)
	if err != nil {
		return "overfit — a live LLM training run", ""
	}
	var snap sim.Snapshot
	snap.MaxGPUs = 1
	st.Snapshot(&snap)
	run := st.Run()
	parts := []string{run.Model.Name + " " + string(run.Job), strconv.Itoa(run.Nodes) + "×" + strconv.Itoa(run.GPUsPerNode) + " " + gpuShortName(run.GPU)}
	if m := snap.Metrics; m.Step > 0 {
		parts = append(parts, "step "+string(sim.AppendCommas(nil, m.Step)))
		if m.Loss > 0 {
			parts = append(parts, "loss "+strconv.FormatFloat(m.Loss, 'f', 2, 64))
		}
	}
	title = strings.Join(parts, " · ")
	description = "Live: " + run.Name + ", " + snap.Phase.String() + " phase, " + sim.FormatDuration(at) + " into the stream. Watch it in your browser or over ssh."
	return title, description
}

// streamAt is o's stream where a viewer joining at now would see it.
func streamAt(o sim.Options, now time.Time) (*sim.Stream, time.Duration, error) {
	at, err := sim.JoinOffset(o, now)
	if err != nil {
		return nil, 0, err
	}
	st, err := sim.NewStream(o)
	if err != nil {
		return nil, 0, err
	}
	st.Seek(at)
	return st, at, nil
}

// gpuShortName is the accelerator's catalog key in capitals: "H200".
func gpuShortName(g sim.GPUType) string {
	return strings.ToUpper(g.Key)
}
