package apigw

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

type message struct {
	Text     string    `json:"text"`
	Language string    `json:"language,omitempty"`
	Count    int8      `json:"count,omitempty"`
	At       time.Time `json:"at,omitzero"`
}

type Embedded struct {
	Author string `json:"author"`
}

type dialog struct {
	Embedded
	Messages []message          `json:"messages"`
	Labels   map[string]message `json:"labels,omitempty"`
	Extra    any                `json:"extra,omitempty"`
	Score    *float64           `json:"score,omitempty"`
	Ignored  string             `json:"-"`
}

func decodeReq(body string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{Body: body}
}

func TestDecodeJSONValid(t *testing.T) {
	var d dialog
	body := `{"author":"ann","messages":[{"text":"hi","at":"2026-01-02T03:04:05Z"}],` +
		`"labels":{"a.b":{"text":"x"}},"extra":{"free":[1,{"x":null}]},"score":0.5}` + "\n\t "
	if err := DecodeJSON(decodeReq(body), &d, 0); err != nil {
		t.Fatalf("DecodeJSON: %v", err)
	}
	if d.Author != "ann" || len(d.Messages) != 1 || d.Messages[0].Text != "hi" || d.Labels["a.b"].Text != "x" || *d.Score != 0.5 {
		t.Errorf("decoded %+v", d)
	}

	// A bare boolean, as POST /consents takes.
	var consent bool
	if err := DecodeJSON(decodeReq(" true "), &consent, 0); err != nil || !consent {
		t.Errorf("bool body: %v, %v", consent, err)
	}
	// null is fine where dst can hold nothing.
	var anything any = 1
	if err := DecodeJSON(decodeReq("null"), &anything, 0); err != nil || anything != nil {
		t.Errorf("null into any: %v, %v", anything, err)
	}
	var raw json.RawMessage
	if err := DecodeJSON(decodeReq(`{"consent":true}`), &raw, 0); err != nil || string(raw) != `{"consent":true}` {
		t.Errorf("raw: %s, %v", raw, err)
	}
}

func TestDecodeJSONContentTypeAndEncoding(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString([]byte(`{"messages":[{"text":"é"}]}`))
	tests := []struct {
		name   string
		req    events.APIGatewayV2HTTPRequest
		max    int
		status int // 0: success
	}{
		{"no content type", events.APIGatewayV2HTTPRequest{Body: `{}`}, 0, 0},
		{"json", withCT(`{}`, "application/json"), 0, 0},
		{"json utf-8", withCT(`{}`, "application/json; charset=UTF-8"), 0, 0},
		{"problem+json", withCT(`{}`, "application/merge-patch+json"), 0, 0},
		{"header name case", events.APIGatewayV2HTTPRequest{Body: `{}`, Headers: map[string]string{"Content-Type": "text/plain"}}, 0, 415},
		{"text/plain", withCT(`{}`, "text/plain"), 0, 415},
		{"form", withCT(`a=b`, "application/x-www-form-urlencoded"), 0, 415},
		{"latin-1", withCT(`{}`, "application/json; charset=iso-8859-1"), 0, 415},
		{"malformed content type", withCT(`{}`, "application/json; charset"), 0, 415},
		{"base64", events.APIGatewayV2HTTPRequest{Body: b64, IsBase64Encoded: true}, 0, 0},
		{"base64 limit on decoded bytes", events.APIGatewayV2HTTPRequest{Body: b64, IsBase64Encoded: true}, 28, 0},
		{"base64 over the limit", events.APIGatewayV2HTTPRequest{Body: b64, IsBase64Encoded: true}, 27, 413},
		{"bad base64", events.APIGatewayV2HTTPRequest{Body: "{not base64}", IsBase64Encoded: true}, 0, 400},
		{"at the limit", decodeReq(`{"messages":[]}`), 15, 0},
		{"over the limit", decodeReq(`{"messages":[]}`), 14, 413},
		{"over the default limit", decodeReq(`{"extra":"` + strings.Repeat("x", DefaultMaxBody) + `"}`), 0, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d dialog
			err := DecodeJSON(tt.req, &d, tt.max)
			if tt.status == 0 {
				if err != nil {
					t.Fatalf("DecodeJSON: %v", err)
				}
				return
			}
			var p *Problem
			if !errors.As(err, &p) || p.Status != tt.status {
				t.Fatalf("DecodeJSON = %v, want status %d", err, tt.status)
			}
		})
	}
}

