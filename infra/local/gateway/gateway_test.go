package gateway

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/mosaic-platform/mosaic/infra/local/invoke"

	"github.com/mosaic-platform/mosaic/internal/samtemplate"
)

// fixedNow is the gateway's clock in these tests unless a test moves it.
var fixedNow = time.Date(2024, 5, 1, 11, 59, 0, 123_000_000, time.UTC)

// clock is a settable, race-free time source.
type clock struct{ offset atomic.Int64 }

func (c *clock) now() time.Time          { return fixedNow.Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }
func newTestGateway(t *testing.T, routes []samtemplate.Route, auth *samtemplate.Authorizer, fns map[string]Invoker) (*Gateway, *clock) {
	t.Helper()
	g, err := New(routes, auth, fns, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c := &clock{}
	g.now = c.now
	return g, c
}

// capture is a function that records the raw events it receives and answers 200.
type capture struct {
	mu     sync.Mutex
	events []json.RawMessage
}

func (c *capture) handler() lambda.Handler {
	return lambda.NewHandler(func(_ context.Context, ev json.RawMessage) (events.APIGatewayV2HTTPResponse, error) {
		c.mu.Lock()
		c.events = append(c.events, ev)
		c.mu.Unlock()
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "ok"}, nil
	})
}

func (c *capture) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.events)
}

func (c *capture) last(t *testing.T) (events.APIGatewayV2HTTPRequest, map[string]any) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.events) == 0 {
		t.Fatal("the function was not invoked")
	}
	raw := c.events[len(c.events)-1]
	var ev events.APIGatewayV2HTTPRequest
	var m map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return ev, m
}

// fakeAuthorizer decides on the Authorization header: "Bearer good" is allowed
// with a context, "Bearer bad" denied, "Bearer boom" fails, "Bearer junk"
// answers something that is not a simple response.
type fakeAuthorizer struct {
	mu    sync.Mutex
	calls map[string]int
	last  events.APIGatewayV2CustomAuthorizerV2Request
}

func (a *fakeAuthorizer) handler() lambda.Handler {
	return lambda.NewHandler(func(_ context.Context, req events.APIGatewayV2CustomAuthorizerV2Request) (any, error) {
		token := req.Headers["authorization"]
		a.mu.Lock()
		if a.calls == nil {
			a.calls = map[string]int{}
		}
		a.calls[token]++
		a.last = req
		a.mu.Unlock()
		switch token {
		case "Bearer good":
			return map[string]any{"isAuthorized": true, "context": map[string]any{"role": "writer", "n": 1}}, nil
		case "Bearer bad":
			return map[string]any{"isAuthorized": false}, nil
		case "Bearer boom":
			return nil, errors.New("authorizer crashed")
		case "Bearer junk":
			return "allow", nil
		}
		return map[string]any{"isAuthorized": false}, nil
	})
}

func (a *fakeAuthorizer) callsFor(token string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[token]
}

func testAuthorizer(ttl time.Duration) *samtemplate.Authorizer {
	return &samtemplate.Authorizer{Function: "AuthorizerFunction", IdentityHeader: "authorization", CacheTTL: ttl, SimpleResponse: true}
}

