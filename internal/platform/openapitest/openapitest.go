// Package openapitest checks Mosaic against its OpenAPI document in tests:
// that the document is sound, and that a handler's response is one it
// describes. (That template.yaml's routes and the document's operations are
// the same set is internal/apidocs' test.)
//
// A service's handler test ends with
//
//	openapitest.ValidateResponse(t, "GET", "/health", resp)
package openapitest

import (
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
