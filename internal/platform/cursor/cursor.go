// Package cursor makes the opaque pagination cursors of list endpoints: a
// position in a listing, signed so that a client can neither forge nor alter
// one, and bound to the filters it was issued for.
//
// A token is base64url (no padding) of
//
//	version (1 byte) | position (JSON) | HMAC-SHA256 (32 bytes)
//
// where the MAC covers the version, the scope and the position. The scope, a
// canonical string of the route and its filters (see [Scope]), is not stored in
// the token: a cursor replayed with other filters fails the MAC like a forged
// one. The position is signed, not encrypted: it must hold nothing secret.
//
// Keys rotate: a [Codec] signs with its current secret and accepts the
// previous ones, so cursors issued before a rotation keep working until the
// old secret is dropped.
package cursor

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/secret"
)

// MinSecretLen is the shortest secret a Codec accepts, in bytes.
const MinSecretLen = 32

// MaxLen is the longest token Decode reads and Encode makes, in characters.
const MaxLen = 2048

// version is the token format; bump it when the layout or MAC input changes.
const version byte = 1

// ErrInvalid is wrapped by every error Decode returns for a bad token: map it to a 400.
var ErrInvalid = errors.New("cursor: invalid")

// ErrUnavailable is wrapped by the errors of a Codec whose key could not be
// read from Secrets Manager: map it to a 503.
var ErrUnavailable = errors.New("cursor: signing key unavailable")

// keyReadTimeout bounds the first read of a key from Secrets Manager.
const keyReadTimeout = 3 * time.Second

// Codec encodes and decodes cursors with a set of keys.
type Codec struct {
	keys [][]byte // keys[0] signs; all verify

	src *secret.Source // when set, keys come from it on first use
	mu  sync.Mutex
	raw string // the value keys were derived from
}

// NewCodec returns a Codec signing with secret and also accepting previous
// secrets, each at least MinSecretLen bytes.
func NewCodec(secret []byte, previous ...[]byte) (*Codec, error) {
	c := &Codec{}
	for i, s := range append([][]byte{secret}, previous...) {
		if len(s) < MinSecretLen {
			which := "secret"
			if i > 0 {
				which = fmt.Sprintf("previous secret %d", i)
			}
			return nil, fmt.Errorf("cursor: %s has %d bytes; at least %d are required", which, len(s), MinSecretLen)
		}
		c.keys = append(c.keys, deriveKey(s))
	}
	return c, nil
}

// FromEnv returns the Codec configured by CURSOR_SECRET and
// CURSOR_PREVIOUS_SECRETS (optional, comma-separated, for key rotation), or by
// the Secrets Manager secret CURSOR_SECRET_SECRET_ARN, whose value is the
// current secret followed by any previous ones, comma-separated. A secret in
// Secrets Manager is read on first use, never at cold start.
func FromEnv(env config.Env, cfg aws.Config) (*Codec, error) {
	l := config.New(env)
	plain := l.StringOr("CURSOR_SECRET", "")
	previous := l.StringOr("CURSOR_PREVIOUS_SECRETS", "")
	if plain == "" {
		src, err := secret.FromEnv(env, cfg, "CURSOR_SECRET")
		if err != nil {
			return nil, err
		}
		return &Codec{src: src}, nil
	}
	keys, err := parseKeys(plain + "," + previous)
	if err != nil {
		return nil, fmt.Errorf("configuration: CURSOR_SECRET: %w", err)
	}
	return keys, nil
}

// parseKeys builds a Codec from "secret,previous,...", blanks skipped.
func parseKeys(list string) (*Codec, error) {
	var secrets [][]byte
	for _, p := range strings.Split(list, ",") {
		if p = strings.TrimSpace(p); p != "" {
			secrets = append(secrets, []byte(p))
		}
	}
	if len(secrets) == 0 {
		return nil, errors.New("cursor: no secret is set")
	}
	return NewCodec(secrets[0], secrets[1:]...)
}