func do(t *testing.T, srv *httptest.Server, method, path string, body io.Reader, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestEventPayloadV2(t *testing.T) {
	fn, auth := &capture{}, &fakeAuthorizer{}
	routes := []samtemplate.Route{
		{Method: "POST", Path: "/data/{customerId}/{dialogId}", Function: "DataFunction"},
		{Method: "GET", Path: "/health", Public: true, Function: "DataFunction"},
	}
	g, _ := newTestGateway(t, routes, testAuthorizer(time.Minute), map[string]Invoker{
		"DataFunction":       invoke.Single("test", time.Second, fn.handler()),
		"AuthorizerFunction": invoke.Single("test", time.Second, auth.handler()),
	})
	srv := httptest.NewServer(g)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	_, port, _ := net.SplitHostPort(host)

	body := `{"text":"hello","language":"en"}`
	resp, _ := do(t, srv, "POST", "/data/cust%201/d%2F1?language=EN&language=DE&empty=&q=cat+in+a+park&semi=a;b&flag", strings.NewReader(body), http.Header{
		"Authorization": {"Bearer good"},
		"Content-Type":  {"application/json"},
		"User-Agent":    {"mosaic-test/1.0"},
		"X-Multi":       {"one", "two"},
		"Cookie":        {"a=1; b=2", "c=3"},
	})
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	ev, raw := fn.last(t)

	t.Run("top level", func(t *testing.T) {
		checks := []struct {
			field     string
			got, want any
		}{
			{"version", ev.Version, "2.0"},
			{"routeKey", ev.RouteKey, "POST /data/{customerId}/{dialogId}"},
			// HTTP APIs decode rawPath (live captures); the query string stays as sent.
			{"rawPath", ev.RawPath, "/data/cust 1/d/1"},
			{"rawQueryString", ev.RawQueryString, "language=EN&language=DE&empty=&q=cat+in+a+park&semi=a;b&flag"},
			{"cookies", ev.Cookies, []string{"a=1", "b=2", "c=3"}},
			{"queryStringParameters", ev.QueryStringParameters, map[string]string{
				"language": "EN,DE", "empty": "", "q": "cat in a park", "semi": "a;b", "flag": "",
			}},
			{"pathParameters", ev.PathParameters, map[string]string{"customerId": "cust 1", "dialogId": "d/1"}},
			{"body", ev.Body, body},
			{"isBase64Encoded", ev.IsBase64Encoded, false},
			{"stageVariables", ev.StageVariables, map[string]string(nil)},
		}
		for _, c := range checks {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("%s = %#v, want %#v", c.field, c.got, c.want)
			}
		}
	})

	t.Run("headers", func(t *testing.T) {
		want := map[string]string{
			"authorization":     "Bearer good",
			"content-type":      "application/json",
			"user-agent":        "mosaic-test/1.0",
			"x-multi":           "one,two", // repeated values comma-joined
			"host":              host,
			"content-length":    strconv.Itoa(len(body)),
			"x-forwarded-for":   "127.0.0.1",
			"x-forwarded-proto": "http",
			"x-forwarded-port":  port,
		}
		for k, v := range want {
			if ev.Headers[k] != v {
				t.Errorf("headers[%q] = %q, want %q", k, ev.Headers[k], v)
			}
		}
		for k := range ev.Headers {
			if k != strings.ToLower(k) {
				t.Errorf("header name %q is not lower-case", k)
			}
		}
		if _, ok := ev.Headers["cookie"]; ok {
			t.Error("cookie header kept; payload 2.0 moves cookies to the cookies field")
		}
	})

	t.Run("requestContext", func(t *testing.T) {
		rc := ev.RequestContext
		checks := []struct {
			field     string
			got, want any
		}{
			{"accountId", rc.AccountID, accountID},
			{"apiId", rc.APIID, apiID},
			{"domainName", rc.DomainName, host},
			{"domainPrefix", rc.DomainPrefix, "127"},
			{"http.method", rc.HTTP.Method, "POST"},
			{"http.path", rc.HTTP.Path, "/data/cust 1/d/1"},
			{"http.protocol", rc.HTTP.Protocol, "HTTP/1.1"},
			{"http.sourceIp", rc.HTTP.SourceIP, "127.0.0.1"},
			{"http.userAgent", rc.HTTP.UserAgent, "mosaic-test/1.0"},
			{"requestId", rc.RequestID, resp.Header.Get("Apigw-Requestid")},
			{"routeKey", rc.RouteKey, "POST /data/{customerId}/{dialogId}"},
			{"stage", rc.Stage, "$default"},
			{"time", rc.Time, "01/May/2024:11:59:00 +0000"},
			{"timeEpoch", rc.TimeEpoch, int64(1714564740123)},
		}
		for _, c := range checks {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("requestContext.%s = %#v, want %#v", c.field, c.got, c.want)
			}
		}
		if !regexp.MustCompile(`^[0-9]{12}$`).MatchString(rc.AccountID) {
			t.Errorf("accountId %q is not 12 digits", rc.AccountID)
		}
		if !regexp.MustCompile(`^[A-Za-z0-9+/]{14}==$`).MatchString(rc.RequestID) {
			t.Errorf("requestId %q does not look like API Gateway's", rc.RequestID)
		}
		if rc.Authorizer == nil || !reflect.DeepEqual(rc.Authorizer.Lambda, map[string]any{"role": "writer", "n": float64(1)}) {
			t.Errorf("requestContext.authorizer = %+v, want lambda {role: writer, n: 1}", rc.Authorizer)
		}
		if rc.Authorizer != nil && (rc.Authorizer.JWT != nil || rc.Authorizer.IAM != nil) {
			t.Errorf("requestContext.authorizer has jwt/iam: %+v", rc.Authorizer)
		}
	})

	t.Run("json field names", func(t *testing.T) {
		for _, k := range []string{"version", "routeKey", "rawPath", "rawQueryString", "cookies", "headers",
			"queryStringParameters", "pathParameters", "requestContext", "body", "isBase64Encoded"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("event has no %q", k)
			}
		}
		rc, _ := raw["requestContext"].(map[string]any)
		for _, k := range []string{"accountId", "apiId", "domainName", "domainPrefix", "http", "requestId", "routeKey", "stage", "time", "timeEpoch", "authorizer"} {
			if _, ok := rc[k]; !ok {
				t.Errorf("requestContext has no %q", k)
			}
		}
		httpDesc, _ := rc["http"].(map[string]any)
		for _, k := range []string{"method", "path", "protocol", "sourceIp", "userAgent"} {
			if _, ok := httpDesc[k]; !ok {
				t.Errorf("requestContext.http has no %q", k)
			}
		}
		authz, _ := rc["authorizer"].(map[string]any)
		if _, ok := authz["lambda"]; !ok {
			t.Errorf("requestContext.authorizer has no \"lambda\": %v", authz)
		}
	})

	t.Run("minimal GET on a public route", func(t *testing.T) {
		resp, _ := do(t, srv, "GET", "/health", nil, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		ev, raw := fn.last(t)
		// As in AWS's captures: no body, pathParameters, queryStringParameters or
		// cookies keys; isBase64Encoded false; rawQueryString ""; content-length "0".
		for _, k := range []string{"body", "pathParameters", "queryStringParameters", "cookies", "stageVariables"} {
			if _, ok := raw[k]; ok {
				t.Errorf("event has %q = %v, want it absent", k, raw[k])
			}
		}
		if v, ok := raw["isBase64Encoded"]; !ok || v != false {
			t.Errorf("isBase64Encoded = %v (present %v), want false", v, ok)
		}
		if v, ok := raw["rawQueryString"]; !ok || v != "" {
			t.Errorf("rawQueryString = %v (present %v), want \"\"", v, ok)
		}
		if ev.Headers["content-length"] != "0" {
			t.Errorf("content-length = %q, want \"0\"", ev.Headers["content-length"])
		}
		if ev.RequestContext.Authorizer != nil {
			t.Errorf("public route got an authorizer context: %+v", ev.RequestContext.Authorizer)
		}
		if ev.RouteKey != "GET /health" || ev.RawPath != "/health" || ev.RequestContext.HTTP.Method != "GET" {
			t.Errorf("routeKey %q rawPath %q method %q", ev.RouteKey, ev.RawPath, ev.RequestContext.HTTP.Method)
		}
	})
}

