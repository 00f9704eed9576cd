package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mosaic-platform/mosaic/internal/platform/obs"
)

// RequestIDAttribute is the message attribute that carries the publisher's request id.
const RequestIDAttribute = "request_id"

// maxDelay is the longest delay SQS accepts for a message.
const maxDelay = 15 * time.Minute

// Publisher sends messages to a queue.
type Publisher interface {
	// Publish sends body, encoded as JSON, as one message.
	Publish(ctx context.Context, body any, opts ...PublishOption) error
}

// Message is one message to publish.
type Message struct {
	Body            any               // encoded as JSON; a json.RawMessage is sent as it is
	GroupID         string            // FIFO message group; required by FIFO queues
	DeduplicationID string            // FIFO deduplication id; optional with content-based deduplication
	Attributes      map[string]string // string message attributes (SQS allows 10 in all)
	Delay           time.Duration     // 0..15m, whole seconds; standard queues only
}

// PublishOption sets a field of the Message that Publish sends.
type PublishOption func(*Message)

// WithGroupID sets the FIFO message group.
func WithGroupID(id string) PublishOption { return func(m *Message) { m.GroupID = id } }

// WithDeduplicationID sets the FIFO deduplication id.
func WithDeduplicationID(id string) PublishOption {
	return func(m *Message) { m.DeduplicationID = id }
}

// WithAttribute adds the string message attribute name=value.
func WithAttribute(name, value string) PublishOption {
	return func(m *Message) {
		if m.Attributes == nil {
			m.Attributes = map[string]string{}
		}
		m.Attributes[name] = value
	}
}

// WithDelay delays the message's delivery by d.
func WithDelay(d time.Duration) PublishOption { return func(m *Message) { m.Delay = d } }

// SQSAPI is the part of the SQS client a SQSPublisher uses; *sqs.Client has it.
type SQSAPI interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

// SQSPublisher publishes JSON messages to one SQS queue.
type SQSPublisher struct {
	api      SQSAPI
	queueURL string
	fifo     bool
	retry    backoff // for the entries of a batch that SQS did not take
}

// NewSQSPublisher returns a publisher to the queue at queueURL (a FIFO queue
// when it ends in .fifo); client is typically a *sqs.Client.
func NewSQSPublisher(client SQSAPI, queueURL string) *SQSPublisher {
	return &SQSPublisher{
		api:      client,
		queueURL: queueURL,
		fifo:     strings.HasSuffix(queueURL, ".fifo"),
		retry:    backoff{attempts: 4, base: 50 * time.Millisecond, max: time.Second},
	}
}

// Publish sends body, encoded as JSON, as one message.
func (p *SQSPublisher) Publish(ctx context.Context, body any, opts ...PublishOption) error {
	m := Message{Body: body}
	for _, o := range opts {
		o(&m)
	}
	e, err := p.entry(ctx, m)
	if err != nil {
		return fmt.Errorf("queue: publish to %s: %w", p.queueURL, err)
	}
	_, err = p.api.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:               aws.String(p.queueURL),
		MessageBody:            e.MessageBody,
		MessageGroupId:         e.MessageGroupId,
		MessageDeduplicationId: e.MessageDeduplicationId,
		MessageAttributes:      e.MessageAttributes,
		DelaySeconds:           e.DelaySeconds,
	})
	if err != nil {
		return fmt.Errorf("queue: publish to %s: %w", p.queueURL, err)
	}
	return nil
}

// entry encodes and checks m; it adds ctx's request id as an attribute.
func (p *SQSPublisher) entry(ctx context.Context, m Message) (types.SendMessageBatchRequestEntry, error) {
	var e types.SendMessageBatchRequestEntry
	body, err := encodeBody(m.Body)
	if err != nil {
		return e, err
	}
	if p.fifo && m.GroupID == "" {
		return e, errors.New("a FIFO queue needs a message group id")
	}
	if m.Delay < 0 || m.Delay > maxDelay {
		return e, fmt.Errorf("delay %s is outside 0..15m", m.Delay)
	}
	if p.fifo && m.Delay > 0 {
		return e, errors.New("a FIFO queue takes no per-message delay")
	}
	e.MessageBody = aws.String(body)
	e.DelaySeconds = int32(m.Delay / time.Second)
	if m.GroupID != "" {
		e.MessageGroupId = aws.String(m.GroupID)
	}
	if m.DeduplicationID != "" {
		e.MessageDeduplicationId = aws.String(m.DeduplicationID)
	}
	attrs := m.Attributes
	if id := obs.RequestID(ctx); id != "" && attrs[RequestIDAttribute] == "" {
		attrs = make(map[string]string, len(m.Attributes)+1)
		maps.Copy(attrs, m.Attributes)
		attrs[RequestIDAttribute] = id
	}
	if len(attrs) > 10 {
		return e, fmt.Errorf("%d message attributes, SQS allows 10", len(attrs))
	}
	if len(attrs) > 0 {
		e.MessageAttributes = make(map[string]types.MessageAttributeValue, len(attrs))
		for k, v := range attrs {
			if v == "" {
				return e, fmt.Errorf("message attribute %q is empty, which SQS refuses", k)
			}
			e.MessageAttributes[k] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
		}
	}
	return e, nil
}

// encodeBody encodes body as JSON; a json.RawMessage is taken as it is.
func encodeBody(body any) (string, error) {
	if raw, ok := body.(json.RawMessage); ok {
		if len(raw) == 0 {
			return "", errors.New("empty message body")
		}
		return string(raw), nil
	}
	b, err := json.Marshal(body)
	if err != nil {
		return "", fmt.Errorf("encode message body: %w", err)
	}
	return string(b), nil
}
