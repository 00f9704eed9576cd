package queue_test

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
)

// The integration tests run the SQS publisher and the DynamoDB idempotency
// store against the SQS emulator and DynamoDB Local (see emutest).

func TestMain(m *testing.M) { os.Exit(emutest.Run(m)) }

func TestDynamoStoreContractOnDynamoDBLocal(t *testing.T) {
	t.Parallel()
	db, table := emutest.Table(t, "DialogsIdempotencyTable")
	storeContract(t, func(_ *testing.T, now func() time.Time) queue.Store {
		s := queue.NewDynamoStore(db, table)
		s.Now = now
		return s
	})
}

// sqsClient is the SQS client a function builds, pointed at the SQS emulator.
func sqsClient(t *testing.T) *sqs.Client {
	t.Helper()
	emutest.Start(t)
	cfg, err := awsclients.Load(t.Context(), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	return awsclients.SQS(cfg)
}

// newQueue creates a queue (FIFO when attrs says so) and returns its URL and ARN.
func newQueue(t *testing.T, c *sqs.Client, attrs map[string]string) (url, arn string) {
	t.Helper()
	name := emutest.Name("q")
	if attrs["FifoQueue"] == "true" {
		name += ".fifo"
	}
	out, err := c.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatalf("CreateQueue: %v", err)
	}
	a, err := c.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{
		QueueUrl: out.QueueUrl, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn},
	})
	if err != nil {
		t.Fatalf("GetQueueAttributes: %v", err)
	}
	return aws.ToString(out.QueueUrl), a.Attributes["QueueArn"]
}

// receiveN long-polls q until it has n messages or wait has passed, and
// returns them as the records Lambda's SQS event source would deliver.
func receiveN(t *testing.T, c *sqs.Client, q, arn string, n int, wait time.Duration) []events.SQSMessage {
	t.Helper()
	var got []events.SQSMessage
	for deadline := time.Now().Add(wait); len(got) < n && time.Now().Before(deadline); {
		out, err := c.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(q),
			MaxNumberOfMessages:         int32(min(n-len(got), 10)),
			WaitTimeSeconds:             1,
			MessageAttributeNames:       []string{"All"},
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		})
		if err != nil {
			t.Fatalf("ReceiveMessage: %v", err)
		}
		for _, m := range out.Messages {
			got = append(got, toRecord(m, arn))
		}
	}
	return got
}

func toRecord(m types.Message, arn string) events.SQSMessage {
	r := events.SQSMessage{
		MessageId:         aws.ToString(m.MessageId),
		ReceiptHandle:     aws.ToString(m.ReceiptHandle),
		Body:              aws.ToString(m.Body),
		Attributes:        m.Attributes,
		MessageAttributes: map[string]events.SQSMessageAttribute{},
		EventSourceARN:    arn,
		EventSource:       "aws:sqs",
	}
	for k, v := range m.MessageAttributes {
		r.MessageAttributes[k] = events.SQSMessageAttribute{DataType: aws.ToString(v.DataType), StringValue: v.StringValue}
	}
	return r
}

// ack deletes what a batch response did not report failed, as Lambda does.
func ack(t *testing.T, c *sqs.Client, q string, recs []events.SQSMessage, resp events.SQSEventResponse) {
	t.Helper()
	failed := map[string]bool{}
	for _, f := range resp.BatchItemFailures {
		failed[f.ItemIdentifier] = true
	}
	for _, r := range recs {
		if failed[r.MessageId] {
			continue
		}
		if _, err := c.DeleteMessage(t.Context(), &sqs.DeleteMessageInput{QueueUrl: aws.String(q), ReceiptHandle: aws.String(r.ReceiptHandle)}); err != nil {
			t.Fatalf("DeleteMessage: %v", err)
		}
	}
}

func attr(r events.SQSMessage, name string) string {
	return aws.ToString(r.MessageAttributes[name].StringValue)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
