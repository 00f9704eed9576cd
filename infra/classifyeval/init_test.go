package main

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Cold start of the two functions that embed the classifier, measured as
// Lambda counts init: from exec of the production binary to its first
// Runtime API request (GET /2018-06-01/runtime/invocation/next), with the
// template's environment. health, a function with no init work of its own,
// is the yardstick measured in the same run (init-ms and x-health):
//
//	go test -run '^$' -bench Init -benchtime 20x ./infra/classifyeval
func BenchmarkInitClassify(b *testing.B) {
	benchInit(b, "classify", map[string]string{
		"MOSAIC_CLASSIFIER": "lexicon", "CLASSIFY_CACHE_TABLE": "mosaic-classify-cache", "CLASSIFIER_MAX_IN_FLIGHT": "4",
	})
}

func BenchmarkInitModeratePosts(b *testing.B) {
	benchInit(b, "moderate-posts", map[string]string{
		"POSTS_TABLE": "mosaic-posts", "MODERATION_CONCURRENCY": "4", "MODERATION_MAX_WARM_WAIT": "20s",
		"MOSAIC_CLASSIFIER": "lexicon", "CLASSIFY_CACHE_TABLE": "mosaic-classify-cache", "CLASSIFIER_MAX_IN_FLIGHT": "4",
	})
}

// BenchmarkInitHealth is the yardstick: the same platform set-up, no domain work.
func BenchmarkInitHealth(b *testing.B) { benchInit(b, "health", nil) }

// benchInit builds functions/<dir> as sam build does and reports the mean
// time from exec to its first Runtime API request.
func benchInit(b *testing.B, dir string, env map[string]string) {
	bin := filepath.Join(b.TempDir(), "bootstrap")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-tags", "lambda.norpc", "-o", bin, "../../functions/"+dir)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build %s: %v\n%s", dir, err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	asked := make(chan time.Time, 1)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/2018-06-01/runtime/invocation/next" {
			select {
			case asked <- time.Now():
			default:
			}
			<-r.Context().Done() // no invocation: the process is stopped next
			return
		}
		w.WriteHeader(http.StatusAccepted) // init/error reports
	})}
	go srv.Serve(ln)
	defer srv.Close()
	base := []string{
		"AWS_LAMBDA_RUNTIME_API=" + ln.Addr().String(),
		"AWS_LAMBDA_FUNCTION_NAME=mosaic-" + dir, "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256", "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=example", "AWS_SESSION_TOKEN=example",
		"_HANDLER=bootstrap", "STAGE=dev", "LOG_LEVEL=WARN", "AWS_XRAY_CONTEXT_MISSING=IGNORE_ERROR",
		"PATH=/usr/bin:/bin",
	}
	for k, v := range env {
		base = append(base, k+"="+v)
	}
	var total time.Duration
	for b.Loop() {
		cmd := exec.Command(bin)
		cmd.Env = base
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		select {
		case at := <-asked:
			total += at.Sub(start)
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			b.Fatalf("%s never asked for an invocation", dir)
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "init-ms")
	b.ReportMetric(0, "ns/op")
}
