package blogapi

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mosaic-platform/mosaic/internal/blog"
	"github.com/mosaic-platform/mosaic/internal/emulators/dynamolocal"
	"github.com/mosaic-platform/mosaic/internal/emulators/sqslocal"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
)

// fault makes one AWS call fail: with an error, or with a panic that stands
// for the process dying there (apigw.Handle turns it into a 500, and nothing
// after it in the request runs).
type fault struct {
	mu    sync.Mutex
	op    string // "TransactWriteItems", "SendMessage", "DeleteItem"; "" for none
	crash bool   // panic instead of returning an error
}

func (f *fault) hit(op string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.op != op {
		return nil
	}
	f.op = "" // once: the process that comes back works
	if f.crash {
		panic("injected crash in " + op)
	}
	return fmt.Errorf("injected failure of %s", op)
}

// faultyDB is the DynamoDB client with faults injected into its writes.
type faultyDB struct {
	*dynamodb.Client
	f *fault
}

func (d faultyDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if err := d.f.hit("TransactWriteItems"); err != nil {
		return nil, err
	}
	return d.Client.TransactWriteItems(ctx, in, o...)
}

func (d faultyDB) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	if err := d.f.hit("DeleteItem"); err != nil {
		return nil, err
	}
	return d.Client.DeleteItem(ctx, in, o...)
}

// faultySQS is the SQS client with faults injected into SendMessage.
type faultySQS struct {
	*sqs.Client
	f *fault
}

func (q faultySQS) SendMessage(ctx context.Context, in *sqs.SendMessageInput, o ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	if err := q.f.hit("SendMessage"); err != nil {
		return nil, err
	}
	return q.Client.SendMessage(ctx, in, o...)
}

// faultRig is the blog over the emulators `make run` uses (minidyn, the
// local SQS broker), with faults injected between its writes.
type faultRig struct {
	posts   *Posts
	worker  *Moderator
	entries *outbox.Table
	sqs     *sqs.Client
	url     string
	fault   *fault
	now     time.Time
}

func newFaultRig(t *testing.T) *faultRig {
	t.Helper()
	srv, err := dynamolocal.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ddbHTTP := httptest.NewServer(srv)
	t.Cleanup(ddbHTTP.Close)
	broker, err := sqslocal.New(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = broker.Close() })
	sqsHTTP := httptest.NewServer(broker.Handler())
	t.Cleanup(sqsHTTP.Close)
	creds := credentials.NewStaticCredentialsProvider("local", "local", "")
	db := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(ddbHTTP.URL), Credentials: creds, DisableValidateResponseChecksum: true})
	sq := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(sqsHTTP.URL), Credentials: creds})
	q, err := sq.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String("PostsQueue")})
	if err != nil {
		t.Fatal(err)
	}
	r := &faultRig{fault: &fault{}, sqs: sq, url: aws.ToString(q.QueueUrl), now: time.Now().UTC()}
	fdb := faultyDB{db, r.fault}
	r.entries = outbox.NewTable(fdb, emutest.CreateTable(t, db, "OutboxTable", false))
	store := blog.NewDynamoStore(fdb, emutest.CreateTable(t, db, "PostsTable", false), r.entries)
	r.posts = &Posts{
		Store:  store,
		Outbox: &outbox.Outbox{Store: r.entries, Queues: map[string]queue.Publisher{outbox.QueueModeration: queue.NewSQSPublisher(faultySQS{sq, r.fault}, r.url)}},
		Now:    func() time.Time { return r.now }, NewID: blog.NewID,
	}
	r.worker = &Moderator{Store: store, Classifier: &wordClassifier{}, Now: func() time.Time { return r.now }, MaxWarmWait: time.Second}
	return r
}

