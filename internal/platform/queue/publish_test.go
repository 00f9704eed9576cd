package queue

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mosaic-platform/mosaic/internal/platform/obs"
)

// fakeSQS records calls; failBatch decides, per entry body and attempt, how
// SendMessageBatch fails it ("" for success, "server" or "sender").
type fakeSQS struct {
	mu        sync.Mutex
	sends     []*sqs.SendMessageInput
	batches   [][]string // bodies per SendMessageBatch call
	attempts  map[string]int
	failBatch func(body string, attempt int) string
	callErr   error
}

func (f *fakeSQS) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.callErr != nil {
		return nil, f.callErr
	}
	f.sends = append(f.sends, in)
	return &sqs.SendMessageOutput{MessageId: aws.String("id")}, nil
}

func (f *fakeSQS) SendMessageBatch(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.callErr != nil {
		return nil, f.callErr
	}
	if len(in.Entries) > maxBatchEntries {
		return nil, errors.New("TooManyEntriesInBatchRequest")
	}
	if f.attempts == nil {
		f.attempts = map[string]int{}
	}
	out := &sqs.SendMessageBatchOutput{}
	var bodies []string
	ids := map[string]bool{}
	for _, e := range in.Entries {
		if ids[aws.ToString(e.Id)] {
			return nil, errors.New("BatchEntryIdsNotDistinct")
		}
		ids[aws.ToString(e.Id)] = true
		body := aws.ToString(e.MessageBody)
		bodies = append(bodies, body)
		f.attempts[body]++
		fail := ""
		if f.failBatch != nil {
			fail = f.failBatch(body, f.attempts[body])
		}
		switch fail {
		case "":
			out.Successful = append(out.Successful, types.SendMessageBatchResultEntry{Id: e.Id, MessageId: aws.String("m")})
		default:
			out.Failed = append(out.Failed, types.BatchResultErrorEntry{
				Id: e.Id, Code: aws.String(fail + "-error"), Message: aws.String("failed"), SenderFault: fail == "sender",
			})
		}
	}
	f.batches = append(f.batches, bodies)
	return out, nil
}

func newTestPublisher(api SQSAPI, url string) *SQSPublisher {
	p := NewSQSPublisher(api, url)
	p.retry.base, p.retry.max = time.Millisecond, 2*time.Millisecond
	return p
}

const (
	standardURL = "https://sqs.eu-west-1.amazonaws.com/123456789012/posts"
	fifoURL     = "https://sqs.eu-west-1.amazonaws.com/123456789012/posts.fifo"
)

