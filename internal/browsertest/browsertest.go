// Package browsertest drives Debian's Chromium for the console's browser tests and
// checks pages with axe-core (vendored in testdata). Only tests import it. Without
// Chromium a test is skipped, except under CI, where it fails: CI must never pass by
// skipping the browser.
package browsertest

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"image"
	"image/color/palette"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

//go:embed testdata/axe.min.js
var axeSource string

// Browser is one headless Chromium tab with what its pages reported.
type Browser struct {
	Ctx context.Context
	mu  sync.Mutex
	// problems are uncaught exceptions and console errors (CSP violations among them).
	problems []string
}

// ChromiumPath finds Chromium: $CEP_CHROMIUM, then chromium on PATH, then /usr/bin/chromium.
func ChromiumPath() string {
	if p := os.Getenv("CEP_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	return ""
}

// New starts a fresh headless Chromium (its own profile in a temporary folder) for the
// test and closes it at the end.
func New(t testing.TB) *Browser {
	t.Helper()
	path := ChromiumPath()
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("browsertest: Chromium is missing (apt-get install chromium); under CI browser tests must run")
		}
		t.Skip("browsertest: Chromium not installed (apt-get install chromium)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "profile")),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	b := &Browser{Ctx: ctx}
	// The first run starts the browser; it must not carry a timeout (that would bound
	// the browser's life), so a watchdog bounds it instead.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx, chromedp.Navigate("about:blank")) }()
	select {
	case err := <-started:
		if err != nil {
			cancelTab()
			cancelAlloc()
			t.Fatalf("browsertest: start Chromium %s: %v", path, err)
		}
	case <-time.After(90 * time.Second):
		cancelTab()
		cancelAlloc()
		t.Fatalf("browsertest: Chromium %s did not start within 90 s", path)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				b.report(m.String())
			}
		}
	}()
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	return b
}

func (b *Browser) report(s string) {
	b.mu.Lock()
	b.problems = append(b.problems, s)
	b.mu.Unlock()
}

// Do runs steps with a bound, failing the test on error.
func (b *Browser) Do(t testing.TB, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// Get runs one action that returns a value, with a bound, failing the test on error.
func Get[T any](t testing.TB, b *Browser, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}

// Location is the address of the current page.
func (b *Browser) Location(t testing.TB) string {
	t.Helper()
	return Get(t, b, chromedp.Location())
}

// Text is the visible text of the first element matching the CSS selector.
func (b *Browser) Text(t testing.TB, css string) string {
	t.Helper()
	return Get(t, b, chromedp.Text(chromedp.CSS(css)))
}

// Eval evaluates a JavaScript expression in the page.
func Eval[T any](t testing.TB, b *Browser, expr string) T {
	t.Helper()
	return Get(t, b, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// NoPageErrors fails the test if a page threw or logged an error (a refused script or
// style under the CSP shows here).
func (b *Browser) NoPageErrors(t testing.TB) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Errorf("page error: %s", p)
	}
	b.problems = nil
}

// Violation is one axe-core rule a page breaks.
type Violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// Axe runs axe-core on the current page and fails the test for every violation of
// impact serious or critical (RGAA follows WCAG 2.1 AA; axe's wcag2a/wcag2aa/wcag21a/
// wcag21aa tags). It returns all violations for the caller's curiosity.
func (b *Browser) Axe(t testing.TB, page string) []Violation {
	t.Helper()
	script := axeSource + `
;(async () => {
  const r = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}, resultTypes: ["violations"]});
  return JSON.stringify(r.violations);
})()`
	raw := Eval[string](t, b, script)
	var vs []Violation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		t.Fatalf("axe on %s: %v", page, err)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			var where []string
			for _, n := range v.Nodes {
				where = append(where, fmt.Sprint(n.Target)+" "+n.HTML)
			}
			t.Errorf("axe on %s: %s (%s): %s\n  %s", page, v.ID, v.Impact, v.Help, strings.Join(where, "\n  "))
		}
	}
	return vs
}

// Screenshot saves a PNG of the page as name.png in the folder named by
// $CEP_SCREENSHOTS (the README's pictures are taken with
// CEP_SCREENSHOTS=$PWD/docs/screenshots); without it, it does nothing.
func (b *Browser) Screenshot(t testing.TB, name string) {
	t.Helper()
	dir := os.Getenv("CEP_SCREENSHOTS")
	if dir == "" {
		return
	}
	shot := Get(t, b, chromedp.CaptureScreenshot())
	// A 256-colour palette keeps the committed pictures small (a fifth of the size).
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	small := image.NewPaletted(img.Bounds(), palette.Plan9)
	draw.Draw(small, small.Rect, img, image.Point{}, draw.Src)
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, small); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Forget drops the page errors seen so far (after a step that must show an error page,
// whose 403 or 404 the browser logs).
func (b *Browser) Forget() {
	b.mu.Lock()
	b.problems = nil
	b.mu.Unlock()
}

// WaitFor waits until the JavaScript expression is true in the page (after a click
// that navigates, for example `location.pathname === "/dossiers"`) and the page has
// finished loading.
func (b *Browser) WaitFor(t testing.TB, expr string) {
	t.Helper()
	// Polled from here, not in the page: a navigation destroys the page's own pollers.
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.Ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+") && document.readyState === 'complete'"))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			loc, _ := chromedp.Run(b.Ctx, chromedp.Location())
			t.Fatalf("browser: still waiting for %s on %s (%v)", expr, loc, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
