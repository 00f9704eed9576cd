package auth

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/obs"
	"github.com/mosaic-platform/mosaic/internal/platform/secret"
)

// TokenSource is the configured Tokens, parsed from the TOKEN_HASHES secret
// ("role:sha256hex,...") on first use: a cold start reads nothing, and a
// rotated list reaches running functions within secret.TTL.
type TokenSource struct {
	secret *secret.Source

	mu     sync.Mutex
	raw    string
	tokens Tokens
}

// StaticTokens returns a TokenSource that always yields t.
func StaticTokens(t Tokens) *TokenSource {
	return &TokenSource{secret: secret.Static("TOKEN_HASHES", t.HashList()), raw: t.HashList(), tokens: t}
}

// LoadTokens returns the tokens configured by TOKEN_HASHES, or by the
// Secrets Manager secret TOKEN_HASHES_SECRET_ARN (read on first use).
// A value given in the environment is checked at once.
func LoadTokens(d function.Deps) (*TokenSource, error) {
	src, err := secret.FromEnv(d.Env, d.AWS, "TOKEN_HASHES")
	if err != nil {
		return nil, err
	}
	s := &TokenSource{secret: src}
	if v, ok := d.Env("TOKEN_HASHES"); ok && v != "" {
		if _, err := s.Tokens(context.Background()); err != nil {
			return nil, fmt.Errorf("configuration: %w", err)
		}
	}
	return s, nil
}

// Tokens returns the current tokens. An unset secret (a stack whose operator
// has not set the hashes yet) yields no token: every token is unknown.
func (s *TokenSource) Tokens(ctx context.Context) (Tokens, error) {
	raw, err := s.secret.Value(ctx)
	if err != nil {
		return Tokens{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if raw == s.raw && (raw == "" || s.tokens.roles != nil) {
		return s.tokens, nil
	}
	var t Tokens
	if raw != "" {
		if t, err = ParseHashes(raw); err != nil {
			return Tokens{}, fmt.Errorf("TOKEN_HASHES: %w", err)
		}
	}
	s.raw, s.tokens = raw, t
	return t, nil
}

// Require is Tokens.Require over the current tokens; when they cannot be
// read it answers 503, since the caller's token may well be valid.
func (s *TokenSource) Require(ctx context.Context, req events.APIGatewayV2HTTPRequest, least Role) (Role, error) {
	t, err := s.Tokens(ctx)
	if err != nil {
		return None, unavailable(ctx, err)
	}
	return t.Require(req, least)
}

func unavailable(ctx context.Context, err error) error {
	obs.Logger(ctx).ErrorContext(ctx, "token hashes unavailable", "error", err.Error())
	return apigw.ServiceUnavailable("the API tokens cannot be checked right now; retry shortly", 5*time.Second)
}
