package main

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/overfit/overfit/sim"
)

// trainingRun is a run id whose run is in its TRAIN phase for a while from
// now, with the name its header shows.
func trainingRun(t *testing.T, seed uint64) (id, name string) {
	t.Helper()
	at := trainWindow(t, seed, 90*time.Second)
	o := sim.Options{Seed: seed, Start: time.Now().Add(-at - 10*time.Second)}
	st, err := sim.NewStream(o)
	if err != nil {
		t.Fatal(err)
	}
	return sim.EncodeRunID(o), st.Run().Name
}

func TestWebSessionShowsRunResizesAndQuits(t *testing.T) {
	skipInShortMode(t)
	ts, base := startWebServer(t, testConfig(t))
	// Serving adds Serve, the SSH accept loop and the HTTP accept loop.
	idle := runtime.NumGoroutine()
	id, run := trainingRun(t, 20261201)
	model := ""
	if o, err := sim.ParseRunID(id); err == nil {
		st, _ := sim.NewStream(o)
		model = st.Run().Model.Name
	}

	ws := openWeb(t, base, 120, 40, id)
	txt := ws.waitFor("header and training bar at 120x40", func(txt string) bool {
		return strings.Contains(txt, run) && headerFits(txt, model, 120) && trainingLine(txt) != ""
	})
	if w := widest(txt); w > 120 {
		t.Fatalf("a line is %d cells wide on a 120-column page:\n%s", w, txt)
	}
	if !strings.Contains(txt, id+"@localhost") || !strings.Contains(txt, publicBase(base)+"/r/"+id) {
		t.Fatalf("the footer lacks the ssh line or the web link for %s:\n%s", id, txt)
	}
	if !ws.altScreen() {
		t.Fatal("the web session should use the alternate screen")
	}

	ws.resize(80, 24)
	txt = ws.waitFor("the run re-laid out at 80x24", func(txt string) bool {
		return headerFits(txt, model, 80) && barLine(txt) != ""
	})
	if w := widest(txt); w > 80 {
		t.Fatalf("a line is %d cells wide after resizing to 80 columns:\n%s", w, txt)
	}

	// A burst of keys: the first quits, the rest must not pin the session.
	ws.press(strings.Repeat("q", 500))
	if err := ws.waitClosed(); err != nil {
		t.Fatalf("after q the session closed with %v, want a normal close", err)
	}
	if ws.altScreen() {
		t.Error("still on the alternate screen after quitting")
	}
	eventually(t, "the session to be unregistered", func() bool { return ts.srv.limits.live() == 0 })

	// A browser that goes away (tab closed) ends its session too.
	ws2 := openWeb(t, base, 100, 30, "")
	ws2.waitFor("a fresh run's header", func(txt string) bool { return strings.Contains(txt, "overfit") })
	_ = ws2.conn.CloseNow()
	eventually(t, "the closed tab's session to end", func() bool { return ts.srv.limits.live() == 0 })
	if !strings.Contains(ts.logs.String(), "mode=web") {
		t.Errorf("web sessions are not logged:\n%s", ts.logs.String())
	}
	// The emulators' answer pumps are the test's own; end them first.
	for _, s := range []*webScreen{ws, ws2} {
		_ = s.conn.CloseNow()
		if pw, ok := s.emu.InputPipe().(interface{ Close() error }); ok {
			_ = pw.Close()
		}
	}
	waitGoroutines(t, idle)
}

func TestWebAndSSHViewersOfOneRunSeeTheSameScreen(t *testing.T) {
	skipInShortMode(t)
	ts, base := startWebServer(t, testConfig(t))
	id, run := trainingRun(t, 20261202)
	web := openWeb(t, base, 120, 40, id)
	sshView := joinScreen(t, ts.addr, id, run)
	line := sameTrainingLine(t, "web and ssh", sshView, web.screen)
	t.Logf("web and ssh:\n%s", line)
	sameScreen(t, "web and ssh", sshView, web.screen)

	// The one-word join: the ssh user name is the run id.
	short := openScreen(t, dialAs(t, ts.addr, id), 120, 40, "")
	short.waitFor("the run joined by user name", func(txt string) bool {
		return strings.Contains(txt, run) && trainingLine(txt) != ""
	})
	sameScreen(t, "ssh <id>@host and the web", short, web.screen)

	// A user name that is not a run id is a login name like any other.
	other := openScreen(t, dialAs(t, ts.addr, "alice"), 100, 30, "")
	txt := other.waitFor("a fresh run", func(txt string) bool { return strings.Contains(txt, "overfit") })
	if strings.Contains(txt, run) {
		t.Fatalf("user alice joined %s:\n%s", run, txt)
	}
}

