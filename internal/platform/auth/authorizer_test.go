package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/obs"
)

func testTokens(t *testing.T) Tokens {
	t.Helper()
	tokens, err := ParseTokens("admin:dev-admin,writer:dev-writer,reader:dev-reader")
	if err != nil {
		t.Fatal(err)
	}
	return tokens
}

func authorizerRequest(header string) events.APIGatewayV2CustomAuthorizerV2Request {
	req := events.APIGatewayV2CustomAuthorizerV2Request{
		Version: "2.0", Type: "REQUEST", RouteKey: "GET /data",
		Headers: map[string]string{"accept": "application/json"},
	}
	if header != "" {
		req.Headers["authorization"] = header
		req.IdentitySource = []string{header}
	}
	return req
}

func TestAuthorize(t *testing.T) {
	tests := []struct {
		name   string
		header string
		role   string
		reason string
	}{
		{"admin bearer", "Bearer dev-admin", "admin", ""},
		{"writer token scheme", "Token dev-writer", "writer", ""},
		{"reader lower-case scheme", "bearer dev-reader", "reader", ""},
		{"missing", "", "", ReasonMissing},
		{"blank", "   ", "", ReasonMissing},
		{"no scheme", "dev-admin", "", ReasonMalformed},
		{"basic", "Basic ZGV2OmFkbWlu", "", ReasonMalformed},
		{"unknown", "Bearer nope", "", ReasonUnknown},
		{"case matters in tokens", "Bearer DEV-ADMIN", "", ReasonUnknown},
	}
	var logs bytes.Buffer
	ctx := obs.WithLogger(context.Background(), slog.New(slog.NewJSONHandler(&logs, nil)))
	authorize := Authorize(StaticTokens(testTokens(t)))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := authorize(ctx, authorizerRequest(tt.header))
			if err != nil {
				t.Fatal(err)
			}
			if !resp.IsAuthorized {
				t.Error("isAuthorized must always be true: handlers answer 401/403 themselves")
			}
			if got := resp.Context[ContextRole]; got != tt.role {
				t.Errorf("role = %v, want %q", got, tt.role)
			}
			reason, has := resp.Context[ContextReason]
			if tt.reason == "" && has || tt.reason != "" && reason != tt.reason {
				t.Errorf("reason = %v, want %q", reason, tt.reason)
			}
		})
	}
	for _, secret := range []string{"dev-admin", "nope", HashToken("nope"), HashToken("dev-admin")} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("logs reveal %q: %s", secret, logs.String())
		}
	}
	if !strings.Contains(logs.String(), `"reason":"unknown"`) {
		t.Errorf("a rejected token should be logged with its reason: %s", logs.String())
	}
}

func TestAuthorizeIdentitySourceOnly(t *testing.T) {
	req := events.APIGatewayV2CustomAuthorizerV2Request{IdentitySource: []string{"Bearer dev-writer"}}
	resp, _ := Authorize(StaticTokens(testTokens(t)))(context.Background(), req)
	if resp.Context[ContextRole] != "writer" {
		t.Errorf("role = %v", resp.Context[ContextRole])
	}
}

func TestNewAuthorizer(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		err  string
	}{
		{"missing", map[string]string{}, "neither TOKEN_HASHES nor TOKEN_HASHES_SECRET_ARN is set"},
		{"secret", map[string]string{"TOKEN_HASHES_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:1:secret:t"}, ""},
		{"malformed", map[string]string{"TOKEN_HASHES": "admin:xyz"}, "TOKEN_HASHES: entry 1: hash must be 64 hex digits"},
		{"ok", map[string]string{"TOKEN_HASHES": "admin:" + devAdminHash}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := NewAuthorizer(context.Background(), function.Deps{Name: "AuthorizerFunction", Env: config.Map(tt.env)})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("NewAuthorizer error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := h.(AuthorizerFunc); !ok {
				t.Fatalf("handler is %T", h)
			}
		})
	}
}

// The sample event of `make invoke` authorizes as admin.
func TestSampleEvent(t *testing.T) {
	b, err := os.ReadFile("../../../events/authorizer.json")
	if err != nil {
		t.Fatal(err)
	}
	var req events.APIGatewayV2CustomAuthorizerV2Request
	if err := json.Unmarshal(b, &req); err != nil {
		t.Fatal(err)
	}
	h, err := NewAuthorizer(context.Background(), function.Deps{Env: config.Map(map[string]string{"TOKEN_HASHES": "admin:" + devAdminHash})})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := h.(AuthorizerFunc)(context.Background(), req)
	if err != nil || resp.Context[ContextRole] != "admin" {
		t.Errorf("sample event: %+v, %v", resp, err)
	}
}
