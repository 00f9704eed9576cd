package queue_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/platform/obs"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
)

// TestWorkerRoundTripOnEmulators runs the reliability rules end to end: a
// duplicate message does its work once, a failed one comes back after the
// visibility timeout, and one that can never succeed lands in the dead-letter
// queue; the request id travels from publisher to worker throughout.
func TestWorkerRoundTripOnEmulators(t *testing.T) {
	t.Parallel()
	c := sqsClient(t)
	db, table := emutest.Table(t, "DialogsIdempotencyTable")
	dlq, dlqARN := newQueue(t, c, nil)
	q, arn := newQueue(t, c, map[string]string{
		"VisibilityTimeout": "1",
		"RedrivePolicy":     fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"3"}`, dlqARN),
	})

	ctx := obs.WithRequestID(t.Context(), "req-7")
	pub := queue.NewSQSPublisher(c, q)
	type job struct {
		ID string `json:"id"`
	}
	for _, body := range []any{job{"p-1"}, job{"p-1"}, job{"p-2"}, json.RawMessage(`not json`)} {
		if err := pub.Publish(ctx, body); err != nil {
			t.Fatal(err)
		}
	}

	var mu sync.Mutex
	runs, failedOnce := map[string]int{}, false
	once := queue.Idempotent{Store: queue.NewDynamoStore(db, table), Lease: 30 * time.Second}
	worker := queue.Worker(queue.JSON(func(ctx context.Context, j job) error {
		if id := obs.RequestID(ctx); id != "req-7" {
			t.Errorf("worker request id %q, want req-7", id)
		}
		_, _, err := once.Do(ctx, "jobs/"+j.ID, "", func(context.Context) ([]byte, error) {
			mu.Lock()
			defer mu.Unlock()
			if j.ID == "p-2" && !failedOnce {
				failedOnce = true
				return nil, errors.New("classifier unavailable")
			}
			runs[j.ID]++
			return []byte("done"), nil
		})
		return err
	}), queue.WithDeadLetter(queue.NewSQSPublisher(c, dlq)))

	deliver := func(want int) events.SQSEventResponse {
		t.Helper()
		recs := receiveN(t, c, q, arn, want, 5*time.Second)
		if len(recs) != want {
			t.Fatalf("received %d messages, want %d", len(recs), want)
		}
		resp, err := worker(t.Context(), events.SQSEvent{Records: recs})
		if err != nil {
			t.Fatalf("worker: %v", err)
		}
		ack(t, c, q, recs, resp)
		return resp
	}
	if resp := deliver(4); len(resp.BatchItemFailures) != 1 {
		t.Errorf("first batch: %d failures, want 1 (p-2)", len(resp.BatchItemFailures))
	}
	if resp := deliver(1); len(resp.BatchItemFailures) != 0 { // p-2, after the visibility timeout
		t.Errorf("redelivery: %d failures, want 0", len(resp.BatchItemFailures))
	}
	if left := receiveN(t, c, q, arn, 1, time.Second); len(left) != 0 {
		t.Errorf("%d messages left on the queue", len(left))
	}
	if want := map[string]int{"p-1": 1, "p-2": 1}; !maps.Equal(runs, want) {
		t.Errorf("work ran %v times, want %v", runs, want)
	}

	dead := receiveN(t, c, dlq, dlqARN, 1, 3*time.Second)
	if len(dead) != 1 || dead[0].Body != "not json" || attr(dead[0], "dead_letter_reason") == "" || attr(dead[0], queue.RequestIDAttribute) != "req-7" {
		t.Errorf("dead-letter queue holds %+v, want the undecodable message with its reason", dead)
	}
}
