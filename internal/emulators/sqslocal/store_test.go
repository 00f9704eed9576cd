package sqslocal

import (
	"slices"
	"testing"
	"time"
)

func TestRestartKeepsMessages(t *testing.T) {
	b, clock, dir := newTestBroker(t,
		QueueConfig{Name: "dlq"},
		QueueConfig{Name: "q", VisibilityTimeout: time.Hour, DeadLetterQueue: "dlq", MaxReceiveCount: 5},
		QueueConfig{Name: "f.fifo"})
	attrs := map[string]attribute{
		"kind": {DataType: "String", StringValue: "post"},
		"blob": {DataType: "Binary", BinaryValue: []byte{0, 1, 2}},
	}
	if _, errs, err := b.send("q", []sendInput{{Body: "queued", Attributes: attrs}}); err != nil || errs[0] != nil {
		t.Fatal(err, errs)
	}
	sendBodies(t, b, "q", "in flight")
	if _, errs, err := b.send("q", []sendInput{{Body: "delayed", Delay: ptr(10 * time.Minute)}}); err != nil || errs[0] != nil {
		t.Fatal(err, errs)
	}
	fifo, errs, err := b.send("f.fifo", []sendInput{{Body: "once", GroupID: "g", DedupID: "d1"}})
	if err != nil || errs[0] != nil {
		t.Fatal(err, errs)
	}
	// Receive "queued" and "in flight" once; then delete nothing and restart.
	if got := receiveNow(t, b, "q", 2); len(got) != 2 {
		t.Fatalf("received %d", len(got))
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	b2, err := New(dir, clock)
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	if got := counts(t, b2, "q"); got != [3]int{2, 0, 1} {
		t.Fatalf("after restart counts = %v, want 2 visible (in flight before) and 1 delayed", got)
	}
	got := receiveNow(t, b2, "q", 10)
	if !slices.Equal(bodies(got), []string{"queued", "in flight"}) {
		t.Fatalf("after restart received %q", bodies(got))
	}
	if got[0].msg.ReceiveCount != 2 || md5OfAttributes(got[0].msg.Attributes) != md5OfAttributes(attrs) {
		t.Errorf("restored message: count %d, attributes %v", got[0].msg.ReceiveCount, got[0].msg.Attributes)
	}
	if !got[0].msg.SentAt.Equal(start()) {
		t.Errorf("SentTimestamp changed to %v", got[0].msg.SentAt)
	}
	// The FIFO deduplication window survives the restart too.
	again, _, err := b2.send("f.fifo", []sendInput{{Body: "once", GroupID: "g", DedupID: "d1"}})
	if err != nil || again[0].MessageID != fifo[0].MessageID {
		t.Fatalf("deduplication lost on restart: %v, %v", again, err)
	}
	clock.Advance(10 * time.Minute)
	if late := receiveNow(t, b2, "q", 10); !slices.Equal(bodies(late), []string{"delayed"}) {
		t.Fatalf("delayed message after restart: %q", bodies(late))
	}
	cfg, err := b2.queueConfig("q")
	if err != nil || cfg.DeadLetterQueue != "dlq" || cfg.VisibilityTimeout != time.Hour {
		t.Fatalf("queue config after restart: %+v, %v", cfg, err)
	}
}

func TestCreateQueueUpdatesConfig(t *testing.T) {
	b, _, _ := newTestBroker(t, QueueConfig{Name: "q"})
	tests := []struct {
		name string
		cfg  QueueConfig
		ok   bool
	}{
		{"same again", QueueConfig{Name: "q"}, true},
		{"new timeout", QueueConfig{Name: "q", VisibilityTimeout: time.Minute}, true},
		{"missing dead-letter queue", QueueConfig{Name: "q", DeadLetterQueue: "nope", MaxReceiveCount: 3}, false},
		{"fifo name without suffix", QueueConfig{Name: "x", FIFO: true}, false},
		{"retention too short", QueueConfig{Name: "q", MessageRetention: time.Second}, false},
		{"bad name", QueueConfig{Name: "a b"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := b.CreateQueue(tt.cfg); (err == nil) != tt.ok {
				t.Fatalf("CreateQueue = %v, want ok=%v", err, tt.ok)
			}
		})
	}
	if cfg, _ := b.queueConfig("q"); cfg.VisibilityTimeout != time.Minute {
		t.Fatalf("VisibilityTimeout = %v after update", cfg.VisibilityTimeout)
	}
}
