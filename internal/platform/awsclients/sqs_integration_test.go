package awsclients_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
)

func TestSQS(t *testing.T) {
	t.Parallel()
	ctx, cfg := stackConfig(t)
	c := awsclients.SQS(cfg)

	t.Run("send receive delete", func(t *testing.T) {
		t.Parallel()
		q := createQueue(ctx, t, c, map[string]string{"VisibilityTimeout": "1"})
		_, err := c.SendMessage(ctx, &sqs.SendMessageInput{
			QueueUrl:    aws.String(q),
			MessageBody: aws.String(`{"post_id":"p1"}`),
			MessageAttributes: map[string]types.MessageAttributeValue{
				"kind":    {DataType: aws.String("String"), StringValue: aws.String("moderate")},
				"attempt": {DataType: aws.String("Number"), StringValue: aws.String("1")},
			},
		})
		if err != nil {
			t.Fatalf("SendMessage: %v", err)
		}
		m := receiveOne(ctx, t, c, q, 1)
		if aws.ToString(m.Body) != `{"post_id":"p1"}` ||
			aws.ToString(m.MessageAttributes["kind"].StringValue) != "moderate" ||
			aws.ToString(m.MessageAttributes["attempt"].DataType) != "Number" {
			t.Errorf("received %q with attributes %v", aws.ToString(m.Body), m.MessageAttributes)
		}
		if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q), ReceiptHandle: m.ReceiptHandle}); err != nil {
			t.Fatalf("DeleteMessage: %v", err)
		}
		receiveNone(ctx, t, c, q, 2) // past the visibility timeout: gone for good
	})

	t.Run("visibility timeout and redrive", func(t *testing.T) {
		t.Parallel()
		dlq := createQueue(ctx, t, c, nil)
		attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
			QueueUrl: aws.String(dlq), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn},
		})
		if err != nil {
			t.Fatalf("GetQueueAttributes: %v", err)
		}
		q := createQueue(ctx, t, c, map[string]string{
			"VisibilityTimeout": "1",
			"RedrivePolicy":     fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"2"}`, attrs.Attributes["QueueArn"]),
		})
		if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("poison")}); err != nil {
			t.Fatal(err)
		}
		for want := 1; want <= 2; want++ { // never deleted: comes back after each timeout
			m := receiveOne(ctx, t, c, q, 3)
			if got := m.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)]; got != fmt.Sprint(want) {
				t.Errorf("receive %d: ApproximateReceiveCount %s", want, got)
			}
		}
		receiveNone(ctx, t, c, q, 2) // the third receive moves it to the DLQ instead
		if m := receiveOne(ctx, t, c, dlq, 1); aws.ToString(m.Body) != "poison" {
			t.Errorf("dead-letter queue holds %q, want poison", aws.ToString(m.Body))
		}
	})
}

func createQueue(ctx context.Context, t *testing.T, c *sqs.Client, attrs map[string]string) string {
	t.Helper()
	out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(emutest.Name("q")), Attributes: attrs})
	if err != nil {
		t.Fatalf("CreateQueue: %v", err)
	}
	return aws.ToString(out.QueueUrl)
}

func receive(ctx context.Context, t *testing.T, c *sqs.Client, q string, wait int32) []types.Message {
	t.Helper()
	out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(q),
		WaitTimeSeconds:             wait,
		MaxNumberOfMessages:         10,
		MessageAttributeNames:       []string{"All"},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount},
	})
	if err != nil {
		t.Fatalf("ReceiveMessage: %v", err)
	}
	return out.Messages
}

func receiveOne(ctx context.Context, t *testing.T, c *sqs.Client, q string, wait int32) types.Message {
	t.Helper()
	ms := receive(ctx, t, c, q, wait)
	if len(ms) != 1 {
		t.Fatalf("received %d messages, want 1", len(ms))
	}
	return ms[0]
}

func receiveNone(ctx context.Context, t *testing.T, c *sqs.Client, q string, wait int32) {
	t.Helper()
	if ms := receive(ctx, t, c, q, wait); len(ms) != 0 {
		t.Fatalf("received %d messages, want none", len(ms))
	}
}