func TestUserJoinArgs(t *testing.T) {
	id := sim.EncodeRunID(sim.Options{Seed: 3, Start: time.Unix(1_700_000_000, 0)})
	for _, tc := range []struct {
		user string
		args []string
		want string
	}{
		{id, nil, "--join " + id},
		{id, []string{"--plain"}, "--join " + id + " --plain"},
		{id, []string{"--seed", "4"}, "--seed 4"},
		{id, []string{"--join=" + id}, "--join=" + id},
		{id, []string{"-help"}, "-help"},
		{"visitor", nil, ""},
		{id[:len(id)-1], nil, ""},
		{"root", []string{"--plain"}, "--plain"},
	} {
		if got := strings.Join(userJoinArgs(tc.user, tc.args), " "); got != tc.want {
			t.Errorf("userJoinArgs(%q, %q) = %q, want %q", tc.user, tc.args, got, tc.want)
		}
	}
}

func TestSessionLimitsAreSharedBetweenSSHAndWeb(t *testing.T) {
	cfg := testConfig(t)
	cfg.Limits.MaxSessions = 2
	ts, base := startWebServer(t, cfg)
	c, _ := dial(t, ts.addr)
	first := openStream(t, c, "--speed 10")
	first.lines(t, 1)
	web := openWeb(t, base, 100, 30, "")
	web.waitFor("the web dashboard", func(txt string) bool { return strings.Contains(txt, "overfit") })

	// The third session, over either, is refused.
	code, _, errOut := runCommand(t, c, "--speed 10")
	if code != 1 || errOut != busyMessage+"\n" {
		t.Fatalf("third session over ssh: exit %d, stderr %q; want the busy line", code, errOut)
	}
	third := openWeb(t, base, 100, 30, "")
	err := third.waitClosed()
	if websocket.CloseStatus(err) != websocket.StatusTryAgainLater {
		t.Fatalf("third session over the web closed with %v, want try-again-later", err)
	}
	if txt := third.text(); !strings.Contains(txt, "server busy") {
		t.Fatalf("the refused browser shows:\n%s", txt)
	}

	// Per address too: the web counts against the SSH client's address.
	_ = first.sess.Close()
	eventually(t, "the stream's slot to be free", func() bool { return ts.srv.limits.live() == 1 })
	cfg2 := testConfig(t)
	cfg2.Limits.MaxSessionsPerIP = 1
	ts2, base2 := startWebServer(t, cfg2)
	w1 := openWeb(t, base2, 100, 30, "")
	w1.waitFor("the web dashboard", func(txt string) bool { return strings.Contains(txt, "overfit") })
	c2, _ := dial(t, ts2.addr)
	if code, _, errOut := runCommand(t, c2, "--speed 10"); code != 1 || errOut != busyMessage+"\n" {
		t.Fatalf("second session of one address: exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(ts2.logs.String(), ` reason=sessions_per_ip`) {
		t.Errorf("per-address refusal not logged:\n%s", ts2.logs.String())
	}
}

func TestWebRefusesForeignOriginsAndBadIDs(t *testing.T) {
	_, base := startWebServer(t, testConfig(t))
	if _, err := dialWeb(t, base, 80, 24, "", http.Header{"Origin": {"https://evil.example"}}); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("a foreign Origin: %v, want HTTP 403", err)
	}
	if _, err := dialWeb(t, base, 80, 24, "not-a-run-id", nil); err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("a bad join id over the socket: %v, want HTTP 400", err)
	}
	for _, tc := range badJoinIDs(time.Now()) {
		resp, body := httpGet(t, base+"/r/"+url.PathEscape(tc.id))
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "cannot be watched") || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s: /r/ answered %d:\n%s", tc.name, resp.StatusCode, body)
		}
	}
	resp, body := httpGet(t, base+"/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "static/xterm.js") ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Fatalf("/ answered %d %v:\n%s", resp.StatusCode, resp.Header, body)
	}
	for _, f := range []string{"xterm.js", "xterm.css", "addon-fit.js", "overfit.js", "LICENSE.xterm", "LICENSE.addon-fit"} {
		if resp, body := httpGet(t, base+"/static/"+f); resp.StatusCode != http.StatusOK || len(body) == 0 {
			t.Errorf("/static/%s: %d, %d bytes", f, resp.StatusCode, len(body))
		}
	}
}

func TestClientIPBelievesOnlyTrustedProxies(t *testing.T) {
	trusted, err := parsePrefixes("10.0.0.0/8, 192.168.1.5")
	if err != nil {
		t.Fatal(err)
	}
	ws := &webServer{trusted: trusted}
	for _, tc := range []struct {
		peer, xff, want string
	}{
		{"203.0.113.9:5000", "", "203.0.113.9"},
		{"203.0.113.9:5000", "1.2.3.4", "203.0.113.9"}, // not a proxy: header ignored
		{"10.1.2.3:5000", "1.2.3.4", "1.2.3.4"},
		{"10.1.2.3:5000", "6.6.6.6, 1.2.3.4, 192.168.1.5", "1.2.3.4"}, // spoofed left part ignored
		{"192.168.1.5:80", "", "192.168.1.5"},
		{"10.1.2.3:5000", "garbage", "10.1.2.3"},
		{"[2001:db8::1]:5000", "1.2.3.4", "2001:db8::1"},
	} {
		r := httptest.NewRequest("GET", "/ws", nil)
		r.RemoteAddr = tc.peer
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := ws.clientIP(r); got != tc.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", tc.peer, tc.xff, got, tc.want)
		}
	}
	if _, err := parsePrefixes("10.0.0.0/8,nonsense"); err == nil || !strings.Contains(err.Error(), "--trusted-proxies") {
		t.Fatalf("a bad proxy list: %v", err)
	}
}

