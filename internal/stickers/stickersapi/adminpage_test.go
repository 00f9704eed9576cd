package stickersapi

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/openapitest"
)

func TestAdminPage(t *testing.T) {
	h, err := NewAdminPage(context.Background(), function.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	handle := h.(apigw.HandlerFunc)
	for _, path := range []string{"/admin/", "/admin"} {
		resp, _ := handle(context.Background(), events.APIGatewayV2HTTPRequest{RouteKey: "GET " + path})
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Headers["Content-Type"], "text/html") ||
			!strings.Contains(resp.Body, "/api/analytics/summary") || resp.Headers["Content-Security-Policy"] == "" {
			t.Fatalf("%s: %d %v", path, resp.StatusCode, resp.Headers)
		}
		openapitest.ValidateResponse(t, "GET", path, resp)
		again, _ := handle(context.Background(), events.APIGatewayV2HTTPRequest{
			RouteKey: "GET " + path, Headers: map[string]string{"if-none-match": resp.Headers["ETag"]}})
		if again.StatusCode != 304 || again.Body != "" {
			t.Fatalf("%s revalidation: %d", path, again.StatusCode)
		}
		openapitest.ValidateResponse(t, "GET", path, again)
	}
}
