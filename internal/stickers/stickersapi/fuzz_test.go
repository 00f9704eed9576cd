package stickersapi

import (
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
)

// FuzzFeedbackBody feeds arbitrary bodies to POST /api/feedback/: every answer
// is a 200 or a client error, never a 500.
func FuzzFeedbackBody(f *testing.F) {
	for _, s := range []string{
		`{"feedback":[{"query":"cat in a park","positive":["1F408"],"negative":["1F415"]}]}`,
		`{"feedback":[]}`, `{"feedback":[{"query":"","positive":[""]}]}`, `[]`, `null`, `{"feedback":null}`,
		`{"feedback":[{"query":"a","positive":["x","x"],"negative":["x"]}]}`,
	} {
		f.Add(s, "client")
	}
	fx := newFixture(f)
	fx.svc.cfg.FeedbackPerMin = 1 << 30
	h := apigw.Handle(fx.svc.feedback)
	f.Fuzz(func(t *testing.T, body, client string) {
		req := events.APIGatewayV2HTTPRequest{RouteKey: "POST /api/feedback/", Body: body,
			Headers: map[string]string{"content-type": "application/json", "x-client-id": client}}
		resp, err := h(context.Background(), req)
		if err != nil || resp.StatusCode >= 500 || (resp.StatusCode != 200 && resp.StatusCode < 400) {
			t.Fatalf("body %q: %d %v %s", body, resp.StatusCode, err, resp.Body)
		}
	})
}

// FuzzSearchQuery feeds arbitrary query strings to GET /api/search/.
func FuzzSearchQuery(f *testing.F) {
	for _, s := range []string{"query=cat+in+a+park", "query=", "query=%zz", "query=a&limit=500", "query=%F0%9F%90%88", "limit=3"} {
		f.Add(s)
	}
	fx := newFixture(f)
	h := apigw.Handle(fx.svc.search)
	f.Fuzz(func(t *testing.T, raw string) {
		resp, err := h(context.Background(), events.APIGatewayV2HTTPRequest{RouteKey: "GET /api/search/", RawQueryString: raw})
		if err != nil || (resp.StatusCode != 200 && resp.StatusCode != 400) {
			t.Fatalf("query %q: %d %v %s", raw, resp.StatusCode, err, resp.Body)
		}
	})
}
