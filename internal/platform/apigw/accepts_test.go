package apigw

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestHandleRefusesWhatARouteDoesNotRead(t *testing.T) {
	ran := 0
	h := Handle(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		ran++
		return NoContent()
	},
		Accepts{Route: "GET /data", Query: []string{"language", "limit", "cursor"}},
		Accepts{Route: "POST /data", Body: true},
		Accepts{Route: "GET /stats", Query: []string{"from"}, QueryRule: func(name string, _ []string) bool { return strings.HasPrefix(name, "to") }},
	)
	for _, tc := range []struct {
		name, route, query, body string
		fields                   map[string]string // field -> substring of its message; nil: accepted
	}{
		{"declared", "GET /data", "language=EN&limit=5", "", nil},
		{"unknown", "GET /data", "language=EN&sort=asc", "", map[string]string{"sort": "takes language, limit, cursor"}},
		{"offset says cursor", "GET /data", "offset=50", "", map[string]string{"offset": "next_cursor"}},
		{"every unknown at once", "GET /data", "b=1&a=2&offset=3", "", map[string]string{"a": "not a query", "b": "not a query", "offset": "cursor"}},
		{"body where none is read", "GET /data", "", `{"x":1}`, map[string]string{"body": "must be empty"}},
		{"body and query", "GET /data", "zz=1", "x", map[string]string{"zz": "not a query", "body": "must be empty"}},
		{"body where one is read", "POST /data", "", `{"x":1}`, nil},
		{"query where none is read", "POST /data", "x=1", `{}`, map[string]string{"x": "takes none"}},
		{"NUL in a value", "GET /data", "language=E%00N", "", map[string]string{"language": "NUL"}},
		{"invalid UTF-8 in a value", "GET /data", "language=%FF", "", map[string]string{"language": "UTF-8"}},
		{"by rule", "GET /stats", "from=2024-01-01&to2024-01-02", "", nil},
		{"undeclared route", "DELETE /data", "", "", nil},
		{"undeclared route with a query", "DELETE /data", "x=1", "", map[string]string{"x": "takes none"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ran = 0
			resp, _ := h(context.Background(), events.APIGatewayV2HTTPRequest{RouteKey: tc.route, RawQueryString: tc.query, Body: tc.body})
			if tc.fields == nil {
				if resp.StatusCode != http.StatusNoContent || ran != 1 {
					t.Fatalf("status %d (ran %d): %s", resp.StatusCode, ran, resp.Body)
				}
				return
			}
			var p Problem
			if err := json.Unmarshal([]byte(resp.Body), &p); err != nil || resp.StatusCode != 400 || p.Type != TypeValidation || ran != 0 {
				t.Fatalf("status %d (ran %d): %s", resp.StatusCode, ran, resp.Body)
			}
			if len(p.Errors) != len(tc.fields) {
				t.Errorf("errors %+v, want %d", p.Errors, len(tc.fields))
			}
			for _, e := range p.Errors {
				if want, ok := tc.fields[e.Field]; !ok || !strings.Contains(e.Message, want) {
					t.Errorf("%s: %q, want a message with %q", e.Field, e.Message, want)
				}
			}
		})
	}
}

// TestValidatorDecodeJSONNamesEveryBadField: the body's own errors and the
// checks after decoding reach the client in one 400.
func TestValidatorDecodeJSONNamesEveryBadField(t *testing.T) {
	var body struct {
		Text     *string `json:"text"`
		Language *string `json:"language"`
	}
	var v Validator
	if err := v.DecodeJSON(events.APIGatewayV2HTTPRequest{Body: `{"text":5,"language":"ENG"}`}, &body, 0); err != nil {
		t.Fatal(err)
	}
	v.Check(body.Text != nil, "text", "is required")
	if body.Language == nil || *body.Language != "ENG" {
		t.Fatalf("language was not decoded next to the bad text: %+v", body.Language)
	}
	v.Check(len(*body.Language) == 2, "language", "must be an ISO 639-1 code")
	var p *Problem
	err := v.Err()
	if !errors.As(err, &p) || len(p.Errors) != 2 || p.Errors[0] != (FieldError{"text", "must be a string, not a number"}) || p.Errors[1].Field != "language" {
		t.Fatalf("problem = %+v", err)
	}
	// An unreadable body is returned, not recorded.
	if err := v.DecodeJSON(events.APIGatewayV2HTTPRequest{Body: `{"text":`}, &body, 0); err == nil {
		t.Error("a truncated body was accepted")
	}
}
