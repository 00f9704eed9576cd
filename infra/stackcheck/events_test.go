package stackcheck

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/samtemplate"
)

// TestFixturesAreWhatAWSSends checks every events/*.json against what API
// Gateway (HTTP API, payload 2.0) and SQS put in a Lambda event, and against
// the template: a route it declares, a queue its function consumes.
func TestFixturesAreWhatAWSSends(t *testing.T) {
	tpl, err := samtemplate.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	routes := map[string]bool{}
	for _, r := range tpl.Routes() {
		routes[r.RouteKey()] = true
	}
	files, _ := filepath.Glob(filepath.Join(root, "events", "*.json"))
	if len(files) == 0 {
		t.Fatal("no fixtures under events/")
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var probe map[string]any
		if err := json.Unmarshal(b, &probe); err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		name := filepath.Base(p)
		switch {
		case probe["routeKey"] != nil:
			checkHTTP(t, name, b, routes)
		case probe["Records"] != nil:
			checkSQS(t, name, b, tpl)
		case probe["detail-type"] != nil:
			if probe["detail-type"] != "Scheduled Event" || probe["source"] != "aws.events" {
				t.Errorf("%s: a schedule sends detail-type \"Scheduled Event\" from aws.events", name)
			}
		default:
			t.Errorf("%s: neither an HTTP API, an SQS nor a schedule event", name)
		}
	}
}

func checkHTTP(t *testing.T, name string, b []byte, routes map[string]bool) {
	var ev struct {
		events.APIGatewayV2HTTPRequest
		Type string `json:"type"` // set on an authorizer's request
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	rc := ev.RequestContext
	switch {
	case ev.Version != "2.0":
		t.Errorf("%s: version %q, want 2.0", name, ev.Version)
	case !routes[ev.RouteKey]:
		t.Errorf("%s: routeKey %q is no route of template.yaml", name, ev.RouteKey)
	case rc.RouteKey != ev.RouteKey:
		t.Errorf("%s: requestContext.routeKey %q differs from routeKey %q", name, rc.RouteKey, ev.RouteKey)
	case rc.Stage != "$default":
		t.Errorf("%s: stage %q; the API has only $default", name, rc.Stage)
	case rc.HTTP.Path != ev.RawPath:
		t.Errorf("%s: requestContext.http.path %q differs from rawPath %q", name, rc.HTTP.Path, ev.RawPath)
	case rc.RequestID == "" || rc.TimeEpoch == 0 || rc.HTTP.SourceIP == "":
		t.Errorf("%s: requestContext lacks requestId, timeEpoch or http.sourceIp", name)
	}
	method, path, _ := strings.Cut(ev.RouteKey, " ")
	if rc.HTTP.Method != method {
		t.Errorf("%s: method %q under route %q", name, rc.HTTP.Method, ev.RouteKey)
	}
	// The raw path is the route with its parameters filled in.
	pattern := "^" + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(regexp.QuoteMeta(path), `[^/]+`) + "$"
	if !regexp.MustCompile(pattern).MatchString(ev.RawPath) {
		t.Errorf("%s: rawPath %q does not match route %q", name, ev.RawPath, ev.RouteKey)
	}
	for _, p := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(path, -1) {
		if ev.PathParameters[p[1]] == "" {
			t.Errorf("%s: route %q without pathParameters.%s", name, ev.RouteKey, p[1])
		}
	}
	for k := range ev.Headers {
		if k != strings.ToLower(k) {
			t.Errorf("%s: header %q: HTTP APIs send header names in lower case", name, k)
		}
	}
}

func checkSQS(t *testing.T, name string, b []byte, tpl *samtemplate.Template) {
	var ev events.SQSEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if len(ev.Records) == 0 {
		t.Errorf("%s: no records", name)
		return
	}
	arn := ev.Records[0].EventSourceARN
	for i, r := range ev.Records {
		sum := md5.Sum([]byte(r.Body))
		switch {
		case r.EventSourceARN != arn:
			t.Errorf("%s: record %d from %s, record 0 from %s: a batch comes from one queue", name, i, r.EventSourceARN, arn)
		case r.EventSource != "aws:sqs":
			t.Errorf("%s: record %d: eventSource %q", name, i, r.EventSource)
		case r.Md5OfBody != hex.EncodeToString(sum[:]):
			t.Errorf("%s: record %d: md5OfBody %q is not the body's MD5", name, i, r.Md5OfBody)
		case r.MessageId == "" || r.ReceiptHandle == "" || r.Attributes["ApproximateReceiveCount"] == "":
			t.Errorf("%s: record %d lacks messageId, receiptHandle or ApproximateReceiveCount", name, i)
		}
	}
	// The queue is one the fixture's function consumes (the file is named for its function).
	for _, f := range tpl.Functions {
		if !strings.HasPrefix(strings.TrimSuffix(name, ".json"), f.Dir) {
			continue
		}
		for _, q := range f.QueueEvents {
			if strings.HasSuffix(arn, "-"+q.Queue) {
				return
			}
		}
	}
	t.Errorf("%s: %s is no queue its function consumes", name, arn)
}
