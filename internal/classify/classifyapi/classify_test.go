package classifyapi

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/classify"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/obs"
	"github.com/mosaic-platform/mosaic/internal/platform/openapitest"
)

func request(method, query, body, role string) events.APIGatewayV2HTTPRequest {
	req := events.APIGatewayV2HTTPRequest{RouteKey: method + " /classify", RawQueryString: query, Body: body}
	req.RequestContext.HTTP.Method = method
	req.Headers = map[string]string{"content-type": "application/json"}
	if role != "" {
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{auth.ContextRole: role}}
	}
	return req
}

func TestClassifyHandler(t *testing.T) {
	h, err := NewClassify(context.Background(), function.Deps{Env: config.Map(nil)})
	if err != nil {
		t.Fatal(err)
	}
	handle := h.(apigw.HandlerFunc)
	long := strings.Repeat("a", MaxTextChars+1)
	many, _ := json.Marshal(map[string]any{"texts": make([]string, MaxTexts+1)})
	for _, tc := range []struct {
		name, method, query, body, role string
		status                          int
		flagged                         []bool
	}{
		{"GET clean", "GET", "message=good+morning", "", "writer", 200, []bool{false}},
		{"GET profane", "GET", "message=what+the+fuck", "", "writer", 200, []bool{true}},
		{"GET admin", "GET", "message=hello", "", "admin", 200, []bool{false}},
		{"GET reader is forbidden", "GET", "message=hello", "", "reader", 403, nil},
		{"GET no token", "GET", "message=hello", "", "", 401, nil},
		{"GET without message", "GET", "", "", "writer", 400, nil},
		{"GET empty message", "GET", "message=", "", "writer", 400, nil},
		{"GET message twice", "GET", "message=a&message=b", "", "writer", 400, nil},
		{"GET too long", "GET", "message=" + long, "", "writer", 400, nil},
		{"POST text", "POST", "", `{"text":"I will kill you"}`, "writer", 200, []bool{true}},
		{"POST texts", "POST", "", `{"texts":["hello","kill yourself","nice cockpit"]}`, "writer", 200, []bool{false, true, false}},
		{"POST both", "POST", "", `{"text":"a","texts":["b"]}`, "writer", 400, nil},
		{"POST neither", "POST", "", `{}`, "writer", 400, nil},
		{"POST empty texts", "POST", "", `{"texts":[]}`, "writer", 400, nil},
		{"POST too many texts", "POST", "", string(many), "writer", 400, nil},
		{"POST empty text in batch", "POST", "", `{"texts":["ok",""]}`, "writer", 400, nil},
		{"POST not JSON", "POST", "", `text=hello`, "writer", 400, nil},
		{"POST unknown field", "POST", "", `{"message":"hello"}`, "writer", 400, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := handle(context.Background(), request(tc.method, tc.query, tc.body, tc.role))
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tc.status, resp.Body)
			}
			openapitest.ValidateResponse(t, tc.method, "/classify", resp)
			if tc.status != 200 {
				return
			}
			var results []classify.Result
			if strings.Contains(tc.body, `"texts"`) {
				var b BatchResponse
				if err := json.Unmarshal([]byte(resp.Body), &b); err != nil {
					t.Fatal(err)
				}
				results = b.Results
			} else {
				var r classify.Result
				if err := json.Unmarshal([]byte(resp.Body), &r); err != nil {
					t.Fatal(err)
				}
				results = []classify.Result{r}
			}
			if len(results) != len(tc.flagged) {
				t.Fatalf("%d results, want %d", len(results), len(tc.flagged))
			}
			for i, r := range results {
				if r.Flagged != tc.flagged[i] || len(r.Labels) != len(classify.Labels()) || !strings.HasPrefix(r.Model, "lexicon-") {
					t.Errorf("result %d = %+v, want flagged %v", i, r, tc.flagged[i])
				}
			}
		})
	}
}

// failingScorer always fails with err.
type failingScorer struct{ err error }