func withCT(body, ct string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{Body: body, Headers: map[string]string{"content-type": ct}}
}

func TestDecodeJSONErrors(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		typ    string
		fields []FieldError // for validation problems
		detail string       // substring of the detail otherwise
	}{
		{"empty", "", TypeBadRequest, nil, "request body is empty; send a JSON object"},
		{"blank", " \r\n\t", TypeBadRequest, nil, "empty"},
		{"null", " null ", TypeBadRequest, nil, "must be a JSON object, not null"},
		{"array at the top", `[1]`, TypeBadRequest, nil, "request body must be a JSON object, not an array"},
		{"string at the top", `"x"`, TypeBadRequest, nil, "must be a JSON object, not a string"},
		{"syntax", `{"messages": [x]}`, TypeBadRequest, nil, "invalid character 'x' looking for beginning of value at line 1, column 15"},
		{"syntax on line 3", "{\n  \"messages\": [\n    {\"text\": \"hé\",}\n]}", TypeBadRequest, nil, "at line 3, column 19"},
		{"truncated", `{"messages":[{"text":"a"}`, TypeBadRequest, nil, "ends before the value is complete, at line 1, column 26"},
		{"truncated string", `{"messages":[{"text":"a`, TypeBadRequest, nil, "ends before the value is complete"},
		{"trailing value", `{} {}`, TypeBadRequest, nil, "data after the JSON value, at line 1, column 4"},
		{"trailing brace", `{}}`, TypeBadRequest, nil, "data after the JSON value, at line 1, column 3"},
		{"invalid utf-8 outside a string", "{\"messages\":[{\"text\":\"a\"}]}\xff", TypeBadRequest, nil, "not valid UTF-8 (first bad byte at line 1, column 28)"},
		// Text encoding/json would rewrite (U+FFFD) or keep (NUL) is refused, naming each field.
		{"invalid utf-8 in a value", "{\"messages\":[{\"text\":\"a\xff\xfeb\"}]}", TypeValidation,
			[]FieldError{{"messages[0].text", msgInvalidUTF8}}, ""},
		{"lone high surrogate", `{"messages":[{"text":"a\ud800b"}]}`, TypeValidation,
			[]FieldError{{"messages[0].text", msgLoneSurrogate}}, ""},
		{"lone low surrogate", `{"messages":[{"text":"\udc00"}]}`, TypeValidation,
			[]FieldError{{"messages[0].text", msgLoneSurrogate}}, ""},
		{"high surrogate then another escape", `{"messages":[{"text":"\ud800\u0041"}]}`, TypeValidation,
			[]FieldError{{"messages[0].text", msgLoneSurrogate}}, ""},
		{"NUL", `{"messages":[{"text":"a\u0000"}]}`, TypeValidation, []FieldError{{"messages[0].text", msgNUL}}, ""},
		{"every bad text and type at once", "{\"messages\":[{\"text\":\"\\u0000\"},{\"text\":5},{\"text\":\"\xc3\"}],\"labels\":{\"k\":{\"text\":\"\\udfff\"}}}", TypeValidation,
			[]FieldError{{"messages[0].text", msgNUL}, {"messages[2].text", msgInvalidUTF8}, {"labels.k.text", msgLoneSurrogate}, {"messages[1].text", "must be a string, not a number"}}, ""},
		{"bad field name", "{\"messages\":[{\"te\xffxt\":\"a\"}]}", TypeValidation,
			[]FieldError{{"messages[0]", msgBadKey + msgInvalidUTF8}, {"messages[0][\"te\ufffdxt\"]", "is not an accepted field"}}, ""},
		{"single quotes", `{'a':1}`, TypeBadRequest, nil, "invalid character '\\''"},
		{
			"wrong type in an array element", `{"messages":[{"text":"a"},{"text":5}]}`, TypeValidation,
			[]FieldError{{"messages[1].text", "must be a string, not a number"}}, "",
		},
		{
			"object for a string", `{"messages":[{"text":{"a":[1]}}]}`, TypeValidation,
			[]FieldError{{"messages[0].text", "must be a string, not an object"}}, "",
		},
		{
			"string for an array", `{"messages":"hello"}`, TypeValidation,
			[]FieldError{{"messages", "must be an array, not a string"}}, "",
		},
		{
			"number for an object", `{"messages":[7]}`, TypeValidation,
			[]FieldError{{"messages[0]", "must be a JSON object, not a number"}}, "",
		},
		{
			"map value", `{"labels":{"x y":{"text":false}}}`, TypeValidation,
			[]FieldError{{`labels["x y"].text`, "must be a string, not a boolean"}}, "",
		},
		{
			"fraction for an integer", `{"messages":[{"text":"a","count":1.5}]}`, TypeValidation,
			[]FieldError{{"messages[0].count", "must be an integer, not 1.5"}}, "",
		},
		{
			"integer overflow", `{"messages":[{"text":"a","count":300}]}`, TypeValidation,
			[]FieldError{{"messages[0].count", "must be an integer from -128 to 127"}}, "",
		},
		{
			"float overflow", `{"score":1e400}`, TypeValidation,
			[]FieldError{{"score", "is out of range"}}, "",
		},
		{
			"embedded field", `{"author":7}`, TypeValidation,
			[]FieldError{{"author", "must be a string, not a number"}}, "",
		},
		{
			"bad time", `{"messages":[{"text":"a"},{"text":"b","at":"yesterday"}]}`, TypeValidation,
			[]FieldError{{"messages[1].at", "must be an RFC 3339 date-time such as 2026-01-02T15:04:05Z"}}, "",
		},
		{
			"unknown fields, all named", `{"messages":[{"text":"a","lang":"EN"}],"extra":{"free":1},"title":"x","labels":{"k":{"txt":""}},"-":1,"a.b":{"c":2}}`,
			TypeValidation,
			[]FieldError{
				{"messages[0].lang", "is not an accepted field"},
				{"title", "is not an accepted field"},
				{"labels.k.txt", "is not an accepted field"},
				{"-", "is not an accepted field"},
				{`["a.b"]`, "is not an accepted field"},
			}, "",
		},
		{
			"ignored field is unknown", `{"Ignored":"x"}`, TypeValidation,
			[]FieldError{{"Ignored", "is not an accepted field"}}, "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d dialog
			err := DecodeJSON(decodeReq(tt.body), &d, 0)
			var p *Problem
			if !errors.As(err, &p) {
				t.Fatalf("DecodeJSON = %v, want a *Problem", err)
			}
			if p.Status != 400 || p.Type != tt.typ {
				t.Errorf("problem %d %s, want 400 %s: %v", p.Status, p.Type, tt.typ, p)
			}
			if tt.fields != nil && !reflect.DeepEqual(p.Errors, tt.fields) {
				t.Errorf("errors\n got %+v\nwant %+v", p.Errors, tt.fields)
			}
			if !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("detail %q does not contain %q", p.Detail, tt.detail)
			}
		})
	}
}

