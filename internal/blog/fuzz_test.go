package blog

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
)

// FuzzPostBody feeds arbitrary bodies to the decoding and validation of
// POST /posts: every body is accepted or refused with a 4xx problem, and an
// accepted one makes a slug that is lower-case, dash-separated and ends with the id.
func FuzzPostBody(f *testing.F) {
	for _, seed := range []string{
		`{"title":"Hello, World!","paragraphs":["a","b"],"author":"ann"}`,
		`{"title":"  ","paragraphs":[]}`, `{"title":"x","paragraphs":["` + "\u00e9\u200b" + `"]}`,
		`{"title":1}`, `[]`, `null`, `{"title":"a","paragraphs":[null]}`, "{\"title\":\"\xff\"}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var c Content
		err := apigw.DecodeJSON(events.APIGatewayV2HTTPRequest{Body: body}, &c, 0)
		if err == nil {
			err = c.Validate()
		}
		if err != nil {
			var p *apigw.Problem
			if !errors.As(err, &p) || p.Status < 400 || p.Status > 499 {
				t.Fatalf("body %q: %v is not a 4xx problem", body, err)
			}
			return
		}
		const id = "0123456789abcdef"
		slug := Slug(c.Title, id)
		if !strings.HasSuffix(slug, "-"+id) || strings.Contains(slug, "--") || strings.HasPrefix(slug, "-") ||
			!utf8.ValidString(slug) || len(slug) > maxSlugBase+1+len(id) {
			t.Fatalf("Slug(%q) = %q", c.Title, slug)
		}
		if got, ok := IDFromPath(slug); !ok || got != id {
			t.Fatalf("IDFromPath(%q) = %q, %v", slug, got, ok)
		}
	})
}

// FuzzModerationMessage feeds arbitrary queue bodies to the worker: a body
// that is not a valid request fails permanently, and nothing panics.
func FuzzModerationMessage(f *testing.F) {
	for _, seed := range []string{`{"id":"00000000000000a1","version":1}`, `{"id":"x","version":1}`, `{}`, `nope`, `{"id":"00000000000000a1","version":-3}`, `{"id":"a-00000000000000a1","version":2}`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		w := newWorker(nil)
		err := queue.JSON(w.mod.Moderate)(context.Background(), events.SQSMessage{Body: body})
		var req ModerationRequest
		valid := json.Unmarshal([]byte(body), &req) == nil && req.Version >= 1
		if id, ok := IDFromPath(req.ID); !ok || id != req.ID {
			valid = false
		}
		if valid && err != nil {
			t.Fatalf("valid message %q for an absent post: %v", body, err)
		}
		if !valid && !queue.IsPermanent(err) {
			t.Fatalf("invalid message %q: %v, want a permanent error", body, err)
		}
	})
}
