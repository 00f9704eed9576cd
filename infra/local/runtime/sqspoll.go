package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mosaic-platform/mosaic/infra/local/invoke"
)

// sqsAPI is what the poller needs of an SQS client.
type sqsAPI interface {
	ReceiveMessage(context.Context, *sqs.ReceiveMessageInput, ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(context.Context, *sqs.DeleteMessageBatchInput, ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
}

// poller is an SQS event source mapping over the SQS API, as Lambda runs one:
// it receives batches, invokes the function and deletes what succeeded. What
// failed stays in the queue, reappears after the visibility timeout and moves
// to the dead-letter queue after maxReceiveCount, which the queue itself does.
type poller struct {
	client                  sqsAPI
	queueURL, queueARN      string
	function                string
	fn                      *invoke.Function
	batchSize               int
	window                  time.Duration
	reportBatchItemFailures bool
	logger                  *slog.Logger
}

// run polls with n concurrent pollers until ctx ends; in-flight batches finish.
func (p *poller) run(ctx context.Context, n int) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				msgs, err := p.receive(ctx)
				if err != nil {
					if ctx.Err() == nil {
						p.logger.Warn("SQS receive failed", "queue", p.queueURL, "error", err.Error())
						sleep(ctx, time.Second)
					}
					continue
				}
				if len(msgs) > 0 {
					p.deliver(ctx, msgs)
				}
			}
		}()
	}
	wg.Wait()
}

// receive gathers up to batchSize messages, waiting at most the batching window
// once the first message is in.
func (p *poller) receive(ctx context.Context) ([]sqstypes.Message, error) {
	var msgs []sqstypes.Message
	deadline := time.Time{}
	for len(msgs) < p.batchSize {
		wait := int32(20)
		if !deadline.IsZero() {
			left := time.Until(deadline)
			if left <= 0 {
				break
			}
			wait = int32(min(left.Seconds()+0.5, 20))
		}
		out, err := p.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(p.queueURL),
			MaxNumberOfMessages:         int32(min(p.batchSize-len(msgs), 10)),
			WaitTimeSeconds:             wait,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			if len(msgs) > 0 {
				return msgs, nil
			}
			return nil, err
		}
		msgs = append(msgs, out.Messages...)
		if len(msgs) == 0 || p.window == 0 {
			break
		}
		if deadline.IsZero() {
			deadline = time.Now().Add(p.window)
		}
	}
	return msgs, nil
}

// deliver invokes the function on one batch and deletes the messages it handled.
func (p *poller) deliver(ctx context.Context, msgs []sqstypes.Message) {
	ev := events.SQSEvent{Records: make([]events.SQSMessage, 0, len(msgs))}
	for _, m := range msgs {
		ev.Records = append(ev.Records, p.record(m))
	}
	failed, err := p.invoke(ctx, ev)
	if err != nil {
		p.logger.Warn("SQS batch failed; its messages will be retried", "function", p.function, "messages", len(msgs), "error", err.Error())
		return
	}
	var done []sqstypes.DeleteMessageBatchRequestEntry
	for i, m := range msgs {
		if !failed[aws.ToString(m.MessageId)] {
			done = append(done, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: m.ReceiptHandle})
		}
	}
	for len(done) > 0 {
		chunk := done[:min(10, len(done))]
		done = done[len(chunk):]
		out, err := p.client.DeleteMessageBatch(context.WithoutCancel(ctx), &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(p.queueURL), Entries: chunk})
		if err == nil && len(out.Failed) > 0 {
			err = fmt.Errorf("%d of %d deletes failed", len(out.Failed), len(chunk))
		}
		if err != nil {
			p.logger.Warn("SQS delete failed; messages will be delivered again", "queue", p.queueURL, "error", err.Error())
		}
	}
}

// invoke runs the function and returns the ids it reported as failed. Like
// Lambda, an error, or a failure naming no message of the batch, fails it whole.
func (p *poller) invoke(ctx context.Context, ev events.SQSEvent) (map[string]bool, error) {
	in, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	out, err := p.fn.InvokeQueued(ctx, in)
	if err != nil {
		return nil, err
	}
	failed := map[string]bool{}
	if !p.reportBatchItemFailures {
		return failed, nil
	}
	var resp events.SQSEventResponse
	if len(out) > 0 && string(out) != "null" {
		if err := json.Unmarshal(out, &resp); err != nil {
			return nil, fmt.Errorf("unreadable batch response: %w", err)
		}
	}
	inBatch := map[string]bool{}
	for _, r := range ev.Records {
		inBatch[r.MessageId] = true
	}
	for _, f := range resp.BatchItemFailures {
		if !inBatch[f.ItemIdentifier] {
			return nil, fmt.Errorf("batch response names %q, which is not in the batch", f.ItemIdentifier)
		}
		failed[f.ItemIdentifier] = true
	}
	return failed, nil
}

// record shapes one message as Lambda's SQS event record.
func (p *poller) record(m sqstypes.Message) events.SQSMessage {
	r := events.SQSMessage{
		MessageId:              aws.ToString(m.MessageId),
		ReceiptHandle:          aws.ToString(m.ReceiptHandle),
		Body:                   aws.ToString(m.Body),
		Md5OfBody:              aws.ToString(m.MD5OfBody),
		Md5OfMessageAttributes: aws.ToString(m.MD5OfMessageAttributes),
		Attributes:             m.Attributes,
		MessageAttributes:      map[string]events.SQSMessageAttribute{},
		EventSource:            "aws:sqs",
		EventSourceARN:         p.queueARN,
		AWSRegion:              "us-east-1",
	}
	for k, v := range m.MessageAttributes {
		r.MessageAttributes[k] = events.SQSMessageAttribute{
			StringValue: v.StringValue,
			BinaryValue: v.BinaryValue,
			DataType:    aws.ToString(v.DataType),
		}
	}
	return r
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
