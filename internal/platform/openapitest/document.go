package openapitest

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// docURL names the document for the schema compiler; nothing is fetched from it.
const docURL = "urn:mosaic:openapi.json"

// Document is an OpenAPI 3.1 document whose schemas are compiled on demand
// with a JSON Schema 2020-12 validator. It is safe for concurrent use.
type Document struct {
	root any // the document as jsonschema.UnmarshalJSON decodes it

	mu       sync.Mutex
	compiler *jsonschema.Compiler
	schemas  map[string]*jsonschema.Schema // compiled, by JSON pointer
}

// Load parses an OpenAPI 3.1 document given as JSON and checks it (see Check).
func Load(openapiJSON []byte) (*Document, error) {
	root, err := jsonschema.UnmarshalJSON(bytes.NewReader(openapiJSON))
	if err != nil {
		return nil, fmt.Errorf("openapi document: %w", err)
	}
	if _, ok := root.(map[string]any); !ok {
		return nil, fmt.Errorf("openapi document: want an object, got %T", root)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat() // date-time, uri, ... are checked, not just annotations
	if err := c.AddResource(docURL, root); err != nil {
		return nil, fmt.Errorf("openapi document: %w", err)
	}
	d := &Document{root: root, compiler: c, schemas: map[string]*jsonschema.Schema{}}
	if err := d.Check(); err != nil {
		return nil, fmt.Errorf("openapi document: %w", err)
	}
	return d, nil
}

// schema returns the schema at JSON pointer p, compiled once.
func (d *Document) schema(p string) (*jsonschema.Schema, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.schemas[p]; ok {
		return s, nil
	}
	s, err := d.compiler.Compile(docURL + "#" + p)
	if err != nil {
		return nil, fmt.Errorf("compile schema %s: %w", p, err)
	}
	d.schemas[p] = s
	return s, nil
}

// Routes returns every operation of the document as a route, sorted by path.
func (d *Document) Routes() []Route {
	var routes []Route
	paths := members(d.root, "/paths")
	for _, path := range slices.Sorted(maps.Keys(paths)) {
		item, _, err := deref(d.root, ptr("/paths", path))
		if err != nil {
			continue // reported by Check
		}
		for _, method := range slices.Sorted(maps.Keys(item)) {
			if !isMethod(method) {
				continue
			}
			op, _ := item[method].(map[string]any)
			id, _ := op["operationId"].(string)
			routes = append(routes, Route{Method: strings.ToUpper(method), Path: path, Source: "operationId " + id})
		}
	}
	return routes
}

// isMethod reports whether a path item's key names an operation.
func isMethod(key string) bool {
	switch key {
	case "get", "put", "post", "delete", "options", "head", "patch", "trace":
		return true
	}
	return false
}

// Route is one HTTP route: a method and a path template such as /docs/{asset}.
type Route struct {
	Method string // upper case: GET, POST, ... (ANY for a template's catch-all)
	Path   string // the path template, compared literally
	Source string // where it is declared, for messages: a template event or an operationId
}

// String returns the route as API Gateway writes a route key: "GET /health".
func (r Route) String() string { return r.Method + " " + r.Path }
