package obs

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

// daemonHeader starts every datagram sent to the X-Ray daemon.
const daemonHeader = `{"format": "json", "version": 1}` + "\n"

// defaultDaemon is the X-Ray daemon's address when AWS_XRAY_DAEMON_ADDRESS is unset.
const defaultDaemon = "127.0.0.1:2000"

// emitter sends subsegments to the X-Ray daemon over UDP. Sending never fails
// a call and never logs: a lost datagram only loses a trace.
type emitter struct {
	addr string
	once sync.Once
	conn net.Conn // nil when the address cannot be dialled
}

// newEmitter returns an emitter for the daemon of AWS_XRAY_DAEMON_ADDRESS,
// which is "host:port" or, with separate TCP and UDP addresses,
// "tcp:host:port udp:host:port". The socket is opened at the first send.
func newEmitter() *emitter {
	addr := strings.TrimSpace(os.Getenv("AWS_XRAY_DAEMON_ADDRESS"))
	for part := range strings.FieldsSeq(addr) {
		if a, ok := strings.CutPrefix(part, "udp:"); ok {
			addr = a
		}
	}
	if addr == "" {
		addr = defaultDaemon
	}
	return &emitter{addr: addr}
}

func (e *emitter) send(doc *subsegment) {
	e.once.Do(func() {
		if c, err := net.Dial("udp", e.addr); err == nil {
			e.conn = c
		}
	})
	if e.conn == nil {
		return
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return
	}
	_, _ = e.conn.Write(append([]byte(daemonHeader), b...))
}

// subsegment is an X-Ray subsegment document, sent on its own.
type subsegment struct {
	Name      string         `json:"name"`
	ID        string         `json:"id"`
	TraceID   string         `json:"trace_id"`
	ParentID  string         `json:"parent_id"`
	Type      string         `json:"type"`
	StartTime float64        `json:"start_time"`
	EndTime   float64        `json:"end_time"`
	Namespace string         `json:"namespace,omitempty"`
	Error     bool           `json:"error,omitempty"`
	Fault     bool           `json:"fault,omitempty"`
	Throttle  bool           `json:"throttle,omitempty"`
	Cause     *xrayCause     `json:"cause,omitempty"`
	HTTP      *xrayHTTP      `json:"http,omitempty"`
	AWS       map[string]any `json:"aws,omitempty"`
}

type (
	xrayCause struct {
		Exceptions []xrayException `json:"exceptions"`
	}
	xrayException struct {
		ID      string `json:"id"`
		Type    string `json:"type,omitempty"`
		Message string `json:"message"`
	}
	xrayHTTP struct {
		Request  *xrayRequest  `json:"request,omitempty"`
		Response *xrayResponse `json:"response,omitempty"`
	}
	xrayRequest struct {
		Method string `json:"method,omitempty"`
		URL    string `json:"url,omitempty"`
	}
	xrayResponse struct {
		Status        int   `json:"status,omitempty"`
		ContentLength int64 `json:"content_length,omitempty"`
	}
)

// span is a subsegment being recorded.
type span struct {
	doc subsegment
	tc  traceContext // the context calls made inside the span propagate
	e   *emitter
}

// startSpan opens a subsegment under ctx's trace, or returns nil when ctx has
// no sampled trace: then nothing is recorded or sent.
func startSpan(ctx context.Context, e *emitter, name, namespace string) (context.Context, *span) {
	parent, ok := traceFrom(ctx)
	if !ok || !parent.sampled || parent.parent == "" {
		return ctx, nil
	}
	id := newSegmentID()
	s := &span{
		doc: subsegment{
			Name:      xrayName(name),
			ID:        id,
			TraceID:   parent.root,
			ParentID:  parent.parent,
			Type:      "subsegment",
			StartTime: epochSeconds(time.Now()),
			Namespace: namespace,
		},
		e: e,
	}
	s.tc = parent
	s.tc.parent = id
	return context.WithValue(ctx, spanKey{}, s.tc), s
}

// end closes the span with the call's HTTP status (0 if none) and error, and sends it.
func (s *span) end(status int, err error) {
	s.doc.EndTime = epochSeconds(time.Now())
	switch {
	case status == 429:
		s.doc.Throttle, s.doc.Error = true, true
	case status >= 500:
		s.doc.Fault = true
	case status >= 400:
		s.doc.Error = true
	case err != nil:
		s.doc.Fault = true // no answer at all: time-out, refused, cancelled
	}
	if err != nil {
		s.doc.Cause = &xrayCause{Exceptions: []xrayException{{
			ID: newSegmentID(), Type: errorType(err), Message: truncate(err.Error(), 1024),
		}}}
	}
	s.e.send(&s.doc)
}

func epochSeconds(t time.Time) float64 { return float64(t.UnixMicro()) / 1e6 }

// xrayName keeps the characters X-Ray accepts in a name, at most 200 of them.
func xrayName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '_' || r == '.' || r == ':' || r == '/' || r == '%' || r == '&' || r == '#' ||
			r == '=' || r == '+' || r == '\\' || r == '-' || r == '@' || r == ' ':
			return r
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r > 127:
			return r
		}
		return -1
	}, s)
	if s == "" {
		return "unknown"
	}
	return truncate(s, 200)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
