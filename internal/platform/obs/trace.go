package obs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/mosaic-platform/mosaic/internal/platform/config"
)

// TracingEnabled reports whether AWS and HTTP calls should be traced: inside
// Lambda (AWS_LAMBDA_FUNCTION_NAME) with an X-Ray daemon (AWS_XRAY_DAEMON_ADDRESS),
// unless AWS_XRAY_SDK_DISABLED is true. Only sampled invocations send anything.
func TracingEnabled(env config.Env) bool {
	set := func(name string) bool {
		v, ok := env(name)
		return ok && strings.TrimSpace(v) != ""
	}
	if v, ok := env("AWS_XRAY_SDK_DISABLED"); ok {
		if off, err := strconv.ParseBool(strings.TrimSpace(v)); err == nil && off {
			return false
		}
	}
	return set("AWS_LAMBDA_FUNCTION_NAME") && set("AWS_XRAY_DAEMON_ADDRESS")
}

// lambdaTraceKey is the context key under which aws-lambda-go puts the
// invocation's X-Amzn-Trace-Id header; it is a plain string, by its choice.
const lambdaTraceKey = "x-amzn-trace-id"

// traceContext is where new subsegments attach: the trace, the parent
// segment or subsegment, whether the trace is sampled, and the header's other
// fields (Lineage, which Lambda uses to stop recursive loops), kept as they are.
type traceContext struct {
	root    string
	parent  string
	sampled bool
	extra   []string // key=value fields other than Root, Parent and Sampled
}

type spanKey struct{}

// traceFrom returns the trace context of ctx: the subsegment obs opened last,
// else the Lambda invocation's trace header.
func traceFrom(ctx context.Context) (traceContext, bool) {
	if tc, ok := ctx.Value(spanKey{}).(traceContext); ok {
		return tc, true
	}
	h, _ := ctx.Value(lambdaTraceKey).(string)
	return parseTraceHeader(h)
}

// parseTraceHeader reads "Root=1-…;Parent=…;Sampled=1[;Lineage=…]".
func parseTraceHeader(h string) (traceContext, bool) {
	var tc traceContext
	for field := range strings.SplitSeq(h, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(field), "=")
		switch k {
		case "Root":
			tc.root = v
		case "Parent":
			tc.parent = v
		case "Sampled":
			tc.sampled = v == "1"
		case "":
		default:
			tc.extra = append(tc.extra, k+"="+v)
		}
	}
	return tc, tc.root != ""
}

// header is the X-Amzn-Trace-Id header for a call made from subsegment id.
func (tc traceContext) header(id string) string {
	var b strings.Builder
	b.WriteString("Root=" + tc.root + ";Parent=" + id + ";Sampled=")
	if tc.sampled {
		b.WriteString("1")
	} else {
		b.WriteString("0")
	}
	for _, f := range tc.extra {
		b.WriteString(";" + f)
	}
	return headerSafe(b.String())
}

// headerSafe percent-encodes what the AWS SDK would, so that both agree.
func headerSafe(s string) string {
	var b strings.Builder
	for i := range len(s) {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("-=;:+&[]{}\"',", c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
	}
	return b.String()
}

// newSegmentID returns a random 64-bit X-Ray segment id in 16 hex digits.
func newSegmentID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}
