package apidocs

import (
	"strings"
	"testing"
)

func TestToJSON(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"order kept", "b: 1\na: [x, 2.5, true, null]\n", `{"b":1,"a":["x",2.5,true,null]}`},
		{"numeric keys", "responses:\n  200: {description: ok}\n", `{"responses":{"200":{"description":"ok"}}}`},
		{"quoted stays string", "version: \"1.0\"\nn: '12'\n", `{"version":"1.0","n":"12"}`},
		{"dates stay strings", "d: 2025-01-31\n", `{"d":"2025-01-31"}`},
		{"no html escaping", "s: Bearer <token> & more\n", `{"s":"Bearer <token> & more"}`},
		{"aliases expanded", "a: &x {k: v}\nb: *x\n", `{"a":{"k":"v"},"b":{"k":"v"}}`},
		{"big and hex ints", "a: 123456789012345678901234567890\nb: 0x1F\n", `{"a":123456789012345678901234567890,"b":31}`},
		{"block text", "d: |\n  line one\n  line two\n", `{"d":"line one\nline two\n"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := toJSON([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("toJSON = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestToJSONErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"duplicate key", "a: 1\na: 2\n", `duplicate key "a"`},
		{"custom tag", "a: !Ref B\n", "tag !Ref has no JSON form"},
		{"infinity", "a: .inf\n", "no JSON form"},
		{"merge key", "x: &x {k: v}\ny: {<<: *x}\n", "keys must be plain scalars"},
		{"complex key", "? [a]\n: 1\n", "keys must be plain scalars"},
		{"two documents", "a: 1\n---\nb: 2\n", ""},
		{"empty", "", "want exactly one document"},
		{"invalid", "a: [\n", "parse yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := toJSON([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("toJSON = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestDocumentConverts(t *testing.T) {
	doc, err := JSON()
	if err != nil {
		t.Fatalf("openapi.yaml does not convert: %v", err)
	}
	again, err := toJSON(openapiYAML)
	if err != nil || string(again) != string(doc) {
		t.Error("converting openapi.yaml twice gave different bytes")
	}
}
