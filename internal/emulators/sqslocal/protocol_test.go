package sqslocal

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
)

// newSDKClient serves b over HTTP and returns the production SQS client pointed at it.
// Message checksum validation stays on, as in production.
func newSDKClient(t *testing.T, h http.Handler) *sqs.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return sqs.New(sqs.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOCAL", "secret", ""),
	})
}

func TestSDKRoundTrip(t *testing.T) {
	ctx := context.Background()
	b, clock, _ := newTestBroker(t)
	c := newSDKClient(t, b.Handler())

	dlq, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("posts-dlq")})
	if err != nil {
		t.Fatal(err)
	}
	created, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName: aws.String("posts"),
		Attributes: map[string]string{
			"VisibilityTimeout": "60",
			"RedrivePolicy":     `{"deadLetterTargetArn":"` + QueueARN("posts-dlq") + `","maxReceiveCount":"2"}`,
		},
		Tags: map[string]string{"service": "blog"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("posts")})
	if err != nil || *got.QueueUrl != *created.QueueUrl || !strings.HasSuffix(*got.QueueUrl, "/000000000000/posts") {
		t.Fatalf("GetQueueUrl = %v, %v (created %s)", aws.ToString(got.QueueUrl), err, *created.QueueUrl)
	}
	q := created.QueueUrl

	// Same attributes again is fine; different ones are QueueNameExists.
	if _, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("posts"), Attributes: map[string]string{"VisibilityTimeout": "60"}}); err != nil {
		t.Fatalf("idempotent CreateQueue: %v", err)
	}
	var exists *types.QueueNameExists
	if _, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("posts"), Attributes: map[string]string{"VisibilityTimeout": "5"}}); !errors.As(err, &exists) {
		t.Fatalf("CreateQueue with other attributes: %v", err)
	}

	attrs := map[string]types.MessageAttributeValue{
		"kind":  {DataType: aws.String("String"), StringValue: aws.String("post")},
		"count": {DataType: aws.String("Number"), StringValue: aws.String("42")},
		"raw":   {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2, 255}},
		"unit":  {DataType: aws.String("Number.int"), StringValue: aws.String("-7")},
	}
	sent, err := c.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:          q,
		MessageBody:       aws.String(`{"post":"ü"}`),
		MessageAttributes: attrs,
		MessageSystemAttributes: map[string]types.MessageSystemAttributeValue{
			"AWSTraceHeader": {DataType: aws.String("String"), StringValue: aws.String("Root=1-5759e988-bd862e3fe1be46a994272793")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := wantAttributesMD5(attrs); aws.ToString(sent.MD5OfMessageAttributes) != want {
		t.Errorf("MD5OfMessageAttributes = %s, want %s", aws.ToString(sent.MD5OfMessageAttributes), want)
	}
	if sent.MD5OfMessageSystemAttributes == nil {
		t.Errorf("no MD5OfMessageSystemAttributes")
	}

	batch, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: q, Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("one"), MessageBody: aws.String("b1")},
		{Id: aws.String("two"), MessageBody: aws.String("b2"), DelaySeconds: 0, MessageAttributes: map[string]types.MessageAttributeValue{
			"n": {DataType: aws.String("Number"), StringValue: aws.String("1.5")}}},
		{Id: aws.String("bad"), MessageBody: aws.String("b3"), MessageAttributes: map[string]types.MessageAttributeValue{
			"n": {DataType: aws.String("Number"), StringValue: aws.String("one")}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Successful) != 2 || len(batch.Failed) != 1 || *batch.Failed[0].Id != "bad" || !batch.Failed[0].SenderFault {
		t.Fatalf("SendMessageBatch: %d ok, failed %+v", len(batch.Successful), batch.Failed)
	}

	recv, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:                    q,
		MaxNumberOfMessages:         10,
		VisibilityTimeout:           5,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(recv.Messages) != 3 {
		t.Fatalf("received %d messages", len(recv.Messages))
	}
	m := recv.Messages[0]
	if *m.MessageId != *sent.MessageId || *m.Body != `{"post":"ü"}` {
		t.Fatalf("first message %s %q", *m.MessageId, *m.Body)
	}
	if !bytes.Equal(m.MessageAttributes["raw"].BinaryValue, []byte{0, 1, 2, 255}) || *m.MessageAttributes["unit"].StringValue != "-7" {
		t.Errorf("attributes came back as %+v", m.MessageAttributes)
	}
	if *m.MD5OfMessageAttributes != wantAttributesMD5(m.MessageAttributes) {
		t.Errorf("receive MD5OfMessageAttributes %s does not match the attributes returned", *m.MD5OfMessageAttributes)
	}
	for k, v := range map[string]string{"ApproximateReceiveCount": "1", "SenderId": "AKIDLOCAL", "SentTimestamp": millis(start()),
		"AWSTraceHeader": "Root=1-5759e988-bd862e3fe1be46a994272793"} {
		if m.Attributes[k] != v {
			t.Errorf("Attributes[%s] = %q, want %q", k, m.Attributes[k], v)
		}
	}

	// Only the named attributes come back, with a digest of just those.
	if _, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: q, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0}); err != nil {
		t.Fatal(err)
	}
	some, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q, MessageAttributeNames: []string{"kind", "co.*"},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount}})
	if err != nil || len(some.Messages) != 1 {
		t.Fatalf("receive after ChangeMessageVisibility: %v, %v", some, err)
	}
	sm := some.Messages[0]
	if len(sm.MessageAttributes) != 1 || sm.Attributes["ApproximateReceiveCount"] != "2" || len(sm.Attributes) != 1 {
		t.Errorf("filtered receive: attributes %v, system %v", sm.MessageAttributes, sm.Attributes)
	}

	if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q, ReceiptHandle: sm.ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	del, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: q, Entries: []types.DeleteMessageBatchRequestEntry{
		{Id: aws.String("a"), ReceiptHandle: recv.Messages[1].ReceiptHandle},
		{Id: aws.String("b"), ReceiptHandle: aws.String("garbage")},
	}})
	if err != nil || len(del.Successful) != 1 || len(del.Failed) != 1 || *del.Failed[0].Code != "ReceiptHandleIsInvalid" {
		t.Fatalf("DeleteMessageBatch: %+v, %v", del, err)
	}
	cv, err := c.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: q, Entries: []types.ChangeMessageVisibilityBatchRequestEntry{
		{Id: aws.String("c"), ReceiptHandle: recv.Messages[2].ReceiptHandle, VisibilityTimeout: 120},
	}})
	if err != nil || len(cv.Successful) != 1 {
		t.Fatalf("ChangeMessageVisibilityBatch: %+v, %v", cv, err)
	}

	qa, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "1",
		"VisibilityTimeout": "60", "QueueArn": QueueARN("posts"),
		"RedrivePolicy": `{"deadLetterTargetArn":"` + QueueARN("posts-dlq") + `","maxReceiveCount":2}`} {
		if qa.Attributes[k] != v {
			t.Errorf("queue attribute %s = %q, want %q", k, qa.Attributes[k], v)
		}
	}
	var badName *types.InvalidAttributeName
	if _, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q, AttributeNames: []types.QueueAttributeName{"Nope"}}); !errors.As(err, &badName) {
		t.Errorf("unknown attribute name: %v", err)
	}
	if _, err := c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: q, Attributes: map[string]string{"DelaySeconds": "3"}}); err != nil {
		t.Fatal(err)
	}

	list, err := c.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String("posts")})
	if err != nil || len(list.QueueUrls) != 2 {
		t.Fatalf("ListQueues = %v, %v", list, err)
	}
	paged, err := c.ListQueues(ctx, &sqs.ListQueuesInput{MaxResults: aws.Int32(1)})
	if err != nil || len(paged.QueueUrls) != 1 || paged.NextToken == nil {
		t.Fatalf("ListQueues page 1 = %v, %v", paged, err)
	}
	paged, err = c.ListQueues(ctx, &sqs.ListQueuesInput{MaxResults: aws.Int32(1), NextToken: paged.NextToken})
	if err != nil || len(paged.QueueUrls) != 1 || !strings.HasSuffix(paged.QueueUrls[0], "/posts-dlq") {
		t.Fatalf("ListQueues page 2 = %v, %v", paged, err)
	}
	sources, err := c.ListDeadLetterSourceQueues(ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: dlq.QueueUrl})
	if err != nil || len(sources.QueueUrls) != 1 || sources.QueueUrls[0] != *q {
		t.Fatalf("ListDeadLetterSourceQueues = %v, %v", sources, err)
	}
	tags, err := c.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: q})
	if err != nil || tags.Tags["service"] != "blog" {
		t.Fatalf("ListQueueTags = %v, %v", tags, err)
	}

	// Redrive: fail a message twice, let the third receive move it, then move it back.
	if _, err := c.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: q}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q, MessageBody: aws.String("poison"), DelaySeconds: 0}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(3 * time.Second) // the queue's DelaySeconds
	for range 3 {
		if _, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q, VisibilityTimeout: 1}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
	}
	moveTask, err := c.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(QueueARN("posts-dlq"))})
	if err != nil || aws.ToString(moveTask.TaskHandle) == "" {
		t.Fatalf("StartMessageMoveTask = %v, %v", moveTask, err)
	}
	tasks, err := c.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(QueueARN("posts-dlq"))})
	if err != nil || len(tasks.Results) != 1 || tasks.Results[0].ApproximateNumberOfMessagesMoved != 1 || *tasks.Results[0].Status != "COMPLETED" {
		t.Fatalf("ListMessageMoveTasks = %+v, %v", tasks, err)
	}
	back, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q, MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}})
	if err != nil || len(back.Messages) != 1 || *back.Messages[0].Body != "poison" || back.Messages[0].Attributes["ApproximateReceiveCount"] != "1" {
		t.Fatalf("after the move task: %+v, %v", back, err)
	}

	if _, err := c.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: q}); err != nil {
		t.Fatal(err)
	}
	var missing *types.QueueDoesNotExist
	_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q, MessageBody: aws.String("x")})
	if !errors.As(err, &missing) {
		t.Fatalf("send to a deleted queue: %v", err)
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AWS.SimpleQueueService.NonExistentQueue" {
		t.Errorf("error code %v, want the query-compatible AWS.SimpleQueueService.NonExistentQueue", err)
	}
}

