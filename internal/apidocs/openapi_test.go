package apidocs_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"gopkg.in/yaml.v3"

	"github.com/mosaic-platform/mosaic/internal/apidocs"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/openapitest"
)

// TestRoutesMatchTemplate: every route of template.yaml is documented, and
// every documented operation is deployed.
func TestRoutesMatchTemplate(t *testing.T) {
	routesMatchTemplate(t)
}

// TestDocumentIsValid: openapi.yaml is a sound OpenAPI 3.1 document (see openapitest.Check).
func TestDocumentIsValid(t *testing.T) {
	if _, err := openapitest.Mosaic(); err != nil {
		t.Fatal(err)
	}
}

// TestJSONMatchesYAML: the served JSON says exactly what openapi.yaml says.
func TestJSONMatchesYAML(t *testing.T) {
	doc, err := apidocs.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var fromJSON, fromYAML any
	if err := json.Unmarshal(doc, &fromJSON); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(apidocs.YAML(), &fromYAML); err != nil {
		t.Fatal(err)
	}
	viaJSON, err := json.Marshal(fromYAML)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(viaJSON, &fromYAML); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromJSON, fromYAML) {
		t.Error("JSON() differs from openapi.yaml")
	}
}

// handler builds a constructor's handler the way function.Build would.
func handler(t *testing.T, build function.Constructor) apigw.HandlerFunc {
	t.Helper()
	h, err := build(context.Background(), function.Deps{Name: t.Name()})
	if err != nil {
		t.Fatal(err)
	}
	fn, ok := h.(apigw.HandlerFunc)
	if !ok {
		t.Fatalf("constructor returned %T, want an HTTP API handler", h)
	}
	return fn
}

// event reads a sample event of events/.
func event(t *testing.T, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	var req events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(b, &req); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return req
}

func serve(t *testing.T, h apigw.HandlerFunc, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	resp, err := h(context.Background(), req)
	if err != nil {
		t.Fatalf("handler returned an error: %v", err)
	}
	return resp
}

func TestOpenAPI(t *testing.T) {
	h := handler(t, apidocs.NewOpenAPI)
	req := event(t, "open-api.json")
	want, err := apidocs.JSON()
	if err != nil {
		t.Fatal(err)
	}

	resp := serve(t, h, req) // the event accepts gzip
	openapitest.ValidateResponse(t, "GET", "/openapi.json", resp)
	if got := body(t, resp); resp.StatusCode != 200 || string(got) != string(want) {
		t.Fatalf("GET /openapi.json = %d with %d bytes, want 200 with the document", resp.StatusCode, len(got))
	}
	if resp.Headers["Content-Encoding"] != "gzip" {
		t.Errorf("Content-Encoding = %q, want gzip", resp.Headers["Content-Encoding"])
	}
	etag := resp.Headers["ETag"]

	delete(req.Headers, "accept-encoding")
	resp = serve(t, h, req)
	openapitest.ValidateResponse(t, "GET", "/openapi.json", resp)
	if resp.StatusCode != 200 || resp.Body != string(want) || resp.Headers["Content-Encoding"] != "" {
		t.Fatalf("without Accept-Encoding: %d with %d bytes, want 200 with the plain document", resp.StatusCode, len(resp.Body))
	}
	if got := resp.Headers["Content-Type"]; got != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	if resp.Headers["X-Request-Id"] != req.RequestContext.RequestID {
		t.Errorf("X-Request-Id = %q, want the event's %q", resp.Headers["X-Request-Id"], req.RequestContext.RequestID)
	}
	if resp.Headers["Access-Control-Allow-Origin"] != "*" {
		t.Error("the document is not readable cross-origin")
	}
	if resp.Headers["ETag"] == etag {
		t.Error("the plain and gzip representations share an ETag")
	}
	etag = resp.Headers["ETag"]

	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
		req.Headers["if-none-match"] = inm
		resp := serve(t, h, req)
		openapitest.ValidateResponse(t, "GET", "/openapi.json", resp)
		if resp.StatusCode != 304 || resp.Body != "" || resp.Headers["ETag"] != etag {
			t.Errorf("If-None-Match %s: %d %q, want a bodiless 304 with the ETag", inm, resp.StatusCode, resp.Headers["ETag"])
		}
	}
	req.Headers["if-none-match"] = `"stale"`
	if resp := serve(t, h, req); resp.StatusCode != 200 {
		t.Errorf("stale If-None-Match: %d, want 200", resp.StatusCode)
	}
}
