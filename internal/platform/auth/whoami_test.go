package auth

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/openapitest"
)

func TestWhoAmI(t *testing.T) {
	h, err := NewWhoAmI(context.Background(), function.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	handle := h.(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error))
	for _, tc := range []struct {
		name   string
		lambda map[string]any
		status int
		role   string
	}{
		{"writer token", map[string]any{ContextRole: "writer"}, 200, "writer"},
		{"admin token", map[string]any{ContextRole: "admin"}, 200, "admin"},
		{"unknown token", map[string]any{ContextRole: "", ContextReason: ReasonUnknown}, 401, ""},
		{"no authorizer context", nil, 401, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := events.APIGatewayV2HTTPRequest{RouteKey: "GET /whoami"}
			if tc.lambda != nil {
				req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: tc.lambda}
			}
			resp, err := handle(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tc.status, resp.Body)
			}
			openapitest.ValidateResponse(t, "GET", "/whoami", resp)
			if tc.status == 200 {
				var got WhoAmI
				if err := json.Unmarshal([]byte(resp.Body), &got); err != nil || got.Role != tc.role {
					t.Fatalf("body = %s, want role %s", resp.Body, tc.role)
				}
			}
		})
	}
}
