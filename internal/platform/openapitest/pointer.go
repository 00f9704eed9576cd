package openapitest

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// ptr appends tokens to the JSON pointer base, escaping each (RFC 6901).
func ptr(base string, tokens ...string) string {
	var b strings.Builder
	b.WriteString(base)
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(t))
	}
	return b.String()
}

// at returns the value at JSON pointer p ("" is the whole document).
func at(root any, p string) (any, error) {
	if p == "" {
		return root, nil
	}
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("json pointer %q does not start with /", p)
	}
	v := root
	for _, tok := range strings.Split(p[1:], "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[tok]; !ok {
				return nil, fmt.Errorf("%s: no member %q", p, tok)
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, fmt.Errorf("%s: no item %q", p, tok)
			}
			v = x[i]
		default:
			return nil, fmt.Errorf("%s: %q is inside a scalar", p, tok)
		}
	}
	return v, nil
}

// maxRefs bounds a chain of references, so that a cycle cannot loop.
const maxRefs = 32

// deref follows the OpenAPI Reference Object at pointer p, if it is one, and
// returns the object it ends at and that object's pointer. Only references
// within the document ("#/...") are supported.
func deref(root any, p string) (map[string]any, string, error) {
	for range maxRefs {
		v, err := at(root, p)
		if err != nil {
			return nil, "", err
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, "", fmt.Errorf("%s: want an object, got %T", p, v)
		}
		ref, ok := obj["$ref"].(string)
		if !ok {
			return obj, p, nil
		}
		if !strings.HasPrefix(ref, "#") {
			return nil, "", fmt.Errorf("%s: $ref %q leaves the document", p, ref)
		}
		if p, err = url.PathUnescape(ref[1:]); err != nil {
			return nil, "", fmt.Errorf("%s: $ref %q: %w", p, ref, err)
		}
	}
	return nil, "", errors.New(p + ": $ref chain too long (a cycle?)")
}

// members returns the object at pointer p, or nil when there is none.
func members(root any, p string) map[string]any {
	v, _ := at(root, p)
	m, _ := v.(map[string]any)
	return m
}