func TestEventHost(t *testing.T) {
	tests := []struct{ host, domainName, prefix, port string }{
		{"localhost:8080", "localhost:8080", "localhost", "8080"},
		{"127.0.0.1:8080", "127.0.0.1:8080", "127", "8080"},
		{"abc123.execute-api.us-east-1.amazonaws.com", "abc123.execute-api.us-east-1.amazonaws.com", "abc123", ""},
		{"[::1]:8080", "[::1]:8080", "::1", "8080"},
		{"api.example.com", "api.example.com", "api", ""},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/x", nil)
		r.Host = tt.host
		ev := buildEvent(r, samtemplate.Route{Method: "GET", Path: "/x"}, nil, nil, "id", fixedNow)
		if ev.RequestContext.DomainName != tt.domainName || ev.RequestContext.DomainPrefix != tt.prefix {
			t.Errorf("Host %q: domainName %q domainPrefix %q, want %q %q", tt.host,
				ev.RequestContext.DomainName, ev.RequestContext.DomainPrefix, tt.domainName, tt.prefix)
		}
		if ev.Headers["host"] != tt.host || ev.Headers["x-forwarded-port"] != tt.port {
			t.Errorf("Host %q: headers host %q x-forwarded-port %q, want %q %q", tt.host,
				ev.Headers["host"], ev.Headers["x-forwarded-port"], tt.host, tt.port)
		}
	}
}

func TestQueryParameters(t *testing.T) {
	tests := []struct {
		raw  string
		want map[string]string
	}{
		{"", nil},
		{"&", nil},
		{"a=1", map[string]string{"a": "1"}},
		{"a=1&a=2&a=3", map[string]string{"a": "1,2,3"}},
		{"a=1&b=2&a=3", map[string]string{"a": "1,3", "b": "2"}},
		{"flag", map[string]string{"flag": ""}},
		{"empty=", map[string]string{"empty": ""}},
		{"q=cat+in+a+park", map[string]string{"q": "cat in a park"}},
		{"q=a%2Bb%26c%3Dd", map[string]string{"q": "a+b&c=d"}},
		{"q=%E2%9C%93", map[string]string{"q": "✓"}},
		{"semi=a;b&c=1", map[string]string{"semi": "a;b", "c": "1"}},
		{"eq=a=b", map[string]string{"eq": "a=b"}},
		{"bad=%zz&ok=1", map[string]string{"bad": "%zz", "ok": "1"}},
		{"my+key=v", map[string]string{"my key": "v"}},
		{"a=1&&b=2", map[string]string{"a": "1", "b": "2"}},
	}
	for _, tt := range tests {
		if got := queryParameters(tt.raw); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("queryParameters(%q) = %#v, want %#v", tt.raw, got, tt.want)
		}
	}
}

