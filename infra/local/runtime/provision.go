package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/samtemplate"
)

// resources are the names the template's tables, queues and buckets got.
type resources struct {
	tables  map[string]string // logical id -> table name
	queues  map[string]queueRef
	buckets map[string]string // logical id -> bucket name
}

type queueRef struct{ name, url, arn string }

// provision creates every table, bucket and queue of the template that does
// not exist yet, named prefix+LogicalId, and returns their names.
func provision(ctx context.Context, cfg aws.Config, t *samtemplate.Template, prefix string) (*resources, error) {
	res := &resources{tables: map[string]string{}, queues: map[string]queueRef{}, buckets: map[string]string{}}
	ddb := awsclients.DynamoDB(cfg)
	for _, tb := range t.Tables {
		name := prefix + tb.LogicalID
		if err := createTable(ctx, ddb, name, tb); err != nil {
			return nil, err
		}
		res.tables[tb.LogicalID] = name
	}
	s3c := awsclients.S3(cfg)
	for _, id := range t.Buckets {
		name := bucketName(prefix + id)
		_, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
		var owned *s3types.BucketAlreadyOwnedByYou
		var exists *s3types.BucketAlreadyExists
		if err != nil && !errors.As(err, &owned) && !errors.As(err, &exists) {
			return nil, fmt.Errorf("create bucket %s: %w", name, err)
		}
		res.buckets[id] = name
	}
	sqsc := awsclients.SQS(cfg)
	// Dead-letter queues first: a queue's redrive policy names its DLQ's ARN.
	for _, q := range orderQueues(t.Queues) {
		ref, err := createQueue(ctx, sqsc, prefix, q, res.queues)
		if err != nil {
			return nil, err
		}
		res.queues[q.LogicalID] = ref
	}
	return res, nil
}

func createTable(ctx context.Context, ddb *dynamodb.Client, name string, tb samtemplate.Table) error {
	_, err := ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	var missing *ddbtypes.ResourceNotFoundException
	switch {
	case err == nil:
		// A table made before its TTL was declared (or by an older make
		// run) gets it now.
		ttl, err := ddb.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
		if err != nil {
			return fmt.Errorf("describe TTL of %s: %w", name, err)
		}
		if ttl.TimeToLiveDescription != nil && ttl.TimeToLiveDescription.TimeToLiveStatus != ddbtypes.TimeToLiveStatusDisabled {
			return nil
		}
	case !errors.As(err, &missing):
		return fmt.Errorf("describe table %s: %w", name, err)
	default:
		if _, err := ddb.CreateTable(ctx, tb.CreateInput(name)); err != nil {
			return fmt.Errorf("create table %s: %w", name, err)
		}
	}
	if in := tb.TTLInput(name); in != nil {
		if _, err := ddb.UpdateTimeToLive(ctx, in); err != nil {
			return fmt.Errorf("enable TTL on %s: %w", name, err)
		}
	}
	return nil
}

func createQueue(ctx context.Context, c *sqs.Client, prefix string, q samtemplate.Queue, known map[string]queueRef) (queueRef, error) {
	name := prefix + q.LogicalID
	attrs := map[string]string{
		string(sqstypes.QueueAttributeNameVisibilityTimeout):      seconds(q.VisibilityTimeout.Seconds()),
		string(sqstypes.QueueAttributeNameMessageRetentionPeriod): seconds(q.Retention.Seconds()),
		string(sqstypes.QueueAttributeNameDelaySeconds):           seconds(q.Delay.Seconds()),
	}
	if q.FIFO {
		name += ".fifo"
		attrs[string(sqstypes.QueueAttributeNameFifoQueue)] = "true"
	}
	if q.DeadLetterQueue != "" {
		policy, _ := json.Marshal(map[string]any{
			"deadLetterTargetArn": known[q.DeadLetterQueue].arn,
			"maxReceiveCount":     q.MaxReceiveCount,
		})
		attrs[string(sqstypes.QueueAttributeNameRedrivePolicy)] = string(policy)
	}
	out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	var changed *sqstypes.QueueNameExists
	if errors.As(err, &changed) {
		// The template changed the queue since the data was made: bring it in line.
		out, err = updateQueue(ctx, c, name, attrs)
	}
	if err != nil {
		return queueRef{}, fmt.Errorf("create queue %s: %w", name, err)
	}
	got, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       out.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return queueRef{}, fmt.Errorf("queue %s: %w", name, err)
	}
	return queueRef{name: name, url: aws.ToString(out.QueueUrl), arn: got.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]}, nil
}

// updateQueue sets an existing queue's attributes to attrs.
func updateQueue(ctx context.Context, c *sqs.Client, name string, attrs map[string]string) (*sqs.CreateQueueOutput, error) {
	got, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		return nil, err
	}
	settable := map[string]string{}
	for k, v := range attrs {
		if k != string(sqstypes.QueueAttributeNameFifoQueue) { // fixed at creation
			settable[k] = v
		}
	}
	if _, err := c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: got.QueueUrl, Attributes: settable}); err != nil {
		return nil, err
	}
	return &sqs.CreateQueueOutput{QueueUrl: got.QueueUrl}, nil
}

// orderQueues puts every dead-letter queue before the queues that use it,
// also along a chain (a dead-letter queue that has a dead-letter queue of its
// own); a queue whose target is not in qs, or a cycle, keeps its place at the end.
func orderQueues(qs []samtemplate.Queue) []samtemplate.Queue {
	inTemplate := map[string]bool{}
	for _, q := range qs {
		inTemplate[q.LogicalID] = true
	}
	out := make([]samtemplate.Queue, 0, len(qs))
	placed := map[string]bool{}
	for len(out) < len(qs) {
		progress := false
		for _, q := range qs {
			if !placed[q.LogicalID] && (q.DeadLetterQueue == "" || placed[q.DeadLetterQueue] || !inTemplate[q.DeadLetterQueue]) {
				out, placed[q.LogicalID], progress = append(out, q), true, true
			}
		}
		if !progress {
			for _, q := range qs {
				if !placed[q.LogicalID] {
					out, placed[q.LogicalID] = append(out, q), true
				}
			}
		}
	}
	return out
}

func seconds(s float64) string { return strconv.Itoa(int(s)) }

// bucketName lower-cases a logical id into a valid S3 bucket name.
func bucketName(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'A' && c <= 'Z':
			b[i] = c + 'a' - 'A'
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '.':
		default:
			b[i] = '-'
		}
	}
	return string(b)
}