func TestDecodeJSONCaseInsensitiveKeys(t *testing.T) {
	// encoding/json matches keys case-insensitively; the path names the key as sent.
	var d dialog
	err := DecodeJSON(decodeReq(`{"MESSAGES":[{"TEXT":1}]}`), &d, 0)
	var p *Problem
	if !errors.As(err, &p) || len(p.Errors) != 1 || p.Errors[0].Field != "MESSAGES[0].TEXT" {
		t.Errorf("DecodeJSON = %v", err)
	}
}

type language string

func (l *language) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil || len(s) != 2 {
		return Invalid("language", "must be an ISO 639-1 code")
	}
	*l = language(strings.ToUpper(s))
	return nil
}

type opaque struct{}

func (*opaque) UnmarshalJSON([]byte) error { return errors.New("opaque: nope") }

func TestDecodeJSONCustomUnmarshalers(t *testing.T) {
	var v struct {
		Language language `json:"language"`
	}
	err := DecodeJSON(decodeReq(`{"language":"english"}`), &v, 0)
	var p *Problem
	if !errors.As(err, &p) || p.Errors[0].Field != "language" {
		t.Errorf("a Problem from UnmarshalJSON should pass through: %v", err)
	}
	if err := DecodeJSON(decodeReq(`{"language":"en"}`), &v, 0); err != nil || v.Language != "EN" {
		t.Errorf("custom type: %q, %v", v.Language, err)
	}

	var w struct {
		Items []opaque `json:"items"`
	}
	err = DecodeJSON(decodeReq(`{"items":[{"a":1}]}`), &w, 0)
	if !errors.As(err, &p) || !reflect.DeepEqual(p.Errors, []FieldError{{"items[0]", "opaque: nope"}}) {
		t.Errorf("an UnmarshalJSON error should be located: %v", err)
	}
}

