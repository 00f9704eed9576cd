package obs

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/platform/config"
)

func TestTracingEnabled(t *testing.T) {
	lambda := map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "f", "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000"}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for k, v := range lambda {
			if _, ok := m[k]; !ok {
				m[k] = v
			}
		}
		return m
	}
	tests := []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"in Lambda with a daemon", lambda, true},
		{"locally", map[string]string{}, false},
		{"daemon but not Lambda", map[string]string{"AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000"}, false},
		{"Lambda without daemon", map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "f"}, false},
		{"opted out", with("AWS_XRAY_SDK_DISABLED", "true"), false},
		{"opt-out false", with("AWS_XRAY_SDK_DISABLED", "false"), true},
	}
	for _, tt := range tests {
		if got := TracingEnabled(config.Map(tt.env)); got != tt.want {
			t.Errorf("%s: TracingEnabled = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestParseTraceHeader(t *testing.T) {
	tc, ok := parseTraceHeader(testTraceHeader)
	if !ok || tc.root != "1-5759e988-bd862e3fe1be46a994272793" || tc.parent != "53995c3f42cd8ad8" || !tc.sampled {
		t.Fatalf("parse = %+v, %v", tc, ok)
	}
	if got, want := tc.header("0123456789abcdef"),
		"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=0123456789abcdef;Sampled=1;Lineage=a87bd80c:1"; got != want {
		t.Errorf("header = %q, want %q", got, want)
	}
	if _, ok := parseTraceHeader(""); ok {
		t.Error("empty header parsed")
	}
	if tc, _ := parseTraceHeader("Root=1-a-b;Parent=c;Sampled=0"); tc.sampled {
		t.Error("Sampled=0 read as sampled")
	}
}

// daemon listens like the X-Ray daemon and points AWS_XRAY_DAEMON_ADDRESS at itself.
func daemon(t *testing.T) net.PacketConn {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	t.Setenv("AWS_XRAY_DAEMON_ADDRESS", pc.LocalAddr().String())
	return pc
}

// receive reads one subsegment from the daemon, or nil if none comes in wait.
func receive(t *testing.T, pc net.PacketConn, wait time.Duration) map[string]any {
	t.Helper()
	buf := make([]byte, 64<<10)
	_ = pc.SetReadDeadline(time.Now().Add(wait))
	n, _, err := pc.ReadFrom(buf)
	if err != nil {
		return nil
	}
	header, body, ok := strings.Cut(string(buf[:n]), "\n")
	if !ok || header != `{"format": "json", "version": 1}` {
		t.Fatalf("datagram without the daemon header: %q", buf[:n])
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("subsegment is not JSON: %v: %s", err, body)
	}
	return doc
}

// checkSubsegment checks what X-Ray requires of a subsegment sent on its own.
func checkSubsegment(t *testing.T, doc map[string]any, name, namespace string) {
	t.Helper()
	want := map[string]any{
		"name": name, "namespace": namespace, "type": "subsegment",
		"trace_id": "1-5759e988-bd862e3fe1be46a994272793", "parent_id": "53995c3f42cd8ad8",
	}
	for k, v := range want {
		if doc[k] != v {
			t.Errorf("%s = %v, want %v", k, doc[k], v)
		}
	}
	if id, _ := doc["id"].(string); len(id) != 16 {
		t.Errorf("id = %q, want 16 hex digits", id)
	}
	start, _ := doc["start_time"].(float64)
	end, _ := doc["end_time"].(float64)
	if start < 1e9 || end < start {
		t.Errorf("start_time %v, end_time %v", start, end)
	}
}

func TestTraceHTTPRecordsSampledCalls(t *testing.T) {
	pc := daemon(t)
	var gotHeader string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotHeader = r.Header.Get("X-Amzn-Trace-Id")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()

	c := TraceHTTP(nil)
	ctx := lambdaContext(context.Background(), "r", testTraceHeader)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/models/x?token=secret", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if req.Header.Get("X-Amzn-Trace-Id") != "" {
		t.Error("the caller's request was modified")
	}

	doc := receive(t, pc, 2*time.Second)
	if doc == nil {
		t.Fatal("no subsegment sent")
	}
	checkSubsegment(t, doc, "127.0.0.1", "remote")
	httpDoc := doc["http"].(map[string]any)
	if u := httpDoc["request"].(map[string]any)["url"]; u != srv.URL+"/models/x" {
		t.Errorf("url = %v (query must be dropped)", u)
	}
	if s := httpDoc["response"].(map[string]any)["status"]; s != 503.0 {
		t.Errorf("status = %v", s)
	}
	if doc["fault"] != true {
		t.Errorf("503 not a fault: %v", doc)
	}
	if want := "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=" + doc["id"].(string) + ";Sampled=1;Lineage=a87bd80c:1"; gotHeader != want {
		t.Errorf("downstream header = %q, want %q", gotHeader, want)
	}
}

func TestTraceHTTPUnreachableIsAFault(t *testing.T) {
	pc := daemon(t)
	ctx := lambdaContext(context.Background(), "r", testTraceHeader)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:1/", nil)
	if _, err := TraceHTTP(&http.Client{Timeout: time.Second}).Do(req); err == nil {
		t.Fatal("call to a closed port succeeded")
	}
	doc := receive(t, pc, 2*time.Second)
	if doc == nil || doc["fault"] != true || doc["cause"] == nil {
		t.Fatalf("subsegment = %v, want a fault with a cause", doc)
	}
}

// fakeDynamoDB answers GetItem with status and body, recording the trace header.
func fakeDynamoDB(t *testing.T, status int, body string, header *string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		*header = r.Header.Get("X-Amzn-Trace-Id")
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amzn-RequestId", "ddb-req-1")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

var testKey = map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k"}}

func tracedDynamoDB(url string) *dynamodb.Client {
	cfg := aws.Config{
		Region:           "eu-west-1",
		Credentials:      credentials.NewStaticCredentialsProvider("k", "s", ""),
		BaseEndpoint:     aws.String(url),
		RetryMaxAttempts: 1,
	}
	TraceAWS(&cfg)
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
}

func TestTraceAWSRecordsSampledCalls(t *testing.T) {
	pc := daemon(t)
	var header string
	db := tracedDynamoDB(fakeDynamoDB(t, 200, `{}`, &header).URL)

	ctx := lambdaContext(context.Background(), "r", testTraceHeader)
	if _, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("dialogs"), Key: testKey}); err != nil {
		t.Fatal(err)
	}
	doc := receive(t, pc, 2*time.Second)
	if doc == nil {
		t.Fatal("no subsegment sent")
	}
	checkSubsegment(t, doc, "DynamoDB", "aws")
	info := doc["aws"].(map[string]any)
	for k, v := range map[string]any{"operation": "GetItem", "region": "eu-west-1", "table_name": "dialogs", "request_id": "ddb-req-1"} {
		if info[k] != v {
			t.Errorf("aws.%s = %v, want %v", k, info[k], v)
		}
	}
	if s := doc["http"].(map[string]any)["response"].(map[string]any)["status"]; s != 200.0 {
		t.Errorf("status = %v", s)
	}
	if !strings.Contains(header, "Parent="+doc["id"].(string)+";Sampled=1") {
		t.Errorf("downstream header %q does not name the subsegment", header)
	}
}

