package obs

import (
	"net/http"
	"net/url"
)

// TraceHTTP returns a copy of c (nil: a zero http.Client) whose requests are
// each recorded as an X-Ray subsegment named after the host, and carry the
// trace on in the X-Amzn-Trace-Id header. A subsegment ends when the response
// headers arrive, so a streamed body's transfer time is not in it.
func TraceHTTP(c *http.Client) *http.Client {
	var cp http.Client
	if c != nil {
		cp = *c
	}
	next := cp.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	cp.Transport = &tracingTransport{next: next, e: newEmitter()}
	return &cp
}

type tracingTransport struct {
	next http.RoundTripper
	e    *emitter
}

// RoundTrip records req as a remote subsegment when its context is sampled.
func (t *tracingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, s := startSpan(req.Context(), t.e, req.URL.Hostname(), "remote")
	if s == nil {
		return t.next.RoundTrip(req)
	}
	out := req.WithContext(ctx) // a RoundTripper must not change the caller's request
	out.Header = req.Header.Clone()
	if out.Header == nil {
		out.Header = http.Header{}
	}
	out.Header.Set("X-Amzn-Trace-Id", s.tc.header(s.tc.parent))
	s.doc.HTTP = &xrayHTTP{Request: &xrayRequest{Method: req.Method, URL: redactedURL(req.URL)}}

	resp, err := t.next.RoundTrip(out)
	status := 0
	if resp != nil {
		status = resp.StatusCode
		s.doc.HTTP.Response = &xrayResponse{Status: status, ContentLength: max(resp.ContentLength, 0)}
	}
	s.end(status, err)
	return resp, err
}

// CloseIdleConnections closes the idle connections of the wrapped transport.
func (t *tracingTransport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// redactedURL is u without credentials, query or fragment, which may hold secrets.
func redactedURL(u *url.URL) string {
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	return r.String()
}
