package openapitest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Check reports every problem it finds in the document at once: a version other
// than 3.1.x, a missing title or version, a $ref that does not resolve, an
// operation without a unique operationId or without responses, a status that
// is not a status, a path template whose parameters are not declared, an
// unknown security scheme or tag, a tag no operation uses, a schema that is not
// valid JSON Schema 2020-12, and an example that its schema rejects.
func (d *Document) Check() error {
	c := &checker{d: d}
	c.info()
	c.refs(d.root, "")
	ids := map[string]string{}
	for _, r := range d.Routes() {
		opPtr := ptr("/paths", r.Path, strings.ToLower(r.Method))
		c.operation(r, opPtr, ids)
	}
	c.unusedTags()
	for _, name := range sortedKeys(members(d.root, "/components/schemas")) {
		p := ptr("/components/schemas", name)
		c.schema(p)
		if ex, ok := asObject(members(d.root, "/components/schemas")[name])["examples"].([]any); ok {
			for i, v := range ex {
				c.example(p, v, fmt.Sprintf("%s/examples/%d", p, i))
			}
		}
	}
	for _, name := range sortedKeys(members(d.root, "/components/responses")) {
		c.response(ptr("/components/responses", name))
	}
	for _, kind := range []string{"parameters", "headers"} {
		for _, name := range sortedKeys(members(d.root, "/components/"+kind)) {
			c.schema(ptr("/components", kind, name, "schema"))
		}
	}
	return errors.Join(c.errs...)
}

// checker collects the problems Check finds.
type checker struct {
	d    *Document
	errs []error
}

func (c *checker) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf(format, args...))
}

func (c *checker) info() {
	root := c.d.root.(map[string]any)
	if v, _ := root["openapi"].(string); !isVersion31(v) {
		c.fail("/openapi: %q is not an OpenAPI 3.1.x version", v)
	}
	info := members(c.d.root, "/info")
	for _, k := range []string{"title", "version"} {
		if s, _ := info[k].(string); s == "" {
			c.fail("/info/%s: missing", k)
		}
	}
	for _, path := range sortedKeys(members(c.d.root, "/paths")) {
		if !strings.HasPrefix(path, "/") {
			c.fail("/paths: %q does not start with /", path)
		}
	}
}

// refs checks that every $ref under v resolves within the document.
func (c *checker) refs(v any, p string) {
	switch x := v.(type) {
	case map[string]any:
		if ref, ok := x["$ref"].(string); ok {
			if _, _, err := deref(c.d.root, p); err != nil {
				c.fail("%s: $ref %q: %v", p, ref, err)
			}
		}
		for _, k := range sortedKeys(x) {
			c.refs(x[k], ptr(p, k))
		}
	case []any:
		for i, item := range x {
			c.refs(item, ptr(p, fmt.Sprint(i)))
		}
	}
}

func asObject(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// isVersion31 reports whether v is an OpenAPI 3.1.x version.
func isVersion31(v string) bool {
	patch, ok := strings.CutPrefix(v, "3.1.")
	return ok && patch != "" && strings.Trim(patch, "0123456789") == ""
}

// isStatusKey reports whether k is a key of a Responses Object: 200, 4XX or default.
func isStatusKey(k string) bool {
	if k == "default" {
		return true
	}
	if len(k) != 3 || k[0] < '1' || k[0] > '5' {
		return false
	}
	return k[1:] == "XX" || strings.Trim(k[1:], "0123456789") == ""
}

// templateParams returns the {names} of a path template, in order.
func templateParams(path string) []string {
	var names []string
	for _, seg := range strings.Split(path, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			if name, ok = strings.CutSuffix(name, "}"); ok {
				names = append(names, name)
			}
		}
	}
	return names
}
