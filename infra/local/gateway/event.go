package gateway

import (
	"encoding/base64"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/samtemplate"
)

// The local stand-ins for the account, region and API the event names.
const (
	region    = "us-east-1"
	accountID = "000000000000"
	apiID     = "local"
	stage     = "$default"
)

// buildEvent makes the payload 2.0 event API Gateway sends for r on route rt.
func buildEvent(r *http.Request, rt samtemplate.Route, params map[string]string, body []byte, requestID string, now time.Time) events.APIGatewayV2HTTPRequest {
	headers, cookies := eventHeaders(r, len(body))
	host := r.Host // domainPrefix is the first label of the name, never the port
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		host = h
	}
	ev := events.APIGatewayV2HTTPRequest{
		Version:  "2.0",
		RouteKey: rt.RouteKey(),
		// HTTP APIs deliver rawPath percent-decoded (%2F included), unlike
		// REST APIs and function URLs; rawQueryString stays encoded.
		RawPath:               r.URL.Path,
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: queryParameters(r.URL.RawQuery),
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     rt.RouteKey(),
			AccountID:    accountID,
			Stage:        stage,
			RequestID:    requestID,
			APIID:        apiID,
			DomainName:   r.Host,
			DomainPrefix: strings.Split(host, ".")[0],
			Time:         now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  sourceIP(r),
				UserAgent: r.UserAgent(),
			},
		},
	}
	if len(params) > 0 {
		ev.PathParameters = params
	}
	if len(body) > 0 {
		// A JSON string holds only valid UTF-8 (encoding/json would put U+FFFD
		// in place of the rest): a body that is not is sent base64-encoded, so
		// that the function sees the bytes the client sent and can refuse them.
		if isText(r.Header.Get("Content-Type")) && utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

// eventHeaders lower-cases names and joins repeated values with commas, as
// payload 2.0 does; cookies travel in their own field.
func eventHeaders(r *http.Request, bodyLen int) (map[string]string, []string) {
	h := map[string]string{}
	var cookies []string
	for name, values := range r.Header {
		name = strings.ToLower(name)
		if name == "cookie" {
			for _, v := range values {
				for _, c := range strings.Split(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		h[name] = strings.Join(values, ",")
	}
	h["host"] = r.Host
	// API Gateway reads the whole body and always states its length, "0" included.
	h["content-length"] = strconv.Itoa(bodyLen)
	h["x-forwarded-for"] = sourceIP(r)
	h["x-forwarded-proto"] = "http"
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		h["x-forwarded-port"] = port
	}
	return h, cookies
}

// queryParameters decodes the query string; repeated keys are joined with commas.
// Like API Gateway, and unlike url.ParseQuery, it splits on "&" only: a ";" is data.
func queryParameters(raw string) map[string]string {
	q := map[string]string{}
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, v = unescapeQuery(k), unescapeQuery(v)
		if prev, ok := q[k]; ok {
			v = prev + "," + v
		}
		q[k] = v
	}
	if len(q) == 0 {
		return nil
	}
	return q
}

// unescapeQuery decodes one query component ("+" is a space); a malformed
// escape is passed on as sent.
func unescapeQuery(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// isText reports whether API Gateway passes a body of this type as text
// rather than base64.
func isText(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		mt == "application/json", strings.HasSuffix(mt, "+json"),
		mt == "application/xml", strings.HasSuffix(mt, "+xml"),
		mt == "application/javascript", mt == "application/x-www-form-urlencoded":
		return true
	}
	return false
}
