package apidocs_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/mosaic-platform/mosaic/internal/platform/openapitest"
)

// routesMatchTemplate fails t unless every HttpApi route of template.yaml (found
// in the module root, above the working directory) is an operation of Mosaic's
// document and every operation is a route of the template.
func routesMatchTemplate(t testing.TB) {
	t.Helper()
	file, err := moduleFile("template.yaml")
	if err != nil {
		t.Fatalf("openapitest: %v", err)
	}
	tmpl, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("openapitest: %v", err)
	}
	routes, err := templateRoutes(tmpl)
	if err != nil {
		t.Fatalf("openapitest: %s: %v", file, err)
	}
	d, err := openapitest.Mosaic()
	if err != nil {
		t.Fatalf("openapitest: %v", err)
	}
	onlyTemplate, onlyDocument := diffRoutes(routes, d.Routes())
	for _, r := range onlyTemplate {
		t.Errorf("%s (%s in template.yaml) is not an operation of internal/apidocs/openapi.yaml: document it under paths", r, r.Source)
	}
	for _, r := range onlyDocument {
		t.Errorf("%s (%s in internal/apidocs/openapi.yaml) is not a route of template.yaml: add its HttpApi event, or remove the operation", r, r.Source)
	}
}

// moduleFile returns the path of name in the module root: the nearest directory
// at or above the working directory that holds go.mod.
func moduleFile(name string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, name), nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("find module root: %w", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find module root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// templateRoutes returns every HttpApi event route of the AWS::Serverless::Function
// resources of a SAM template, in the template's order. Method and Path must be
// literal strings; an event with neither is API Gateway's catch-all, ANY $default.
func templateRoutes(template []byte) ([]openapitest.Route, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(template, &doc); err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	if len(doc.Content) != 1 {
		return nil, errors.New("parse template: want exactly one yaml document")
	}
	var routes []openapitest.Route
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
func eventRoute(props *yaml.Node, source string) (openapitest.Route, error) {
	method, path := lookup(props, "Method"), lookup(props, "Path")
	if method == nil && path == nil {
		return openapitest.Route{Method: "ANY", Path: "$default", Source: source}, nil
	}
	for _, f := range []struct {
		name string
		node *yaml.Node
	}{{"Method", method}, {"Path", path}} {
		if n := f.node; n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" || n.Value == "" {
			return openapitest.Route{}, fmt.Errorf("%s: %s must be a literal string", source, f.name)
		}
	}
	return openapitest.Route{Method: strings.ToUpper(method.Value), Path: path.Value, Source: source}, nil
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
func diffRoutes(a, b []openapitest.Route) (onlyA, onlyB []openapitest.Route) {
	count := func(rs []openapitest.Route) map[string]int {
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

func sortRoutes(rs []openapitest.Route) {
	slices.SortFunc(rs, func(x, y openapitest.Route) int { return strings.Compare(x.Path+" "+x.Method, y.Path+" "+y.Method) })
}

const samTemplate = `
Transform: AWS::Serverless-2016-10-31
Resources:
  HttpApi:
    Type: AWS::Serverless::HttpApi
  Queue:
    Type: AWS::SQS::Queue
  PostsFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          TABLE: !Ref Table
          ARN: !GetAtt Queue.Arn
      Events:
        List:
          Type: HttpApi
          Properties:
            ApiId: !Ref HttpApi
            Path: /posts
            Method: get
        Get:
          Type: HttpApi
          Properties:
            ApiId: !Ref HttpApi
            Path: /posts/{id}
            Method: GET
            Auth:
              Authorizer: NONE
        Work:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue.Arn
  NotAFunction:
    Type: AWS::Lambda::Function
    Properties:
      Events:
        Get:
          Type: HttpApi
          Properties: {Path: /ignored, Method: GET}
`

func TestTemplateRoutes(t *testing.T) {
	got, err := templateRoutes([]byte(samTemplate))
	if err != nil {
		t.Fatal(err)
	}
	want := []openapitest.Route{
		{Method: "GET", Path: "/posts", Source: "PostsFunction.Events.List"},
		{Method: "GET", Path: "/posts/{id}", Source: "PostsFunction.Events.Get"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("templateRoutes = %v, want %v", got, want)
	}
}

func TestTemplateRoutesErrors(t *testing.T) {
	tests := []struct{ name, events, want string }{
		{"intrinsic path", "Path: !Sub '/x/${Stage}'\n            Method: GET", "Path must be a literal string"},
		{"missing method", "Path: /x", "Method must be a literal string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := `
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        E:
          Type: HttpApi
          Properties:
            ` + tt.events + "\n"
			_, err := templateRoutes([]byte(tmpl))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestTemplateCatchAll(t *testing.T) {
	tmpl := "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n        E:\n          Type: HttpApi\n"
	got, err := templateRoutes([]byte(tmpl))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].String() != "ANY $default" {
		t.Errorf("templateRoutes = %v, want [ANY $default]", got)
	}
}

func TestDiffRoutes(t *testing.T) {
	r := func(m, p string) openapitest.Route { return openapitest.Route{Method: m, Path: p} }
	tmpl := []openapitest.Route{r("GET", "/a"), r("GET", "/b"), r("GET", "/b"), r("POST", "/c")}
	doc := []openapitest.Route{r("GET", "/a"), r("GET", "/b"), r("GET", "/c"), r("GET", "/d/{id}")}
	onlyT, onlyD := diffRoutes(tmpl, doc)
	if want := []openapitest.Route{r("GET", "/b"), r("GET", "/b"), r("POST", "/c")}; !slices.Equal(onlyT, want) {
		t.Errorf("only in template = %v, want %v", onlyT, want)
	}
	if want := []openapitest.Route{r("GET", "/c"), r("GET", "/d/{id}")}; !slices.Equal(onlyD, want) {
		t.Errorf("only in document = %v, want %v", onlyD, want)
	}
}