// current returns the keys to sign and verify with, reading them on first use.
func (c *Codec) current() ([][]byte, error) {
	if c.src == nil {
		return c.keys, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), keyReadTimeout)
	defer cancel()
	v, err := c.src.Value(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys == nil || v != c.raw {
		k, err := parseKeys(v)
		if err != nil {
			return nil, fmt.Errorf("%w: CURSOR_SECRET: %w", ErrUnavailable, err)
		}
		c.keys, c.raw = k.keys, v
	}
	return c.keys, nil
}

// deriveKey separates cursor keys from any other use of the same secret.
func deriveKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("mosaic/cursor/v1"))
	return m.Sum(nil)
}

// Encode returns the token for position (any JSON-encodable value) within scope.
func (c *Codec) Encode(scope string, position any) (string, error) {
	payload, err := json.Marshal(position)
	if err != nil {
		return "", fmt.Errorf("cursor: encode position: %w", err)
	}
	keys, err := c.current()
	if err != nil {
		return "", err
	}
	raw := make([]byte, 0, 1+len(payload)+sha256.Size)
	raw = append(raw, version)
	raw = append(raw, payload...)
	raw = append(raw, sign(keys[0], version, scope, payload)...)
	token := base64.RawURLEncoding.EncodeToString(raw)
	if len(token) > MaxLen {
		return "", fmt.Errorf("cursor: position of %d bytes makes a token over %d characters", len(payload), MaxLen)
	}
	return token, nil
}

// Decode verifies token for scope and decodes its position into dst.
// Every failure wraps ErrInvalid, except an unreadable key (ErrUnavailable); an empty token is one too, so callers
// check for "" (the first page) before decoding.
func (c *Codec) Decode(token, scope string, dst any) error {
	if token == "" {
		return fmt.Errorf("%w: empty", ErrInvalid)
	}
	if len(token) > MaxLen {
		return fmt.Errorf("%w: longer than %d characters", ErrInvalid, MaxLen)
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil {
		return fmt.Errorf("%w: not base64url", ErrInvalid)
	}
	if len(raw) < 1+1+sha256.Size {
		return fmt.Errorf("%w: too short", ErrInvalid)
	}
	if raw[0] != version {
		return fmt.Errorf("%w: unknown version %d", ErrInvalid, raw[0])
	}
	payload, sum := raw[1:len(raw)-sha256.Size], raw[len(raw)-sha256.Size:]
	keys, err := c.current()
	if err != nil {
		return err
	}
	if !verify(keys, scope, payload, sum) {
		return fmt.Errorf("%w: signature does not match (altered, or issued for other filters)", ErrInvalid)
	}
	if err := json.Unmarshal(payload, dst); err != nil {
		return fmt.Errorf("%w: position does not fit %T: %w", ErrInvalid, dst, err)
	}
	return nil
}

// verify compares sum with the MAC of every key, in constant time for each.
func verify(keys [][]byte, scope string, payload, sum []byte) bool {
	ok := false
	for _, k := range keys {
		if hmac.Equal(sum, sign(k, version, scope, payload)) {
			ok = true
		}
	}
	return ok
}

// sign returns the MAC of version, scope and payload; the scope's length
// prefix keeps the boundary between scope and payload unambiguous.
func sign(key []byte, v byte, scope string, payload []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte{v})
	m.Write(binary.AppendUvarint(nil, uint64(len(scope))))
	m.Write([]byte(scope))
	m.Write(payload)
	return m.Sum(nil)
}

// Scope returns the canonical scope of a listing: its route and filters as
// sorted, query-escaped key=value pairs, filters with an empty value left out
// (absent and empty mean the same). Pass filter values as the handler
// normalised them, and leave out limit: a page size may change between pages.
func Scope(route string, filters map[string]string) string {
	v := make(url.Values, len(filters))
	for k, s := range filters {
		if s != "" {
			v.Set(k, s)
		}
	}
	return route + "?" + v.Encode()
}
