package sqslocal

import (
	"context"
	"slices"
	"testing"
	"time"
)

func TestVisibilityTimeout(t *testing.T) {
	tests := []struct {
		name       string
		visibility *time.Duration // ReceiveMessage override
		advance    time.Duration
		redeliver  bool
	}{
		{"hidden before the queue's timeout", nil, 29 * time.Second, false},
		{"visible after the queue's timeout", nil, 30 * time.Second, true},
		{"override shorter", ptr(5 * time.Second), 5 * time.Second, true},
		{"override longer", ptr(60 * time.Second), 30 * time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, clock, _ := newTestBroker(t, QueueConfig{Name: "q"})
			sendBodies(t, b, "q", "hello")
			first, err := b.receive(context.Background(), "q", receiveOptions{max: 1, visibility: tt.visibility})
			if err != nil || len(first) != 1 {
				t.Fatalf("first receive = %v, %v", first, err)
			}
			clock.Advance(tt.advance)
			again := receiveNow(t, b, "q", 1)
			if got := len(again) == 1; got != tt.redeliver {
				t.Fatalf("redelivered = %v, want %v", got, tt.redeliver)
			}
			if tt.redeliver {
				if again[0].msg.ReceiveCount != 2 || again[0].handle == first[0].handle {
					t.Errorf("second receive: count %d, handle reused %v", again[0].msg.ReceiveCount, again[0].handle == first[0].handle)
				}
				if !again[0].msg.FirstReceiveAt.Equal(start()) {
					t.Errorf("ApproximateFirstReceiveTimestamp moved to %v", again[0].msg.FirstReceiveAt)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestDeadLetterAfterMaxReceiveCount(t *testing.T) {
	for _, maxReceives := range []int{1, 3} {
		t.Run(time.Duration(maxReceives).String(), func(t *testing.T) {
			b, clock, _ := newTestBroker(t,
				QueueConfig{Name: "dlq"},
				QueueConfig{Name: "q", DeadLetterQueue: "dlq", MaxReceiveCount: maxReceives})
			ids := sendBodies(t, b, "q", "poison")
			for i := 1; i <= maxReceives; i++ {
				got := receiveNow(t, b, "q", 1)
				if len(got) != 1 || got[0].msg.ReceiveCount != i {
					t.Fatalf("receive %d: %+v", i, got)
				}
				clock.Advance(30 * time.Second)
			}
			if got := receiveNow(t, b, "q", 1); len(got) != 0 {
				t.Fatalf("receive past maxReceiveCount delivered %q", bodies(got))
			}
			dead := receiveNow(t, b, "dlq", 1)
			if len(dead) != 1 || dead[0].msg.ID != ids[0] {
				t.Fatalf("dead-letter queue holds %+v", dead)
			}
			if src := dead[0].msg.systemAttributes(false)["DeadLetterQueueSourceArn"]; src != QueueARN("q") {
				t.Errorf("DeadLetterQueueSourceArn = %q", src)
			}
		})
	}
}

func TestDelayAndRetention(t *testing.T) {
	b, clock, _ := newTestBroker(t, QueueConfig{Name: "q", Delay: 10 * time.Second, MessageRetention: time.Minute})
	sendBodies(t, b, "q", "late")
	if got := counts(t, b, "q"); got != [3]int{0, 0, 1} {
		t.Fatalf("counts after send = %v, want one delayed", got)
	}
	clock.Advance(10 * time.Second)
	if got := counts(t, b, "q"); got != [3]int{1, 0, 0} {
		t.Fatalf("counts after the delay = %v, want one visible", got)
	}
	clock.Advance(50 * time.Second)
	if got := receiveNow(t, b, "q", 1); len(got) != 0 {
		t.Fatalf("expired message delivered: %q", bodies(got))
	}
}

func TestLongPollWakesOnSend(t *testing.T) {
	b, clock, _ := newTestBroker(t, QueueConfig{Name: "q"})
	done := make(chan []delivery)
	go func() {
		got, err := b.receive(context.Background(), "q", receiveOptions{max: 1, until: clock.Now().Add(20 * time.Second)})
		if err != nil {
			t.Error(err)
		}
		done <- got
	}()
	eventually(t, "the receive to wait", func() bool { return clock.Waiters() == 1 })
	sendBodies(t, b, "q", "wake up")
	got := <-done
	if len(got) != 1 || got[0].msg.Body != "wake up" {
		t.Fatalf("long poll got %q", bodies(got))
	}
}

func TestLongPollEnds(t *testing.T) {
	tests := []struct {
		name     string
		inFlight bool // a message is in flight for 10s when the poll starts
		advance  time.Duration
		want     int
	}{
		{"empty queue, at the wait time", false, 20 * time.Second, 0},
		{"when a hidden message reappears", true, 10 * time.Second, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, clock, _ := newTestBroker(t, QueueConfig{Name: "q"})
			if tt.inFlight {
				sendBodies(t, b, "q", "m")
				if _, err := b.receive(context.Background(), "q", receiveOptions{max: 1, visibility: ptr(10 * time.Second)}); err != nil {
					t.Fatal(err)
				}
			}
			done := make(chan int)
			go func() {
				got, err := b.receive(context.Background(), "q", receiveOptions{max: 1, until: clock.Now().Add(20 * time.Second)})
				if err != nil {
					t.Error(err)
				}
				done <- len(got)
			}()
			eventually(t, "the receive to wait", func() bool { return clock.Waiters() == 1 })
			clock.Advance(tt.advance - time.Second)
			select {
			case n := <-done:
				t.Fatalf("the poll ended early with %d messages", n)
			default:
			}
			clock.Advance(time.Second)
			if got := <-done; got != tt.want {
				t.Fatalf("received %d, want %d", got, tt.want)
			}
		})
	}
}

func TestDeleteAndChangeVisibility(t *testing.T) {
	b, clock, _ := newTestBroker(t, QueueConfig{Name: "q"})
	sendBodies(t, b, "q", "a", "b")
	got := receiveNow(t, b, "q", 2)
	if len(got) != 2 {
		t.Fatalf("received %d", len(got))
	}
	errs, err := b.changeVisibility("q", []visibilityChange{{handle: got[1].handle, timeout: 0}})
	if err != nil || errs[0] != nil {
		t.Fatal(err, errs)
	}
	errs, err = b.deleteMessages("q", []string{got[0].handle, "not-a-handle"})
	if err != nil || errs[0] != nil || errs[1] == nil {
		t.Fatalf("delete: %v %v", err, errs)
	}
	again := receiveNow(t, b, "q", 10)
	if !slices.Equal(bodies(again), []string{"b"}) {
		t.Fatalf("after delete and visibility 0 got %q", bodies(again))
	}
	// The handle of the first receive of "b" is stale now: deleting with it changes nothing.
	if errs, _ := b.deleteMessages("q", []string{got[1].handle}); errs[0] != nil {
		t.Fatal(errs[0])
	}
	if c := counts(t, b, "q"); c[1] != 1 {
		t.Fatalf("stale handle deleted the message: %v", c)
	}
	clock.Advance(time.Hour)
	if errs, _ := b.changeVisibility("q", []visibilityChange{{handle: again[0].handle, timeout: time.Minute}}); !isAPIError(errs[0]) {
		t.Fatalf("changing a message not in flight: %v", errs[0])
	}
}

func TestFIFO(t *testing.T) {
	b, clock, _ := newTestBroker(t, QueueConfig{Name: "q.fifo", ContentBasedDeduplication: true})
	send := func(group, body, dedup string) sendResult {
		t.Helper()
		res, errs, err := b.send("q.fifo", []sendInput{{Body: body, GroupID: group, DedupID: dedup}})
		if err != nil || errs[0] != nil {
			t.Fatal(err, errs)
		}
		return res[0]
	}
	a1 := send("a", "a1", "")
	send("a", "a2", "")
	send("b", "b1", "")
	if dup := send("a", "a1", ""); dup.MessageID != a1.MessageID {
		t.Fatalf("content-based duplicate got a new id")
	}
	if got := bodies(receiveNow(t, b, "q.fifo", 1)); !slices.Equal(got, []string{"a1"}) {
		t.Fatalf("first receive %q", got)
	}
	// a2 waits behind a1, which is in flight; group b is free.
	if got := bodies(receiveNow(t, b, "q.fifo", 10)); !slices.Equal(got, []string{"b1"}) {
		t.Fatalf("second receive %q, want only b1", got)
	}
	clock.Advance(30 * time.Second)
	if got := bodies(receiveNow(t, b, "q.fifo", 10)); !slices.Equal(got, []string{"a1", "a2", "b1"}) {
		t.Fatalf("after the timeout %q", got)
	}
	clock.Advance(dedupWindow)
	if again := send("a", "a1", ""); again.MessageID == a1.MessageID {
		t.Fatalf("deduplicated after the five-minute window")
	}
}

func TestSendValidation(t *testing.T) {
	b, _, _ := newTestBroker(t, QueueConfig{Name: "q", MaxMessageSize: 1024}, QueueConfig{Name: "f.fifo"})
	tests := []struct {
		name  string
		queue string
		in    sendInput
	}{
		{"empty body", "q", sendInput{}},
		{"too large", "q", sendInput{Body: string(make([]byte, 1025))}},
		{"bad characters", "q", sendInput{Body: "\uFFFF"}},
		{"dedup on standard", "q", sendInput{Body: "x", DedupID: "d"}},
		{"fifo without group", "f.fifo", sendInput{Body: "x", DedupID: "d"}},
		{"fifo without dedup", "f.fifo", sendInput{Body: "x", GroupID: "g"}},
		{"fifo with delay", "f.fifo", sendInput{Body: "x", GroupID: "g", DedupID: "d", Delay: ptr(time.Second)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs, err := b.send(tt.queue, []sendInput{tt.in})
			if err != nil || !isAPIError(errs[0]) {
				t.Fatalf("send = %v, %v; want a client error", err, errs)
			}
		})
	}
}

func TestRedriveBack(t *testing.T) {
	b, clock, _ := newTestBroker(t,
		QueueConfig{Name: "dlq"},
		QueueConfig{Name: "q", DeadLetterQueue: "dlq", MaxReceiveCount: 1})
	sendBodies(t, b, "q", "m")
	receiveNow(t, b, "q", 1)
	clock.Advance(30 * time.Second)
	receiveNow(t, b, "q", 1) // moves it
	if c := counts(t, b, "dlq"); c[0] != 1 {
		t.Fatalf("dlq counts %v", c)
	}
	n, _, err := b.move("dlq", "")
	if err != nil || n != 1 {
		t.Fatalf("move = %d, %v", n, err)
	}
	got := receiveNow(t, b, "q", 1)
	if len(got) != 1 || got[0].msg.ReceiveCount != 1 {
		t.Fatalf("after redrive: %+v", got)
	}
}

func TestPurge(t *testing.T) {
	b, _, _ := newTestBroker(t, QueueConfig{Name: "q"})
	sendBodies(t, b, "q", "a", "b")
	receiveNow(t, b, "q", 1)
	if err := b.purge("q"); err != nil {
		t.Fatal(err)
	}
	if c := counts(t, b, "q"); c != [3]int{} {
		t.Fatalf("counts after purge %v", c)
	}
}
