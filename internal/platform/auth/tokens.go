package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// HashToken returns the SHA-256 of token in lower-case hex, as TOKEN_HASHES holds it.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Tokens maps token hashes to roles. The zero value knows no token.
type Tokens struct {
	roles map[string]Role // by HashToken
}

// ParseHashes reads "role:sha256hex,role:sha256hex,..." (TOKEN_HASHES).
// Errors name entries by position and never repeat their content.
func ParseHashes(s string) (Tokens, error) {
	return parse(s, func(v string) (string, error) {
		if len(v) != sha256.Size*2 {
			return "", fmt.Errorf("hash must be %d hex digits", sha256.Size*2)
		}
		if _, err := hex.DecodeString(v); err != nil {
			return "", errors.New("hash must be hex digits only")
		}
		return strings.ToLower(v), nil
	})
}

// ParseTokens reads plain "role:token,role:token,..." (the local runtime's
// MOSAIC_TOKENS) and keeps only the tokens' hashes.
// Errors name entries by position and never repeat their content.
func ParseTokens(s string) (Tokens, error) {
	return parse(s, func(v string) (string, error) {
		if v == "" {
			return "", errors.New("token is empty")
		}
		for i := range len(v) {
			if v[i] <= ' ' || v[i] > '~' {
				return "", errors.New("token must be printable ASCII without spaces")
			}
		}
		return HashToken(v), nil
	})
}

// parse reads comma-separated role:value entries, turning each value into a
// hash with hash. Blank entries are skipped; at least one entry is required.
func parse(s string, hash func(value string) (string, error)) (Tokens, error) {
	t := Tokens{roles: make(map[string]Role)}
	first := make(map[string]int) // hash -> entry that introduced it
	for i, entry := range strings.Split(s, ",") {
		n := i + 1
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		name, value, ok := strings.Cut(entry, ":")
		if !ok {
			return Tokens{}, fmt.Errorf("entry %d: want role:value", n)
		}
		role, ok := ParseRole(strings.TrimSpace(name))
		if !ok {
			return Tokens{}, fmt.Errorf("entry %d: role must be admin, writer or reader", n)
		}
		h, err := hash(strings.TrimSpace(value))
		if err != nil {
			return Tokens{}, fmt.Errorf("entry %d: %w", n, err)
		}
		if prev, dup := t.roles[h]; dup && prev != role {
			return Tokens{}, fmt.Errorf("entries %d and %d give one token two roles", first[h], n)
		}
		if _, dup := first[h]; !dup {
			first[h] = n
		}
		t.roles[h] = role
	}
	if len(t.roles) == 0 {
		return Tokens{}, errors.New("no token is configured")
	}
	return t, nil
}

// Role returns the role of token, or None when the token is unknown.
func (t Tokens) Role(token string) Role {
	if token == "" {
		return None
	}
	return t.roles[HashToken(token)]
}

// HashList renders t as TOKEN_HASHES reads it, sorted: what the local runtime
// hands its authorizer after ParseTokens.
func (t Tokens) HashList() string {
	entries := make([]string, 0, len(t.roles))
	for h, r := range t.roles {
		entries = append(entries, r.String()+":"+h)
	}
	slices.Sort(entries)
	return strings.Join(entries, ",")
}

// ParseAuthorization returns the token of an Authorization header value,
// "Bearer <token>" or "Token <token>" (scheme in any case), or false.
func ParseAuthorization(header string) (string, bool) {
	header = strings.TrimSpace(header)
	i := strings.IndexAny(header, " \t")
	if i < 0 {
		return "", false
	}
	scheme, token := header[:i], strings.TrimSpace(header[i+1:])
	if !strings.EqualFold(scheme, "Bearer") && !strings.EqualFold(scheme, "Token") {
		return "", false
	}
	if token == "" || strings.ContainsAny(token, " \t,") {
		return "", false
	}
	return token, true
}
