package queue_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mosaic-platform/mosaic/internal/platform/obs"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
)

func TestSQSPublisherOnTheEmulator(t *testing.T) {
	t.Parallel()
	c := sqsClient(t)

	t.Run("body, attributes and request id", func(t *testing.T) {
		t.Parallel()
		q, arn := newQueue(t, c, nil)
		ctx := obs.WithRequestID(t.Context(), "req-42")
		body := map[string]any{"post_id": "p-1", "paragraphs": 3}
		if err := queue.NewSQSPublisher(c, q).Publish(ctx, body, queue.WithAttribute("kind", "moderate")); err != nil {
			t.Fatal(err)
		}
		got := receiveN(t, c, q, arn, 1, 5*time.Second)
		if len(got) != 1 {
			t.Fatalf("received %d messages, want 1", len(got))
		}
		if m := got[0]; m.Body != mustJSON(t, body) || attr(m, "kind") != "moderate" || attr(m, queue.RequestIDAttribute) != "req-42" {
			t.Errorf("received %s with attributes %v", m.Body, m.MessageAttributes)
		}
	})

	t.Run("delay", func(t *testing.T) {
		t.Parallel()
		q, arn := newQueue(t, c, nil)
		if err := queue.NewSQSPublisher(c, q).Publish(t.Context(), "later", queue.WithDelay(2*time.Second)); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		got := receiveN(t, c, q, arn, 1, 6*time.Second)
		if len(got) != 1 || time.Since(start) < time.Second {
			t.Errorf("received %d messages after %v, want 1 after the delay", len(got), time.Since(start))
		}
	})

	t.Run("FIFO deduplicates", func(t *testing.T) {
		t.Parallel()
		q, arn := newQueue(t, c, map[string]string{"FifoQueue": "true"})
		p := queue.NewSQSPublisher(c, q)
		for range 2 { // a retried publish
			if err := p.Publish(t.Context(), "once", queue.WithGroupID("g"), queue.WithDeduplicationID("d-1")); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.Publish(t.Context(), "no group"); err == nil {
			t.Error("a FIFO publish without a group id was accepted")
		}
		if got := receiveN(t, c, q, arn, 2, 2*time.Second); len(got) != 1 {
			t.Errorf("received %d messages, want 1", len(got))
		}
	})

	t.Run("batch over the count and size limits", func(t *testing.T) {
		t.Parallel()
		q, arn := newQueue(t, c, nil)
		api := &countingSQS{Client: c}
		var msgs []queue.Message
		for i := range 20 {
			msgs = append(msgs, queue.Message{Body: map[string]int{"n": i}})
		}
		big := json.RawMessage(`"` + strings.Repeat("x", 100<<10) + `"`)
		for range 5 { // 500 KiB: two or one per call
			msgs = append(msgs, queue.Message{Body: big})
		}
		msgs = append(msgs, queue.Message{Body: "refused", Attributes: map[string]string{"empty": ""}})
		err := queue.NewSQSPublisher(api, q).PublishBatch(t.Context(), msgs)
		var be *queue.BatchError
		if !errors.As(err, &be) || len(be.Failed) != 1 || be.Failed[25] == nil {
			t.Fatalf("PublishBatch: %v, want only message 25 refused", err)
		}
		if n := api.batches.Load(); n < 4 {
			t.Errorf("%d SendMessageBatch calls, want at least 4 (10 entries, 256 KiB each)", n)
		}
		var bodies []string
		// A generous wait: it ends as soon as all 25 are in, and a loaded machine is slow.
		for _, m := range receiveN(t, c, q, arn, 25, 30*time.Second) {
			bodies = append(bodies, m.Body)
		}
		var want []string
		for _, m := range msgs[:25] {
			want = append(want, bodyOf(t, m.Body))
		}
		slices.Sort(bodies)
		slices.Sort(want)
		if !slices.Equal(bodies, want) {
			t.Errorf("received %d bodies, want the %d sent", len(bodies), len(want))
		}
	})
}

// countingSQS counts SendMessageBatch calls.
type countingSQS struct {
	*sqs.Client
	batches atomic.Int32
}

func (c *countingSQS) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	c.batches.Add(1)
	return c.Client.SendMessageBatch(ctx, in, opts...)
}

// bodyOf is the message body Publish sends for v.
func bodyOf(t *testing.T, v any) string {
	t.Helper()
	if raw, ok := v.(json.RawMessage); ok {
		return string(raw)
	}
	return mustJSON(t, v)
}
