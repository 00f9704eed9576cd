package cursor

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/secret"
)

var (
	secretA = bytes.Repeat([]byte("a"), 32)
	secretB = bytes.Repeat([]byte("b"), 40)
)

type position struct {
	PK        string `json:"pk"`
	UpdatedAt string `json:"updated_at"`
}

func mustCodec(t testing.TB, secret []byte, previous ...[]byte) *Codec {
	t.Helper()
	c, err := NewCodec(secret, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRoundTrip(t *testing.T) {
	c := mustCodec(t, secretA)
	scope := Scope("GET /data", map[string]string{"language": "EN"})
	want := position{PK: "dialog#d1", UpdatedAt: "2026-01-02T03:04:05Z"}
	tok, err := c.Encode(scope, want)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(tok, "+/=") {
		t.Errorf("token %q is not URL-safe", tok)
	}
	var got position
	if err := c.Decode(tok, scope, &got); err != nil || got != want {
		t.Errorf("Decode = %+v, %v; want %+v", got, err, want)
	}
}

func TestDecodeRejects(t *testing.T) {
	c := mustCodec(t, secretA)
	scope := Scope("GET /data", map[string]string{"language": "EN"})
	tok, err := c.Encode(scope, position{PK: "p"})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	reencode := func(f func([]byte) []byte) string {
		return base64.RawURLEncoding.EncodeToString(f(append([]byte(nil), raw...)))
	}
	other := mustCodec(t, secretB)
	forged, _ := other.Encode(scope, position{PK: "p"})

	tests := []struct {
		name  string
		token string
		scope string
	}{
		{"empty", "", scope},
		{"other filters", tok, Scope("GET /data", map[string]string{"language": "DE"})},
		{"extra filter", tok, Scope("GET /data", map[string]string{"language": "EN", "customer_id": "c1"})},
		{"other route", tok, Scope("GET /posts", map[string]string{"language": "EN"})},
		{"truncated", tok[:len(tok)-4], scope},
		{"only the version", reencode(func(b []byte) []byte { return b[:1] }), scope},
		{"payload altered", reencode(func(b []byte) []byte { b[3] ^= 1; return b }), scope},
		{"mac altered", reencode(func(b []byte) []byte { b[len(b)-1] ^= 0x80; return b }), scope},
		{"wrong version", reencode(func(b []byte) []byte { b[0] = 2; return b }), scope},
		{"padded", tok + "==", scope},
		{"standard alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(tok) + "+", scope},
		{"not base64", "%%%", scope},
		{"signed by another key", forged, scope},
		{"too long", strings.Repeat("A", MaxLen+1), scope},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p position
			err := c.Decode(tt.token, tt.scope, &p)
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("Decode = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestDecodeWrongShape(t *testing.T) {
	c := mustCodec(t, secretA)
	tok, _ := c.Encode("s", []int{1, 2})
	var p position
	if err := c.Decode(tok, "s", &p); !errors.Is(err, ErrInvalid) {
		t.Errorf("a validly signed position of another shape: %v", err)
	}
}

func TestRotation(t *testing.T) {
	old := mustCodec(t, secretA)
	tok, _ := old.Encode("s", position{PK: "x"})

	rotated := mustCodec(t, secretB, secretA)
	var p position
	if err := rotated.Decode(tok, "s", &p); err != nil || p.PK != "x" {
		t.Errorf("a cursor of the previous key should still decode: %+v, %v", p, err)
	}
	fresh, _ := rotated.Encode("s", position{PK: "y"})
	if err := mustCodec(t, secretB).Decode(fresh, "s", &p); err != nil {
		t.Errorf("a rotated codec signs with its current key: %v", err)
	}
	if err := old.Decode(fresh, "s", &p); !errors.Is(err, ErrInvalid) {
		t.Errorf("the old key alone must not accept the new key's cursor: %v", err)
	}
}

func TestNewCodecSecretLength(t *testing.T) {
	if _, err := NewCodec(secretA[:31]); err == nil {
		t.Error("a 31-byte secret was accepted")
	}
	if _, err := NewCodec(secretA, []byte("short")); err == nil || !strings.Contains(err.Error(), "previous secret 1") {
		t.Errorf("a short previous secret: %v", err)
	}
}

func TestEncodeLimits(t *testing.T) {
	c := mustCodec(t, secretA)
	if _, err := c.Encode("s", strings.Repeat("x", MaxLen)); err == nil {
		t.Error("an oversized position was encoded")
	}
	if _, err := c.Encode("s", func() {}); err == nil {
		t.Error("an unencodable position was encoded")
	}
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		ok   bool
	}{
		{"missing", map[string]string{}, false},
		{"short", map[string]string{"CURSOR_SECRET": "short"}, false},
		{"ok", map[string]string{"CURSOR_SECRET": string(secretB)}, true},
		{"with previous", map[string]string{"CURSOR_SECRET": string(secretB), "CURSOR_PREVIOUS_SECRETS": string(secretA) + ", "}, true},
		{"short previous", map[string]string{"CURSOR_SECRET": string(secretB), "CURSOR_PREVIOUS_SECRETS": "x"}, false},
	}
	for _, tt := range tests {
		c, err := FromEnv(config.Map(tt.env), aws.Config{})
		if (err == nil) != tt.ok {
			t.Errorf("%s: FromEnv error = %v", tt.name, err)
		}
		if err != nil && strings.Contains(err.Error(), string(secretB)) {
			t.Errorf("%s: the error reveals the secret", tt.name)
		}
		if tt.name == "with previous" {
			tok, _ := mustCodec(t, secretA).Encode("s", 1)
			var n int
			if err := c.Decode(tok, "s", &n); err != nil {
				t.Errorf("previous secret not accepted: %v", err)
			}
		}
	}
}

func TestScope(t *testing.T) {
	tests := []struct {
		route   string
		filters map[string]string
		want    string
	}{
		{"GET /data", nil, "GET /data?"},
		{"GET /data", map[string]string{"language": "EN", "customer_id": "c 1&x=y"}, "GET /data?customer_id=c+1%26x%3Dy&language=EN"},
		{"GET /data", map[string]string{"language": "", "customer_id": "c1"}, "GET /data?customer_id=c1"},
	}
	for _, tt := range tests {
		if got := Scope(tt.route, tt.filters); got != tt.want {
			t.Errorf("Scope(%q, %v) = %q, want %q", tt.route, tt.filters, got, tt.want)
		}
	}
	// Values cannot be shifted between keys to collide.
	a := Scope("r", map[string]string{"a": "1&b=2"})
	b := Scope("r", map[string]string{"a": "1", "b": "2"})
	if a == b {
		t.Errorf("scopes collide: %q", a)
	}
}

func FuzzCursorDecode(f *testing.F) {
	c := mustCodec(f, secretA, secretB)
	scope := Scope("GET /data", map[string]string{"language": "EN"})
	valid, _ := c.Encode(scope, position{PK: "p", UpdatedAt: "t"})
	f.Add(valid, scope)
	f.Add(valid, "GET /data?")
	f.Add("", scope)
	f.Add("AQ", scope)
	f.Add(valid[:10], scope)
	f.Fuzz(func(t *testing.T, token, sc string) {
		var p position
		err := c.Decode(token, sc, &p)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Decode(%q) = %v: does not wrap ErrInvalid", token, err)
			}
			return
		}
		// Only the token this codec signed, for its own scope, can decode.
		if token != valid || sc != scope {
			t.Fatalf("forged cursor accepted: %q for scope %q", token, sc)
		}
	})
}

// keyStore answers GetSecretValue with value, or fails while down.
type keyStore struct {
	value string
	down  bool
	reads int
}

func (k *keyStore) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	k.reads++
	if k.down {
		return nil, errors.New("injected: Secrets Manager is down")
	}
	return &secretsmanager.GetSecretValueOutput{ARN: in.SecretId, SecretString: aws.String(k.value)}, nil
}

func TestCodecFromSecretsManagerReadsOnFirstUse(t *testing.T) {
	c, err := FromEnv(config.Map(map[string]string{"CURSOR_SECRET_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:1:secret:c"}), aws.Config{Region: "eu-west-1"})
	if err != nil || c.src == nil {
		t.Fatalf("FromEnv(ARN) = %+v, %v; want a lazy codec", c, err)
	}
	store := &keyStore{value: string(secretB) + "," + string(secretA), down: true}
	c = &Codec{src: secret.FromSecretsManager("CURSOR_SECRET", "arn:c", store, nil)}
	if store.reads != 0 {
		t.Fatal("the key was read before first use")
	}
	if _, err := c.Encode("s", position{PK: "p"}); !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrInvalid) {
		t.Fatalf("Encode with the key unreadable: err = %v, want ErrUnavailable only", err)
	}
	store.down = false
	tok, err := c.Encode("s", position{PK: "p"})
	if err != nil {
		t.Fatal(err)
	}
	// The previous secret in the list still verifies: rotation keeps old cursors.
	old, _ := NewCodec(secretA)
	oldTok, _ := old.Encode("s", position{PK: "q"})
	var got position
	if err := c.Decode(oldTok, "s", &got); err != nil || got.PK != "q" {
		t.Fatalf("Decode(token of the previous key) = %+v, %v", got, err)
	}
	plain, _ := NewCodec(secretB)
	if err := plain.Decode(tok, "s", &got); err != nil {
		t.Fatalf("a token signed with the secret's first key does not verify: %v", err)
	}
}