func TestPublish(t *testing.T) {
	api := &fakeSQS{}
	p := newTestPublisher(api, standardURL)
	ctx := obs.WithRequestID(context.Background(), "req-7")
	err := p.Publish(ctx, map[string]string{"post_id": "p-1"}, WithAttribute("kind", "moderate"), WithDelay(90*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	in := api.sends[0]
	if aws.ToString(in.QueueUrl) != standardURL || aws.ToString(in.MessageBody) != `{"post_id":"p-1"}` || in.DelaySeconds != 90 {
		t.Errorf("input = %+v", in)
	}
	for k, want := range map[string]string{"kind": "moderate", RequestIDAttribute: "req-7"} {
		if a := in.MessageAttributes[k]; aws.ToString(a.StringValue) != want || aws.ToString(a.DataType) != "String" {
			t.Errorf("attribute %s = %+v", k, a)
		}
	}
	if in.MessageGroupId != nil || in.MessageDeduplicationId != nil {
		t.Errorf("FIFO fields on a standard queue: %+v", in)
	}
}

func TestPublishRawAndFIFO(t *testing.T) {
	api := &fakeSQS{}
	p := newTestPublisher(api, fifoURL)
	if err := p.Publish(context.Background(), json.RawMessage(`not json`), WithGroupID("g"), WithDeduplicationID("d")); err != nil {
		t.Fatal(err)
	}
	in := api.sends[0]
	if aws.ToString(in.MessageBody) != "not json" || aws.ToString(in.MessageGroupId) != "g" || aws.ToString(in.MessageDeduplicationId) != "d" {
		t.Errorf("input = %+v", in)
	}
	if in.MessageAttributes != nil {
		t.Errorf("attributes without any given: %v", in.MessageAttributes)
	}
}

func TestPublishRefusesWhatSQSWould(t *testing.T) {
	tooMany := func(m *Message) {
		for _, k := range strings.Split("a b c d e f g h i j k", " ") {
			WithAttribute(k, "v")(m)
		}
	}
	tests := []struct {
		name string
		url  string
		body any
		opts []PublishOption
	}{
		{"FIFO without group", fifoURL, "x", nil},
		{"FIFO with delay", fifoURL, "x", []PublishOption{WithGroupID("g"), WithDelay(time.Second)}},
		{"delay over 15m", standardURL, "x", []PublishOption{WithDelay(16 * time.Minute)}},
		{"negative delay", standardURL, "x", []PublishOption{WithDelay(-time.Second)}},
		{"unencodable body", standardURL, make(chan int), nil},
		{"empty raw body", standardURL, json.RawMessage(nil), nil},
		{"empty attribute", standardURL, "x", []PublishOption{WithAttribute("a", "")}},
		{"11 attributes", standardURL, "x", []PublishOption{tooMany}},
	}
	for _, tt := range tests {
		api := &fakeSQS{}
		if err := newTestPublisher(api, tt.url).Publish(context.Background(), tt.body, tt.opts...); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
		if len(api.sends) != 0 {
			t.Errorf("%s: sent anyway", tt.name)
		}
	}
}

func TestPublishWrapsClientErrors(t *testing.T) {
	cause := errors.New("connection reset")
	err := newTestPublisher(&fakeSQS{callErr: cause}, standardURL).Publish(context.Background(), "x")
	if !errors.Is(err, cause) || !strings.Contains(err.Error(), standardURL) {
		t.Fatalf("err = %v", err)
	}
}

func messages(n int) []Message {
	ms := make([]Message, n)
	for i := range ms {
		ms[i] = Message{Body: i}
	}
	return ms
}

func TestPublishBatchChunksOfTen(t *testing.T) {
	api := &fakeSQS{}
	if err := newTestPublisher(api, standardURL).PublishBatch(context.Background(), messages(25)); err != nil {
		t.Fatal(err)
	}
	if len(api.batches) != 3 || len(api.batches[0]) != 10 || len(api.batches[1]) != 10 || len(api.batches[2]) != 5 {
		t.Fatalf("batches = %v", api.batches)
	}
}

func TestPublishBatchChunksBySize(t *testing.T) {
	api := &fakeSQS{}
	big := strings.Repeat("x", 100<<10) // three of these exceed 256 KiB
	ms := []Message{{Body: big}, {Body: big}, {Body: big}, {Body: "small"}}
	if err := newTestPublisher(api, standardURL).PublishBatch(context.Background(), ms); err != nil {
		t.Fatal(err)
	}
	if len(api.batches) != 2 || len(api.batches[0]) != 2 || len(api.batches[1]) != 2 {
		t.Fatalf("batch sizes = %d calls", len(api.batches))
	}
}

func TestPublishBatchRetriesOnlyFailedEntries(t *testing.T) {
	api := &fakeSQS{failBatch: func(body string, attempt int) string {
		switch {
		case body == "3" && attempt < 3:
			return "server" // succeeds on the third attempt
		case body == "5":
			return "sender" // never retried
		case body == "8":
			return "server" // fails every attempt
		}
		return ""
	}}
	p := newTestPublisher(api, standardURL)
	err := p.PublishBatch(context.Background(), messages(10))
	var be *BatchError
	if !errors.As(err, &be) {
		t.Fatalf("err = %v, want a *BatchError", err)
	}
	if len(be.Failed) != 2 || be.Failed[5] == nil || be.Failed[8] == nil {
		t.Fatalf("failed = %v, want messages 5 and 8", be.Failed)
	}
	if api.attempts["0"] != 1 || api.attempts["3"] != 3 || api.attempts["5"] != 1 || api.attempts["8"] != p.retry.attempts {
		t.Errorf("attempts = %v", api.attempts)
	}
	for _, b := range api.batches[1:] {
		for _, body := range b {
			if body != "3" && body != "8" {
				t.Errorf("retried %s, which had been sent or refused", body)
			}
		}
	}
	if !strings.Contains(err.Error(), "2 messages not sent") {
		t.Errorf("message = %q", err)
	}
}

func TestPublishBatchReportsInvalidAndUnsent(t *testing.T) {
	ms := messages(12)
	ms[2].Body = make(chan int)
	err := newTestPublisher(&fakeSQS{}, standardURL).PublishBatch(context.Background(), ms)
	var be *BatchError
	if !errors.As(err, &be) || len(be.Failed) != 1 || be.Failed[2] == nil {
		t.Fatalf("err = %v, want message 2 only", err)
	}

	cause := errors.New("network down")
	err = newTestPublisher(&fakeSQS{callErr: cause}, standardURL).PublishBatch(context.Background(), messages(12))
	if !errors.As(err, &be) || len(be.Failed) != 12 || !errors.Is(err, cause) {
		t.Fatalf("err = %v, want all 12 failed with the cause", err)
	}
}

func TestPublishBatchStopsRetryingWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	api := &fakeSQS{failBatch: func(string, int) string { cancel(); return "server" }}
	p := newTestPublisher(api, standardURL)
	p.retry.base, p.retry.max = time.Hour, time.Hour
	err := p.PublishBatch(ctx, messages(3))
	var be *BatchError
	if !errors.As(err, &be) || len(be.Failed) != 3 || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}
