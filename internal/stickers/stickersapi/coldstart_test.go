package stickersapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// stickerFunctions are the sticker functions and the environment template.yaml
// gives them (besides the globals).
var stickerFunctions = map[string]map[string]string{
	"sticker-search":            {"CATALOG_REFRESH": "60s", "USAGE_FLUSH_INTERVAL": "1s"},
	"sticker-feedback":          {"CATALOG_REFRESH": "60s", "FEEDBACK_RATE_LIMIT": "120", "FEEDBACK_IP_RATE_LIMIT": "1200"},
	"sticker-analytics":         {"CURSOR_SECRET": strings.Repeat("s", 32)},
	"sticker-analytics-summary": {},
	"sticker-put":               {},
	"sticker-counter":           {},
	"sticker-admin-page":        {},
}

// buildFunctions builds the production binaries of the sticker functions and
// of a baseline (a Lambda function that does nothing at init) into a temporary directory.
func buildFunctions(tb testing.TB) map[string]string {
	tb.Helper()
	dir := tb.TempDir()
	root, err := filepath.Abs("../../..")
	if err != nil {
		tb.Fatal(err)
	}
	bins := map[string]string{}
	pkgs := map[string]string{"baseline": "./internal/stickers/stickersapi/testdata/baseline"}
	for name := range stickerFunctions {
		pkgs[name] = "./functions/" + name
	}
	for name, pkg := range pkgs {
		out := filepath.Join(dir, "bin", name)
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("build %s: %v\n%s", name, err, b)
		}
		bins[name] = out
	}
	return bins
}

// runtimeAPI is a stand-in for the Lambda Runtime API: it notes when the
// function first asks for an invocation, hands it the events queued, and
// keeps the responses. It also accepts the extension registration that a
// function with a shutdown hook makes.
type runtimeAPI struct {
	srv       *httptest.Server
	firstNext chan time.Time
	events    chan []byte
	responses chan []byte
}

func newRuntimeAPI(tb testing.TB, events ...[]byte) *runtimeAPI {
	r := &runtimeAPI{firstNext: make(chan time.Time, 1), events: make(chan []byte, len(events)), responses: make(chan []byte, len(events))}
	for _, e := range events {
		r.events <- e
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, req *http.Request) {
		select {
		case r.firstNext <- time.Now():
		default:
		}
		select {
		case e := <-r.events:
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", "req-1")
			w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(10*time.Second).UnixMilli()))
			w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:f")
			_, _ = w.Write(e)
		case <-req.Context().Done():
		}
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.responses <- b
		w.WriteHeader(http.StatusAccepted)
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.responses <- append([]byte("error: "), b...)
		w.WriteHeader(http.StatusAccepted)
	})
	mux.HandleFunc("POST /2020-01-01/extension/register", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Lambda-Extension-Identifier", "ext-1")
		_, _ = w.Write([]byte(`{}`))
	})
	mux.HandleFunc("GET /2020-01-01/extension/event/next", func(_ http.ResponseWriter, req *http.Request) { <-req.Context().Done() })
	r.srv = httptest.NewServer(mux)
	tb.Cleanup(r.srv.Close)
	return r
}

// start runs bin as Lambda would, with DynamoDB at an address where nothing
// listens, and returns the process and when it was started.
func (r *runtimeAPI) start(tb testing.TB, name, bin string) (*exec.Cmd, time.Time) {
	env := []string{
		"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(r.srv.URL, "http://"),
		"AWS_LAMBDA_FUNCTION_NAME=" + name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256", "AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret", "AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:9",
		"STAGE=dev", "LOG_LEVEL=warn", "AWS_XRAY_CONTEXT_MISSING=IGNORE_ERROR", "STICKERS_TABLE=stickers", "PATH=" + os.Getenv("PATH"),
	}
	for k, v := range stickerFunctions[name] {
		env = append(env, k+"="+v)
	}
	cmd := exec.Command(bin)
	cmd.Env = env // AWS_CA_BUNDLE and the rest of this machine's environment left out, as on Lambda
	started := time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, started
}

// initTime is the time from exec to the function's first request for an invocation.
func initTime(tb testing.TB, name, bin string) time.Duration {
	r := newRuntimeAPI(tb)
	cmd, started := r.start(tb, name, bin)
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	select {
	case at := <-r.firstNext:
		return at.Sub(started)
	case <-time.After(30 * time.Second):
		tb.Fatalf("%s never asked for an invocation", name)
		return 0
	}
}

// TestColdStartNeedsNoNetwork starts each sticker function's production
// binary with DynamoDB unreachable: each reaches the Runtime API, and search
// then answers from the shipped catalog, saying so.
func TestColdStartNeedsNoNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the function binaries")
	}
	bins := buildFunctions(t)
	names := make([]string, 0, len(stickerFunctions))
	for name := range stickerFunctions {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if d := initTime(t, name, bins[name]); d <= 0 {
			t.Errorf("%s: init %v", name, d)
		}
	}
	event, err := os.ReadFile("../../../events/sticker-search.json")
	if err != nil {
		t.Fatal(err)
	}
	r := newRuntimeAPI(t, event)
	r.start(t, "sticker-search", bins["sticker-search"])
	select {
	case b := <-r.responses:
		var resp struct {
			StatusCode int               `json:"statusCode"`
			Headers    map[string]string `json:"headers"`
			Body       string            `json:"body"`
		}
		if err := json.Unmarshal(b, &resp); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		if resp.StatusCode != 200 || resp.Headers[CatalogHeader] != "shipped-only" || !strings.Contains(resp.Body, `"1F408"`) {
			t.Fatalf("search with DynamoDB down: %s", b)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("no answer from sticker-search")
	}
}

// BenchmarkColdStart measures each sticker function's init, from exec to its
// first Runtime API request for an invocation (DynamoDB unreachable: nothing
// in init may need it), beside a function that does nothing at init.
//
//	go test -run '^$' -bench ColdStart -benchtime 30x ./internal/stickers/stickersapi/
func BenchmarkColdStart(b *testing.B) {
	bins := buildFunctions(b)
	var baseline float64
	measure := func(b *testing.B, name string) float64 {
		initTime(b, name, bins[name]) // warm the page cache: Lambda's first exec reads the binary from its own cache
		var total time.Duration
		for b.Loop() {
			total += initTime(b, name, bins[name])
		}
		ms := float64(total.Microseconds()) / 1000 / float64(b.N)
		b.ReportMetric(ms, "init-ms")
		b.ReportMetric(0, "ns/op")
		return ms
	}
	b.Run("baseline", func(b *testing.B) { baseline = measure(b, "baseline") })
	names := make([]string, 0, len(stickerFunctions))
	for name := range stickerFunctions {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		b.Run(name, func(b *testing.B) {
			ms := measure(b, name)
			if baseline > 0 {
				b.ReportMetric(ms/baseline, "x-baseline")
			}
		})
	}
}
