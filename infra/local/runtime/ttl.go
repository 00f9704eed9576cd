package runtime

import (
	"context"
	"log/slog"
	"time"
)

// ttlSweepEvery is how often the embedded DynamoDB deletes expired items.
// DynamoDB itself only promises to delete within days, so code must not rely
// on the exact moment.
const ttlSweepEvery = 30 * time.Second

// expirer deletes the items whose TTL has passed (dynamolocal.Server).
type expirer interface {
	ExpireItems(now time.Time) (map[string]int, error)
}

// startTTLSweeper asks the embedded DynamoDB to delete expired items now and
// every ttlSweepEvery (DynamoDB Local and AWS do it themselves). It returns
// a stop function.
func startTTLSweeper(db expirer, logger *slog.Logger) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(ttlSweepEvery)
		defer tick.Stop()
		for {
			deleted, err := db.ExpireItems(time.Now())
			for table, n := range deleted {
				logger.Info("TTL sweep deleted expired items", "table", table, "items", n)
			}
			if err != nil {
				logger.Warn("TTL sweep failed", "error", err.Error())
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() { cancel(); <-done }
}
