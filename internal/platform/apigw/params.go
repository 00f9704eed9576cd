package apigw

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// Page size bounds of every paginated list.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// PathParam returns the path parameter name, or a 400 naming it when it is empty.
// HTTP APIs deliver path parameters already percent-decoded: don't decode again.
func PathParam(req events.APIGatewayV2HTTPRequest, name string) (string, error) {
	v := req.PathParameters[name]
	if v == "" {
		return "", Invalid(name, "is required in the path")
	}
	return v, nil
}

// Header returns the first value of the request header name, matched case-insensitively.
func Header(req events.APIGatewayV2HTTPRequest, name string) string {
	if v, ok := req.Headers[name]; ok {
		return v
	}
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// QueryValues parses the query string, keeping repeated keys apart, or returns
// a 400 when it is malformed. Payload 2.0 joins repeated keys with commas in
// QueryStringParameters, so RawQueryString is the source when present.
func QueryValues(req events.APIGatewayV2HTTPRequest) (url.Values, error) {
	if req.RawQueryString == "" {
		v := make(url.Values, len(req.QueryStringParameters))
		for k, s := range req.QueryStringParameters {
			v[k] = []string{s}
		}
		return v, nil
	}
	v, err := url.ParseQuery(req.RawQueryString)
	if err != nil {
		return nil, BadRequest("query string is malformed: " + err.Error())
	}
	return v, nil
}

// Query returns the first value of the query parameter name, or "".
// Malformed pairs are skipped; call QueryValues first to reject them.
func Query(req events.APIGatewayV2HTTPRequest, name string) string {
	vs := QueryAll(req, name)
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// QueryAll returns every value of the query parameter name, in order.
func QueryAll(req events.APIGatewayV2HTTPRequest, name string) []string {
	if req.RawQueryString == "" {
		if v, ok := req.QueryStringParameters[name]; ok {
			return []string{v}
		}
		return nil
	}
	v, _ := url.ParseQuery(req.RawQueryString) // keeps every well-formed pair
	return v[name]
}

// Limit returns the limit query parameter: def when absent (DefaultLimit, or
// the default a list's contract sets), a 400 unless 1..MaxLimit.
func Limit(req events.APIGatewayV2HTTPRequest, def int) (int, error) {
	q, err := QueryValues(req)
	if err != nil {
		return 0, err
	}
	vs := q["limit"]
	switch {
	case len(vs) == 0 || len(vs) == 1 && vs[0] == "":
		return def, nil
	case len(vs) > 1:
		return 0, Invalid("limit", "must be given once")
	}
	n, err := strconv.Atoi(vs[0])
	if err != nil || n < 1 || n > MaxLimit {
		return 0, Invalid("limit", fmt.Sprintf("must be an integer from 1 to %d", MaxLimit))
	}
	return n, nil
}
