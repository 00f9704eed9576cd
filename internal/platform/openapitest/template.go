package openapitest

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Route is one HTTP route: a method and a path template such as /docs/{asset}.
type Route struct {
	Method string // upper case: GET, POST, ... (ANY for a template's catch-all)
	Path   string // the path template, compared literally
	Source string // where it is declared, for messages: a template event or an operationId
}

// String returns the route as API Gateway writes a route key: "GET /health".
func (r Route) String() string { return r.Method + " " + r.Path }

// TemplateRoutes returns every HttpApi event route of the AWS::Serverless::Function
// resources of a SAM template, in the template's order. Method and Path must be
// literal strings; an event with neither is API Gateway's catch-all, ANY $default.
func TemplateRoutes(template []byte) ([]Route, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(template, &doc); err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	if len(doc.Content) != 1 {
		return nil, errors.New("parse template: want exactly one yaml document")
	}
	var routes []Route
	resources := lookup(doc.Content[0], "Resources")
	for name, res := range pairs(resources) {
		if scalar(lookup(res, "Type")) != "AWS::Serverless::Function" {
			continue
		}
		for event, ev := range pairs(lookup(lookup(res, "Properties"), "Events")) {
			if scalar(lookup(ev, "Type")) != "HttpApi" {
				continue
			}
			source := name + ".Events." + event
			r, err := eventRoute(lookup(ev, "Properties"), source)
			if err != nil {
				return nil, err
			}
			routes = append(routes, r)
		}
	}
	return routes, nil
}

// eventRoute reads the Method and Path of one HttpApi event's Properties.
func eventRoute(props *yaml.Node, source string) (Route, error) {
	method, path := lookup(props, "Method"), lookup(props, "Path")
	if method == nil && path == nil {
		return Route{Method: "ANY", Path: "$default", Source: source}, nil
	}
	for _, f := range []struct {
		name string
		node *yaml.Node
	}{{"Method", method}, {"Path", path}} {
		if n := f.node; n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" || n.Value == "" {
			return Route{}, fmt.Errorf("%s: %s must be a literal string", source, f.name)
		}
	}
	return Route{Method: strings.ToUpper(method.Value), Path: path.Value, Source: source}, nil
}

// lookup returns the value of key in mapping n, or nil.
func lookup(n *yaml.Node, key string) *yaml.Node {
	for k, v := range pairs(n) {
		if k == key {
			return v
		}
	}
	return nil
}

// pairs yields the key-value pairs of mapping n in order; nothing if n is not a mapping.
func pairs(n *yaml.Node) func(yield func(string, *yaml.Node) bool) {
	return func(yield func(string, *yaml.Node) bool) {
		if n != nil && n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		if n == nil || n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if !yield(n.Content[i].Value, n.Content[i+1]) {
				return
			}
		}
	}
}

// scalar returns the value of scalar n, or "".
func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// diffRoutes returns the routes of a missing from b and those of b missing
// from a, comparing method and path; a route declared twice counts as missing
// its twin, so duplicates are reported too.
func diffRoutes(a, b []Route) (onlyA, onlyB []Route) {
	count := func(rs []Route) map[string]int {
		m := make(map[string]int, len(rs))
		for _, r := range rs {
			m[r.String()]++
		}
		return m
	}
	ca, cb := count(a), count(b)
	for _, r := range a {
		if ca[r.String()] > cb[r.String()] {
			onlyA = append(onlyA, r)
		}
	}
	for _, r := range b {
		if cb[r.String()] > ca[r.String()] {
			onlyB = append(onlyB, r)
		}
	}
	sortRoutes(onlyA)
	sortRoutes(onlyB)
	return onlyA, onlyB
}

func sortRoutes(rs []Route) {
	slices.SortFunc(rs, func(x, y Route) int { return strings.Compare(x.Path+" "+x.Method, y.Path+" "+y.Method) })
}
