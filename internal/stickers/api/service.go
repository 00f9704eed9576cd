// Package api serves the sticker routes: search, feedback, analytics and the
// catalog's admin writes. It turns API Gateway requests into calls on the
// catalog, search, rank and feedback packages.
package api

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/cursor"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/stickers/catalog"
	"github.com/mosaic-platform/mosaic/internal/stickers/feedback"
	"github.com/mosaic-platform/mosaic/internal/stickers/search"
)

// Config is what the sticker functions read from their environment.
type Config struct {
	Table           string        // STICKERS_TABLE: the sticker table
	CatalogRefresh  time.Duration // CATALOG_REFRESH: how long a search function trusts its cached catalog (default 60s)
	ImagePattern    string        // STICKER_IMAGE_URL_PATTERN: see catalog.ImageURLs; empty serves the glyph
	FeedbackPerMin  int           // FEEDBACK_RATE_LIMIT: sticker votes one client may send per minute (default 120)
	FeedbackPerIP   int           // FEEDBACK_IP_RATE_LIMIT: votes per minute from one source IP, whatever X-Client-Id it sends (default 1200)
	FeedbackMaxIDs  int           // most sticker ids in one feedback request
	SearchPageLimit int           // default number of search results
}

// LoadConfig reads Config from env, naming every missing or malformed variable.
func LoadConfig(env config.Env) (Config, error) {
	l := config.New(env)
	c := Config{
		Table:           l.String("STICKERS_TABLE"),
		CatalogRefresh:  l.DurationOr("CATALOG_REFRESH", time.Minute),
		ImagePattern:    l.StringOr("STICKER_IMAGE_URL_PATTERN", ""),
		FeedbackPerMin:  l.IntOr("FEEDBACK_RATE_LIMIT", 120, 1, 100000),
		FeedbackPerIP:   l.IntOr("FEEDBACK_IP_RATE_LIMIT", 1200, 1, 1000000),
		FeedbackMaxIDs:  500,
		SearchPageLimit: 10,
	}
	return c, l.Err()
}

// Service holds what the sticker handlers share in one execution environment.
type Service struct {
	cfg      Config
	catalog  catalog.Store
	feedback feedback.Store
	images   catalog.ImageURLs
	cursors  *cursor.Codec // analytics listings only; nil elsewhere
	now      func() time.Time
	log      *slog.Logger

	mu       sync.Mutex
	index    *search.Index
	loadedAt time.Time
	emoji    []catalog.Sticker
}

// NewService wires a Service; now may be nil (time.Now).
func NewService(cfg Config, cat catalog.Store, fb feedback.Store, cursors *cursor.Codec, now func() time.Time, log *slog.Logger) (*Service, error) {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	emoji, err := catalog.Emoji()
	if err != nil {
		return nil, err
	}
	return &Service{cfg: cfg, catalog: cat, feedback: fb, images: catalog.ImageURLs{Pattern: cfg.ImagePattern}, cursors: cursors, now: now, log: log, emoji: emoji}, nil
}

// fromDeps builds a Service on DynamoDB from a function's dependencies.
func fromDeps(d function.Deps, withCursors bool) (*Service, error) {
	cfg, err := LoadConfig(d.Env)
	if err != nil {
		return nil, fmt.Errorf("sticker config: %w", err)
	}
	var cursors *cursor.Codec
	if withCursors {
		if cursors, err = cursor.FromEnv(d.Env); err != nil {
			return nil, err
		}
	}
	db := awsclients.DynamoDB(d.AWS)
	return NewService(cfg, catalog.NewDynamoStore(db, cfg.Table), feedback.NewDynamoStore(db, cfg.Table), cursors, nil, d.Logger)
}

// Index returns the search index over the shipped emoji and the stickers
// admins added, rebuilding it when it is older than CatalogRefresh. A failed
// reload keeps serving the previous index (and retries on the next request);
// only the first load's failure is an error.
func (s *Service) Index(ctx context.Context) (*search.Index, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.index != nil && s.now().Sub(s.loadedAt) < s.cfg.CatalogRefresh {
		return s.index, nil
	}
	added, err := s.catalog.Added(ctx)
	if err != nil {
		if s.index != nil {
			s.log.WarnContext(ctx, "catalog reload failed; serving the cached catalog", "error", err)
			return s.index, nil
		}
		return nil, fmt.Errorf("load catalog: %w", err)
	}
	all := make([]catalog.Sticker, 0, len(s.emoji)+len(added))
	all = append(all, s.emoji...)
	all = append(all, added...) // an added sticker replaces an emoji with its id
	s.index = search.NewIndex(all, search.DefaultOptions())
	s.loadedAt = s.now()
	return s.index, nil
}
