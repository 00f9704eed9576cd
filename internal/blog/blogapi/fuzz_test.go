package blogapi

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/blog"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
)

// FuzzPostBody feeds arbitrary bodies to the decoding and validation of
// POST /posts and PUT /posts/{id}: every body is accepted as valid content or
// refused with a 4xx problem. (blog's FuzzContent checks the slugs.)
func FuzzPostBody(f *testing.F) {
	for _, seed := range []string{
		`{"title":"Hello, World!","paragraphs":["a","b"],"author":"ann"}`,
		`{"title":"  ","paragraphs":[]}`, `{"title":"x","paragraphs":["` + "\u00e9\u200b" + `"]}`,
		`{"title":1}`, `[]`, `null`, `{"title":"a","paragraphs":[null]}`, "{\"title\":\"\xff\"}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		c, err := readContent(events.APIGatewayV2HTTPRequest{Body: body})
		if err != nil {
			var p *apigw.Problem
			if !errors.As(err, &p) || p.Status < 400 || p.Status > 499 {
				t.Fatalf("body %q: %v is not a 4xx problem", body, err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("body %q accepted, but its content is invalid: %v", body, err)
		}
	})
}

// FuzzModerationMessage feeds arbitrary queue bodies to the worker: a body
// that is not a valid request fails permanently, and nothing panics.
func FuzzModerationMessage(f *testing.F) {
	for _, seed := range []string{`{"id":"00000000000000a1","version":1}`, `{"id":"x","version":1}`, `{}`, `nope`, `{"id":"00000000000000a1","version":-3}`, `{"id":"a-00000000000000a1","version":2}`} {
		f.Add(seed)
	}
	w := newWorker(f, nil) // no post in it: every valid message is for an absent post
	f.Fuzz(func(t *testing.T, body string) {
		err := queue.JSON(w.mod.Moderate)(context.Background(), events.SQSMessage{Body: body})
		var req blog.ModerationRequest
		valid := json.Unmarshal([]byte(body), &req) == nil && req.Version >= 1
		if id, ok := blog.IDFromPath(req.ID); !ok || id != req.ID {
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
