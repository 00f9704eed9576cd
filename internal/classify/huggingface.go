package classify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mosaic-platform/mosaic/internal/platform/obs"
	"github.com/mosaic-platform/mosaic/internal/platform/secret"
)

// koalaLabels maps the codes of KoalaAI/Text-Moderation (the seed's model)
// to Mosaic's labels; OK means none. Label names are accepted as they are.
var koalaLabels = map[string]Label{
	"S": Sexual, "H": Hate, "V": Violence, "HR": Harassment, "SH": SelfHarm,
	"S3": SexualMinors, "H2": HateThreatening, "V2": ViolenceGraphic,
}

// HuggingFaceConfig configures a Hugging Face Inference API compatible scorer.
type HuggingFaceConfig struct {
	URL         string         // the model's endpoint (HF_API_URL)
	Token       *secret.Source // bearer token (HF_TOKEN or HF_TOKEN_SECRET_ARN), read on first use; nil or "" sends none
	Model       string         // the name results carry; defaults to the URL's path
	MaxInFlight int            // requests in flight at once (CLASSIFIER_MAX_IN_FLIGHT)
	MaxAttempts int            // attempts per call, retries included (CLASSIFIER_MAX_ATTEMPTS)
	Timeout     time.Duration  // per attempt (CLASSIFIER_TIMEOUT)
	BaseDelay   time.Duration  // first retry's backoff ceiling; doubles each retry
	MaxDelay    time.Duration  // backoff ceiling
	WarmUpWait  time.Duration  // how long to wait for a loading model; 0 returns *WarmingUpError at once

	Sleep func(ctx context.Context, d time.Duration) error // nil: a timer honouring ctx
	Rand  func() float64                                   // in [0, 1); nil: math/rand/v2
}

// HuggingFace scores texts with a remote text-classification model.
type HuggingFace struct {
	cfg      HuggingFaceConfig
	client   *http.Client
	inFlight chan struct{}
}