func TestDecodeJSONBadDestination(t *testing.T) {
	var d dialog
	err := DecodeJSON(decodeReq(`{}`), d, 0)
	var p *Problem
	if err == nil || errors.As(err, &p) {
		t.Errorf("a non-pointer dst is a programming error, not a Problem: %v", err)
	}
}

func FuzzDecodeJSON(f *testing.F) {
	seeds := []string{
		``, `{}`, `null`, `[]`, `"x"`, `{"messages":[{"text":"a","at":"2026-01-02T03:04:05Z"}]}`,
		`{"messages":[{"text":5}]}`, `{"labels":{"k":{"text":"v","count":1e9}}}`, `{"extra":[[[[{}]]]]}`,
		`{"a":1}`, `{"messages":[{"at":"x"}]} x`, "{\"author\":\"\xff\"}", `{"score":-0.0e-999}`,
		`{"MESSAGES":[{"Text":"x","x":[1,2,{"y":null}]}]}`, `{"Embedded":{"author":"x"}}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s), false, "")
		f.Add([]byte(base64.StdEncoding.EncodeToString([]byte(s))), true, "application/json")
	}
	f.Fuzz(func(t *testing.T, body []byte, b64 bool, contentType string) {
		req := events.APIGatewayV2HTTPRequest{
			Body:            string(body),
			IsBase64Encoded: b64,
			Headers:         map[string]string{"content-type": contentType},
		}
		var d dialog
		err := DecodeJSON(req, &d, 4096)
		if err == nil {
			return
		}
		var p *Problem
		if !errors.As(err, &p) {
			t.Fatalf("DecodeJSON(%q) = %v: not a *Problem", body, err)
		}
		if p.Status < 400 || p.Status > 499 {
			t.Fatalf("DecodeJSON(%q) = %v: not a 4xx", body, p)
		}
		if p.Type == TypeValidation && len(p.Errors) == 0 {
			t.Fatalf("DecodeJSON(%q): validation problem names no field", body)
		}
		for _, e := range p.Errors {
			if e.Field == "" || e.Message == "" {
				t.Fatalf("DecodeJSON(%q): empty field error %+v", body, e)
			}
		}
		if !json.Valid([]byte(p.Response().Body)) {
			t.Fatalf("problem body is not JSON: %s", p.Response().Body)
		}
	})
}
