package apigw

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/obs"
)

// ContentTypeJSON is the media type of every successful JSON response.
const ContentTypeJSON = "application/json; charset=utf-8"

// RequestIDHeader is the response header that carries the request id.
const RequestIDHeader = "X-Request-Id"

// HandlerFunc is an HTTP API (payload 2.0) handler.
type HandlerFunc = func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// Handle wraps h with the conventions of every endpoint: a request id in ctx and
// in the X-Request-Id header, errors and panics rendered as problem details,
// and, given the routes' declarations, a 400 for any query parameter or body
// they do not read (see Accepts), before h runs. The returned handler never
// returns an error, so API Gateway always gets the response Mosaic chose
// rather than its own bare 500.
func Handle(h HandlerFunc, accepts ...Accepts) HandlerFunc {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		id := req.RequestContext.RequestID
		if id == "" {
			id = rand.Text()
		}
		ctx = obs.WithRequestID(ctx, id)
		var (
			resp events.APIGatewayV2HTTPResponse
			err  error
		)
		if a, declared := acceptsFor(accepts, req); declared {
			err = a.check(req)
		}
		if err == nil {
			resp, err = call(ctx, h, req)
		}
		if err == nil && resp.StatusCode == 0 {
			err = errors.New("handler returned a response without a status code")
		}
		if err != nil {
			resp = errorResponse(ctx, req, err, id)
		}
		setHeader(&resp, RequestIDHeader, id)
		return resp, nil
	}
}

// panicError is a handler's panic, kept with the stack that raised it.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v", e.value) }

// call runs h, turning a panic into a *panicError.
func call(ctx context.Context, h HandlerFunc, req events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v, stack: debug.Stack()}
		}
	}()
	return h(ctx, req)
}

// errorResponse renders err; only a *Problem reaches the client as it is.
func errorResponse(ctx context.Context, req events.APIGatewayV2HTTPRequest, err error, id string) events.APIGatewayV2HTTPResponse {
	log := obs.Logger(ctx)
	route := req.RequestContext.RouteKey
	var (
		p  *Problem
		pe *panicError
	)
	if errors.As(err, &pe) {
		log.ErrorContext(ctx, "handler panicked", "route", route, "error", err.Error(), "stack", string(pe.stack))
		p = Internal()
	} else if !errors.As(err, &p) || p.Status < 400 || p.Status > 599 {
		log.ErrorContext(ctx, "request failed", "route", route, "error", err.Error())
		p = Internal()
	} else if p.Status >= http.StatusInternalServerError || p.cause != nil {
		attrs := []any{"route", route, "status", p.Status, "type", p.Type, "error", err.Error()}
		if p.cause != nil {
			attrs = append(attrs, "cause", p.cause.Error())
		}
		log.WarnContext(ctx, "request rejected", attrs...)
	}
	q := *p // the handler's Problem may be shared; never mutate it
	q.RequestID = id
	return q.Response()
}

// JSON is a response with status and body encoded as JSON.
func JSON(status int, body any) (events.APIGatewayV2HTTPResponse, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("apigw: encode %T response: %w", body, err)
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": ContentTypeJSON},
		Body:       string(b),
	}, nil
}

// NoContent is an empty 204 response.
func NoContent() (events.APIGatewayV2HTTPResponse, error) {
	return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusNoContent, Headers: map[string]string{}}, nil
}

// Page is one page of a paginated list; NextCursor is omitted on the last page.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// MarshalJSON encodes p with items as [] rather than null when there are none.
func (p Page[T]) MarshalJSON() ([]byte, error) {
	items := p.Items
	if items == nil {
		items = []T{}
	}
	return json.Marshal(struct {
		Items      []T    `json:"items"`
		NextCursor string `json:"next_cursor,omitempty"`
	}{items, p.NextCursor})
}

// setHeader sets one header, replacing any spelling of its name the handler used.
func setHeader(resp *events.APIGatewayV2HTTPResponse, name, value string) {
	if resp.Headers == nil {
		resp.Headers = make(map[string]string, 1)
	}
	for k := range resp.Headers {
		if strings.EqualFold(k, name) {
			delete(resp.Headers, k)
		}
	}
	resp.Headers[name] = value
}
