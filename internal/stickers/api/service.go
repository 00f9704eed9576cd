// Package api serves the sticker routes: search, feedback, analytics and the
// catalog's admin writes. It turns API Gateway requests into calls on the
// catalog, search, rank and feedback packages.
package api

import (
	"context"
	"errors"
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
	UsageFlush      time.Duration // USAGE_FLUSH_INTERVAL: longest a search waits in memory before its usage flush starts (default 1s)
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
		UsageFlush:      l.DurationOr("USAGE_FLUSH_INTERVAL", time.Second),
	}
	return c, l.Err()
}

// Service holds what the sticker handlers share in one execution environment.
type Service struct {
	cfg      Config
	catalog  catalog.Store
	feedback feedback.Store
	usage    UsageRecorder
	images   catalog.ImageURLs
	cursors  *cursor.Codec // analytics listings only; nil elsewhere
	now      func() time.Time
	log      *slog.Logger

	mu       sync.Mutex
	added    []catalog.Sticker // the stickers admins added, as last read
	version  int               // counts successful reads of added
	loadedAt time.Time         // of the last successful read
	failedAt time.Time         // of the last failed read, zero after a success
	indexes  map[string]*langIndex
}

// langIndex is one language's search index, built over the version of the added stickers it holds.
type langIndex struct {
	emoji   []catalog.Sticker
	index   *search.Index
	version int
	added   int // how many added stickers it holds
}

// UsageRecorder counts searches; feedback.Store's RecordSearch writes at
// once, a usage.Batcher aggregates and flushes in the background.
type UsageRecorder interface {
	RecordSearch(ctx context.Context, query, display string, at time.Time) error
}

// retryAddedAfter is how long a search function serves the shipped catalog
// alone after failing to read the added stickers, before it tries again: a
// DynamoDB outage costs one failed read per interval, not one per search.
const retryAddedAfter = 5 * time.Second

// NewService wires a Service; now may be nil (time.Now). It reads nothing:
// the catalog is loaded on first use, so a cold start needs no network.
func NewService(cfg Config, cat catalog.Store, fb feedback.Store, cursors *cursor.Codec, now func() time.Time, log *slog.Logger) (*Service, error) {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, catalog: cat, feedback: fb, usage: fb, images: catalog.ImageURLs{Pattern: cfg.ImagePattern},
		cursors: cursors, now: now, log: log, indexes: map[string]*langIndex{}}, nil
}

// fromDeps builds a Service on DynamoDB from a function's dependencies.
func fromDeps(d function.Deps, withCursors bool) (*Service, error) {
	cfg, err := LoadConfig(d.Env)
	if err != nil {
		return nil, fmt.Errorf("sticker config: %w", err)
	}
	var cursors *cursor.Codec
	if withCursors {
		if cursors, err = cursor.FromEnv(d.Env, d.AWS); err != nil {
			return nil, err
		}
	}
	db := awsclients.DynamoDB(d.AWS)
	return NewService(cfg, catalog.NewDynamoStore(db, cfg.Table), feedback.NewDynamoStore(db, cfg.Table), cursors, nil, d.Logger)
}

// langIndex returns lang's index, rebuilt when the added stickers changed since it was built; s.mu held.
func (s *Service) langIndex(lang string) (*search.Index, error) {
	li := s.indexes[lang]
	if li == nil {
		emoji, err := catalog.Localized(lang)
		if err != nil {
			return nil, err
		}
		li = &langIndex{emoji: emoji, version: -1}
		s.indexes[lang] = li
	}
	if li.version != s.version && li.index != nil && li.added == 0 && len(s.added) == 0 {
		li.version = s.version // still no added sticker: the index stands
	}
	if li.version != s.version {
		li.added = len(s.added)
		all := make([]catalog.Sticker, 0, len(li.emoji)+len(s.added))
		all = append(all, li.emoji...)
		all = append(all, s.added...) // an added sticker replaces an emoji with its id
		li.index, li.version = search.NewIndex(all, search.ForLang(lang)), s.version
	}
	return li.index, nil
}

// ErrAddedUnavailable means the stickers admins added could not be read: the
// index holds the shipped catalog only.
var ErrAddedUnavailable = errors.New("the added stickers could not be read; serving the shipped catalog only")

// Index returns the search index of lang over the shipped emoji and the
// stickers admins added, rereading those when older than CatalogRefresh. A
// failed read keeps the previous ones; before any read succeeded, it returns
// the shipped catalog's index with ErrAddedUnavailable (degraded, not failed),
// and tries again after retryAddedAfter.
func (s *Service) Index(ctx context.Context, lang string) (*search.Index, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	stale := s.version == 0 || now.Sub(s.loadedAt) >= s.cfg.CatalogRefresh
	if stale && (s.failedAt.IsZero() || now.Sub(s.failedAt) >= retryAddedAfter) {
		added, err := s.catalog.Added(ctx)
		if err != nil {
			s.failedAt = now
			s.log.WarnContext(ctx, "added stickers not read; serving the catalog as last read", "error", err, "ever_read", s.version > 0)
		} else {
			s.added, s.loadedAt, s.failedAt = added, now, time.Time{}
			s.version++
		}
	}
	ix, err := s.langIndex(lang)
	if err != nil {
		return nil, err
	}
	if s.version == 0 {
		return ix, ErrAddedUnavailable
	}
	return ix, nil
}
