package main

import (
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/mosaic-platform/mosaic/internal/samtemplate"
)

// namesField reports whether r is a 400 validation problem naming field with
// a message that contains want.
func namesField(r response, field, want string) bool {
	if r.status != 400 || !strings.HasSuffix(asString(r.decoded["type"]), "/validation") {
		return false
	}
	errs, _ := r.decoded["errors"].([]any)
	for _, e := range errs {
		m, _ := e.(map[string]any)
		if m["field"] == field && strings.Contains(asString(m["message"]), want) {
			return true
		}
	}
	return false
}

func asString(v any) string { s, _ := v.(string); return s }

// TestEveryRouteRefusesWhatItDoesNotRead sends, to every route of
// template.yaml, a query parameter no route reads and (to each route whose
// OpenAPI operation has no request body) a body: each is a 400 naming it,
// before anything runs.
func TestEveryRouteRefusesWhatItDoesNotRead(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test starts the whole stack")
	}
	tpl, err := samtemplate.Load("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	takesBody := operationsWithBody(t)
	s := startServer(t, buildServer(t), t.TempDir())
	fill := strings.NewReplacer("{id}", "0123456789abcdef", "{customerId}", "c1", "{dialogId}", "d1",
		"{task_id}", "t1", "{asset}", "swagger-ui.css")
	for _, rt := range tpl.Routes() {
		url := s.url + fill.Replace(rt.Path)
		t.Run(rt.RouteKey()+" unknown query", func(t *testing.T) {
			r := call(t, rt.Method, url+"?zz_unknown=1", "Bearer dev-admin", nil)
			if !namesField(r, "zz_unknown", "not a query parameter") {
				t.Errorf("= %d %s", r.status, r.body)
			}
		})
		if takesBody[rt.RouteKey()] {
			continue
		}
		t.Run(rt.RouteKey()+" body", func(t *testing.T) {
			r := call(t, rt.Method, url, "Bearer dev-admin", strings.NewReader(`{"x": 1}`))
			if !namesField(r, "body", "must be empty") {
				t.Errorf("= %d %s", r.status, r.body)
			}
		})
	}
	t.Run("offset on GET /data points to cursor", func(t *testing.T) {
		r := call(t, "GET", s.url+"/data?offset=50", "Bearer dev-reader", nil)
		if !namesField(r, "offset", "next_cursor") {
			t.Errorf("= %d %s", r.status, r.body)
		}
	})
	t.Run("text is refused, never rewritten", func(t *testing.T) {
		for name, body := range map[string]string{
			"invalid UTF-8":  "{\"text\": \"a\xff\xfeb\", \"language\": \"EN\"}",
			"lone surrogate": `{"text": "a\ud800b", "language": "EN"}`,
			"NUL":            `{"text": "a\u0000b", "language": "EN"}`,
		} {
			r := call(t, "POST", s.url+"/data/c1/d1", "Bearer dev-writer", strings.NewReader(body))
			if !namesField(r, "text", "") {
				t.Errorf("%s: = %d %s", name, r.status, r.body)
			}
		}
		r := call(t, "POST", s.url+"/data/c1/d1", "Bearer dev-writer", strings.NewReader(`{"text": 5, "language": "ENG"}`))
		if !namesField(r, "text", "must be a string") || !namesField(r, "language", "") {
			t.Errorf("every bad field at once: = %d %s", r.status, r.body)
		}
		if r := call(t, "GET", s.url+"/data/c1/d1", "Bearer dev-admin", nil); r.status != 404 {
			t.Errorf("a refused push was stored: GET = %d %s", r.status, r.body)
		}
		r = call(t, "POST", s.url+"/posts", "Bearer dev-writer", strings.NewReader(`{"title": "a\udc00", "paragraphs": ["ok", 7, "b\u0000"]}`))
		if !namesField(r, "title", "surrogate") || !namesField(r, "paragraphs[1]", "string") || !namesField(r, "paragraphs[2]", "NUL") {
			t.Errorf("POST /posts = %d %s", r.status, r.body)
		}
	})
}

// operationsWithBody returns the route keys whose OpenAPI operation has a request body.
func operationsWithBody(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile("../../internal/apidocs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"` // path -> method (or "parameters") -> operation
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if m, ok := op.(map[string]any); ok && m["requestBody"] != nil {
				out[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	return out
}