func TestTraceAWSRecordsErrors(t *testing.T) {
	pc := daemon(t)
	var header string
	body := `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}`
	db := tracedDynamoDB(fakeDynamoDB(t, 400, body, &header).URL)

	ctx := lambdaContext(context.Background(), "r", testTraceHeader)
	_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: testKey})
	if err == nil {
		t.Fatal("no error")
	}
	doc := receive(t, pc, 2*time.Second)
	if doc == nil || doc["error"] != true || doc["fault"] == true {
		t.Fatalf("subsegment = %v, want error without fault", doc)
	}
	exc := doc["cause"].(map[string]any)["exceptions"].([]any)[0].(map[string]any)
	if exc["type"] != "ConditionalCheckFailedException" {
		t.Errorf("exception = %v", exc)
	}
}

// TestTracingSilentWithoutTrace checks that nothing is sent or printed when an
// invocation is not sampled or there is no invocation, as in local runs.
func TestTracingSilentWithoutTrace(t *testing.T) {
	pc := daemon(t)
	stdout, stderr := os.Stdout, os.Stderr
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout, os.Stderr = w, w
	restore := func() { os.Stdout, os.Stderr = stdout, stderr }
	defer restore()

	var header string
	db := tracedDynamoDB(fakeDynamoDB(t, 200, `{}`, &header).URL)
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	hc := TraceHTTP(http.DefaultClient)

	unsampled := lambdaContext(context.Background(), "r", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0")
	for _, ctx := range []context.Context{context.Background(), unsampled} {
		if _, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: testKey}); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
	}
	restore()
	_ = w.Close()
	printed, _ := io.ReadAll(r)
	if len(printed) != 0 {
		t.Errorf("tracing printed %q", printed)
	}
	if doc := receive(t, pc, 200*time.Millisecond); doc != nil {
		t.Errorf("subsegment sent without a sampled trace: %v", doc)
	}
}

func TestXRayName(t *testing.T) {
	if got := xrayName("api.example.com:443"); got != "api.example.com:443" {
		t.Errorf("xrayName kept %q", got)
	}
	if got := xrayName("a<b>c"); got != "abc" {
		t.Errorf("xrayName = %q", got)
	}
	if got := xrayName(""); got != "unknown" {
		t.Errorf("xrayName(\"\") = %q", got)
	}
	if got := errorType(errors.New("x")); got != "*errors.errorString" {
		t.Errorf("errorType = %q", got)
	}
}