func TestSDKFIFO(t *testing.T) {
	ctx := context.Background()
	b, _, _ := newTestBroker(t)
	c := newSDKClient(t, b.Handler())
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("jobs.fifo"),
		Attributes: map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, body := range []string{"1", "2", "1"} {
		out, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String(body), MessageGroupId: aws.String("g")})
		if err != nil || out.SequenceNumber == nil {
			t.Fatalf("send %s: %v, %v", body, out, err)
		}
		ids = append(ids, *out.MessageId)
	}
	if ids[0] != ids[2] {
		t.Errorf("duplicate body got a new id")
	}
	got, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"MessageGroupId", "SequenceNumber"}})
	if err != nil || len(got.Messages) != 2 || *got.Messages[0].Body != "1" || got.Messages[1].Attributes["MessageGroupId"] != "g" {
		t.Fatalf("FIFO receive: %+v, %v", got, err)
	}
	var apiErr smithy.APIError
	_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("x")})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "MissingParameter" {
		t.Errorf("send without MessageGroupId: %v", err)
	}
}

func TestSDKLongPoll(t *testing.T) {
	ctx := context.Background()
	b, clock, _ := newTestBroker(t, QueueConfig{Name: "q"})
	c := newSDKClient(t, b.Handler())
	url, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("q")})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan *sqs.ReceiveMessageOutput)
	go func() {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url.QueueUrl, WaitTimeSeconds: 20})
		if err != nil {
			t.Error(err)
		}
		done <- out
	}()
	eventually(t, "the long poll to wait", func() bool { return clock.Waiters() == 1 })
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url.QueueUrl, MessageBody: aws.String("ping")}); err != nil {
		t.Fatal(err)
	}
	if out := <-done; out == nil || len(out.Messages) != 1 || *out.Messages[0].Body != "ping" {
		t.Fatalf("long poll returned %+v", out)
	}
}

