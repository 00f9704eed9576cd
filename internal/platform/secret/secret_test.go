package secret

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/mosaic-platform/mosaic/internal/platform/config"
)

// scripted answers GetSecretValue with the value or error it is set to, and counts calls.
type scripted struct {
	value atomic.Value // string
	fail  atomic.Bool
	calls atomic.Int32
}

func (s *scripted) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	s.calls.Add(1)
	if s.fail.Load() {
		return nil, errors.New("injected: service unavailable")
	}
	return &secretsmanager.GetSecretValueOutput{ARN: in.SecretId, SecretString: aws.String(s.value.Load().(string))}, nil
}

func TestSourceReadsOnFirstUseCachesAndRefreshes(t *testing.T) {
	r := &scripted{}
	r.value.Store("admin:aa")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := FromSecretsManager("TOKEN_HASHES", "arn:aws:secretsmanager:eu-west-1:1:secret:x", r, func() time.Time { return now })
	if r.calls.Load() != 0 {
		t.Fatal("a Source read its secret before first use")
	}
	ctx := context.Background()
	for range 3 {
		if v, err := s.Value(ctx); err != nil || v != "admin:aa" {
			t.Fatalf("Value = %q, %v", v, err)
		}
	}
	if got := r.calls.Load(); got != 1 {
		t.Fatalf("%d reads for three uses within TTL, want 1", got)
	}
	r.value.Store("admin:bb")
	now = now.Add(TTL)
	if v, _ := s.Value(ctx); v != "admin:bb" {
		t.Fatalf("after TTL Value = %q, want the rotated value", v)
	}
	// A failing refresh keeps the last good value and says why.
	r.fail.Store(true)
	now = now.Add(TTL)
	if v, err := s.Value(ctx); err != nil || v != "admin:bb" {
		t.Fatalf("failed refresh: Value = %q, %v; want the stale value", v, err)
	}
	if s.LastError() == nil {
		t.Fatal("LastError = nil after a failed refresh")
	}
}

func TestSourceNeverReadFailsClearly(t *testing.T) {
	r := &scripted{}
	r.fail.Store(true)
	s := FromSecretsManager("CURSOR_SECRET", "arn:x", r, nil)
	_, err := s.Value(context.Background())
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "CURSOR_SECRET") {
		t.Fatalf("err = %v, want ErrUnavailable naming the secret", err)
	}
	// The next use tries again rather than caching the failure.
	r.fail.Store(false)
	r.value.Store(strings.Repeat("k", 40))
	if v, err := s.Value(context.Background()); err != nil || len(v) != 40 {
		t.Fatalf("retry: Value = %q, %v", v, err)
	}
}

func TestPlaceholderReadsAsEmpty(t *testing.T) {
	r := &scripted{}
	r.value.Store(" unset\n")
	s := FromSecretsManager("HF_TOKEN", "arn:x", r, nil)
	if v, err := s.Value(context.Background()); err != nil || v != "" {
		t.Fatalf("Value = %q, %v; want \"\" for the placeholder", v, err)
	}
}

func TestFromEnv(t *testing.T) {
	s, err := FromEnv(config.Map(map[string]string{"CURSOR_SECRET": " plain ", "CURSOR_SECRET_SECRET_ARN": "arn:x"}), aws.Config{}, "CURSOR_SECRET")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Value(context.Background()); v != "plain" {
		t.Fatalf("a value in the environment wins: got %q", v)
	}
	s, err = FromEnv(config.Map(map[string]string{"CURSOR_SECRET_SECRET_ARN": "arn:x"}), aws.Config{Region: "eu-west-1"}, "CURSOR_SECRET")
	if err != nil || s.static != nil || s.arn != "arn:x" {
		t.Fatalf("FromEnv(ARN) = %+v, %v", s, err)
	}
	if _, err := FromEnv(config.Map(nil), aws.Config{}, "TOKEN_HASHES"); err == nil || !strings.Contains(err.Error(), "TOKEN_HASHES_SECRET_ARN") {
		t.Fatalf("neither set: err = %v", err)
	}
}
