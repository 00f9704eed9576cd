package apigw

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/obs"
)

func request(id string) events.APIGatewayV2HTTPRequest {
	var req events.APIGatewayV2HTTPRequest
	req.RequestContext.RequestID = id
	req.RequestContext.RouteKey = "GET /test"
	return req
}

func TestHandle(t *testing.T) {
	shared := NotFound("no such thing")
	tests := []struct {
		name     string
		h        HandlerFunc
		status   int
		typ      string // problem type, "" for a success
		mustNot  string // text that must not appear in the body
		respBody string
	}{
		{
			name: "success",
			h: func(ctx context.Context, _ events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				return JSON(201, map[string]string{"id": "d1"})
			},
			status: 201, respBody: `{"id":"d1"}`,
		},
		{
			name: "no content",
			h: func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				return NoContent()
			},
			status: 204,
		},
		{
			name: "problem",
			h: func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				return events.APIGatewayV2HTTPResponse{}, shared
			},
			status: 404, typ: TypeNotFound,
		},
		{
			name: "wrapped problem",
			h: func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("dialogs: %w", Gone("revoked"))
			},
			status: 410, typ: TypeGone,
		},
		{
			name: "plain error",
			h: func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				return events.APIGatewayV2HTTPResponse{}, errors.New("dynamodb: secret-table-name throttled")
			},
			status: 500, typ: TypeInternal, mustNot: "secret-table-name",
		},
		{
			name: "panic",
			h: func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				panic(errors.New("boom-internal"))
			},
			status: 500, typ: TypeInternal, mustNot: "boom-internal",
		},
		{
			name: "unencodable body",
			h: func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				return JSON(200, make(chan int))
			},
			status: 500, typ: TypeInternal, mustNot: "chan",
		},
		{
			name: "problem without a status",
			h: func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				return events.APIGatewayV2HTTPResponse{}, &Problem{Title: "oops"}
			},
			status: 500, typ: TypeInternal,
		},
		{
			name: "missing status",
			h: func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				return events.APIGatewayV2HTTPResponse{Body: "{}"}, nil
			},
			status: 500, typ: TypeInternal,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := Handle(tt.h)(context.Background(), request("req-42"))
			if err != nil {
				t.Fatalf("Handle returned an error: %v", err)
			}
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d (body %s)", resp.StatusCode, tt.status, resp.Body)
			}
			if got := resp.Headers[RequestIDHeader]; got != "req-42" {
				t.Errorf("%s = %q", RequestIDHeader, got)
			}
			if tt.respBody != "" && resp.Body != tt.respBody {
				t.Errorf("body = %s, want %s", resp.Body, tt.respBody)
			}
			if tt.mustNot != "" && strings.Contains(resp.Body, tt.mustNot) {
				t.Errorf("body leaks %q: %s", tt.mustNot, resp.Body)
			}
			if tt.typ == "" {
				return
			}
			if ct := resp.Headers["Content-Type"]; ct != ContentTypeProblem {
				t.Errorf("Content-Type = %q", ct)
			}
			var p Problem
			if err := json.Unmarshal([]byte(resp.Body), &p); err != nil {
				t.Fatal(err)
			}
			if p.Type != tt.typ || p.RequestID != "req-42" {
				t.Errorf("problem = %+v", p)
			}
		})
	}
	if shared.RequestID != "" {
		t.Error("Handle mutated the handler's Problem")
	}
}

func TestHandleLogsWhatItHides(t *testing.T) {
	var buf bytes.Buffer
	ctx := obs.WithLogger(context.Background(), slog.New(slog.NewJSONHandler(&buf, nil)))
	tests := []struct {
		name string
		err  error
		logs []string
	}{
		{"plain error", errors.New("dynamodb: table gone"), []string{`"level":"ERROR"`, "dynamodb: table gone", `"route":"GET /test"`}},
		{"cursor cause", InvalidCursor(errors.New("signature mismatch")), []string{`"level":"WARN"`, "signature mismatch"}},
		{"plain 4xx", NotFound("x"), nil},
	}
	for _, tt := range tests {
		buf.Reset()
		h := Handle(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			return events.APIGatewayV2HTTPResponse{}, tt.err
		})
		if _, err := h(ctx, request("r1")); err != nil {
			t.Fatal(err)
		}
		for _, want := range tt.logs {
			if !strings.Contains(buf.String(), want) {
				t.Errorf("%s: log %q lacks %q", tt.name, buf.String(), want)
			}
		}
		if tt.logs == nil && buf.Len() != 0 {
			t.Errorf("%s: unexpected log %q", tt.name, buf.String())
		}
	}
}

func TestHandleRequestID(t *testing.T) {
	var seen string
	h := Handle(func(ctx context.Context, _ events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		seen = obs.RequestID(ctx)
		resp, err := JSON(200, nil)
		resp.Headers["x-request-id"] = "forged"
		return resp, err
	})
	resp, _ := h(context.Background(), request(""))
	id := resp.Headers[RequestIDHeader]
	if id == "" || id != seen {
		t.Errorf("generated id %q, handler saw %q", id, seen)
	}
	if _, ok := resp.Headers["x-request-id"]; ok {
		t.Error("a second spelling of the request id header survived")
	}
	other, _ := h(context.Background(), request(""))
	if other.Headers[RequestIDHeader] == id {
		t.Error("generated request ids repeat")
	}
}

func TestJSON(t *testing.T) {
	resp, err := JSON(200, map[string]any{"text": "<b>&</b>", "n": 1})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Headers["Content-Type"] != ContentTypeJSON {
		t.Errorf("Content-Type = %q", resp.Headers["Content-Type"])
	}
	var back map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &back); err != nil || back["text"] != "<b>&</b>" {
		t.Errorf("body %s does not round-trip: %v", resp.Body, err)
	}
	if _, err := JSON(200, func() {}); err == nil {
		t.Error("JSON of a func should fail")
	}
}

func TestPage(t *testing.T) {
	tests := []struct {
		page Page[int]
		want string
	}{
		{Page[int]{}, `{"items":[]}`},
		{Page[int]{Items: []int{1, 2}}, `{"items":[1,2]}`},
		{Page[int]{Items: []int{3}, NextCursor: "abc"}, `{"items":[3],"next_cursor":"abc"}`},
	}
	for _, tt := range tests {
		resp, err := JSON(200, tt.page)
		if err != nil || resp.Body != tt.want {
			t.Errorf("JSON(%+v) = %s, %v; want %s", tt.page, resp.Body, err, tt.want)
		}
	}
}
