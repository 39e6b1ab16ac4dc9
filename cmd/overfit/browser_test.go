package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// screenshotEnv names a file the browser test writes its screenshot to;
// docs/img/web-viewer.png is made with
// OVERFIT_WEB_SCREENSHOT=$PWD/docs/img/web-viewer.png go test ./cmd/overfit -run TestBrowser
const screenshotEnv = "OVERFIT_WEB_SCREENSHOT"

// TestBrowserWatchesARunTypesAndResizes drives a real headless Chromium
// (Debian's chromium package; .ci/run installs it) to /r/<id>: the run's
// text appears in xterm.js, a key changes the run's speed, a smaller window
// re-lays it out, and a screenshot is saved.
func TestBrowserWatchesARunTypesAndResizes(t *testing.T) {
	skipInShortMode(t)
	chromium := findChromium(t)
	_, base := startWebServer(t, testConfig(t))
	id, run := trainingRun(t, 20261204)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox, // CI runs as root
		chromedp.WindowSize(1280, 800),
	)
	actx, stopAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer stopAlloc()
	ctx, stopBrowser := chromedp.NewContext(actx)
	defer stopBrowser()
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	screenText := func() string {
		txt, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector(".xterm-rows") || {innerText: ""}).innerText`))
		if err != nil {
			t.Fatalf("read the page: %v", err)
		}
		return strings.ReplaceAll(txt, "\u00a0", " ")
	}
	waitText := func(what string, cond func(string) bool) string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			txt := screenText()
			if cond(txt) {
				return txt
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; the page shows:\n%s", what, txt)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(publicBase(base)+"/r/"+id)); err != nil {
		t.Fatalf("open /r/%s: %v", id, err)
	}
	wide := waitText("the run's dashboard", func(txt string) bool {
		return strings.Contains(txt, run) && strings.Contains(txt, "╭") && barLine(txt) != ""
	})
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := os.Getenv(screenshotEnv)
	if path == "" {
		path = t.TempDir() + "/web-viewer.png"
	}
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}

	// + speeds the run up: the header shows the time-lapse badge. (Typed
	// into xterm.js's input element; Chromium's synthetic key events may
	// deliver a key twice, so the test uses a key whose effect shows either
	// way: ×2 or ×4.)
	if err := chromedp.Do(ctx, chromedp.SendKeys(".xterm-helper-textarea", "+")); err != nil {
		t.Fatalf("press +: %v", err)
	}
	waitText("the time-lapse badge after +", func(txt string) bool {
		for _, l := range strings.Split(txt, "\n") {
			if strings.Contains(l, "elapsed") {
				return strings.Contains(l, "×2") || strings.Contains(l, "×4")
			}
		}
		return false
	})

	// A smaller window: the fit addon reports fewer columns, the server
	// draws for them.
	before := widest(wide)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(640, 480)); err != nil {
		t.Fatalf("resize: %v", err)
	}
	waitText("the run re-laid out for a narrower window", func(txt string) bool {
		w := widest(txt)
		return barLine(txt) != "" && w > 0 && w < before*2/3
	})
}

// findChromium returns the chromium binary. Like findHAProxy, it skips the
// test when chromium is missing outside CI; in CI (.ci/run installs it)
// that is a failure.
func findChromium(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("chromium")
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed; CI must run this test (.ci/run installs Debian's chromium package)")
	}
	t.Skip("chromium not on PATH: install it (apt-get install chromium) to run the browser test")
	return ""
}
