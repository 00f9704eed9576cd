package apigw

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// ContentTypeProblem is the media type of every error response.
const ContentTypeProblem = "application/problem+json"

// TypePrefix starts every problem type URI; the kind of problem follows it.
const TypePrefix = "tag:mosaic-platform.github.io,2026:problem/"

// Problem type URIs, one per kind of problem (see the package documentation).
const (
	TypeBadRequest           = TypePrefix + "bad-request"
	TypeValidation           = TypePrefix + "validation"
	TypeInvalidCursor        = TypePrefix + "invalid-cursor"
	TypeUnauthorized         = TypePrefix + "unauthorized"
	TypeForbidden            = TypePrefix + "forbidden"
	TypeNotFound             = TypePrefix + "not-found"
	TypeConflict             = TypePrefix + "conflict"
	TypeGone                 = TypePrefix + "gone"
	TypePayloadTooLarge      = TypePrefix + "payload-too-large"
	TypeUnsupportedMediaType = TypePrefix + "unsupported-media-type"
	TypeTooManyRequests      = TypePrefix + "too-many-requests"
	TypeInternal             = TypePrefix + "internal"
	TypeServiceUnavailable   = TypePrefix + "service-unavailable"
)

// Problem is an RFC 9457 problem details object; it is also an error.
type Problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail,omitempty"`
	Errors    []FieldError `json:"errors,omitempty"`
	RequestID string       `json:"request_id,omitempty"`

	// RetryAfter, when positive, is sent as the Retry-After header in whole seconds.
	RetryAfter time.Duration `json:"-"`

	cause error // logged by Handle, never sent
}

// FieldError names one invalid field and says what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error returns the status, title and detail, for logs and tests.
func (p *Problem) Error() string {
	s := strconv.Itoa(p.Status) + " " + p.Title
	if p.Detail != "" {
		s += ": " + p.Detail
	}
	return s
}

// Unwrap returns the error that caused the problem, if one was recorded.
func (p *Problem) Unwrap() error { return p.cause }

// Response renders p as an application/problem+json response.
func (p *Problem) Response() events.APIGatewayV2HTTPResponse {
	body, err := json.Marshal(p)
	if err != nil { // unreachable: a Problem holds only strings and integers
		body = []byte(`{"type":"` + TypeInternal + `","title":"Internal Server Error","status":500}`)
	}
	h := map[string]string{
		"Content-Type":  ContentTypeProblem,
		"Cache-Control": "no-store",
	}
	if p.RetryAfter > 0 {
		h["Retry-After"] = strconv.FormatInt(int64((p.RetryAfter+time.Second-1)/time.Second), 10)
	}
	if p.Status == http.StatusUnauthorized {
		h["WWW-Authenticate"] = `Bearer realm="mosaic"`
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: p.Status, Headers: h, Body: string(body)}
}

func newProblem(status int, typ, detail string) *Problem {
	return &Problem{Type: typ, Title: http.StatusText(status), Status: status, Detail: detail}
}

// BadRequest reports a request that cannot be read at all (400).
func BadRequest(detail string) *Problem {
	return newProblem(http.StatusBadRequest, TypeBadRequest, detail)
}

// Validation reports invalid fields (400); the detail summarises them.
func Validation(errs ...FieldError) *Problem {
	p := newProblem(http.StatusBadRequest, TypeValidation, summarize(errs))
	p.Errors = errs
	return p
}

// Invalid reports one invalid field (400).
func Invalid(field, message string) *Problem {
	return Validation(FieldError{Field: field, Message: message})
}

// InvalidCursor reports a cursor that does not decode for this request (400).
// err is logged, not shown: every cursor failure reads the same to the client.
func InvalidCursor(err error) *Problem {
	p := Invalid("cursor", "is not a cursor issued for this request and its filters "+
		"(altered, truncated, expired by a key change, or used with other filters); "+
		"request the first page again without cursor")
	p.Type = TypeInvalidCursor
	p.cause = err
	return p
}

// Unauthorized reports a missing, malformed or unknown token (401).
func Unauthorized(detail string) *Problem {
	return newProblem(http.StatusUnauthorized, TypeUnauthorized, detail)
}

// Forbidden reports a token whose role is too low (403).
func Forbidden(detail string) *Problem {
	return newProblem(http.StatusForbidden, TypeForbidden, detail)
}

// NotFound reports a resource that does not exist (404).
func NotFound(detail string) *Problem {
	return newProblem(http.StatusNotFound, TypeNotFound, detail)
}

// Conflict reports a request that contradicts the resource's state (409).
func Conflict(detail string) *Problem {
	return newProblem(http.StatusConflict, TypeConflict, detail)
}

// Gone reports a resource that was deliberately removed (410).
func Gone(detail string) *Problem {
	return newProblem(http.StatusGone, TypeGone, detail)
}

// PayloadTooLarge reports a body over limit bytes (413).
func PayloadTooLarge(size, limit int) *Problem {
	return newProblem(http.StatusRequestEntityTooLarge, TypePayloadTooLarge,
		fmt.Sprintf("request body is %d bytes; this endpoint accepts at most %d", size, limit))
}

// UnsupportedMediaType reports a body labelled other than JSON (415). A JSON
// body under another label (as curl -d sends it, form-urlencoded) is refused
// too: the detail names the header to send, and how to send it with curl.
func UnsupportedMediaType(contentType string) *Problem {
	return newProblem(http.StatusUnsupportedMediaType, TypeUnsupportedMediaType,
		fmt.Sprintf("Content-Type %q is not supported: send the JSON body with the header "+
			"\"Content-Type: application/json\" (curl -d sends application/x-www-form-urlencoded "+
			"unless given -H 'Content-Type: application/json')", contentType))
}

// TooManyRequests reports throttling (429), retryable after retryAfter.
func TooManyRequests(detail string, retryAfter time.Duration) *Problem {
	p := newProblem(http.StatusTooManyRequests, TypeTooManyRequests, detail)
	p.RetryAfter = retryAfter
	return p
}

// ServiceUnavailable reports a dependency that is not ready (503), retryable after retryAfter.
func ServiceUnavailable(detail string, retryAfter time.Duration) *Problem {
	p := newProblem(http.StatusServiceUnavailable, TypeServiceUnavailable, detail)
	p.RetryAfter = retryAfter
	return p
}

// Internal is the 500 every unexpected error becomes; it says nothing of the cause.
func Internal() *Problem {
	return newProblem(http.StatusInternalServerError, TypeInternal,
		"the server failed to handle this request; report the request_id if it persists")
}

func summarize(errs []FieldError) string {
	parts := make([]string, len(errs))
	for i, e := range errs {
		parts[i] = e.Field + ": " + e.Message
	}
	return strings.Join(parts, "; ")
}