func TestEventBodyEncoding(t *testing.T) {
	text := []byte("{\"k\":\"v\u00e9\"}\x00")
	// Not UTF-8: a JSON event could not carry these bytes as a string.
	binary := []byte("{\"k\":\"v\"}\x00\xff")
	tests := []struct {
		contentType string
		wantBase64  bool
		payload     []byte
	}{
		{"application/json", true, binary},
		{"text/plain", true, binary},
		{"application/json", false, nil},
		{"application/json; charset=utf-8", false, nil},
		{"application/problem+json", false, nil},
		{"text/plain", false, nil},
		{"text/csv; charset=utf-8", false, nil},
		{"application/xml", false, nil},
		{"application/atom+xml", false, nil},
		{"application/javascript", false, nil},
		{"application/x-www-form-urlencoded", false, nil},
		{"application/octet-stream", true, nil},
		{"image/png", true, nil},
		{"multipart/form-data; boundary=x", true, nil},
		{"", true, nil},
		{"not a media type", true, nil},
	}
	for _, tt := range tests {
		payload := tt.payload
		if payload == nil {
			payload = text
		}
		t.Run(fmt.Sprintf("%s %q", tt.contentType, payload), func(t *testing.T) {
			r := httptest.NewRequest("POST", "/x", bytes.NewReader(payload))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			ev := buildEvent(r, samtemplate.Route{Method: "POST", Path: "/x"}, nil, payload, "id", fixedNow)
			if ev.IsBase64Encoded != tt.wantBase64 {
				t.Fatalf("isBase64Encoded = %v, want %v", ev.IsBase64Encoded, tt.wantBase64)
			}
			got := []byte(ev.Body)
			if ev.IsBase64Encoded {
				var err error
				if got, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(got, payload) {
				t.Errorf("body = %q, want %q", got, payload)
			}
		})
	}
}

func TestResponseConversion(t *testing.T) {
	tests := []struct {
		name       string
		output     string // what the function returns, as JSON
		wantStatus int
		wantHeader map[string][]string // nil value: header must be absent
		wantBody   string
	}{
		{
			name:       "status, headers and body",
			output:     `{"statusCode":201,"headers":{"Content-Type":"application/json","X-Request-Id":"r1","Vary":"a, b"},"body":"{\"id\":\"1\"}"}`,
			wantStatus: 201,
			wantHeader: map[string][]string{"Content-Type": {"application/json"}, "X-Request-Id": {"r1"}, "Vary": {"a, b"}},
			wantBody:   `{"id":"1"}`,
		},
		{
			name:       "cookies become set-cookie headers",
			output:     `{"statusCode":200,"cookies":["a=1; Path=/; HttpOnly","b=2"],"body":""}`,
			wantStatus: 200,
			wantHeader: map[string][]string{"Set-Cookie": {"a=1; Path=/; HttpOnly", "b=2"}},
		},
		{
			name:       "base64 body is decoded",
			output:     `{"statusCode":200,"headers":{"Content-Type":"image/png"},"isBase64Encoded":true,"body":"` + base64.StdEncoding.EncodeToString([]byte{0x89, 'P', 'N', 'G', 0, 0xff}) + `"}`,
			wantStatus: 200,
			wantHeader: map[string][]string{"Content-Type": {"image/png"}},
			wantBody:   "\x89PNG\x00\xff",
		},
		{
			name:       "bad base64 is a gateway error",
			output:     `{"statusCode":200,"isBase64Encoded":true,"body":"***"}`,
			wantStatus: 500,
			wantBody:   `{"message":"Internal Server Error"}`,
		},
		{
			name:       "no statusCode: a 200 JSON body",
			output:     `{"hello":"world","n":[1,2]}`,
			wantStatus: 200,
			wantHeader: map[string][]string{"Content-Type": {"application/json"}},
			wantBody:   `{"hello":"world","n":[1,2]}`,
		},
		{
			name:       "a bare string is a 200 JSON body",
			output:     `"just text"`,
			wantStatus: 200,
			wantHeader: map[string][]string{"Content-Type": {"application/json"}},
			wantBody:   `"just text"`,
		},
		{
			name:       "no content",
			output:     `{"statusCode":204}`,
			wantStatus: 204,
		},
		{
			name:       "redirect",
			output:     `{"statusCode":302,"headers":{"Location":"/docs/"}}`,
			wantStatus: 302,
			wantHeader: map[string][]string{"Location": {"/docs/"}},
		},
		{
			name:       "multiValueHeaders are not part of payload 2.0",
			output:     `{"statusCode":200,"multiValueHeaders":{"X-Multi":["a","b"]},"body":"x"}`,
			wantStatus: 200,
			wantHeader: map[string][]string{"X-Multi": nil},
			wantBody:   "x",
		},
		{
			name:       "statusCode out of range",
			output:     `{"statusCode":0,"body":"x"}`,
			wantStatus: 500,
			wantBody:   `{"message":"Internal Server Error"}`,
		},
		{
			name:       "statusCode too large",
			output:     `{"statusCode":600}`,
			wantStatus: 500,
			wantBody:   `{"message":"Internal Server Error"}`,
		},
		{
			name:       "statusCode as a string",
			output:     `{"statusCode":"200"}`,
			wantStatus: 500,
			wantBody:   `{"message":"Internal Server Error"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := lambda.NewHandler(func() (json.RawMessage, error) { return json.RawMessage(tt.output), nil })
			g, _ := newTestGateway(t, []samtemplate.Route{{Method: "GET", Path: "/r", Public: true, Function: "F"}}, nil,
				map[string]Invoker{"F": invoke.Single("test", time.Second, fn)})
			rec := httptest.NewRecorder()
			g.ServeHTTP(rec, httptest.NewRequest("GET", "/r", nil))
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			for k, want := range tt.wantHeader {
				if got := rec.Header().Values(k); !reflect.DeepEqual(got, want) && (len(got) != 0 || len(want) != 0) {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
			if got := rec.Body.String(); got != tt.wantBody {
				t.Errorf("body = %q, want %q", got, tt.wantBody)
			}
			if rec.Header().Get("Apigw-Requestid") == "" {
				t.Error("no Apigw-Requestid header")
			}
		})
	}
}

func TestGatewayErrors(t *testing.T) {
	fn := &capture{}
	failing := lambda.NewHandler(func() (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{}, errors.New("handler failed")
	})
	panicking := lambda.NewHandler(func() (events.APIGatewayV2HTTPResponse, error) { panic("boom") })
	routes := []samtemplate.Route{
		{Method: "GET", Path: "/ok", Public: true, Function: "OK"},
		{Method: "GET", Path: "/fail", Public: true, Function: "Fail"},
		{Method: "GET", Path: "/panic", Public: true, Function: "Panic"},
	}
	g, _ := newTestGateway(t, routes, nil, map[string]Invoker{
		"OK":    invoke.Single("test", time.Second, fn.handler()),
		"Fail":  invoke.Single("test", time.Second, failing),
		"Panic": invoke.Single("test", time.Second, panicking),
	})
	srv := httptest.NewServer(g)
	defer srv.Close()
	tests := []struct {
		name, method, path string
		wantStatus         int
		wantBody           string
	}{
		{"unknown path", "GET", "/nope", 404, `{"message":"Not Found"}`},
		{"unknown method", "DELETE", "/ok", 404, `{"message":"Not Found"}`},
		{"trailing slash goes to the route without it", "GET", "/ok/", 200, "ok"},
		{"only one trailing slash is dropped", "GET", "/ok//", 404, `{"message":"Not Found"}`},
		{"function error", "GET", "/fail", 500, `{"message":"Internal Server Error"}`},
		{"function panic", "GET", "/panic", 500, `{"message":"Internal Server Error"}`},
		{"still serving after a panic", "GET", "/ok", 200, "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, srv, tt.method, tt.path, nil, nil)
			if resp.StatusCode != tt.wantStatus || string(body) != tt.wantBody {
				t.Errorf("%s %s = %d %q, want %d %q", tt.method, tt.path, resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			if tt.wantStatus != 200 && resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type = %q", resp.Header.Get("Content-Type"))
			}
		})
	}
	if n := fn.count(); n != 2 {
		t.Errorf("OK function invoked %d times, want 2 (404s never reach a function)", n)
	}
}

func TestPayloadLimit(t *testing.T) {
	var got atomic.Int64
	fn := lambda.NewHandler(func(ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		got.Store(int64(len(ev.Body)))
		return events.APIGatewayV2HTTPResponse{StatusCode: 200}, nil
	})
	g, _ := newTestGateway(t, []samtemplate.Route{{Method: "POST", Path: "/up", Public: true, Function: "F"}}, nil,
		map[string]Invoker{"F": invoke.Single("test", 10*time.Second, fn)})
	tests := []struct {
		name       string
		size       int
		wantStatus int
	}{
		{"5 MB", 5 << 20, 200},
		// API Gateway takes it, but the event is over Lambda's 6 MB: the invocation fails.
		{"exactly 10 MB", MaxPayload, 500},
		{"one byte over", MaxPayload + 1, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got.Store(-1)
			r := httptest.NewRequest("POST", "/up", bytes.NewReader(bytes.Repeat([]byte("a"), tt.size)))
			r.Header.Set("Content-Type", "text/plain")
			rec := httptest.NewRecorder()
			g.ServeHTTP(rec, r)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if tt.wantStatus == 413 {
				if rec.Body.String() != `{"message":"Request Entity Too Large"}` {
					t.Errorf("body = %q", rec.Body.String())
				}
				if got.Load() != -1 {
					t.Error("the function ran on an oversized request")
				}
			} else if tt.wantStatus == 200 && got.Load() != int64(tt.size) {
				t.Errorf("function got %d bytes, want %d", got.Load(), tt.size)
			}
		})
	}
}

func TestFunctionTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	var deadlineLeft atomic.Int64
	handlers := map[string]lambda.Handler{
		"Fast": lambda.NewHandler(func(ctx context.Context) (events.APIGatewayV2HTTPResponse, error) {
			if d, ok := ctx.Deadline(); ok {
				deadlineLeft.Store(int64(time.Until(d)))
			}
			return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "fast"}, nil
		}),
		"Polite": lambda.NewHandler(func(ctx context.Context) (events.APIGatewayV2HTTPResponse, error) {
			<-ctx.Done()
			return events.APIGatewayV2HTTPResponse{}, ctx.Err()
		}),
		"Stubborn": lambda.NewHandler(func(ctx context.Context) (events.APIGatewayV2HTTPResponse, error) {
			<-release // ignores its context, like a handler stuck in a loop
			return events.APIGatewayV2HTTPResponse{StatusCode: 200}, nil
		}),
		"Late": lambda.NewHandler(func(ctx context.Context) (events.APIGatewayV2HTTPResponse, error) {
			time.Sleep(300 * time.Millisecond) // returns a result, but after the deadline
			return events.APIGatewayV2HTTPResponse{StatusCode: 200}, nil
		}),
	}
	const timeout = 150 * time.Millisecond
	fns := map[string]Invoker{}
	var routes []samtemplate.Route
	for name, h := range handlers {
		fns[name] = invoke.Single("test", timeout, h)
		routes = append(routes, samtemplate.Route{Method: "GET", Path: "/" + strings.ToLower(name), Public: true, Function: name})
	}
	g, _ := newTestGateway(t, routes, nil, fns)
	tests := []struct {
		path       string
		wantStatus int
	}{
		{"/fast", 200},
		{"/polite", 500},
		{"/stubborn", 500},
		{"/late", 500},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			start := time.Now()
			g.ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
			elapsed := time.Since(start)
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if tt.wantStatus == 500 && rec.Body.String() != `{"message":"Internal Server Error"}` {
				t.Errorf("body = %q", rec.Body.String())
			}
			if elapsed > 5*time.Second {
				t.Errorf("answered after %v; the gateway must not wait past the function's timeout", elapsed)
			}
		})
	}
	if left := time.Duration(deadlineLeft.Load()); left <= 0 || left > timeout {
		t.Errorf("function saw %v left before its deadline, want (0, %v]", left, timeout)
	}
}

func TestLambdaContext(t *testing.T) {
	var lc atomic.Pointer[lambdacontext.LambdaContext]
	fn := lambda.NewHandler(func(ctx context.Context) (events.APIGatewayV2HTTPResponse, error) {
		c, _ := lambdacontext.FromContext(ctx)
		lc.Store(c)
		return events.APIGatewayV2HTTPResponse{StatusCode: 200}, nil
	})
	g, _ := newTestGateway(t, []samtemplate.Route{{Method: "GET", Path: "/x", Public: true, Function: "EchoFunction"}}, nil,
		map[string]Invoker{"EchoFunction": invoke.Single("EchoFunction", time.Second, fn)})
	ids := map[string]bool{}
	for range 3 {
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
		c := lc.Load()
		if c == nil {
			t.Fatal("no lambda context")
		}
		if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(c.AwsRequestID) {
			t.Errorf("AwsRequestID %q is not a UUID", c.AwsRequestID)
		}
		if want := "arn:aws:lambda:us-east-1:000000000000:function:EchoFunction"; c.InvokedFunctionArn != want {
			t.Errorf("InvokedFunctionArn = %q, want %q", c.InvokedFunctionArn, want)
		}
		ids[c.AwsRequestID] = true
		ids["gw:"+rec.Header().Get("Apigw-Requestid")] = true
	}
	if len(ids) != 6 {
		t.Errorf("request ids repeat: %v", ids)
	}
}

func TestAuthorizer(t *testing.T) {
	fn, auth := &capture{}, &fakeAuthorizer{}
	routes := []samtemplate.Route{
		{Method: "GET", Path: "/private/{id}", Function: "F"},
		{Method: "GET", Path: "/public", Public: true, Function: "F"},
	}
	g, _ := newTestGateway(t, routes, testAuthorizer(0), map[string]Invoker{
		"F":                  invoke.Single("test", time.Second, fn.handler()),
		"AuthorizerFunction": invoke.Single("test", time.Second, auth.handler()),
	})
	srv := httptest.NewServer(g)
	defer srv.Close()
	tests := []struct {
		name        string
		path        string
		token       []string // Authorization header values; nil for none
		wantStatus  int
		wantBody    string
		wantInvoked bool
	}{
		{"public route needs no token", "/public", nil, 200, "ok", true},
		{"public route ignores a bad token", "/public", []string{"Bearer bad"}, 200, "ok", true},
		{"no identity header", "/private/1", nil, 401, `{"message":"Unauthorized"}`, false},
		{"blank identity header", "/private/1", []string{"  "}, 401, `{"message":"Unauthorized"}`, false},
		{"allowed", "/private/1", []string{"Bearer good"}, 200, "ok", true},
		{"denied", "/private/1", []string{"Bearer bad"}, 403, `{"message":"Forbidden"}`, false},
		{"unknown token denied", "/private/1", []string{"Bearer other"}, 403, `{"message":"Forbidden"}`, false},
		{"authorizer fails", "/private/1", []string{"Bearer boom"}, 500, `{"message":"Internal Server Error"}`, false},
		{"authorizer answers junk", "/private/1", []string{"Bearer junk"}, 500, `{"message":"Internal Server Error"}`, false},
		{"no route beats no token", "/nope", nil, 404, `{"message":"Not Found"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fn.count()
			resp, body := do(t, srv, "GET", tt.path, nil, http.Header{"Authorization": tt.token})
			if resp.StatusCode != tt.wantStatus || string(body) != tt.wantBody {
				t.Errorf("GET %s = %d %q, want %d %q", tt.path, resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			if invoked := fn.count() > before; invoked != tt.wantInvoked {
				t.Errorf("function invoked = %v, want %v", invoked, tt.wantInvoked)
			}
		})
	}
	if n := auth.callsFor(""); n != 0 {
		t.Errorf("authorizer called %d times without an identity", n)
	}
	if n := auth.callsFor("Bearer bad"); n != 1 {
		t.Errorf("authorizer called %d times for the denied token, want 1 (public routes skip it)", n)
	}

	t.Run("authorizer request", func(t *testing.T) {
		do(t, srv, "GET", "/private/42?x=1", nil, http.Header{"Authorization": {"Bearer good"}, "Cookie": {"s=1"}})
		auth.mu.Lock()
		req := auth.last
		auth.mu.Unlock()
		checks := []struct {
			field     string
			got, want any
		}{
			{"version", req.Version, "2.0"},
			{"type", req.Type, "REQUEST"},
			{"identitySource", req.IdentitySource, []string{"Bearer good"}},
			{"routeKey", req.RouteKey, "GET /private/{id}"},
			{"rawPath", req.RawPath, "/private/42"},
			{"rawQueryString", req.RawQueryString, "x=1"},
			{"cookies", req.Cookies, []string{"s=1"}},
			{"queryStringParameters", req.QueryStringParameters, map[string]string{"x": "1"}},
			{"pathParameters", req.PathParameters, map[string]string{"id": "42"}},
			{"headers.authorization", req.Headers["authorization"], "Bearer good"},
			{"requestContext.routeKey", req.RequestContext.RouteKey, "GET /private/{id}"},
			{"requestContext.http.method", req.RequestContext.HTTP.Method, "GET"},
		}
		for _, c := range checks {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("%s = %#v, want %#v", c.field, c.got, c.want)
			}
		}
		if !strings.HasPrefix(req.RouteArn, "arn:aws:execute-api:us-east-1:000000000000:local/$default/GET/") {
			t.Errorf("routeArn = %q", req.RouteArn)
		}
		if req.RequestContext.RequestID == "" {
			t.Error("authorizer request has no requestContext.requestId")
		}
	})
}

func TestAuthorizerCache(t *testing.T) {
	fn, auth := &capture{}, &fakeAuthorizer{}
	routes := []samtemplate.Route{
		{Method: "GET", Path: "/a", Function: "F"},
		{Method: "GET", Path: "/b", Function: "F"},
	}
	g, clk := newTestGateway(t, routes, testAuthorizer(5*time.Minute), map[string]Invoker{
		"F":                  invoke.Single("test", time.Second, fn.handler()),
		"AuthorizerFunction": invoke.Single("test", time.Second, auth.handler()),
	})
	steps := []struct {
		name       string
		advance    time.Duration
		path       string
		token      string
		wantStatus int
		wantCalls  int // authorizer calls for token so far
	}{
		{"first call runs the authorizer", 0, "/a", "Bearer good", 200, 1},
		{"same identity is cached", 0, "/a", "Bearer good", 200, 1},
		{"cache is per identity, not per route", time.Minute, "/b", "Bearer good", 200, 1},
		{"a denial is cached too", 0, "/a", "Bearer bad", 403, 1},
		{"cached denial", 0, "/b", "Bearer bad", 403, 1},
		{"failures are not cached", 0, "/a", "Bearer boom", 500, 1},
		{"failures retried", 0, "/a", "Bearer boom", 500, 2},
		{"still cached just before the TTL", 4*time.Minute - time.Second, "/a", "Bearer good", 200, 1},
		{"expired after the TTL", 2 * time.Second, "/a", "Bearer good", 200, 2},
		{"cached again", 0, "/b", "Bearer good", 200, 2},
	}
	for _, s := range steps {
		clk.advance(s.advance)
		rec := httptest.NewRecorder()
		r := httptest.NewRequest("GET", s.path, nil)
		r.Header.Set("Authorization", s.token)
		g.ServeHTTP(rec, r)
		if rec.Code != s.wantStatus {
			t.Errorf("%s: status %d, want %d", s.name, rec.Code, s.wantStatus)
		}
		if n := auth.callsFor(s.token); n != s.wantCalls {
			t.Errorf("%s: authorizer called %d times for %q, want %d", s.name, n, s.token, s.wantCalls)
		}
	}
	// The cached context still reaches the function.
	ev, _ := fn.last(t)
	if ev.RequestContext.Authorizer == nil || ev.RequestContext.Authorizer.Lambda["role"] != "writer" {
		t.Errorf("cached authorizer context lost: %+v", ev.RequestContext.Authorizer)
	}

	t.Run("no caching when ReauthorizeEvery is 0", func(t *testing.T) {
		auth := &fakeAuthorizer{}
		g, _ := newTestGateway(t, routes, testAuthorizer(0), map[string]Invoker{
			"F":                  invoke.Single("test", time.Second, fn.handler()),
			"AuthorizerFunction": invoke.Single("test", time.Second, auth.handler()),
		})
		for range 3 {
			r := httptest.NewRequest("GET", "/a", nil)
			r.Header.Set("Authorization", "Bearer good")
			g.ServeHTTP(httptest.NewRecorder(), r)
		}
		if n := auth.callsFor("Bearer good"); n != 3 {
			t.Errorf("authorizer called %d times, want 3", n)
		}
	})
}

func TestConcurrentRequests(t *testing.T) {
	fn, auth := &capture{}, &fakeAuthorizer{}
	g, _ := newTestGateway(t, []samtemplate.Route{{Method: "GET", Path: "/x/{n}", Function: "F"}}, testAuthorizer(time.Minute), map[string]Invoker{
		"F":                  invoke.Single("test", time.Second, fn.handler()),
		"AuthorizerFunction": invoke.Single("test", time.Second, auth.handler()),
	})
	srv := httptest.NewServer(g)
	defer srv.Close()
	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := range 32 {
		wg.Go(func() {
			token := "Bearer good"
			if i%4 == 0 {
				token = "Bearer bad"
			}
			req, _ := http.NewRequest("GET", srv.URL+"/x/"+string(rune('a'+i%26)), nil)
			req.Header.Set("Authorization", token)
			resp, err := srv.Client().Do(req)
			if err != nil {
				failed.Add(1)
				return
			}
			resp.Body.Close()
			if want := map[bool]int{true: 403, false: 200}[i%4 == 0]; resp.StatusCode != want {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Errorf("%d requests failed or got the wrong status", n)
	}
	if n := fn.count(); n != 24 {
		t.Errorf("function invoked %d times, want 24", n)
	}
}

// TestConcurrentResponsesAreNotMixed: a lambda.NewHandler handler returns its
// output in a pooled buffer that its next invocation reuses; concurrent
// requests to one function must still each get their own response.
func TestConcurrentResponsesAreNotMixed(t *testing.T) {
	echo := lambda.NewHandler(func(ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		n := ev.PathParameters["n"]
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: strings.Repeat(n, 512)}, nil
	})
	g, _ := newTestGateway(t, []samtemplate.Route{{Method: "GET", Path: "/echo/{n}", Public: true, Function: "Echo"}}, nil,
		// 64 requests queue for one environment: the timeout (which also bounds
		// the wait for it) is generous so that a loaded machine cannot fail them.
		map[string]Invoker{"Echo": invoke.Single("test", time.Minute, echo)})
	srv := httptest.NewServer(g)
	defer srv.Close()
	var wg sync.WaitGroup
	var mixed, failed atomic.Int32
	for i := range 64 {
		wg.Go(func() {
			n := strconv.Itoa(i)
			resp, err := srv.Client().Get(srv.URL + "/echo/" + n)
			if err != nil {
				failed.Add(1)
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 {
				failed.Add(1)
			} else if string(b) != strings.Repeat(n, 512) {
				mixed.Add(1)
			}
		})
	}
	wg.Wait()
	if mixed.Load() != 0 || failed.Load() != 0 {
		t.Errorf("%d responses carried another request's body, %d failed", mixed.Load(), failed.Load())
	}
}

func TestStuckFunction(t *testing.T) {
	// A handler that ignores its context keeps its environment busy: the first
	// request times out (500, as API Gateway answers a failed invocation); the
	// next finds no free environment and is refused as overload (503 with
	// Retry-After), and the gateway never hangs.
	release := make(chan struct{})
	defer close(release)
	stuck := lambda.NewHandler(func() (events.APIGatewayV2HTTPResponse, error) {
		<-release
		return events.APIGatewayV2HTTPResponse{StatusCode: 200}, nil
	})
	const timeout = 100 * time.Millisecond
	g, _ := newTestGateway(t, []samtemplate.Route{{Method: "GET", Path: "/s", Public: true, Function: "S"}}, nil,
		map[string]Invoker{"S": invoke.Single("test", timeout, stuck)})
	for i, want := range []int{500, 503} {
		rec := httptest.NewRecorder()
		start := time.Now()
		g.ServeHTTP(rec, httptest.NewRequest("GET", "/s", nil))
		if rec.Code != want {
			t.Errorf("request %d: status %d, want %d", i, rec.Code, want)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("request %d answered after %v", i, d)
		}
	}
}

// TestOverloadIsA503WithRetryAfter: with every environment of a function (or
// of the authorizer) busy, a request is refused with a problem+json 503 and
// Retry-After, never a bare 500, and the function is not run.
func TestOverloadIsA503WithRetryAfter(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 4)
	var runs atomic.Int32
	busy := func() lambda.Handler {
		return lambda.NewHandler(func() (events.APIGatewayV2HTTPResponse, error) {
			runs.Add(1)
			started <- struct{}{}
			<-release
			return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "{}"}, nil
		})
	}
	fn := invoke.New("Busy", "arn", 5*time.Second, 2, busy)
	g, _ := newTestGateway(t, []samtemplate.Route{{Method: "POST", Path: "/b", Public: true, Function: "B"}}, nil,
		map[string]Invoker{"B": fn})
	done := make(chan int, 2)
	for range 2 {
		go func() {
			rec := httptest.NewRecorder()
			g.ServeHTTP(rec, httptest.NewRequest("POST", "/b", nil))
			done <- rec.Code
		}()
		<-started
	}
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("POST", "/b", nil))
	close(release)
	var p struct {
		Type, Detail string
		Status       int
		RequestID    string `json:"request_id"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != 503 || p.Status != 503 ||
		rec.Header().Get("Content-Type") != "application/problem+json" || rec.Header().Get("Retry-After") != "1" ||
		!strings.HasSuffix(p.Type, "/service-unavailable") || p.RequestID == "" || p.RequestID != rec.Header().Get("X-Request-Id") {
		t.Fatalf("overload = %d %v %s (%v)", rec.Code, rec.Header(), rec.Body, err)
	}
	for range 2 {
		if code := <-done; code != 200 {
			t.Errorf("a request that had an environment = %d", code)
		}
	}
	if n := runs.Load(); n != 2 {
		t.Errorf("the function ran %d times, want 2 (the refused request must not run)", n)
	}
}

func TestNewChecksFunctions(t *testing.T) {
	h := (&capture{}).handler()
	tests := []struct {
		name    string
		routes  []samtemplate.Route
		auth    *samtemplate.Authorizer
		fns     map[string]Invoker
		wantErr string
	}{
		{"route without its function", []samtemplate.Route{{Method: "GET", Path: "/x", Function: "Missing"}}, nil,
			map[string]Invoker{"F": invoke.Single("test", time.Second, h)}, "GET /x: function Missing is not built"},
		{"authorizer without its function", nil, testAuthorizer(0),
			map[string]Invoker{"F": invoke.Single("test", time.Second, h)}, "authorizer function AuthorizerFunction is not built"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.routes, tt.auth, tt.fns, slog.New(slog.DiscardHandler))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("New err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