func TestLinkPreviewTagsAndImage(t *testing.T) {
	skipInShortMode(t)
	_, base := startWebServer(t, testConfig(t))
	id, _ := trainingRun(t, 20261203)
	o, _ := sim.ParseRunID(id)
	st, _ := sim.NewStream(o)
	model := st.Run().Model.Name

	resp, body := httpGet(t, base+"/r/"+id)
	page := string(body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/r/%s: %d", id, resp.StatusCode)
	}
	for _, want := range []string{`property="og:title" content="` + model, `property="og:image" content="` + publicBase(base) + "/r/" + id + `.png"`,
		`name="twitter:card" content="summary_large_image"`, " · step ", " · loss "} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q:\n%s", want, page)
		}
	}

	decode := func(id string) ([]byte, int, int) {
		resp, body := httpGet(t, base+"/r/"+id+".png")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("%s.png: %d %s: %s", id, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		img, err := png.Decode(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s.png does not decode: %v", id, err)
		}
		return body, img.Bounds().Dx(), img.Bounds().Dy()
	}
	training, w, h := decode(id)
	r, err := newRasterizer()
	if err != nil {
		t.Fatal(err)
	}
	ww, wh := r.size(previewCols, previewRows)
	if w != ww || h != wh || w < previewCols*5 || h < previewRows*10 {
		t.Fatalf("preview is %d×%d, want %d×%d (120×40 cells)", w, h, ww, wh)
	}
	// The same seed at its very start: the init phase, another picture.
	fresh := sim.EncodeRunID(sim.Options{Seed: o.Seed, Start: time.Now().Add(-2 * time.Second)})
	starting, _, _ := decode(fresh)
	a, _ := png.Decode(bytes.NewReader(training))
	b, _ := png.Decode(bytes.NewReader(starting))
	differ := 0
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if a.At(x, y) != b.At(x, y) {
				differ++
			}
		}
	}
	if differ < w*h/100 {
		t.Fatalf("the training and init phases differ in %d pixels of %d", differ, w*h)
	}
	t.Logf("training vs init: %d of %d pixels differ; %d and %d bytes", differ, w*h, len(training), len(starting))
	// Asked again within the second: the cached image.
	again, _, _ := decode(id)
	if len(again) == 0 {
		t.Fatal("empty image")
	}
	if resp, _ := httpGet(t, base+"/r/not-an-id.png"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a bad id's image: %d, want 404", resp.StatusCode)
	}
}

// TestStalledBrowserIsDropped: a browser that stops reading while it keeps
// sending (resizes, each a full redraw) is dropped after the stall
// timeout, like a stalled SSH client, and its slot is freed.
func TestStalledBrowserIsDropped(t *testing.T) {
	skipInShortMode(t)
	cfg := testConfig(t)
	cfg.Limits.StallTimeout = time.Second
	ts, base := startWebServer(t, cfg)
	// The kernel takes a few MB into the socket buffers (loopback send
	// buffers grow to 4 MiB) before a write blocks; full redraws at 20
	// frames a second get there in 10–20 s.
	const budget = 60 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	// Never read: the server's writes pile up in the socket buffers.
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws?cols=300&rows=100", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow() //nolint:errcheck
	eventually(t, "the session to start", func() bool { return ts.srv.limits.live() == 1 })
	begun := time.Now()
	for i := 0; ts.srv.limits.live() > 0; i++ {
		if time.Since(begun) > budget {
			t.Fatalf("a browser that stopped reading still holds its session after %v", budget)
		}
		size := []byte(`{"cols":300,"rows":100}`)
		if i%2 == 1 {
			size = []byte(`{"cols":299,"rows":99}`)
		}
		wctx, done := context.WithTimeout(ctx, time.Second)
		err := conn.Write(wctx, websocket.MessageText, size)
		done()
		if err != nil {
			break // the server closed the connection: dropped
		}
		time.Sleep(20 * time.Millisecond) // pacing the resizes, not synchronization
	}
	eventually(t, "the stalled session to be unregistered", func() bool { return ts.srv.limits.live() == 0 })
	eventually(t, "the stall to be logged", func() bool {
		return strings.Contains(ts.logs.String(), `reason="client stopped reading"`)
	})
	t.Logf("dropped %v after the first resize", time.Since(begun).Round(time.Millisecond))
}
