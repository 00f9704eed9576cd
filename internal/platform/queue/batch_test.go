package queue

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/obs"
)

const (
	standardARN = "arn:aws:sqs:eu-west-1:123456789012:posts"
	fifoARN     = "arn:aws:sqs:eu-west-1:123456789012:posts.fifo"
)

func sqsEvent(arn string, bodies ...string) events.SQSEvent {
	var ev events.SQSEvent
	for i, b := range bodies {
		ev.Records = append(ev.Records, events.SQSMessage{
			MessageId:      fmt.Sprintf("m%d", i),
			Body:           b,
			EventSourceARN: arn,
			Attributes:     map[string]string{"ApproximateReceiveCount": "2", "MessageGroupId": "g"},
		})
	}
	return ev
}

func failedIDs(resp events.SQSEventResponse) []string {
	ids := []string{}
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	slices.Sort(ids)
	return ids
}

// logged returns a context whose logger writes to the returned buffer.
func logged() (context.Context, *bytes.Buffer) {
	var buf bytes.Buffer
	return obs.WithLogger(context.Background(), obs.NewLogger(&buf, "worker", slog.LevelDebug)), &buf
}

// quiet returns a context whose logger discards its lines.
func quiet() context.Context {
	return obs.WithLogger(context.Background(), obs.NewLogger(io.Discard, "worker", slog.LevelDebug))
}

func logLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for l := range strings.SplitSeq(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func TestHandleBatchReportsOnlyFailures(t *testing.T) {
	ctx, logs := logged()
	ev := sqsEvent(standardARN, "ok", "fail", "ok", "panic", "ok")
	var done atomic.Int32
	resp := HandleBatch(ctx, ev, func(_ context.Context, m events.SQSMessage) error {
		switch m.Body {
		case "fail":
			return errors.New("upstream 503")
		case "panic":
			panic("index out of range, as a bug would have it")
		}
		done.Add(1)
		return nil
	})
	if got := failedIDs(resp); !slices.Equal(got, []string{"m1", "m3"}) {
		t.Fatalf("failed = %v, want [m1 m3]", got)
	}
	if done.Load() != 3 {
		t.Errorf("%d messages succeeded, want 3", done.Load())
	}
	lines := logLines(t, logs)
	if len(lines) != 2 {
		t.Fatalf("%d log lines, want one per failure:\n%s", len(lines), logs)
	}
	for _, l := range lines {
		if l["receive_count"] != "2" || l["queue"] != standardARN || l["error"] == nil {
			t.Errorf("failure line lacks its attributes: %v", l)
		}
		if l["message_id"] == "m3" && (l["level"] != "ERROR" || !strings.Contains(l["stack"].(string), "batch_test.go")) {
			t.Errorf("panic line = %v, want an error with the stack", l)
		}
		if l["message_id"] == "m1" && l["level"] != "WARN" {
			t.Errorf("failure line level = %v, want WARN", l["level"])
		}
	}
}

func TestHandleBatchAllSucceed(t *testing.T) {
	resp := HandleBatch(quiet(), sqsEvent(standardARN, "a", "b"), func(context.Context, events.SQSMessage) error { return nil })
	b, _ := json.Marshal(resp)
	if string(b) != `{"batchItemFailures":[]}` {
		t.Fatalf("response = %s", b)
	}
}

func TestHandleBatchFIFOStopsAtFirstFailure(t *testing.T) {
	var seen []string
	resp := HandleBatch(quiet(), sqsEvent(fifoARN, "ok", "fail", "ok", "ok"), func(_ context.Context, m events.SQSMessage) error {
		seen = append(seen, m.MessageId)
		if m.Body == "fail" {
			return errors.New("no")
		}
		return nil
	}, WithConcurrency(4))
	if !slices.Equal(seen, []string{"m0", "m1"}) {
		t.Errorf("processed %v, want [m0 m1] in order", seen)
	}
	if got := failedIDs(resp); !slices.Equal(got, []string{"m1", "m2", "m3"}) {
		t.Fatalf("failed = %v, want the failure and everything after it", got)
	}
}

func TestHandleBatchConcurrency(t *testing.T) {
	var bodies []string
	for i := range 10 {
		bodies = append(bodies, fmt.Sprint(i))
	}
	var running, peak atomic.Int32
	gate := make(chan struct{})
	var once sync.Once
	resp := HandleBatch(quiet(), sqsEvent(standardARN, bodies...), func(_ context.Context, m events.SQSMessage) error {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		if n == 3 {
			once.Do(func() { close(gate) })
		}
		<-gate // the first messages wait until three run at once
		if m.Body == "7" {
			return errors.New("seven")
		}
		return nil
	}, WithConcurrency(3))
	if peak.Load() != 3 {
		t.Errorf("peak concurrency %d, want 3", peak.Load())
	}
	if got := failedIDs(resp); !slices.Equal(got, []string{"m7"}) {
		t.Fatalf("failed = %v", got)
	}
}

func TestHandleBatchStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(quiet())
	resp := HandleBatch(ctx, sqsEvent(standardARN, "a", "b", "c"), func(context.Context, events.SQSMessage) error {
		cancel() // the deadline arrives while the first message runs
		return nil
	})
	if got := failedIDs(resp); !slices.Equal(got, []string{"m1", "m2"}) {
		t.Fatalf("failed = %v, want the messages not started", got)
	}
}

