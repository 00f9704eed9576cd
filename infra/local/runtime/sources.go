package runtime

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/samtemplate"
)

// defaultPollers is how many batches of one mapping run at once when the
// template sets no MaximumConcurrency or reserved concurrency.
const defaultPollers = 2

// startEventSources starts one poller group per enabled SQS event of the
// template, against whichever SQS the stack uses; maxPollers > 0 caps each
// group (MOSAIC_SQS_POLLERS).
func (s *Stack) startEventSources(ctx context.Context, cfg aws.Config, t *samtemplate.Template, res *resources, maxPollers int, logger *slog.Logger) error {
	client := awsclients.SQS(cfg)
	for _, f := range t.Functions {
		for _, e := range f.QueueEvents {
			if !e.Enabled {
				continue
			}
			q, ok := res.queues[e.Queue]
			if !ok {
				return fmt.Errorf("function %s: queue %s was not provisioned", f.LogicalID, e.Queue)
			}
			p := &poller{
				client: client, queueURL: q.url, queueARN: q.arn,
				function: f.LogicalID, fn: s.Functions[f.LogicalID],
				batchSize: e.BatchSize, window: e.BatchWindow,
				reportBatchItemFailures: e.ReportBatchItemFailures,
				logger:                  logger,
			}
			n := defaultPollers
			if e.MaxConcurrency > 0 {
				n = e.MaxConcurrency
			}
			if f.ReservedConcurrency > 0 {
				n = min(n, f.ReservedConcurrency)
			}
			if maxPollers > 0 {
				n = min(n, maxPollers)
			}
			pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
			done := make(chan struct{})
			go func() { defer close(done); p.run(pctx, n) }()
			s.stops = append(s.stops, func() { cancel(); <-done })
		}
	}
	return nil
}
