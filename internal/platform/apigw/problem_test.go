package apigw

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

func TestProblemConstructors(t *testing.T) {
	tests := []struct {
		name       string
		p          *Problem
		status     int
		typ        string
		retryAfter string
	}{
		{"bad request", BadRequest("x"), 400, TypeBadRequest, ""},
		{"validation", Invalid("text", "is required"), 400, TypeValidation, ""},
		{"cursor", InvalidCursor(errors.New("bad mac")), 400, TypeInvalidCursor, ""},
		{"unauthorized", Unauthorized("x"), 401, TypeUnauthorized, ""},
		{"forbidden", Forbidden("x"), 403, TypeForbidden, ""},
		{"not found", NotFound("x"), 404, TypeNotFound, ""},
		{"conflict", Conflict("x"), 409, TypeConflict, ""},
		{"gone", Gone("x"), 410, TypeGone, ""},
		{"too large", PayloadTooLarge(10, 5), 413, TypePayloadTooLarge, ""},
		{"media type", UnsupportedMediaType("text/plain"), 415, TypeUnsupportedMediaType, ""},
		{"throttled", TooManyRequests("slow down", 1500*time.Millisecond), 429, TypeTooManyRequests, "2"},
		{"internal", Internal(), 500, TypeInternal, ""},
		{"unavailable", ServiceUnavailable("warming up", 20*time.Second), 503, TypeServiceUnavailable, "20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tt.p.Response()
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.status)
			}
			if got := resp.Headers["Content-Type"]; got != ContentTypeProblem {
				t.Errorf("Content-Type = %q", got)
			}
			if got := resp.Headers["Retry-After"]; got != tt.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tt.retryAfter)
			}
			if got := resp.Headers["WWW-Authenticate"]; (got != "") != (tt.status == 401) {
				t.Errorf("WWW-Authenticate = %q", got)
			}
			var body map[string]any
			if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
				t.Fatalf("body %q: %v", resp.Body, err)
			}
			if body["type"] != tt.typ || body["status"] != float64(tt.status) || body["title"] != http.StatusText(tt.status) {
				t.Errorf("body = %v", body)
			}
			if !strings.HasPrefix(tt.typ, TypePrefix) {
				t.Errorf("type %q lacks the prefix", tt.typ)
			}
		})
	}
}

func TestProblemBody(t *testing.T) {
	p := Validation(FieldError{"text", "is required"}, FieldError{"messages[0].language", "must be an ISO 639-1 code"})
	p.RequestID = "req-1"
	want := `{"type":"` + TypeValidation + `","title":"Bad Request","status":400,` +
		`"detail":"text: is required; messages[0].language: must be an ISO 639-1 code",` +
		`"errors":[{"field":"text","message":"is required"},{"field":"messages[0].language","message":"must be an ISO 639-1 code"}],` +
		`"request_id":"req-1"}`
	if got := p.Response().Body; got != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
	if got := NotFound("no dialog d1").Response().Body; strings.Contains(got, "errors") {
		t.Errorf("errors should be omitted when empty: %s", got)
	}
}

func TestProblemError(t *testing.T) {
	if got, want := NotFound("no dialog d1").Error(), "404 Not Found: no dialog d1"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	cause := errors.New("mac mismatch")
	p := InvalidCursor(cause)
	if !errors.Is(p, cause) {
		t.Error("InvalidCursor should unwrap to its cause")
	}
	if strings.Contains(p.Response().Body, cause.Error()) {
		t.Error("the cause must not reach the client")
	}
	var got *Problem
	if !errors.As(fmt.Errorf("store: %w", Conflict("x")), &got) || got.Status != 409 {
		t.Error("a wrapped Problem should be found by errors.As")
	}
}

// TestUnsupportedMediaTypeNamesTheHeader: the 415 a curl -d user gets says
// which header to send, so the fix is in the answer.
func TestUnsupportedMediaTypeNamesTheHeader(t *testing.T) {
	req := events.APIGatewayV2HTTPRequest{Body: `{"text":"hi"}`,
		Headers: map[string]string{"content-type": "application/x-www-form-urlencoded"}}
	var dst struct {
		Text string `json:"text"`
	}
	err := DecodeJSON(req, &dst, 0)
	var p *Problem
	if !errors.As(err, &p) || p.Status != 415 {
		t.Fatalf("a JSON body labelled form-urlencoded: %v, want a 415 problem", err)
	}
	for _, want := range []string{`"application/x-www-form-urlencoded"`, `"Content-Type: application/json"`, "curl -d"} {
		if !strings.Contains(p.Detail, want) {
			t.Errorf("detail %q does not say %s", p.Detail, want)
		}
	}
}
