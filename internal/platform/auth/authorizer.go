package auth

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/obs"
)

// Keys of the authorizer context, read by handlers as
// requestContext.authorizer.lambda.<key>.
const (
	ContextRole   = "role"   // "admin", "writer", "reader", or "" for no valid token
	ContextReason = "reason" // why role is "": "missing", "malformed" or "unknown"
)

// Why a request has no role.
const (
	ReasonMissing   = "missing"   // no Authorization header
	ReasonMalformed = "malformed" // not "Bearer <token>" or "Token <token>"
	ReasonUnknown   = "unknown"   // a well-formed token that is not configured
)

// AuthorizerFunc is the Lambda authorizer handler (HTTP API, payload 2.0, simple responses).
type AuthorizerFunc = func(context.Context, events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error)

// NewAuthorizer builds the authorizer from TOKEN_HASHES ("role:sha256hex,...")
// or its secret, TOKEN_HASHES_SECRET_ARN, read on the first request.
func NewAuthorizer(_ context.Context, d function.Deps) (any, error) {
	tokens, err := LoadTokens(d)
	if err != nil {
		return nil, fmt.Errorf("authorizer: %w", err)
	}
	return Authorize(tokens), nil
}

// Authorize returns the authorizer handler for the tokens of src.
//
// It authorizes every request and leaves the decision to the handler: an
// HTTP API answers a simple response of isAuthorized:false with a bare 403 it
// cannot customise, while Mosaic owes clients a 401 problem+json for a bad
// token. So the context carries {"role": "admin"|"writer"|"reader"} for a
// known token, and {"role": "", "reason": ...} for a missing, malformed or
// unknown one; [Require] in the handler turns that into the 401 or 403.
// The decision depends on the token alone, never on the route, so API
// Gateway may cache it per Authorization header (ReauthorizeEvery).
// Neither the token nor its hash is logged. When the tokens cannot be read
// the authorizer fails (API Gateway answers 500) rather than reject a token
// that may be valid; API Gateway does not cache a failure.
func Authorize(src *TokenSource) AuthorizerFunc {
	return func(ctx context.Context, req events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		tokens, err := src.Tokens(ctx)
		if err != nil {
			return events.APIGatewayV2CustomAuthorizerSimpleResponse{}, fmt.Errorf("authorizer: %w", err)
		}
		role, reason := tokens.authenticate(authorization(req))
		c := map[string]any{ContextRole: role.String()}
		if reason != "" {
			c[ContextReason] = reason
			obs.Logger(ctx).InfoContext(ctx, "token rejected", "reason", reason, "route", req.RouteKey)
		}
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: c}, nil
	}
}

// authenticate returns the role an Authorization header value grants, or None and why not.
func (t Tokens) authenticate(header string) (Role, string) {
	if strings.TrimSpace(header) == "" {
		return None, ReasonMissing
	}
	token, ok := ParseAuthorization(header)
	if !ok {
		return None, ReasonMalformed
	}
	if r := t.Role(token); r != None {
		return r, ""
	}
	return None, ReasonUnknown
}

// authorization returns the request's Authorization header (HTTP APIs send
// header names in lower case), else its identity source.
func authorization(req events.APIGatewayV2CustomAuthorizerV2Request) string {
	for k, v := range req.Headers {
		if strings.EqualFold(k, "Authorization") {
			return v
		}
	}
	if len(req.IdentitySource) == 1 {
		return req.IdentitySource[0]
	}
	return ""
}
