package outbox

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
)

// Destination names, shared by the writers of entries and the relay's configuration.
const (
	QueueModeration    = "moderation"      // blog posts to classify (PostsQueue)
	QueueTransitFanOut = "transit-fan-out" // transit tasks to fan out (TransitFanOutQueue)
)

// ParseQueues reads "name=url name=url ..." (OUTBOX_QUEUES).
func ParseQueues(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range strings.Fields(s) {
		name, url, ok := strings.Cut(pair, "=")
		if !ok || name == "" || url == "" {
			return nil, fmt.Errorf("%q is not name=queue-url", pair)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("queue %q is named twice", name)
		}
		out[name] = url
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("names no queue")
	}
	return out, nil
}

// FromEnv builds an Outbox from OUTBOX_TABLE and, for each destination in
// names, its queue URL in OUTBOX_QUEUES; the table writes entries with Put.
func FromEnv(d function.Deps, names ...string) (*Outbox, *Table, error) {
	l := config.New(d.Env)
	table, spec := l.String("OUTBOX_TABLE"), l.String("OUTBOX_QUEUES")
	if err := l.Err(); err != nil {
		return nil, nil, err
	}
	urls, err := ParseQueues(spec)
	if err != nil {
		return nil, nil, fmt.Errorf("OUTBOX_QUEUES: %w", err)
	}
	t := NewTable(awsclients.DynamoDB(d.AWS), table)
	o := &Outbox{Store: t, Queues: map[string]queue.Publisher{}}
	if len(names) == 0 { // the relay: every destination
		for n := range urls {
			names = append(names, n)
		}
	}
	sqsClient := awsclients.SQS(d.AWS)
	for _, n := range names {
		url, ok := urls[n]
		if !ok {
			return nil, nil, fmt.Errorf("OUTBOX_QUEUES names no queue %q", n)
		}
		o.Queues[n] = queue.NewSQSPublisher(sqsClient, url)
	}
	return o, t, nil
}

// NewRelay builds the relay function, run by a schedule: every run sends the
// entries whose writer did not (it died, timed out, or SQS refused them).
func NewRelay(_ context.Context, d function.Deps) (any, error) {
	o, _, err := FromEnv(d)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, _ events.CloudWatchEvent) (Report, error) {
		return o.Relay(ctx, time.Now())
	}, nil
}
