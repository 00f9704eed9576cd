package auth

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
)

func withAuthorizer(lambda map[string]any) events.APIGatewayV2HTTPRequest {
	var req events.APIGatewayV2HTTPRequest
	if lambda != nil {
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: lambda}
	}
	return req
}

func TestRequire(t *testing.T) {
	roles := map[string]map[string]any{
		"no authorizer":   nil,
		"empty context":   {},
		"missing token":   {"role": "", "reason": ReasonMissing},
		"malformed":       {"role": "", "reason": ReasonMalformed},
		"unknown token":   {"role": "", "reason": ReasonUnknown},
		"odd role":        {"role": "root"},
		"non-string role": {"role": 3},
		"reader":          {"role": "reader"},
		"writer":          {"role": "writer"},
		"admin":           {"role": "admin"},
	}
	// Expected status for each (caller, required role): 0 is allowed.
	want := map[string][4]int{ //   None Reader Writer Admin
		"no authorizer":   {0, 401, 401, 401},
		"empty context":   {0, 401, 401, 401},
		"missing token":   {0, 401, 401, 401},
		"malformed":       {0, 401, 401, 401},
		"unknown token":   {0, 401, 401, 401},
		"odd role":        {0, 401, 401, 401},
		"non-string role": {0, 401, 401, 401},
		"reader":          {0, 0, 403, 403},
		"writer":          {0, 0, 0, 403},
		"admin":           {0, 0, 0, 0},
	}
	for name, lambda := range roles {
		for least, status := range want[name] {
			req := withAuthorizer(lambda)
			role, err := Require(req, Role(least))
			if status == 0 {
				if err != nil {
					t.Errorf("%s needing %v: %v", name, Role(least), err)
				}
				if role != RoleOf(req) {
					t.Errorf("%s: Require returned role %v, RoleOf %v", name, role, RoleOf(req))
				}
				continue
			}
			var p *apigw.Problem
			if !errors.As(err, &p) || p.Status != status {
				t.Errorf("%s needing %v: %v, want %d", name, Role(least), err, status)
				continue
			}
			wantType := apigw.TypeUnauthorized
			if status == 403 {
				wantType = apigw.TypeForbidden
			}
			if p.Type != wantType || p.Detail == "" {
				t.Errorf("%s needing %v: problem %+v", name, Role(least), p)
			}
		}
	}
}

func TestRequireDetails(t *testing.T) {
	tests := []struct {
		lambda map[string]any
		detail string
	}{
		{nil, `an API token is required: send the header "Authorization: Bearer <token>"`},
		{map[string]any{"role": "", "reason": ReasonMalformed}, `the Authorization header must be "Bearer <token>" or "Token <token>"`},
		{map[string]any{"role": "", "reason": ReasonUnknown}, "the API token is not valid"},
		{map[string]any{"role": "reader"}, "this operation needs the admin role or higher; the token's role is reader"},
	}
	for _, tt := range tests {
		_, err := Require(withAuthorizer(tt.lambda), Admin)
		var p *apigw.Problem
		if !errors.As(err, &p) || p.Detail != tt.detail {
			t.Errorf("Require(%v) = %v, want detail %q", tt.lambda, err, tt.detail)
		}
	}
}

// The whole path: authorizer context in, problem+json out of an apigw handler.
func TestRequireThroughHandle(t *testing.T) {
	tokens := testTokens(t)
	h := apigw.Handle(func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		if _, err := Require(req, Writer); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		return apigw.NoContent()
	})
	tests := []struct {
		header string
		status int
	}{
		{"Bearer dev-writer", 204},
		{"Token dev-admin", 204},
		{"Bearer dev-reader", 403},
		{"Bearer wrong", 401},
		{"", 401},
	}
	for _, tt := range tests {
		auth, _ := Authorize(StaticTokens(tokens))(context.Background(), authorizerRequest(tt.header))
		req := withAuthorizer(auth.Context)
		resp, _ := h(context.Background(), req)
		if resp.StatusCode != tt.status {
			t.Errorf("%q: status %d, want %d (%s)", tt.header, resp.StatusCode, tt.status, resp.Body)
		}
		if tt.status == 401 && resp.Headers["WWW-Authenticate"] == "" {
			t.Errorf("%q: a 401 without WWW-Authenticate", tt.header)
		}
		if tt.status >= 400 && resp.Headers["Content-Type"] != apigw.ContentTypeProblem {
			t.Errorf("%q: Content-Type %q", tt.header, resp.Headers["Content-Type"])
		}
	}
}

func TestTokensRequire(t *testing.T) {
	tokens := testTokens(t)
	tests := []struct {
		header string
		least  Role
		status int // 0: allowed
	}{
		{"", None, 0},
		{"Bearer nope", None, 0},
		{"", Admin, 401},
		{"Bearer nope", Admin, 401},
		{"Bearer", Admin, 401},
		{"Bearer dev-writer", Admin, 403},
		{"Token dev-admin", Admin, 0},
	}
	for _, tt := range tests {
		req := events.APIGatewayV2HTTPRequest{Headers: map[string]string{"authorization": tt.header}}
		_, err := tokens.Require(req, tt.least)
		var p *apigw.Problem
		switch {
		case tt.status == 0 && err != nil:
			t.Errorf("%q needing %v: %v", tt.header, tt.least, err)
		case tt.status != 0 && (!errors.As(err, &p) || p.Status != tt.status):
			t.Errorf("%q needing %v: %v, want %d", tt.header, tt.least, err, tt.status)
		}
	}
}
