// Package openapitest checks Mosaic against its OpenAPI document in tests:
// that template.yaml's routes and the document's operations are the same set,
// and that a handler's response is one the document describes.
//
// A service's handler test ends with
//
//	openapitest.ValidateResponse(t, "GET", "/health", resp)
package openapitest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/apidocs"
)

// mosaic is Mosaic's document, loaded once per test binary: compiling its
// schemas is the costly part of a check, and every test shares the result.
var mosaic = sync.OnceValues(func() (*Document, error) {
	doc, err := apidocs.JSON()
	if err != nil {
		return nil, err
	}
	return Load(doc)
})

// Mosaic returns Mosaic's OpenAPI document, internal/apidocs/openapi.yaml.
func Mosaic() (*Document, error) { return mosaic() }

// ValidateResponse fails t unless resp is a response that Mosaic's document
// describes for method and path (a path template, or a concrete path that
// matches one): a documented status, its required headers, a documented
// Content-Type and a body valid against that content's schema.
func ValidateResponse(t testing.TB, method, path string, resp events.APIGatewayV2HTTPResponse) {
	t.Helper()
	d, err := Mosaic()
	if err != nil {
		t.Fatalf("openapitest: %v", err)
	}
	if err := d.ValidateResponse(method, path, resp); err != nil {
		t.Errorf("%s %s answered %d, which the OpenAPI document does not allow:\n%v", method, path, resp.StatusCode, err)
	}
}

// RoutesMatchTemplate fails t unless every HttpApi route of template.yaml (found
// in the module root, above the working directory) is an operation of Mosaic's
// document and every operation is a route of the template.
func RoutesMatchTemplate(t testing.TB) {
	t.Helper()
	file, err := moduleFile("template.yaml")
	if err != nil {
		t.Fatalf("openapitest: %v", err)
	}
	tmpl, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("openapitest: %v", err)
	}
	routes, err := TemplateRoutes(tmpl)
	if err != nil {
		t.Fatalf("openapitest: %s: %v", file, err)
	}
	d, err := Mosaic()
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