func (f failingScorer) Model() string { return "failing" }
func (f failingScorer) Score(context.Context, []string) ([]classify.Scores, error) {
	return nil, f.err
}

func TestClassifyHandlerUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name       string
		err        error
		retryAfter string
	}{
		{"warming up", &classify.WarmingUpError{RetryAfter: 20 * time.Second}, "20"},
		{"upstream failing", context.DeadlineExceeded, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			handle := apigw.Handle(handler(classify.NewEngine(failingScorer{tc.err}, classify.DefaultThresholds(), nil)))
			resp, _ := handle(context.Background(), request("GET", "message=hi", "", "writer"))
			openapitest.ValidateResponse(t, "GET", "/classify", resp)
			if tc.retryAfter != "" && (resp.StatusCode != 503 || resp.Headers["Retry-After"] != tc.retryAfter) {
				t.Fatalf("status %d Retry-After %q: %s", resp.StatusCode, resp.Headers["Retry-After"], resp.Body)
			}
			if tc.retryAfter == "" && resp.StatusCode < 500 {
				t.Fatalf("status %d", resp.StatusCode)
			}
		})
	}
}

func TestClassifyHandlerMetrics(t *testing.T) {
	lex, err := classify.NewLexicon()
	if err != nil {
		t.Fatal(err)
	}
	handle := apigw.Handle(handler(classify.NewEngine(lex, classify.DefaultThresholds(), embeddedCache(t))))
	m := obs.NewMetrics("classify")
	ctx := obs.WithMetrics(context.Background(), m)
	body := `{"texts":["I will kill you","hello","I will kill you"]}`
	for range 2 {
		if resp, _ := handle(ctx, request("POST", "", body, "writer")); resp.StatusCode != 200 {
			t.Fatal(resp.Body)
		}
	}
	sum := func(name string, dims ...obs.Dimension) (s float64) {
		for _, v := range m.Values(name, dims...) {
			s += v
		}
		return s
	}
	// First call: 3 misses (the repeat is scored again: keys are looked up before
	// any is stored); second call: 3 hits.
	if sum("ClassifyCacheHits") != 3 || sum("ClassifyCacheMisses") != 3 || sum("ClassifyTexts") != 6 ||
		sum("ClassifyFlagged") != 4 || sum("ClassifyLabelFlagged", obs.Dim("Label", "violence")) != 4 ||
		len(m.Values("ClassifyLatency")) != 2 {
		t.Fatalf("metrics: hits %v misses %v texts %v flagged %v violence %v latency %v",
			m.Values("ClassifyCacheHits"), m.Values("ClassifyCacheMisses"), m.Values("ClassifyTexts"),
			m.Values("ClassifyFlagged"), m.Values("ClassifyLabelFlagged", obs.Dim("Label", "violence")), m.Values("ClassifyLatency"))
	}
}

func TestFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		ok   bool
	}{
		{"defaults", nil, true},
		{"thresholds", map[string]string{"CLASSIFY_THRESHOLDS": "violence=0.7, self-harm=0.2"}, true},
		{"bad threshold", map[string]string{"CLASSIFY_THRESHOLDS": "violence=2"}, false},
		{"unknown label", map[string]string{"CLASSIFY_THRESHOLDS": "spam=0.5"}, false},
		{"unknown classifier", map[string]string{"MOSAIC_CLASSIFIER": "gpt"}, false},
		{"huggingface needs a URL", map[string]string{"MOSAIC_CLASSIFIER": "huggingface"}, false},
		{"huggingface", map[string]string{"MOSAIC_CLASSIFIER": "huggingface", "HF_API_URL": "http://127.0.0.1:9/models/KoalaAI/Text-Moderation", "CLASSIFIER_MAX_IN_FLIGHT": "2"}, true},
		{"huggingface token secret", map[string]string{"MOSAIC_CLASSIFIER": "huggingface", "HF_API_URL": "http://127.0.0.1:9", "HF_TOKEN_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:hf"}, true},
		{"huggingface blank token secret", map[string]string{"MOSAIC_CLASSIFIER": "huggingface", "HF_API_URL": "http://127.0.0.1:9", "HF_TOKEN_SECRET_ARN": " "}, false},
		{"bad in-flight limit", map[string]string{"MOSAIC_CLASSIFIER": "huggingface", "HF_API_URL": "http://127.0.0.1:9", "CLASSIFIER_MAX_IN_FLIGHT": "0"}, false},
		{"bad cache mode", map[string]string{"CLASSIFY_CACHE": "sometimes"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := FromEnv(context.Background(), function.Deps{Env: config.Map(tc.env)})
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok %v", err, tc.ok)
			}
			if tc.ok && c == nil {
				t.Fatal("nil classifier")
			}
		})
	}
	c, _ := FromEnv(context.Background(), function.Deps{Env: config.Map(map[string]string{"CLASSIFY_THRESHOLDS": "profanity=0.95"})})
	r, err := c.Classify(context.Background(), []string{"well shit"})
	if err != nil || r[0].Flagged {
		t.Fatalf("profanity at 0.95 should not flag %q: %+v %v", "well shit", r, err)
	}
}