// recorder is a Publisher that keeps what it is given.
type recorder struct {
	mu   sync.Mutex
	msgs []Message
	err  error
}

func (r *recorder) Publish(_ context.Context, body any, opts ...PublishOption) error {
	m := Message{Body: body}
	for _, o := range opts {
		o(&m)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.msgs = append(r.msgs, m)
	return nil
}

func TestPermanentFailures(t *testing.T) {
	poison := func(_ context.Context, m events.SQSMessage) error {
		if m.Body == "poison" {
			return fmt.Errorf("decode: %w", Permanent(errors.New("not JSON")))
		}
		return nil
	}
	ev := sqsEvent(fifoARN, "poison")

	t.Run("without a dead-letter publisher it is retried", func(t *testing.T) {
		ctx, logs := logged()
		if got := failedIDs(HandleBatch(ctx, ev, poison)); !slices.Equal(got, []string{"m0"}) {
			t.Fatalf("failed = %v", got)
		}
		if l := logLines(t, logs); len(l) != 1 || l[0]["level"] != "ERROR" {
			t.Fatalf("logs = %v", l)
		}
	})
	t.Run("with one it is moved and acknowledged", func(t *testing.T) {
		dlq := &recorder{}
		ctx := obs.WithRequestID(quiet(), "unused")
		if got := failedIDs(HandleBatch(ctx, ev, poison, WithDeadLetter(dlq))); len(got) != 0 {
			t.Fatalf("failed = %v, want none", got)
		}
		if len(dlq.msgs) != 1 {
			t.Fatalf("dead-lettered %d messages", len(dlq.msgs))
		}
		m := dlq.msgs[0]
		if raw, _ := m.Body.(json.RawMessage); string(raw) != "poison" {
			t.Errorf("body = %#v, want the original bytes", m.Body)
		}
		if m.Attributes["source_message_id"] != "m0" || !strings.Contains(m.Attributes["dead_letter_reason"], "not JSON") ||
			m.Attributes["source_queue"] != fifoARN || m.GroupID != "g" || m.DeduplicationID != "m0" {
			t.Errorf("dead-letter message = %+v", m)
		}
	})
	t.Run("if the dead-letter queue fails it is retried", func(t *testing.T) {
		dlq := &recorder{err: errors.New("throttled")}
		if got := failedIDs(HandleBatch(quiet(), ev, poison, WithDeadLetter(dlq))); !slices.Equal(got, []string{"m0"}) {
			t.Fatalf("failed = %v", got)
		}
	})
}

func TestMessageContextCarriesRequestID(t *testing.T) {
	ev := sqsEvent(standardARN, "a", "b")
	id := "req-42"
	ev.Records[0].MessageAttributes = map[string]events.SQSMessageAttribute{RequestIDAttribute: {StringValue: &id, DataType: "String"}}
	ctx, logs := logged()
	HandleBatch(ctx, ev, func(ctx context.Context, m events.SQSMessage) error {
		obs.Logger(ctx).Info("working")
		return nil
	})
	lines := logLines(t, logs)
	want := map[string]string{"m0": "req-42", "m1": "m1"} // the publisher's id, else the message's
	for _, l := range lines {
		if l["request_id"] != want[l["message_id"].(string)] {
			t.Errorf("line %v: request_id = %v", l, l["request_id"])
		}
	}
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
}

func TestWorker(t *testing.T) {
	w := Worker(func(_ context.Context, m events.SQSMessage) error {
		if m.Body == "bad" {
			return errors.New("bad")
		}
		return nil
	})
	if _, err := w(quiet(), sqsEvent(standardARN, "bad", "good")); err != nil {
		t.Errorf("partial failure returned %v", err)
	}
	resp, err := w(quiet(), sqsEvent(standardARN, "bad", "bad"))
	if !errors.Is(err, ErrBatchFailed) || len(resp.BatchItemFailures) != 2 {
		t.Errorf("all failed: %v, %v", resp, err)
	}
	if _, err := w(quiet(), events.SQSEvent{}); err != nil {
		t.Errorf("empty batch: %v", err)
	}
}

func TestJSONHandler(t *testing.T) {
	type post struct {
		ID string `json:"id"`
	}
	var got []string
	h := JSON(func(_ context.Context, p post) error {
		got = append(got, p.ID)
		return nil
	})
	if err := h(context.Background(), events.SQSMessage{Body: `{"id":"p-1"}`}); err != nil || !slices.Equal(got, []string{"p-1"}) {
		t.Fatalf("decoded %v, %v", got, err)
	}
	if err := h(context.Background(), events.SQSMessage{Body: `{`}); !IsPermanent(err) {
		t.Fatalf("malformed body: %v, want a permanent error", err)
	}
}

func TestPermanent(t *testing.T) {
	if Permanent(nil) != nil {
		t.Error("Permanent(nil) != nil")
	}
	base := errors.New("x")
	err := fmt.Errorf("wrapped: %w", Permanent(base))
	if !IsPermanent(err) || !errors.Is(err, base) || IsPermanent(base) {
		t.Error("Permanent does not wrap as documented")
	}
}
