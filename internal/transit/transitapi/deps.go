// Package transitapi holds the Transit service's HTTP handlers and queue
// workers, one file per route and per worker, and the constructors that wire
// them from a function's environment: TRANSIT_TABLE (every function);
// OUTBOX_TABLE and OUTBOX_QUEUES (POST /process-request); REFERENCE_SERVER_URL
// and MAX_RECEIVE_COUNT (the fan-out and city workers); CITY_QUEUE_URL
// (fan-out); TRANSIT_BUCKET, CITY_DEAD_LETTER_QUEUE_URL, SPOOL_DIR and
// CITY_TIME_BUDGET (city); MAX_RECEIVE_COUNT and CITY_DEAD_LETTER_QUEUE_ARN
// (dead letters).
package transitapi

import (
	"fmt"

	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
	"github.com/mosaic-platform/mosaic/internal/transit"
	"github.com/mosaic-platform/mosaic/internal/transit/refclient"
)

// env reads a transit function's configuration; every function has a table.
type env struct {
	*config.Loader
	deps  function.Deps
	table string
}

func newEnv(d function.Deps) env {
	l := config.New(d.Env)
	return env{Loader: l, deps: d, table: l.String("TRANSIT_TABLE")}
}

// tasks is the task store; ob, when not nil, records each new task's fan-out.
func (e env) tasks(ob *outbox.Table) *transit.TaskTable {
	return transit.NewTaskTable(awsclients.DynamoDB(e.deps.AWS), e.table, ob)
}

func (e env) catalog() *transit.Catalog {
	return transit.NewCatalog(awsclients.DynamoDB(e.deps.AWS), e.table)
}

// maxReceive is the source queue's maxReceiveCount.
func (e env) maxReceive() int { return e.IntOr("MAX_RECEIVE_COUNT", 3, 1, 1000) }

// refClient reads REFERENCE_SERVER_URL last: it reports every configuration
// problem found so far before building the client.
func (e env) refClient(opts ...refclient.Option) (*refclient.Client, error) {
	url := e.String("REFERENCE_SERVER_URL")
	if err := e.Err(); err != nil {
		return nil, err
	}
	ref, err := refclient.New(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("REFERENCE_SERVER_URL: %w", err)
	}
	return ref, nil
}
