package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
	"github.com/mosaic-platform/mosaic/internal/platform/queue/queuetest"
)

func TestParseQueues(t *testing.T) {
	got, err := ParseQueues("moderation=http://q/1  transit-fan-out=http://q/2")
	if err != nil || len(got) != 2 || got["moderation"] != "http://q/1" || got["transit-fan-out"] != "http://q/2" {
		t.Fatalf("ParseQueues = %v, %v", got, err)
	}
	for _, bad := range []string{"", "moderation", "=http://q", "a=http://q a=http://r"} {
		if _, err := ParseQueues(bad); err == nil {
			t.Errorf("ParseQueues(%q) accepted", bad)
		}
	}
}

// TestDeliverAndRelay: Deliver sends and deletes; what it could not send stays
// until due, and the relay sends it then; an unknown destination is kept.
func TestDeliverAndRelay(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	pub := &queuetest.Publisher{}
	db, name := emutest.EmbeddedTable(t, "OutboxTable")
	table := NewTable(db, name)
	o := &Outbox{Store: table, Queues: map[string]queue.Publisher{QueueModeration: pub}}
	sent, _ := New(ctx, QueueModeration, map[string]int{"n": 1}, now)
	kept, _ := New(ctx, QueueModeration, map[string]int{"n": 2}, now)
	stray, _ := New(ctx, "nowhere", map[string]int{"n": 3}, now)
	for _, m := range []Message{sent, kept, stray} {
		if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			TransactItems: []types.TransactWriteItem{table.Put(m)},
		}); err != nil {
			t.Fatal(err)
		}
	}
	pending := func() []Message {
		p, err := table.Due(ctx, now.Add(time.Hour), 10)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	o.Deliver(ctx, sent)
	pub.Fail(errors.New("queue down"))
	o.Deliver(ctx, kept)
	pub.Fail(nil)
	if n := len(pending()); n != 2 || len(pub.Messages()) != 1 {
		t.Fatalf("after Deliver: %d entries, %d sent", n, len(pub.Messages()))
	}
	if r, err := o.Relay(ctx, now.Add(Grace-time.Second)); err != nil || r.Sent != 0 {
		t.Fatalf("relay before the grace period = %+v, %v", r, err)
	}
	r, err := o.Relay(ctx, now.Add(Grace))
	if err != nil || r.Sent != 1 || r.Failed != 1 {
		t.Fatalf("relay = %+v, %v", r, err)
	}
	msgs := pub.Messages()
	if len(msgs) != 2 || string(msgs[1].Body.(json.RawMessage)) != `{"n":2}` {
		t.Fatalf("sent %+v", msgs)
	}
	if p := pending(); len(p) != 1 || p[0].Queue != "nowhere" {
		t.Errorf("left %+v, want only the entry with no queue", p)
	}
}
