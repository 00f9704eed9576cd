// Package gateway is the local stand-in for API Gateway's HTTP API: it routes
// requests exactly as the template's HttpApi events declare, runs the Lambda
// authorizer (with its result cache), builds the payload 2.0 event API Gateway
// would send, invokes the function and writes its response back.
package gateway

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/infra/local/invoke"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/samtemplate"
)

// MaxPayload is API Gateway's request payload limit.
const MaxPayload = 10 << 20

// Invoker runs one function on a JSON event, as Lambda's Invoke does
// (*invoke.Function: environments, timeout, panics).
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// Gateway serves HTTP requests by invoking functions.
type Gateway struct {
	routes     []route
	functions  map[string]Invoker
	authorizer *samtemplate.Authorizer
	logger     *slog.Logger
	now        func() time.Time

	mu    sync.Mutex
	cache map[string]cachedAuth // identity -> authorizer result
}

type cachedAuth struct {
	result  authResult
	expires time.Time
}

type authResult struct {
	IsAuthorized bool           `json:"isAuthorized"`
	Context      map[string]any `json:"context"`
}

// New returns a Gateway for the routes; functions maps logical ids to handlers.
func New(routes []samtemplate.Route, authorizer *samtemplate.Authorizer, functions map[string]Invoker, logger *slog.Logger) (*Gateway, error) {
	for _, r := range routes {
		if _, ok := functions[r.Function]; !ok {
			return nil, fmt.Errorf("route %s: function %s is not built", r.RouteKey(), r.Function)
		}
	}
	if authorizer != nil {
		if _, ok := functions[authorizer.Function]; !ok {
			return nil, fmt.Errorf("authorizer function %s is not built", authorizer.Function)
		}
	}
	return &Gateway{
		routes:     compile(routes),
		functions:  functions,
		authorizer: authorizer,
		logger:     logger,
		now:        time.Now,
		cache:      map[string]cachedAuth{},
	}, nil
}

// ServeHTTP handles one request the way API Gateway would.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := g.now()
	requestID := newRequestID()
	w.Header().Set("Apigw-Requestid", requestID)
	status, routeKey := g.serve(w, r, requestID)
	g.logger.Info("request",
		"request_id", requestID, "method", r.Method, "path", r.URL.Path, "routeKey", routeKey,
		"status", status, "latencyMs", g.now().Sub(start).Milliseconds())
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, requestID string) (int, string) {
	rt, params, ok := g.match(r)
	if !ok {
		return gatewayError(w, http.StatusNotFound, "Not Found"), "-"
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxPayload))
	if err != nil {
		return gatewayError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large"), rt.RouteKey()
	}
	ev := buildEvent(r, rt.Route, params, body, requestID, g.now())
	if !rt.Public && g.authorizer != nil {
		res, status := g.authorize(r.Context(), ev)
		if status == http.StatusServiceUnavailable {
			return overloaded(w, g.authorizer.Function, requestID), rt.RouteKey()
		}
		if status != 0 {
			return gatewayError(w, status, http.StatusText(status)), rt.RouteKey()
		}
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: res.Context}
	}
	resp, err := g.invoke(r.Context(), rt.Function, ev)
	var throttled *invoke.ThrottledError
	if errors.As(err, &throttled) {
		g.logger.Warn("function throttled", "function", rt.Function, "request_id", requestID, "error", err.Error())
		return overloaded(w, rt.Function, requestID), rt.RouteKey()
	}
	if err != nil {
		g.logger.Error("function failed", "function", rt.Function, "request_id", requestID, "error", err.Error())
		return gatewayError(w, http.StatusInternalServerError, "Internal Server Error"), rt.RouteKey()
	}
	return writeResponse(w, resp), rt.RouteKey()
}

func (g *Gateway) match(r *http.Request) (route, map[string]string, bool) {
	path := r.URL.EscapedPath()
	for _, rt := range g.routes {
		if params, ok := rt.match(r.Method, path); ok {
			return rt, params, true
		}
	}
	// HTTP API routes cannot end in "/", and API Gateway sends "/x/" to the
	// route "/x": clients of the sticker seed call /api/search/.
	if trimmed, ok := strings.CutSuffix(path, "/"); ok && trimmed != "" {
		for _, rt := range g.routes {
			if params, ok := rt.match(r.Method, trimmed); ok {
				return rt, params, true
			}
		}
	}
	return route{}, nil, false
}

