package classifyapi

import (
	"context"
	"testing"

	"github.com/mosaic-platform/mosaic/internal/classify"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

// FuzzClassifyRequest feeds arbitrary bodies and query strings to /classify:
// the answer is a result or a 4xx problem, never a 500.
func FuzzClassifyRequest(f *testing.F) {
	f.Add("POST", "", `{"text":"hello"}`)
	f.Add("POST", "", `{"texts":["a","b"]}`)
	f.Add("POST", "", `{"texts":null}`)
	f.Add("POST", "", `{"text":""}`)
	f.Add("GET", "message=hi%20there", "")
	f.Add("GET", "message=%zz", "")
	f.Add("GET", "message=a&message=b", "")
	lex, err := classify.NewLexicon()
	if err != nil {
		f.Fatal(err)
	}
	handle := apigw.Handle(handler(classify.NewEngine(lex, classify.DefaultThresholds(), nil)))
	f.Fuzz(func(t *testing.T, method, query, body string) {
		if method != "GET" {
			method = "POST"
		}
		resp, _ := handle(context.Background(), request(method, query, body, "writer"))
		if resp.StatusCode != 200 && (resp.StatusCode < 400 || resp.StatusCode >= 500) {
			t.Fatalf("%s ?%q %q: status %d %s", method, query, body, resp.StatusCode, resp.Body)
		}
	})
}

// BenchmarkClassifyHandler measures a warm GET /classify with the lexicon.
func BenchmarkClassifyHandler(b *testing.B) {
	h, err := NewClassify(context.Background(), function.Deps{Env: config.Map(nil)})
	if err != nil {
		b.Fatal(err)
	}
	handle := h.(apigw.HandlerFunc)
	req := request("GET", "message=I+will+find+you+and+you+will+regret+it%2C+you+f*cking+idiot", "", "writer")
	b.ReportAllocs()
	for b.Loop() {
		resp, _ := handle(context.Background(), req)
		if resp.StatusCode != 200 {
			b.Fatal(resp.Body)
		}
	}
}
