package gateway

import (
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/mosaic-platform/mosaic/internal/samtemplate"
)

// routesOf turns "METHOD /path" keys into template routes, all on one function.
func routesOf(keys ...string) []samtemplate.Route {
	rs := make([]samtemplate.Route, 0, len(keys))
	for _, k := range keys {
		var r samtemplate.Route
		for i := range k {
			if k[i] == ' ' {
				r = samtemplate.Route{Method: k[:i], Path: k[i+1:], Function: "F"}
				break
			}
		}
		rs = append(rs, r)
	}
	return rs
}

func TestRouteMatching(t *testing.T) {
	// The example of API Gateway's "Routing API requests" (HTTP APIs), plus the
	// cases the local gateway must tell apart. Declared in an order that would
	// pick the wrong route if matching went by declaration order.
	withCatchAll := routesOf(
		"ANY /{proxy+}",
		"GET /pets/{proxy+}",
		"GET /pets/dog/{id}",
		"GET /pets/dog/1",
		"GET /a/b/",
		"GET /a/b",
		"ANY /items/{id}",
		"GET /items/{id}",
		"GET /files/{name}",
		"GET /",
	)
	without := routesOf(
		"GET /pets/{proxy+}",
		"GET /files/{name}",
		"GET /a/b",
		"GET /users/{id}/posts/{postId}",
		"GET /users/{id}/posts/latest",
	)
	greedy := routesOf(
		"GET /{section}/{proxy+}",
		"GET /docs/{proxy+}",
	)
	tests := []struct {
		name       string
		routes     []samtemplate.Route
		method     string
		target     string
		wantKey    string // "" for no match
		wantParams map[string]string
	}{
		{"full match wins", withCatchAll, "GET", "/pets/dog/1", "GET /pets/dog/1", map[string]string{}},
		{"path variable next", withCatchAll, "GET", "/pets/dog/2", "GET /pets/dog/{id}", map[string]string{"id": "2"}},
		{"greedy variable next", withCatchAll, "GET", "/pets/cat/1", "GET /pets/{proxy+}", map[string]string{"proxy": "cat/1"}},
		{"catch-all last", withCatchAll, "GET", "/test/5", "ANY /{proxy+}", map[string]string{"proxy": "test/5"}},
		{"method mismatch falls through to ANY", withCatchAll, "POST", "/pets/dog/1", "ANY /{proxy+}", map[string]string{"proxy": "pets/dog/1"}},
		{"no trailing slash", withCatchAll, "GET", "/a/b", "GET /a/b", map[string]string{}},
		{"trailing slash is another route", withCatchAll, "GET", "/a/b/", "GET /a/b/", map[string]string{}},
		{"explicit method over ANY", withCatchAll, "GET", "/items/7", "GET /items/{id}", map[string]string{"id": "7"}},
		{"ANY takes other methods", withCatchAll, "PUT", "/items/7", "ANY /items/{id}", map[string]string{"id": "7"}},
		{"ANY takes DELETE", withCatchAll, "DELETE", "/items/7", "ANY /items/{id}", map[string]string{"id": "7"}},
		{"parameter decoded", withCatchAll, "GET", "/files/hello%20world.txt", "GET /files/{name}", map[string]string{"name": "hello world.txt"}},
		{"encoded slash stays in one parameter", withCatchAll, "GET", "/files/a%2Fb", "GET /files/{name}", map[string]string{"name": "a/b"}},
		{"plus is not a space in a path", withCatchAll, "GET", "/files/a+b", "GET /files/{name}", map[string]string{"name": "a+b"}},
		{"unicode parameter", withCatchAll, "GET", "/files/%C3%A9t%C3%A9", "GET /files/{name}", map[string]string{"name": "été"}},
		{"root", withCatchAll, "GET", "/", "GET /", map[string]string{}},
		{"query string ignored", withCatchAll, "GET", "/pets/dog/1?x=1", "GET /pets/dog/1", map[string]string{}},

		{"empty parameter does not match", without, "GET", "/files/", "", nil},
		{"greedy needs one segment", without, "GET", "/pets", "", nil},
		{"greedy needs a non-empty rest", without, "GET", "/pets/", "", nil},
		{"greedy takes a trailing slash", without, "GET", "/pets/a/", "GET /pets/{proxy+}", map[string]string{"proxy": "a/"}},
		{"greedy decodes", without, "GET", "/pets/a%20b/c", "GET /pets/{proxy+}", map[string]string{"proxy": "a b/c"}},
		{"too many segments", without, "GET", "/a/b/c", "", nil},
		{"too few segments", without, "GET", "/a", "", nil},
		{"paths are case sensitive", without, "GET", "/A/B", "", nil},
		{"HEAD does not match GET", without, "HEAD", "/a/b", "", nil},
		{"method mismatch", without, "POST", "/a/b", "", nil},
		{"more literals win", without, "GET", "/users/u1/posts/latest", "GET /users/{id}/posts/latest", map[string]string{"id": "u1"}},
		{"variables when no literal fits", without, "GET", "/users/u1/posts/p9", "GET /users/{id}/posts/{postId}", map[string]string{"id": "u1", "postId": "p9"}},
		{"literal greedy over variable greedy", greedy, "GET", "/docs/a/b", "GET /docs/{proxy+}", map[string]string{"proxy": "a/b"}},
		{"variable greedy", greedy, "GET", "/blog/a/b", "GET /{section}/{proxy+}", map[string]string{"section": "blog", "proxy": "a/b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &Gateway{routes: compile(tt.routes)}
			rt, params, ok := g.match(httptest.NewRequest(tt.method, tt.target, nil))
			if tt.wantKey == "" {
				if ok {
					t.Fatalf("%s %s matched %s %v, want no match", tt.method, tt.target, rt.RouteKey(), params)
				}
				return
			}
			if !ok {
				t.Fatalf("%s %s matched nothing, want %s", tt.method, tt.target, tt.wantKey)
			}
			if rt.RouteKey() != tt.wantKey || !reflect.DeepEqual(params, tt.wantParams) {
				t.Errorf("%s %s matched %s %v, want %s %v", tt.method, tt.target, rt.RouteKey(), params, tt.wantKey, tt.wantParams)
			}
		})
	}
}

func TestCompileOrderIsStable(t *testing.T) {
	// Equal specificity keeps the template's order, so a run is reproducible.
	rs := compile(routesOf("GET /a/{x}", "GET /{y}/b"))
	if got := []string{rs[0].RouteKey(), rs[1].RouteKey()}; !reflect.DeepEqual(got, []string{"GET /a/{x}", "GET /{y}/b"}) {
		t.Errorf("order = %v", got)
	}
}
