package blogapi

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/openapitest"
)

func TestPage(t *testing.T) {
	h, err := NewReviewPage(context.Background(), function.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	handle := h.(apigw.HandlerFunc)
	resp, _ := handle(context.Background(), events.APIGatewayV2HTTPRequest{RouteKey: "GET /admin/posts"})
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Headers["Content-Type"], "text/html") ||
		!strings.Contains(resp.Body, "/posts?status=flagged") || resp.Headers["Content-Security-Policy"] == "" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Headers)
	}
	openapitest.ValidateResponse(t, "GET", "/admin/posts", resp)
	again, _ := handle(context.Background(), events.APIGatewayV2HTTPRequest{
		RouteKey: "GET /admin/posts", Headers: map[string]string{"if-none-match": resp.Headers["ETag"]}})
	if again.StatusCode != 304 || again.Body != "" {
		t.Fatalf("revalidation: %d", again.StatusCode)
	}
	openapitest.ValidateResponse(t, "GET", "/admin/posts", again)
}