// slowScorer waits for its context to end, as a remote model still retrying would.
type slowScorer struct{}

func (slowScorer) Model() string { return "slow" }
func (slowScorer) Score(ctx context.Context, _ []string) ([]classify.Scores, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestClassifyHandlerAnswersBeforeTheDeadline(t *testing.T) {
	handle := apigw.Handle(handler(classify.NewEngine(slowScorer{}, classify.DefaultThresholds(), nil)))
	ctx, cancel := context.WithTimeout(context.Background(), deadlineMargin+200*time.Millisecond)
	defer cancel()
	resp, _ := handle(ctx, request("GET", "message=hi", "", "writer"))
	if resp.StatusCode != 503 || resp.Headers["Retry-After"] == "" || ctx.Err() != nil {
		t.Fatalf("status %d, Retry-After %q, ctx %v", resp.StatusCode, resp.Headers["Retry-After"], ctx.Err())
	}
}

// TestClassifyTopLabelIsNullWhenNothingScores checks the SPEC's response
// shape: top_label is always present, null for a text scoring zero on every
// label and the highest label otherwise.
func TestClassifyTopLabelIsNullWhenNothingScores(t *testing.T) {
	h, err := NewClassify(context.Background(), function.Deps{Env: config.Map(nil)})
	if err != nil {
		t.Fatal(err)
	}
	handle := h.(apigw.HandlerFunc)
	check := func(name string, raw json.RawMessage, want any) {
		t.Helper()
		var r map[string]any
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatal(err)
		}
		top, ok := r["top_label"]
		if !ok || top != want {
			t.Errorf("%s: top_label %v (present %v), want %v in %s", name, top, ok, want, raw)
		}
	}
	resp, err := handle(context.Background(), request("GET", "message=good+morning", "", "writer"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET: %d %s %v", resp.StatusCode, resp.Body, err)
	}
	openapitest.ValidateResponse(t, "GET", "/classify", resp)
	check("GET good morning", json.RawMessage(resp.Body), nil)

	resp, err = handle(context.Background(), request("POST", "", `{"texts":["good morning","I will kill you"]}`, "writer"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST: %d %s %v", resp.StatusCode, resp.Body, err)
	}
	openapitest.ValidateResponse(t, "POST", "/classify", resp)
	var b struct{ Results []json.RawMessage }
	if err := json.Unmarshal([]byte(resp.Body), &b); err != nil || len(b.Results) != 2 {
		t.Fatalf("%s: %v", resp.Body, err)
	}
	check("POST good morning", b.Results[0], nil)
	check("POST I will kill you", b.Results[1], "violence")
}

// embeddedCache is a score cache on a fresh embedded table shaped as the template's.
func embeddedCache(t *testing.T) classify.Cache {
	db, table := emutest.EmbeddedTable(t, "ClassifyCacheTable")
	return classify.NewDynamoCache(db, table, time.Hour)
}