// TestSDKChecksumIsChecked proves the client really validates MD5s against this server:
// a corrupted digest must fail the call.
func TestSDKChecksumIsChecked(t *testing.T) {
	b, _, _ := newTestBroker(t, QueueConfig{Name: "q"})
	corrupt := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		b.Handler().ServeHTTP(rec, r)
		body := strings.Replace(rec.Body.String(), md5Hex("hi"), md5Hex("ho"), 1)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = io.WriteString(w, body)
	})
	c := newSDKClient(t, corrupt)
	_, err := c.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(QueueURL("http://x", "q")), MessageBody: aws.String("hi")})
	if err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Fatalf("SendMessage with a corrupted MD5 = %v, want a checksum error", err)
	}
}

func TestProtocolErrors(t *testing.T) {
	b, _, _ := newTestBroker(t, QueueConfig{Name: "q"})
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	tests := []struct {
		name, target, body string
		status             int
		typ, queryError    string
	}{
		{"unknown queue", "AmazonSQS.SendMessage", `{"QueueUrl":"http://h/000000000000/nope","MessageBody":"x"}`,
			400, "com.amazonaws.sqs#QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue;Sender"},
		{"bad json", "AmazonSQS.SendMessage", `{`, 400, "com.amazon.coral.service#SerializationException", "SerializationException;Sender"},
		{"unsupported action", "AmazonSQS.AddPermission", `{}`, 400, "com.amazonaws.sqs#UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation;Sender"},
		{"empty batch", "AmazonSQS.SendMessageBatch", `{"QueueUrl":"http://h/000000000000/q","Entries":[]}`,
			400, "com.amazonaws.sqs#EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest;Sender"},
		{"max messages out of range", "AmazonSQS.ReceiveMessage", `{"QueueUrl":"http://h/000000000000/q","MaxNumberOfMessages":11}`,
			400, "com.amazonaws.sqs#InvalidParameterValue", "InvalidParameterValue;Sender"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(tt.body))
			req.Header.Set("X-Amz-Target", tt.target)
			req.Header.Set("Content-Type", "application/x-amz-json-1.0")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || resp.Header.Get("X-Amzn-Query-Error") != tt.queryError || !strings.Contains(string(body), `"__type":"`+tt.typ+`"`) {
				t.Fatalf("got %d %q %s", resp.StatusCode, resp.Header.Get("X-Amzn-Query-Error"), body)
			}
		})
	}
}

// wantAttributesMD5 computes MD5OfMessageAttributes from the SDK's own types with a
// second, independent encoder, so the test trusts neither the server's conversion nor its digest.
func wantAttributesMD5(in map[string]types.MessageAttributeValue) string {
	names := slices.Sorted(maps.Keys(in))
	var buf bytes.Buffer
	field := func(b []byte) {
		_ = binary.Write(&buf, binary.BigEndian, int32(len(b)))
		buf.Write(b)
	}
	for _, n := range names {
		v := in[n]
		field([]byte(n))
		field([]byte(*v.DataType))
		if strings.HasPrefix(*v.DataType, "Binary") {
			buf.WriteByte(2)
			field(v.BinaryValue)
		} else {
			buf.WriteByte(1)
			field([]byte(*v.StringValue))
		}
	}
	sum := md5.Sum(buf.Bytes())
	return hex.EncodeToString(sum[:])
}