// NewHuggingFace returns the remote scorer described by cfg.
func NewHuggingFace(cfg HuggingFaceConfig) (*HuggingFace, error) {
	if !strings.HasPrefix(cfg.URL, "http://") && !strings.HasPrefix(cfg.URL, "https://") {
		return nil, fmt.Errorf("huggingface: URL %q is not an http(s) URL", cfg.URL)
	}
	if cfg.Model == "" {
		cfg.Model = "huggingface:" + strings.TrimPrefix(cfg.URL[strings.Index(cfg.URL, "//")+2:], "/")
		if i := strings.Index(cfg.Model, "/models/"); i >= 0 {
			cfg.Model = "huggingface:" + cfg.Model[i+len("/models/"):]
		}
	}
	cfg.MaxInFlight = max(cfg.MaxInFlight, 1)
	cfg.MaxAttempts = max(cfg.MaxAttempts, 1)
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.BaseDelay <= 0 {
		cfg.BaseDelay = 200 * time.Millisecond
	}
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = 5 * time.Second
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	// Kept-alive connections: as many idle ones as requests may be in flight.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = cfg.MaxInFlight
	tr.IdleConnTimeout = 90 * time.Second
	client := obs.TraceHTTP(&http.Client{Transport: tr})
	return &HuggingFace{cfg: cfg, client: client, inFlight: make(chan struct{}, cfg.MaxInFlight)}, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Model names the remote model.
func (h *HuggingFace) Model() string { return h.cfg.Model }

// Backoff is the delay before retry n (1-based): full jitter, a uniform draw
// in [0, min(MaxDelay, BaseDelay*2^(n-1))).
func (h *HuggingFace) Backoff(n int) time.Duration {
	ceiling := math.Min(float64(h.cfg.MaxDelay), float64(h.cfg.BaseDelay)*math.Pow(2, float64(n-1)))
	return time.Duration(h.cfg.Rand() * ceiling)
}

// retryable is a failure worth another attempt: 429, 5xx, a time-out or a transport error.
type retryable struct {
	err        error
	retryAfter time.Duration
}

func (e *retryable) Error() string { return e.err.Error() }
func (e *retryable) Unwrap() error { return e.err }

// Score sends all texts in one request ({"inputs": [...]}), retrying 429,
// 5xx and time-outs with exponential backoff and full jitter, and waiting for
// a loading model up to WarmUpWait before returning *WarmingUpError.
func (h *HuggingFace) Score(ctx context.Context, texts []string) ([]Scores, error) {
	body, err := json.Marshal(map[string]any{"inputs": texts})
	if err != nil {
		return nil, fmt.Errorf("huggingface: encode request: %w", err)
	}
	warmUpUntil := time.Now().Add(h.cfg.WarmUpWait)
	for attempt := 1; ; attempt++ {
		scores, err := h.attempt(ctx, body, len(texts))
		if err == nil {
			return scores, nil
		}
		var warm *WarmingUpError
		if errors.As(err, &warm) {
			obs.Count(ctx, "ClassifierUpstreamWarmingUp", 1)
			left := time.Until(warmUpUntil)
			if left <= 0 {
				return nil, err
			}
			// The model said how long it needs; wait that (bounded), then ask again.
			if err := h.cfg.Sleep(ctx, min(max(warm.RetryAfter, time.Second), left)); err != nil {
				return nil, fmt.Errorf("huggingface: waiting for the model: %w", err)
			}
			attempt--
			continue
		}
		var r *retryable
		if !errors.As(err, &r) || attempt >= h.cfg.MaxAttempts || ctx.Err() != nil {
			obs.Count(ctx, "ClassifierUpstreamFailures", 1)
			return nil, fmt.Errorf("huggingface: after %d attempts: %w", attempt, err)
		}
		obs.Count(ctx, "ClassifierUpstreamRetries", 1)
		delay := max(h.Backoff(attempt), min(r.retryAfter, h.cfg.MaxDelay))
		if err := h.cfg.Sleep(ctx, delay); err != nil {
			return nil, fmt.Errorf("huggingface: backoff: %w", err)
		}
	}
}

// attempt makes one request within the in-flight limit.
func (h *HuggingFace) attempt(ctx context.Context, body []byte, n int) ([]Scores, error) {
	select {
	case h.inFlight <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("huggingface: waiting for a request slot: %w", ctx.Err())
	}
	defer func() { <-h.inFlight }()

	actx, cancel := context.WithTimeout(ctx, h.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, h.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("huggingface: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if h.cfg.Token != nil {
		token, err := h.cfg.Token.Value(ctx)
		if err != nil {
			return nil, &retryable{err: fmt.Errorf("bearer token: %w", err)}
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
	}
	obs.Count(ctx, "ClassifierUpstreamCalls", 1)
	start := time.Now()
	resp, err := h.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &retryable{err: fmt.Errorf("request: %w", err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	_, _ = io.Copy(io.Discard, resp.Body) // drained, so the connection is reused
	obs.Milliseconds(ctx, "ClassifierUpstreamLatency", time.Since(start))
	if err != nil {
		return nil, &retryable{err: fmt.Errorf("read response: %w", err)}
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		return decodeHF(data, n)
	case resp.StatusCode == http.StatusServiceUnavailable:
		var loading struct {
			Error         string  `json:"error"`
			EstimatedTime float64 `json:"estimated_time"`
		}
		if json.Unmarshal(data, &loading) == nil && (loading.EstimatedTime > 0 || strings.Contains(loading.Error, "loading")) {
			return nil, &WarmingUpError{RetryAfter: time.Duration(math.Ceil(max(loading.EstimatedTime, 1))) * time.Second}
		}
		return nil, &retryable{err: statusError(resp, data), retryAfter: retryAfter(resp)}
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, &retryable{err: statusError(resp, data), retryAfter: retryAfter(resp)}
	}
	return nil, statusError(resp, data)
}

func statusError(resp *http.Response, data []byte) error {
	return fmt.Errorf("status %d: %s", resp.StatusCode, strings.TrimSpace(string(data[:min(len(data), 200)])))
}

func retryAfter(resp *http.Response) time.Duration {
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}

// decodeHF reads the text-classification answer: one list of {label, score}
// per input, or a single flat list when there was one input.
func decodeHF(data []byte, n int) ([]Scores, error) {
	type pair struct {
		Label string  `json:"label"`
		Score float64 `json:"score"`
	}
	var nested [][]pair
	if err := json.Unmarshal(data, &nested); err != nil {
		var flat []pair
		if err2 := json.Unmarshal(data, &flat); err2 != nil || n != 1 {
			return nil, fmt.Errorf("huggingface: unexpected response %.200q: %w", data, err)
		}
		nested = [][]pair{flat}
	}
	if len(nested) != n {
		return nil, fmt.Errorf("huggingface: %d results for %d inputs", len(nested), n)
	}
	out := make([]Scores, n)
	for i, pairs := range nested {
		s := make(Scores, numLabels)
		for _, l := range labels {
			s[l] = 0
		}
		for _, p := range pairs {
			l, ok := koalaLabels[strings.ToUpper(p.Label)]
			if !ok && labelIndex(Label(strings.ToLower(p.Label))) >= 0 {
				l, ok = Label(strings.ToLower(p.Label)), true
			}
			if ok && p.Score >= 0 && p.Score <= 1 {
				s[l] = max(s[l], p.Score)
			}
		}
		out[i] = s
	}
	return out, nil
}