// authorize runs the authorizer, or answers from its cache. A non-zero status
// is API Gateway's own refusal.
func (g *Gateway) authorize(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (authResult, int) {
	identity := ev.Headers[g.authorizer.IdentityHeader]
	if strings.TrimSpace(identity) == "" {
		return authResult{}, http.StatusUnauthorized // API Gateway does not call the authorizer
	}
	now := g.now()
	g.mu.Lock()
	c, ok := g.cache[identity]
	g.mu.Unlock()
	if ok && now.Before(c.expires) {
		return g.verdict(c.result)
	}
	req := events.APIGatewayV2CustomAuthorizerV2Request{
		Version:               "2.0",
		Type:                  "REQUEST",
		RouteArn:              fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s/%s", region, accountID, apiID, stage, strings.Replace(ev.RouteKey, " ", "", 1)),
		IdentitySource:        []string{identity},
		RouteKey:              ev.RouteKey,
		RawPath:               ev.RawPath,
		RawQueryString:        ev.RawQueryString,
		Cookies:               ev.Cookies,
		Headers:               ev.Headers,
		QueryStringParameters: ev.QueryStringParameters,
		RequestContext:        ev.RequestContext,
		PathParameters:        ev.PathParameters,
	}
	out, err := g.call(ctx, g.authorizer.Function, req)
	var throttled *invoke.ThrottledError
	if errors.As(err, &throttled) {
		g.logger.Warn("authorizer throttled", "request_id", ev.RequestContext.RequestID, "error", err.Error())
		return authResult{}, http.StatusServiceUnavailable
	}
	if err != nil {
		g.logger.Error("authorizer failed", "request_id", ev.RequestContext.RequestID, "error", err.Error())
		return authResult{}, http.StatusInternalServerError
	}
	var res authResult
	if err := json.Unmarshal(out, &res); err != nil {
		g.logger.Error("authorizer answered malformed JSON", "error", err.Error())
		return authResult{}, http.StatusInternalServerError
	}
	if g.authorizer.CacheTTL > 0 {
		g.mu.Lock()
		g.cache[identity] = cachedAuth{result: res, expires: now.Add(g.authorizer.CacheTTL)}
		g.mu.Unlock()
	}
	return g.verdict(res)
}

func (g *Gateway) verdict(res authResult) (authResult, int) {
	if !res.IsAuthorized {
		return res, http.StatusForbidden
	}
	return res, 0
}

func (g *Gateway) invoke(ctx context.Context, function string, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	out, err := g.call(ctx, function, ev)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return parseResponse(out)
}

// call invokes a function with a JSON event.
func (g *Gateway) call(ctx context.Context, function string, payload any) ([]byte, error) {
	in, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("encode event: %w", err)
	}
	return g.functions[function].Invoke(ctx, in)
}

// parseResponse reads a payload 2.0 response. Output without a statusCode is,
// as API Gateway infers, a 200 JSON body.
func parseResponse(out []byte) (events.APIGatewayV2HTTPResponse, error) {
	var probe map[string]json.RawMessage
	if json.Unmarshal(out, &probe) == nil {
		if _, ok := probe["statusCode"]; ok {
			var resp events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(out, &resp); err != nil {
				return resp, fmt.Errorf("malformed response: %w", err)
			}
			if resp.StatusCode < 100 || resp.StatusCode > 599 {
				return resp, fmt.Errorf("malformed response: statusCode %d", resp.StatusCode)
			}
			return resp, nil
		}
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: http.StatusOK,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(out),
	}, nil
}

func writeResponse(w http.ResponseWriter, resp events.APIGatewayV2HTTPResponse) int {
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			return gatewayError(w, http.StatusInternalServerError, "Internal Server Error")
		}
		body = b
	}
	h := w.Header()
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	// Payload 2.0 has no multiValueHeaders: API Gateway ignores them, and so do we.
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
	return resp.StatusCode
}

// overloadRetryAfter is the Retry-After of an overload answer: an environment
// frees up as soon as one invocation ends, which for most functions is well
// under a second.
const overloadRetryAfter = time.Second

// overloaded answers a request whose function (or authorizer) has no free
// execution environment. Lambda throttles such an invocation (429
// TooManyRequestsException) and an HTTP API answers it as a bare 500; Mosaic
// answers locally what the template's stage throttling aims to answer on AWS
// before Lambda throttles: a retryable refusal, here a 503 problem with
// Retry-After (see docs/reliability.md).
func overloaded(w http.ResponseWriter, function, requestID string) int {
	p := apigw.ServiceUnavailable(function+" has no free execution environment: every one is busy; nothing was done, retry after the Retry-After seconds", overloadRetryAfter)
	p.RequestID = requestID
	resp := p.Response()
	resp.Headers[apigw.RequestIDHeader] = requestID
	return writeResponse(w, resp)
}

// gatewayError writes one of API Gateway's own answers, {"message": "..."}.
func gatewayError(w http.ResponseWriter, status int, message string) int {
	body, _ := json.Marshal(map[string]string{"message": message})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return status
}

func newRequestID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
