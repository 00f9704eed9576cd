package health

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/openapitest"
)

func sampleEvent(t *testing.T) events.APIGatewayV2HTTPRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "events", "health.json"))
	if err != nil {
		t.Fatal(err)
	}
	var req events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(b, &req); err != nil {
		t.Fatal(err)
	}
	return req
}

func TestHealth(t *testing.T) {
	at := time.Date(2025, 1, 31, 13, 0, 0, 0, time.FixedZone("CET", 3600))
	h := handler("v1.2.3", func() time.Time { return at })
	req := sampleEvent(t)
	resp, err := h(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	openapitest.ValidateResponse(t, "GET", "/health", resp)
	var got Status
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
		t.Fatal(err)
	}
	want := Status{Status: "ok", Version: "v1.2.3", Time: "2025-01-31T12:00:00Z"}
	if got != want {
		t.Errorf("body = %+v, want %+v", got, want)
	}
	if resp.Headers["X-Request-Id"] != req.RequestContext.RequestID {
		t.Errorf("X-Request-Id = %q, want %q", resp.Headers["X-Request-Id"], req.RequestContext.RequestID)
	}
	if resp.Headers["Cache-Control"] != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", resp.Headers["Cache-Control"])
	}
}

func TestNew(t *testing.T) {
	h, err := New(context.Background(), function.Deps{Name: "HealthFunction"})
	if err != nil {
		t.Fatal(err)
	}
	fn, ok := h.(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error))
	if !ok {
		t.Fatalf("New returned %T", h)
	}
	resp, err := fn(context.Background(), sampleEvent(t))
	if err != nil {
		t.Fatal(err)
	}
	openapitest.ValidateResponse(t, "GET", "/health", resp)
}

func TestVersionOf(t *testing.T) {
	tests := []struct {
		name string
		info debug.BuildInfo
		want string
	}{
		{"module version", debug.BuildInfo{Main: debug.Module{Version: "v0.4.0"}}, "v0.4.0"},
		{"vcs revision", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "5323a02c0ffee5323a02c0ffee"}, {Key: "vcs.modified", Value: "false"}}}, "5323a02c0ffe"},
		{"modified tree", debug.BuildInfo{Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "5323a02"}, {Key: "vcs.modified", Value: "true"}}}, "5323a02-dirty"},
		{"nothing", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
	}
	for _, tt := range tests {
		if got := versionOf(&tt.info); got != tt.want {
			t.Errorf("%s: versionOf = %q, want %q", tt.name, got, tt.want)
		}
	}
	if Version() == "" {
		t.Error("Version() is empty")
	}
}
