package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestStickersEndToEnd drives the sticker routes over HTTP through make run's binary.
func TestStickersEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test starts the whole stack")
	}
	s := startServer(t, buildServer(t), t.TempDir())

	t.Run("counter with and without the trailing slash", func(t *testing.T) {
		for _, path := range []string{"/api/counter/", "/api/counter"} {
			r := call(t, "GET", s.url+path+"?digit=7&n=1000", "", nil)
			if r.status != 200 || r.decoded["count"] != float64(300) || r.decoded["answer"] != float64(300) || r.decoded["n"] != "1000" {
				t.Fatalf("GET %s = %d %s", path, r.status, r.body)
			}
		}
		r := call(t, "GET", s.url+"/api/counter/?digit=7&n=1000&count=numbers", "", nil)
		if r.status != 200 || r.decoded["count"] != float64(271) {
			t.Fatalf("count=numbers: %d %s", r.status, r.body)
		}
	})
	t.Run("counter rejects bad input with a problem", func(t *testing.T) {
		r := call(t, "GET", s.url+"/api/counter/?digit=x&n=-1", "", nil)
		if r.status != 400 || r.header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("bad input: %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
		}
	})
}

// TestStickersSearchFeedbackAnalyticsEndToEnd searches, votes, reads the
// analytics back and adds a sticker, over HTTP with the dev tokens.
func TestStickersSearchFeedbackAnalyticsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test starts the whole stack")
	}
	// A tiny catalog refresh lets the added sticker show up at once.
	s := startServer(t, buildServer(t), t.TempDir(), "CATALOG_REFRESH=1ms")

	for _, path := range []string{"/api/search/", "/api/search"} {
		r := call(t, "GET", s.url+path+"?query=cat+in+a+park&limit=5", "", nil)
		ids, _ := r.decoded["stickers"].([]any)
		if r.status != 200 || len(ids) != 5 {
			t.Fatalf("GET %s = %d %s", path, r.status, r.body)
		}
	}
	if r := call(t, "GET", s.url+"/api/search/?query=", "", nil); r.status != 400 {
		t.Fatalf("empty query: %d %s", r.status, r.body)
	}
	r := call(t, "POST", s.url+"/api/feedback/", "", strings.NewReader(
		`{"feedback":[{"query":"cat in a park","positive":["1F408","no-such-sticker"],"negative":["1F415"]}]}`))
	if r.status != 200 || r.decoded["accepted"] != float64(2) || fmt.Sprint(r.decoded["failed"]) != "[no-such-sticker]" {
		t.Fatalf("POST /api/feedback/ = %d %s", r.status, r.body)
	}
	if r := call(t, "GET", s.url+"/api/analytics/?query=cat+in+a+park", "", nil); r.status != 401 {
		t.Fatalf("analytics without a token: %d", r.status)
	}
	if r := call(t, "GET", s.url+"/api/analytics/?query=cat+in+a+park", "Bearer dev-reader", nil); r.status != 403 {
		t.Fatalf("analytics as reader: %d", r.status)
	}
	// Usage is flushed in the background within USAGE_FLUSH_INTERVAL (1s).
	r = waitForUsage(t, s.url, "cats+in+the+park", 2)
	fb, _ := r.decoded["feedback"].([]any)
	if len(fb) != 2 {
		t.Fatalf("analytics = %d %s", r.status, r.body)
	}
	r = call(t, "GET", s.url+"/api/analytics/?format=csv", "Bearer dev-admin", nil)
	if r.status != 200 || !strings.HasPrefix(string(r.body), "query,normalized,usage,sticker,positives,negatives,score\n") {
		t.Fatalf("csv = %d %s", r.status, r.body)
	}
	r = call(t, "PUT", s.url+"/api/stickers/acme-rocket", "Bearer dev-admin", strings.NewReader(
		`{"title":"Acme rocket","tags":["zorblax"],"image_url":"https://assets.example.com/rocket.png"}`))
	if r.status != 200 {
		t.Fatalf("PUT sticker = %d %s", r.status, r.body)
	}
	r = call(t, "GET", s.url+"/api/search/?query=zorblax", "", nil)
	if ids, _ := r.decoded["stickers"].([]any); r.status != 200 || len(ids) == 0 || ids[0] != "acme-rocket" {
		t.Fatalf("added sticker not found: %d %s", r.status, r.body)
	}
}
