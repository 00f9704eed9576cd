// Package secret gives functions the secrets they need (API token hashes,
// the cursor signing key, a model's API token) without holding them in plain
// environment variables and without a network call at cold start.
//
// A secret named NAME comes from, in this order:
//
//	NAME              its value itself (make run, tests)
//	NAME_SECRET_ARN   an AWS Secrets Manager secret, read on first use and cached
//
// A cached value is served for [TTL]; after that the next use reads it again,
// so a rotation reaches running functions within TTL. When that read fails the
// stale value keeps being served: a Secrets Manager outage degrades nothing
// that worked. Only a function that never read its secret fails, and only
// the request that needs it.
package secret

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/mosaic-platform/mosaic/internal/platform/config"
)

// TTL is how long a value read from Secrets Manager is served before it is read again.
const TTL = 5 * time.Minute

// fetchTimeout bounds one read, so a slow Secrets Manager cannot eat a request's time.
const fetchTimeout = 3 * time.Second

// Unset is the value a stack-created secret holds until an operator sets it
// (docs/deploy.md); [Source.Value] reports it as "".
const Unset = "unset"

// ErrUnavailable wraps every failure to read a secret that was never read.
var ErrUnavailable = errors.New("secret unavailable")

// Reader is the Secrets Manager call a Source makes.
type Reader interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Source yields one secret's current value; it is safe for concurrent use.
type Source struct {
	name   string
	static *string // set when the value came from the environment
	arn    string
	reader Reader
	now    func() time.Time

	mu      sync.Mutex
	value   string
	read    bool
	readAt  time.Time
	lastErr error
}

// Static returns a Source of a fixed value.
func Static(name, value string) *Source { return &Source{name: name, static: &value} }

// FromSecretsManager returns a Source reading the secret arn through r.
func FromSecretsManager(name, arn string, r Reader, now func() time.Time) *Source {
	if now == nil {
		now = time.Now
	}
	return &Source{name: name, arn: arn, reader: r, now: now}
}

// FromEnv returns the Source of the secret name configured in env (see the
// package documentation); nothing is read yet. It fails when neither
// variable is set.
func FromEnv(env config.Env, cfg aws.Config, name string) (*Source, error) {
	if v, ok := env(name); ok && strings.TrimSpace(v) != "" {
		return Static(name, strings.TrimSpace(v)), nil
	}
	arn, ok := env(name + "_SECRET_ARN")
	if !ok || strings.TrimSpace(arn) == "" {
		return nil, fmt.Errorf("configuration: %s: is required but neither %s nor %s_SECRET_ARN is set", name, name, name)
	}
	return FromSecretsManager(name, strings.TrimSpace(arn), secretsmanager.NewFromConfig(cfg), nil), nil
}

// Name returns the secret's name, such as TOKEN_HASHES.
func (s *Source) Name() string { return s.name }

// Value returns the secret's value, "" while the stack's placeholder [Unset]
// is still in place. The first call reads Secrets Manager; later calls are
// served from the cache (see [TTL]).
func (s *Source) Value(ctx context.Context) (string, error) {
	if s.static != nil {
		return clean(*s.static), nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.read && s.now().Sub(s.readAt) < TTL {
		return s.value, nil
	}
	v, err := s.fetch(ctx)
	if err != nil {
		s.lastErr = err
		if s.read {
			return s.value, nil // stale beats failing: the old value was good a moment ago
		}
		return "", fmt.Errorf("%w: %s: %w", ErrUnavailable, s.name, err)
	}
	s.value, s.read, s.readAt, s.lastErr = v, true, s.now(), nil
	return v, nil
}

// LastError returns the error of the latest failed refresh, nil after a success.
func (s *Source) LastError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastErr
}

func (s *Source) fetch(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	out, err := s.reader.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(s.arn)})
	if err != nil {
		return "", fmt.Errorf("read %s: %w", s.arn, err)
	}
	if out.SecretString == nil {
		return "", fmt.Errorf("read %s: the secret holds no string", s.arn)
	}
	return clean(*out.SecretString), nil
}

func clean(v string) string {
	v = strings.TrimSpace(v)
	if v == Unset {
		return ""
	}
	return v
}
