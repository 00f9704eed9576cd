package openapitest

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	type obj = map[string]any
	op := func(doc obj) obj { return doc["paths"].(obj)["/pets/{id}"].(obj)["get"].(obj) }
	tests := []struct {
		name   string
		mutate func(doc obj)
		want   string
	}{
		{"version", func(doc obj) { doc["openapi"] = "3.0.3" }, `"3.0.3" is not an OpenAPI 3.1.x version`},
		{"title", func(doc obj) { delete(doc["info"].(obj), "title") }, "/info/title: missing"},
		{"dangling ref", func(doc obj) {
			op(doc)["responses"].(obj)["4XX"] = obj{"$ref": "#/components/responses/Nope"}
		}, `$ref "#/components/responses/Nope"`},
		{"operationId", func(doc obj) { delete(op(doc), "operationId") }, "GET /pets/{id}: no operationId"},
		{"duplicate operationId", func(doc obj) { op(doc)["operationId"] = "getMine" }, `operationId "getMine" is also`},
		{"status key", func(doc obj) { op(doc)["responses"].(obj)["2xx"] = obj{"description": "x"} }, `response "2xx" is not a status code`},
		{"no responses", func(doc obj) { op(doc)["responses"] = obj{} }, "GET /pets/{id}: no responses"},
		{"no description", func(doc obj) { op(doc)["responses"].(obj)["200"].(obj)["description"] = "" }, "no description"},
		{"undeclared path parameter", func(doc obj) { delete(doc["paths"].(obj)["/pets/{id}"].(obj), "parameters") }, "{id} has no path parameter"},
		{"unknown security scheme", func(doc obj) { op(doc)["security"] = []any{obj{"basic": []any{}}} }, `security scheme "basic"`},
		{"unknown tag", func(doc obj) { op(doc)["tags"] = []any{"cats"} }, `tag "cats" is not in the top-level tags`},
		{"unused tag", func(doc obj) { doc["tags"] = append(doc["tags"].([]any), obj{"name": "cats"}) }, `no operation uses tag "cats"`},
		{"invalid schema", func(doc obj) {
			doc["components"].(obj)["schemas"].(obj)["Pet"].(obj)["type"] = "pet"
		}, "compile schema /components/schemas/Pet"},
		{"invalid example", func(doc obj) {
			op(doc)["responses"].(obj)["200"].(obj)["content"].(obj)["application/json"].(obj)["example"] = obj{"name": 7}
		}, "the example is not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc obj
			if err := json.Unmarshal([]byte(petsDoc), &doc); err != nil {
				t.Fatal(err)
			}
			tt.mutate(doc)
			b, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Load(b)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestMosaicDocumentLoads(t *testing.T) {
	d, err := Mosaic()
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Routes()) == 0 {
		t.Error("Mosaic's document has no routes")
	}
}
