package runtime

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/infra/local/invoke"
	"github.com/mosaic-platform/mosaic/internal/samtemplate"
)

// startSchedules runs every enabled Schedule event of the template as
// EventBridge does: the function is invoked once per period, with a
// "Scheduled Event", from the period after the stack starts.
func (s *Stack) startSchedules(ctx context.Context, t *samtemplate.Template, logger *slog.Logger) {
	for _, f := range t.Functions {
		for _, sc := range f.Schedules {
			if !sc.Enabled {
				continue
			}
			fn, rule := s.Functions[f.LogicalID], "mosaic-local-"+f.LogicalID+sc.Name
			sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
			done := make(chan struct{})
			go func() {
				defer close(done)
				every(sctx, sc.Rate, func(at time.Time) { fire(sctx, fn, rule, at, logger) })
			}()
			s.stops = append(s.stops, func() { cancel(); <-done })
		}
	}
}

// every calls run once per period until ctx ends; a run that outlasts the
// period delays the next one rather than overlapping it.
func every(ctx context.Context, period time.Duration, run func(time.Time)) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case at := <-t.C:
			run(at)
		}
	}
}

// fire invokes fn with the event EventBridge sends for a schedule.
func fire(ctx context.Context, fn *invoke.Function, rule string, at time.Time, logger *slog.Logger) {
	ev := events.CloudWatchEvent{
		Version: "0", ID: newEventID(), DetailType: "Scheduled Event", Source: "aws.events",
		AccountID: "000000000000", Time: at.UTC().Truncate(time.Second), Region: "us-east-1",
		Resources: []string{"arn:aws:events:us-east-1:000000000000:rule/" + rule},
		Detail:    json.RawMessage(`{}`),
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		logger.Error("encode scheduled event", "rule", rule, "error", err.Error())
		return
	}
	// EventBridge invokes asynchronously: a failure is logged, and the next period tries again.
	if _, err := fn.InvokeQueued(ctx, payload); err != nil {
		logger.Error("scheduled invocation failed", "rule", rule, "error", err.Error())
	}
}

func newEventID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
