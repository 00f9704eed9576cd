package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// TestClassifyEndToEnd drives GET and POST /classify over HTTP through make run's binary.
func TestClassifyEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test starts the whole stack")
	}
	s := startServer(t, buildServer(t), t.TempDir())

	t.Run("GET clean and threatening messages", func(t *testing.T) {
		r := call(t, "GET", s.url+"/classify?message="+url.QueryEscape("what a lovely day in Scunthorpe"), "Bearer dev-writer", nil)
		if r.status != 200 || r.decoded["flagged"] != false {
			t.Fatalf("clean: %d %s", r.status, r.body)
		}
		r = call(t, "GET", s.url+"/classify?message="+url.QueryEscape("I'm going to k1ll you"), "Bearer dev-writer", nil)
		if r.status != 200 || r.decoded["flagged"] != true || r.decoded["top_label"] != "violence" {
			t.Fatalf("threat: %d %s", r.status, r.body)
		}
	})
	t.Run("POST a batch", func(t *testing.T) {
		r := call(t, "POST", s.url+"/classify", "Bearer dev-writer", strings.NewReader(`{"texts": ["hello there", "you f.u.c.k.i.n.g idiot"]}`))
		results, _ := r.decoded["results"].([]any)
		if r.status != 200 || len(results) != 2 || results[0].(map[string]any)["flagged"] != false || results[1].(map[string]any)["flagged"] != true {
			t.Fatalf("batch: %d %s", r.status, r.body)
		}
	})
	t.Run("roles and bad input", func(t *testing.T) {
		if r := call(t, "GET", s.url+"/classify?message=hi", "Bearer dev-reader", nil); r.status != 403 {
			t.Fatalf("reader: %d %s", r.status, r.body)
		}
		if r := call(t, "GET", s.url+"/classify", "Bearer dev-writer", nil); r.status != 400 {
			t.Fatalf("no message: %d %s", r.status, r.body)
		}
		if r := call(t, "POST", s.url+"/classify", "Bearer dev-writer", strings.NewReader(`{"texts": []}`)); r.status != 400 {
			t.Fatalf("empty batch: %d %s", r.status, r.body)
		}
	})
}

// TestClassifyRemoteEndToEnd runs /classify against a fake Hugging Face model
// started in the test: the warm-up is a 503 with Retry-After, then scores
// come from the model once and from the DynamoDB cache after that.
func TestClassifyRemoteEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test starts the whole stack")
	}
	var calls atomic.Int32
	model := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"error":"Model KoalaAI/Text-Moderation is currently loading","estimated_time":7.5}`)
			return
		}
		if r.Header.Get("Authorization") != "Bearer e2e-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `[[{"label":"HR","score":0.81},{"label":"OK","score":0.1}]]`)
	}))
	defer model.Close()
	s := startServer(t, buildServer(t), t.TempDir(),
		"MOSAIC_CLASSIFIER=huggingface", "HF_API_URL="+model.URL+"/models/KoalaAI/Text-Moderation", "HF_TOKEN=e2e-token")

	path := s.url + "/classify?message=" + url.QueryEscape("you are the worst")
	r := call(t, "GET", path, "Bearer dev-writer", nil)
	if r.status != 503 || r.header.Get("Retry-After") != "8" {
		t.Fatalf("warm-up: %d Retry-After %q %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	r = call(t, "GET", path, "Bearer dev-writer", nil)
	if r.status != 200 || r.decoded["top_label"] != "harassment" || r.decoded["cached"] != false || r.decoded["model"] != "huggingface:KoalaAI/Text-Moderation" {
		t.Fatalf("scored: %d %s", r.status, r.body)
	}
	r = call(t, "POST", s.url+"/classify", "Bearer dev-writer", strings.NewReader(`{"text": "YOU are the   worst!"}`))
	if r.status != 200 || r.decoded["cached"] != true || calls.Load() != 2 {
		t.Fatalf("cached: %d %s (model called %d times)", r.status, r.body, calls.Load())
	}
}
