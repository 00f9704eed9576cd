// Package stickersapi holds the HTTP handlers of the Stickers service, one
// file per route, and the wiring from a function's environment (deps.go):
// STICKERS_TABLE (required), CATALOG_REFRESH, STICKER_IMAGE_URL_PATTERN,
// FEEDBACK_RATE_LIMIT, FEEDBACK_IP_RATE_LIMIT, USAGE_FLUSH_INTERVAL, and the
// cursor secret for GET /api/analytics/.
package stickersapi

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/cursor"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/stickers"
)

// Config is what the sticker functions read from their environment.
type Config struct {
	Table           string        // STICKERS_TABLE: the sticker table
	CatalogRefresh  time.Duration // CATALOG_REFRESH: how long a search function trusts its cached catalog (default 60s)
	ImagePattern    string        // STICKER_IMAGE_URL_PATTERN: see stickers.ImageURLs; empty serves the glyph
	FeedbackPerMin  int           // FEEDBACK_RATE_LIMIT: sticker votes one client may send per minute (default 120)
	FeedbackPerIP   int           // FEEDBACK_IP_RATE_LIMIT: votes per minute from one source IP, whatever X-Client-Id it sends (default 1200)
	FeedbackMaxIDs  int           // most sticker ids in one feedback request
	SearchPageLimit int           // default number of search results
	UsageFlush      time.Duration // USAGE_FLUSH_INTERVAL: longest a search waits in memory before its usage flush starts (default 1s)
}

// loadConfig reads Config from env, naming every missing or malformed variable.
func loadConfig(env config.Env) (Config, error) {
	l := config.New(env)
	c := Config{
		Table:           l.String("STICKERS_TABLE"),
		CatalogRefresh:  l.DurationOr("CATALOG_REFRESH", time.Minute),
		ImagePattern:    l.StringOr("STICKER_IMAGE_URL_PATTERN", ""),
		FeedbackPerMin:  l.IntOr("FEEDBACK_RATE_LIMIT", 120, 1, 100000),
		FeedbackPerIP:   l.IntOr("FEEDBACK_IP_RATE_LIMIT", 1200, 1, 1000000),
		FeedbackMaxIDs:  500,
		SearchPageLimit: 10,
		UsageFlush:      l.DurationOr("USAGE_FLUSH_INTERVAL", time.Second),
	}
	return c, l.Err()
}

// service holds what the sticker handlers share in one execution environment.
type service struct {
	cfg     Config
	store   stickers.Store
	usage   usageRecorder // GET /api/search/ only: a stickers.Batcher
	catalog *stickers.Catalog
	images  stickers.ImageURLs
	cursors *cursor.Codec // GET /api/analytics/ only; nil elsewhere
	now     func() time.Time
	log     *slog.Logger
}

// usageRecorder counts searches.
type usageRecorder interface {
	RecordSearch(ctx context.Context, query, display string, at time.Time) error
}

// newService wires a service; now and log may be nil. It reads nothing: the
// catalog is loaded on first use, so a cold start needs no network.
func newService(cfg Config, store stickers.Store, now func() time.Time, log *slog.Logger) *service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &service{cfg: cfg, store: store, catalog: stickers.NewCatalog(store, cfg.CatalogRefresh, now, log),
		images: stickers.ImageURLs{Pattern: cfg.ImagePattern}, now: now, log: log}
}

// fromEnv builds a service on DynamoDB from a function's environment.
func fromEnv(d function.Deps) (*service, error) {
	cfg, err := loadConfig(d.Env)
	if err != nil {
		return nil, fmt.Errorf("sticker config: %w", err)
	}
	return newService(cfg, stickers.NewDynamoStore(awsclients.DynamoDB(d.AWS), cfg.Table), nil, d.Logger), nil
}
