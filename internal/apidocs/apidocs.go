// Package apidocs holds Mosaic's OpenAPI document, the source of truth for
// every HTTP route, and serves it: as JSON at GET /openapi.json, and rendered
// by Swagger UI at GET /docs (with its static files at GET /docs/{asset}).
package apidocs

import (
	"bytes"
	_ "embed" // openapi.yaml
	"fmt"
	"sync"
)

//go:generate bash ../../infra/swaggerui/update.sh

//go:embed openapi.yaml
var openapiYAML []byte

// document is openapi.yaml converted to JSON once, by the first caller (NewOpenAPI,
// during the cold start): the file is compiled in and never changes, so every
// request and test shares the same bytes, and functions that never serve the
// document (DocsFunction) never pay for the conversion.
var document = sync.OnceValues(func() ([]byte, error) { return toJSON(openapiYAML) })

// YAML returns the OpenAPI document as written, in YAML.
func YAML() []byte { return bytes.Clone(openapiYAML) }

// JSON returns the OpenAPI document as compact JSON, keys in the YAML's order.
func JSON() ([]byte, error) {
	doc, err := document()
	if err != nil {
		return nil, fmt.Errorf("apidocs: openapi.yaml: %w", err)
	}
	return bytes.Clone(doc), nil
}