// settle is what happens once the stack is back: the relay's next run after
// the grace period, then the worker on every message, until the queue is empty.
func (r *faultRig) settle(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	r.now = r.now.Add(outbox.Grace + time.Minute)
	if _, err := r.posts.Outbox.Relay(ctx, r.now); err != nil {
		t.Fatalf("relay: %v", err)
	}
	h := r.worker.Handler(1)
	for {
		out, err := r.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &r.url, MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			return
		}
		var ev events.SQSEvent
		for _, m := range out.Messages {
			ev.Records = append(ev.Records, events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body)})
		}
		res, err := h(ctx, ev)
		if err != nil || len(res.BatchItemFailures) > 0 {
			t.Fatalf("worker: %v %+v", err, res)
		}
		for _, m := range out.Messages {
			if _, err := r.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &r.url, ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// pendingEntries counts the outbox entries still waiting, due or not.
func (r *faultRig) pendingEntries(t *testing.T) int {
	t.Helper()
	due, err := r.entries.Due(context.Background(), r.now.Add(24*time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(due)
}

func (r *faultRig) call(h apigw.HandlerFunc, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	resp, _ := apigw.Handle(h)(context.Background(), req)
	return resp
}

// faultCases are the steps between the two writes of a create or an edit,
// each failing with an error or crashing the process.
var faultCases = []struct {
	name   string
	op     string
	crash  bool
	stored bool // whether the change survives the fault
	status int  // the answer the client gets
}{
	{"no fault", "", false, true, 0},
	{"transaction fails", "TransactWriteItems", false, false, 500},
	{"crash in the transaction", "TransactWriteItems", true, false, 500},
	{"queue refuses the message", "SendMessage", false, true, 0},
	{"crash before the message is sent", "SendMessage", true, true, 500},
	{"entry not deleted after sending", "DeleteItem", false, true, 0},
	{"crash after sending, before the entry is deleted", "DeleteItem", true, true, 500},
}

// TestCreateSurvivesAFaultAtEveryStep: whatever fails between storing a post
// and queueing its moderation, the end state is whole: no post (and a 5xx),
// or a post that is moderated once the stack is back, and no entry left over.
func TestCreateSurvivesAFaultAtEveryStep(t *testing.T) {
	for _, tc := range faultCases {
		t.Run(tc.name, func(t *testing.T) {
			r := newFaultRig(t)
			r.fault.op, r.fault.crash = tc.op, tc.crash
			resp := r.call(r.posts.Create, newRequest("POST", "/posts", "", "writer", `{"title":"Hello","paragraphs":["A fine day.","Another one."]}`, ""))
			want := tc.status
			if want == 0 {
				want = 201
			}
			if resp.StatusCode != want {
				t.Fatalf("POST = %d, want %d: %s", resp.StatusCode, want, resp.Body)
			}
			r.settle(t)
			var published []blog.Post
			for range 2 { // a duplicate message must not leave a trace either
				ps, _, err := r.posts.Store.List(context.Background(), blog.Published, "", 10)
				if err != nil {
					t.Fatal(err)
				}
				published = ps
			}
			switch {
			case tc.stored && (len(published) != 1 || published[0].Title != "Hello" || published[0].Moderation == nil):
				t.Errorf("after the fault and the relay: published %+v, want the post, moderated", published)
			case !tc.stored && len(published) != 0:
				t.Errorf("a post whose write failed was published: %+v", published)
			}
			if n := r.pendingEntries(t); n != 0 {
				t.Errorf("%d outbox entries left after the relay", n)
			}
		})
	}
}

// TestEditSurvivesAFaultAtEveryStep: the edit of a published post, failing at
// every step: the published version stays listed throughout, and the edit,
// once stored, replaces it after moderation.
func TestEditSurvivesAFaultAtEveryStep(t *testing.T) {
	for _, tc := range faultCases {
		t.Run(tc.name, func(t *testing.T) {
			r := newFaultRig(t)
			ctx := context.Background()
			created := r.call(r.posts.Create, newRequest("POST", "/posts", "", "writer", `{"title":"Old","paragraphs":["A fine day."]}`, ""))
			if created.StatusCode != 201 {
				t.Fatalf("POST = %d %s", created.StatusCode, created.Body)
			}
			r.settle(t)
			ps, _, err := r.posts.Store.List(ctx, blog.Published, "", 10)
			if err != nil || len(ps) != 1 {
				t.Fatalf("not published before the edit: %+v, %v", ps, err)
			}
			id := ps[0].ID

			r.fault.op, r.fault.crash = tc.op, tc.crash
			resp := r.call(r.posts.Update, newRequest("PUT", "/posts/{id}", id, "writer", `{"title":"New","paragraphs":["Still fine."]}`, ""))
			want := tc.status
			if want == 0 {
				want = 200
			}
			if resp.StatusCode != want {
				t.Fatalf("PUT = %d, want %d: %s", resp.StatusCode, want, resp.Body)
			}
			if ps, _, _ := r.posts.Store.List(ctx, blog.Published, "", 10); len(ps) != 1 || ps[0].Title != "Old" {
				t.Errorf("the published version left the listing before the edit was moderated: %+v", ps)
			}
			r.settle(t)
			wantTitle := "Old"
			if tc.stored {
				wantTitle = "New"
			}
			p, err := r.posts.Store.Get(ctx, id)
			if err != nil || p.Status != blog.Published || p.Title != wantTitle || p.Draft != nil || !strings.Contains(strings.Join(p.Paragraphs, " "), map[bool]string{true: "Still", false: "A fine"}[tc.stored]) {
				t.Errorf("after the fault and the relay: %+v, %v", p, err)
			}
			if n := r.pendingEntries(t); n != 0 {
				t.Errorf("%d outbox entries left after the relay", n)
			}
		})
	}
}
