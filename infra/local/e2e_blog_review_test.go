package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBlogReviewPageInChromium writes two posts that the moderation worker
// flags, opens the review page in headless Chromium with the dev admin
// token, checks that the spans that triggered the labels are highlighted,
// approves one post and rejects the other in the browser, and checks the
// decisions through the API. It keeps a screenshot of the queue (go test
// -artifacts keeps it under -outputdir).
func TestBlogReviewPageInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test starts the whole stack and a browser")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" { // .ci/run installs it: never let CI pass untested
			t.Fatalf("no browser: %s is missing (apt-get install -y chromium)", chromiumPath)
		}
		t.Skipf("no browser: %s is missing (apt-get install -y chromium)", chromiumPath)
	}
	s := startServer(t, buildServer(t), t.TempDir())
	defer s.stop(t)
	create := func(title string, paragraphs ...string) string {
		t.Helper()
		body := fmt.Sprintf(`{"title": %q, "paragraphs": ["%s"]}`, title, strings.Join(paragraphs, `", "`))
		r := call(t, "POST", s.url+"/posts", "Bearer dev-writer", strings.NewReader(body))
		if r.status != 201 {
			t.Fatalf("POST /posts = %d %s", r.status, r.body)
		}
		return r.decoded["id"].(string)
	}
	status := func(id string) string {
		t.Helper()
		r := call(t, "GET", s.url+"/posts/"+id, "Bearer dev-admin", nil)
		if r.status != 200 {
			t.Fatalf("GET /posts/%s = %d %s", id, r.status, r.body)
		}
		return r.decoded["status"].(string)
	}
	threat := create("Neighbours", "The fence went up on Sunday.", "If he shows up again I will find him and hurt him.")
	insult := create("Reply", "You are so st*pid, what the f*ck is wrong with you?")
	for _, id := range []string{threat, insult} {
		deadline := time.Now().Add(20 * time.Second)
		for status(id) != "flagged" {
			if time.Now().After(deadline) {
				t.Fatalf("post %s is %s, not flagged, after 20s", id, status(id))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.WindowSize(1100, 800),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 40*time.Second)
	defer cancelTimeout()

	card := func(id string) string { return `article[data-id="` + id + `"]` }
	var threatMarks, insultMarks, labels string
	var shot []byte
	err := chromedp.Run(ctx,
		chromedp.Navigate(s.url+"/admin/posts"),
		chromedp.WaitVisible("#token", chromedp.ByID),
		chromedp.SendKeys("#token", "dev-admin", chromedp.ByID),
		chromedp.Click("#login button", chromedp.ByQuery),
		chromedp.WaitVisible(card(threat)+" mark.span", chromedp.ByQuery),
		chromedp.WaitVisible(card(insult)+" mark.span", chromedp.ByQuery),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('`+card(threat)+` mark.span')).map(m => m.title + ": " + m.textContent).join(" | ")`, &threatMarks),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('`+card(insult)+` mark.span')).map(m => m.title + ": " + m.textContent).join(" | ")`, &insultMarks),
		chromedp.Text(card(threat)+" .labels", &labels, chromedp.ByQuery),
		chromedp.FullScreenshot(&shot, 100), // 100: PNG
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	out := filepath.Join(t.ArtifactDir(), "blog-review.png")
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", out, len(shot))
	if !strings.Contains(threatMarks, "violence: I will find him and hurt") {
		t.Errorf("threat highlights %q, want the violence span", threatMarks)
	}
	if !strings.Contains(insultMarks, "harassment: You are so st*pid") || !strings.Contains(insultMarks, "profanity: f*ck") {
		t.Errorf("insult highlights %q, want the harassment and profanity spans", insultMarks)
	}
	if !strings.Contains(labels, "violence") {
		t.Errorf("threat labels %q", labels)
	}

	var note string
	err = chromedp.Run(ctx,
		chromedp.Click(card(threat)+" button.approve", chromedp.ByQuery),
		chromedp.WaitVisible(card(threat)+".decided", chromedp.ByQuery),
		chromedp.Text(card(threat)+" .actions", &note, chromedp.ByQuery),
		chromedp.Click(card(insult)+" button.reject", chromedp.ByQuery),
		chromedp.WaitVisible(card(insult)+".decided", chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("browser review: %v", err)
	}
	if !strings.Contains(note, "Approved") {
		t.Errorf("after approving the page says %q", note)
	}
	if got := status(threat); got != "published" {
		t.Errorf("approved post is %s", got)
	}
	if got := status(insult); got != "rejected" {
		t.Errorf("rejected post is %s", got)
	}
}
