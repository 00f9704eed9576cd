package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestBlogEndToEnd writes posts through make run's server and waits for the
// moderation worker (SQS event source, embedded lexicon classifier) to
// publish or flag them, then reviews the flagged one as an admin.
func TestBlogEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test starts the whole stack")
	}
	s := startServer(t, buildServer(t), t.TempDir())
	defer s.stop(t)
	const (
		writer = "Bearer dev-writer"
		admin  = "Bearer dev-admin"
	)
	create := func(title string, paragraphs ...string) map[string]any {
		t.Helper()
		body := fmt.Sprintf(`{"title": %q, "paragraphs": ["%s"]}`, title, strings.Join(paragraphs, `", "`))
		r := call(t, "POST", s.url+"/posts", writer, strings.NewReader(body))
		if r.status != 201 || r.decoded["status"] != "pending" {
			t.Fatalf("POST /posts = %d %s", r.status, r.body)
		}
		return r.decoded
	}
	// settled waits until the post leaves pending and returns it as a writer sees it.
	settled := func(id string) map[string]any {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			r := call(t, "GET", s.url+"/posts/"+id, writer, nil)
			if r.status != 200 {
				t.Fatalf("GET /posts/%s = %d %s", id, r.status, r.body)
			}
			if r.decoded["status"] != "pending" && r.decoded["pending_edit"] == nil {
				return r.decoded
			}
			if time.Now().After(deadline) {
				t.Fatalf("post %s still pending after 20s", id)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	clean := create("A Day  in Scunthorpe!", "What a lovely day in Scunthorpe.", "The assessment went well.")
	foul := create("Rant", "Hello world.", "This is fucking bullshit, you idiot.")
	cleanID, foulID := clean["id"].(string), foul["id"].(string)
	if clean["blogpost_slug"] != "a-day-in-scunthorpe-"+cleanID {
		t.Errorf("slug = %v", clean["blogpost_slug"])
	}

	if p := settled(cleanID); p["status"] != "published" || p["has_foul_language"] != false {
		t.Errorf("clean post = %v", p)
	}
	p := settled(foulID)
	offending, _ := p["moderation"].(map[string]any)["offending_paragraphs"].([]any)
	if p["status"] != "flagged" || p["has_foul_language"] != true || len(offending) != 1 ||
		offending[0].(map[string]any)["index"] != 1.0 || offending[0].(map[string]any)["top_label"] == "" {
		t.Fatalf("foul post = %v", p)
	}

	t.Run("public listing shows published posts only", func(t *testing.T) {
		r := call(t, "GET", s.url+"/posts", "", nil)
		if r.status != 200 || len(r.decoded["items"].([]any)) != 1 || r.decoded["items"].([]any)[0].(map[string]any)["id"] != cleanID {
			t.Fatalf("GET /posts = %d %s", r.status, r.body)
		}
		if r := call(t, "GET", s.url+"/posts/"+foulID, "", nil); r.status != 404 {
			t.Errorf("a flagged post is public: %d", r.status)
		}
		if r := call(t, "GET", s.url+"/posts/"+clean["blogpost_slug"].(string), "", nil); r.status != 200 {
			t.Errorf("GET by slug = %d %s", r.status, r.body)
		}
	})
	t.Run("admin review queue and approval", func(t *testing.T) {
		if r := call(t, "GET", s.url+"/posts?status=flagged", "", nil); r.status != 401 {
			t.Errorf("review queue without a token = %d", r.status)
		}
		if r := call(t, "GET", s.url+"/posts?status=flagged", writer, nil); r.status != 403 {
			t.Errorf("review queue as writer = %d", r.status)
		}
		r := call(t, "GET", s.url+"/posts?status=flagged&limit=10", admin, nil)
		if r.status != 200 || len(r.decoded["items"].([]any)) != 1 {
			t.Fatalf("review queue = %d %s", r.status, r.body)
		}
		r = call(t, "POST", s.url+"/posts/"+foulID+"/review", admin, strings.NewReader(`{"decision": "approve"}`))
		if r.status != 200 || r.decoded["status"] != "published" {
			t.Fatalf("approve = %d %s", r.status, r.body)
		}
		r = call(t, "GET", s.url+"/posts?limit=1", "", nil)
		if r.status != 200 || r.decoded["items"].([]any)[0].(map[string]any)["id"] != foulID || r.decoded["next_cursor"] == nil {
			t.Fatalf("first page after approval = %d %s", r.status, r.body)
		}
		next := call(t, "GET", s.url+"/posts?limit=1&cursor="+url.QueryEscape(r.decoded["next_cursor"].(string)), "", nil)
		if next.status != 200 || next.decoded["items"].([]any)[0].(map[string]any)["id"] != cleanID || next.decoded["next_cursor"] != nil {
			t.Fatalf("second page = %d %s", next.status, next.body)
		}
	})
	t.Run("an edit is moderated again", func(t *testing.T) {
		r := call(t, "PUT", s.url+"/posts/"+cleanID, writer, strings.NewReader(`{"title": "A Day", "paragraphs": ["Damn this shit."]}`))
		// The published version stays up while the edit waits for its verdict.
		edit, _ := r.decoded["pending_edit"].(map[string]any)
		if r.status != 200 || r.decoded["status"] != "published" || r.decoded["version"] != 2.0 || edit["title"] != "A Day" {
			t.Fatalf("PUT = %d %s", r.status, r.body)
		}
		if p := settled(cleanID); p["status"] != "flagged" {
			t.Errorf("edited post = %v", p)
		}
	})
	t.Run("delete", func(t *testing.T) {
		if r := call(t, "DELETE", s.url+"/posts/"+cleanID, admin, nil); r.status != 204 {
			t.Fatalf("DELETE = %d %s", r.status, r.body)
		}
		if r := call(t, "GET", s.url+"/posts/"+cleanID, admin, nil); r.status != 404 {
			t.Errorf("GET after DELETE = %d", r.status)
		}
	})
}
