package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's chromium package (apt-get install -y chromium).
const chromiumPath = "/usr/bin/chromium"

// TestStickerAdminPageInChromium logs in to the admin page with the dev admin
// token in headless Chromium, searches, checks the results and analytics, and
// keeps a screenshot (go test -artifacts keeps it under -outputdir).
func TestStickerAdminPageInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test starts the whole stack and a browser")
	}
	needBrowser(t)
	s := startServer(t, buildServer(t), t.TempDir())
	// Some history for the analytics panels.
	call(t, "GET", s.url+"/api/search/?query=cat+in+a+park", "", nil)
	call(t, "GET", s.url+"/api/search/?query=cats+park", "", nil)
	// Usage is flushed in the background: the page reads it once, so wait for it.
	waitForUsage(t, s.url, "cat+in+a+park", 2)
	r := call(t, "POST", s.url+"/api/feedback/", "", strings.NewReader(`{"feedback":[{"query":"cat in a park","positive":["1F408"]}]}`))
	if r.status != 200 {
		t.Fatalf("feedback: %d %s", r.status, r.body)
	}

	ctx := browser(t)
	var usage, firstResult string
	var shot []byte
	err := chromedp.Run(ctx,
		chromedp.Navigate(s.url+"/admin/"),
		chromedp.WaitVisible("#token", chromedp.ByID),
		chromedp.SendKeys("#token", "dev-admin", chromedp.ByID),
		chromedp.Click("#login button", chromedp.ByQuery),
		chromedp.WaitVisible("#queries .query-row", chromedp.ByQuery),
		chromedp.Text("#queries .query-row td:nth-child(2)", &usage, chromedp.ByQuery),
		chromedp.WaitVisible("#chart svg rect", chromedp.ByQuery),
		chromedp.SendKeys("#query", "feline", chromedp.ByID),
		chromedp.Click("#search button", chromedp.ByQuery),
		chromedp.WaitVisible("#results .result", chromedp.ByQuery),
		chromedp.Text("#results", &firstResult, chromedp.ByID),
		chromedp.FullScreenshot(&shot, 100), // 100: PNG
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if strings.TrimSpace(usage) != "2" {
		t.Errorf("top query usage shown as %q, want 2", usage)
	}
	if !strings.Contains(firstResult, "cat") {
		t.Errorf("search for feline shows %q, no cat", firstResult)
	}
	out := filepath.Join(t.ArtifactDir(), "sticker-admin.png")
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", out, len(shot))
}

// TestDocsPageInChromium: Swagger UI renders the API at /docs and at /docs/
// (which API Gateway serves with the same route), with every operation listed.
func TestDocsPageInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test starts the whole stack and a browser")
	}
	needBrowser(t)
	s := startServer(t, buildServer(t), t.TempDir())
	for _, path := range []string{"/docs", "/docs/"} {
		t.Run(path, func(t *testing.T) {
			ctx := browser(t)
			var title, location string
			var operations []*cdp.Node
			err := chromedp.Run(ctx,
				chromedp.Navigate(s.url+path),
				chromedp.WaitVisible(".swagger-ui .info .title", chromedp.ByQuery),
				chromedp.Text(".swagger-ui .info .title", &title, chromedp.ByQuery),
				chromedp.WaitVisible(".opblock", chromedp.ByQuery),
				chromedp.Nodes(".opblock", &operations, chromedp.ByQueryAll),
				chromedp.Location(&location),
			)
			if err != nil {
				t.Fatalf("browser at %s: %v", path, err)
			}
			if !strings.Contains(title, "Mosaic") {
				t.Errorf("%s: title %q", path, title)
			}
			if len(operations) < 20 {
				t.Errorf("%s: %d operations shown, want every route (20 or more)", path, len(operations))
			}
			if location != s.url+"/docs" {
				t.Errorf("%s: the browser ends at %s, want %s/docs", path, location, s.url)
			}
		})
	}
}

// needBrowser skips (fails, in CI) when Debian's chromium is missing.
func needBrowser(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" { // .ci/run installs it: never let CI pass untested
			t.Fatalf("no browser: %s is missing (apt-get install -y chromium)", chromiumPath)
		}
		t.Skipf("no browser: %s is missing (apt-get install -y chromium)", chromiumPath)
	}
}

// browser starts a headless Chromium for the test and returns its context,
// which ends within 30 s.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 30*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}
