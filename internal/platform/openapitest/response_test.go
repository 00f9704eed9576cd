package openapitest

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// petsDoc is a small document with the shapes Mosaic's routes use.
const petsDoc = `{
  "openapi": "3.1.0",
  "info": {"title": "Pets", "version": "1"},
  "tags": [{"name": "pets"}],
  "paths": {
    "/pets/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "get": {
        "operationId": "getPet", "tags": ["pets"],
        "responses": {
          "200": {
            "description": "A pet.",
            "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"},
                        "X-Count": {"schema": {"type": "integer", "minimum": 0}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"},
                                             "example": {"name": "Rex", "born": "2020-02-29T10:00:00Z"}}}
          },
          "304": {"description": "Unchanged.", "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}}},
          "4XX": {"$ref": "#/components/responses/Problem"}
        }
      }
    },
    "/pets/mine": {
      "get": {"operationId": "getMine", "tags": ["pets"],
              "responses": {"200": {"description": "Text.", "content": {"text/*": {"schema": {"type": "string", "minLength": 1}}}}}}
    }
  },
  "components": {
    "headers": {"X-Request-Id": {"required": true, "schema": {"type": "string", "minLength": 1}}},
    "schemas": {
      "Pet": {"type": "object", "required": ["name"], "additionalProperties": false,
              "properties": {"name": {"type": "string"}, "born": {"type": "string", "format": "date-time"}}}
    },
    "responses": {
      "Problem": {"description": "A problem.", "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}},
                  "content": {"application/problem+json": {"schema": {"type": "object", "required": ["status"]}}}}
    }
  }
}`

func loadPets(t *testing.T) *Document {
	t.Helper()
	d, err := Load([]byte(petsDoc))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func gzipped(s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

func TestValidateResponse(t *testing.T) {
	d := loadPets(t)
	json := func(status int, ctype, body string) events.APIGatewayV2HTTPResponse {
		return events.APIGatewayV2HTTPResponse{StatusCode: status, Body: body,
			Headers: map[string]string{"Content-Type": ctype, "X-Request-Id": "r1"}}
	}
	tests := []struct {
		name, method, path string
		resp               events.APIGatewayV2HTTPResponse
		want               string // "" when valid, else part of the error
	}{
		{"valid", "GET", "/pets/{id}", json(200, "application/json; charset=utf-8", `{"name":"Rex"}`), ""},
		{"concrete path", "get", "/pets/7", json(200, "application/json", `{"name":"Rex"}`), ""},
		{"literal beats template", "GET", "/pets/mine", json(200, "text/plain; charset=utf-8", "hi"), ""},
		{"range status", "GET", "/pets/7", json(404, "application/problem+json", `{"status":404}`), ""},
		{"undocumented status", "GET", "/pets/7", json(500, "application/problem+json", `{"status":500}`), "status 500 is not documented (documented: 200, 304, 4XX)"},
		{"unknown path", "GET", "/cats/7", json(200, "application/json", `{}`), "no path of the document matches /cats/7"},
		{"unknown method", "DELETE", "/pets/7", json(200, "application/json", `{}`), "has no DELETE operation"},
		{"schema violation", "GET", "/pets/7", json(200, "application/json", `{"name":"Rex","age":3}`), "does not match its schema"},
		{"format asserted", "GET", "/pets/7", json(200, "application/json", `{"name":"Rex","born":"yesterday"}`), "date-time"},
		{"not json", "GET", "/pets/7", json(200, "application/json", `{"name":`), "not JSON"},
		{"undocumented content type", "GET", "/pets/7", json(200, "text/html", `<p>`), "Content-Type text/html is not documented"},
		{"missing content type", "GET", "/pets/7", json(200, "", `{"name":"Rex"}`), "no Content-Type"},
		{"missing required header", "GET", "/pets/7", events.APIGatewayV2HTTPResponse{StatusCode: 200,
			Headers: map[string]string{"Content-Type": "application/json"}, Body: `{"name":"Rex"}`}, "header X-Request-Id is required"},
		{"bad header value", "GET", "/pets/7", events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: `{"name":"Rex"}`,
			Headers: map[string]string{"content-type": "application/json", "x-request-id": "r", "X-Count": "-1"}}, "header X-Count"},
		{"header case ignored", "GET", "/pets/7", events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: `{"name":"Rex"}`,
			Headers: map[string]string{"content-type": "application/json", "x-request-id": "r", "x-count": "2"}}, ""},
		{"body where none documented", "GET", "/pets/7", json(304, "application/json", `{}`), "documented without a body"},
		{"no body", "GET", "/pets/7", events.APIGatewayV2HTTPResponse{StatusCode: 304, Headers: map[string]string{"X-Request-Id": "r"}}, ""},
		{"gzip", "GET", "/pets/7", events.APIGatewayV2HTTPResponse{StatusCode: 200, IsBase64Encoded: true, Body: gzipped(`{"name":"Rex"}`),
			Headers: map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip", "X-Request-Id": "r"}}, ""},
		{"gzip schema violation", "GET", "/pets/7", events.APIGatewayV2HTTPResponse{StatusCode: 200, IsBase64Encoded: true, Body: gzipped(`{}`),
			Headers: map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip", "X-Request-Id": "r"}}, "does not match its schema"},
		{"bad base64", "GET", "/pets/7", events.APIGatewayV2HTTPResponse{StatusCode: 200, IsBase64Encoded: true, Body: "%%",
			Headers: map[string]string{"Content-Type": "application/json", "X-Request-Id": "r"}}, "base64"},
		{"text schema", "GET", "/pets/mine", json(200, "text/plain", ""), "does not match its schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := d.ValidateResponse(tt.method, tt.path, tt.resp)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("ValidateResponse: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("ValidateResponse = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestMatchTemplate(t *testing.T) {
	tests := []struct {
		template, path string
		literal        int
		ok             bool
	}{
		{"/docs/{asset}", "/docs/swagger-ui.css", 2, true},
		{"/docs/{asset}", "/docs/", 0, false},
		{"/docs/{asset}", "/docs", 0, false},
		{"/data/{c}/{d}", "/data/1/2", 2, true},
		{"/health", "/health", 2, true},
		{"/health", "/health/", 0, false},
	}
	for _, tt := range tests {
		n, ok := matchTemplate(tt.template, tt.path)
		if n != tt.literal || ok != tt.ok {
			t.Errorf("matchTemplate(%q, %q) = %d, %v; want %d, %v", tt.template, tt.path, n, ok, tt.literal, tt.ok)
		}
	}
}
