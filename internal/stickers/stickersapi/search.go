package stickersapi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/stickers"
)

// MaxQueryLength is the longest query accepted, in characters.
const MaxQueryLength = 255

// candidates is how many text hits are re-ranked with feedback, per result asked for.
const candidates = 5

// SearchResponse is the body of GET /api/search/. Stickers lists the ids in
// rank order (the original service's field); Results carries the stickers.
type SearchResponse struct {
	Query    string         `json:"query"`
	Stickers []string       `json:"stickers"`
	Results  []SearchResult `json:"results"`
}

// SearchResult is one ranked sticker.
type SearchResult struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Tags     []string `json:"tags"`
	ImageURL string   `json:"image_url"`
	Emoji    string   `json:"emoji,omitempty"`
	Score    float64  `json:"score"`
}

// NewSearch builds GET /api/search/ (public). Its cold start reads nothing:
// the catalog is indexed on first use. Usage is counted in memory and
// flushed in the background (see stickers.Batcher), and on shutdown.
func NewSearch(_ context.Context, d function.Deps) (any, error) {
	s, err := fromEnv(d)
	if err != nil {
		return nil, err
	}
	b := stickers.NewBatcher(s.store, stickers.BatcherOptions{Interval: s.cfg.UsageFlush, Log: s.log})
	s.usage = b
	if d.Shutdown != nil {
		d.Shutdown.OnShutdown(func(ctx context.Context) { _ = b.Close(ctx) })
	}
	return apigw.Handle(s.search, apigw.Accepts{Query: []string{"query", "limit", "lang"}}), nil
}

// CatalogHeader tells a client that its answer came from the shipped catalog
// alone, the stickers admins added being unreadable for now.
const CatalogHeader = "X-Mosaic-Catalog"

// readLang returns the lang parameter (default English), or a 400 listing the supported languages.
func readLang(req events.APIGatewayV2HTTPRequest) (string, error) {
	q, err := apigw.QueryValues(req)
	if err != nil {
		return "", err
	}
	vs := q["lang"]
	switch {
	case len(vs) == 0:
		return stickers.English, nil
	case len(vs) > 1:
		return "", apigw.Invalid("lang", "must be given once")
	}
	return checkLang("lang", vs[0])
}

// checkLang accepts a supported language code, in any case.
func checkLang(field, v string) (string, error) {
	lang := strings.ToLower(strings.TrimSpace(v))
	if lang == "" {
		return stickers.English, nil
	}
	langs := stickers.Languages()
	if !slices.Contains(langs, lang) {
		return "", apigw.Invalid(field, fmt.Sprintf("%q is not a supported language; supported: %s", v, strings.Join(langs, ", ")))
	}
	return lang, nil
}

// readQuery returns the query parameter, or a 400 saying what is wrong with it.
func readQuery(req events.APIGatewayV2HTTPRequest, field string) (string, error) {
	q, err := apigw.QueryValues(req)
	if err != nil {
		return "", err
	}
	vs := q[field]
	switch {
	case len(vs) == 0:
		return "", apigw.Invalid(field, "is required: the words to search for, such as ?query=cat+in+a+park")
	case len(vs) > 1:
		return "", apigw.Invalid(field, "must be given once")
	}
	v := strings.TrimSpace(vs[0])
	switch {
	case !utf8.ValidString(v):
		return "", apigw.Invalid(field, "must be valid UTF-8")
	case v == "":
		return "", apigw.Invalid(field, "must not be empty")
	case utf8.RuneCountInString(v) > MaxQueryLength:
		return "", apigw.Invalid(field, "is longer than 255 characters")
	}
	return v, nil
}

// search answers GET /api/search/.
func (s *service) search(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	query, qerr := readQuery(req, "query")
	limit, lerr := apigw.Limit(req, s.cfg.SearchPageLimit)
	lang, langErr := readLang(req)
	if err := joinProblems(qerr, lerr, langErr); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	ix, err := s.catalog.Index(ctx, lang)
	degraded := errors.Is(err, stickers.ErrAddedUnavailable)
	if err != nil && !degraded {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	key := stickers.QueryKey(lang, query)
	var (
		wg     sync.WaitGroup
		counts []stickers.Counts
		fbErr  error
	)
	wg.Go(func() { counts, fbErr = s.store.Feedback(ctx, key) })
	wg.Go(func() {
		// Usage is counted for every search; a failure to count is logged and
		// the search still answered (availability before analytics).
		if err := s.usage.RecordSearch(ctx, key, query, s.now()); err != nil {
			s.log.ErrorContext(ctx, "search usage not recorded", "error", err)
		}
	})
	hits := ix.Search(query, max(limit*candidates, 50))
	wg.Wait()
	if fbErr != nil { // rank on text alone rather than fail the search
		s.log.ErrorContext(ctx, "feedback not read; ranking on text only", "error", fbErr)
		counts = nil
	}
	ranked := stickers.Rerank(hits, counts, ix.Sticker, limit)
	resp := SearchResponse{Query: query, Stickers: make([]string, 0, len(ranked)), Results: make([]SearchResult, 0, len(ranked))}
	for _, r := range ranked {
		tags := r.Sticker.Tags
		if tags == nil {
			tags = []string{}
		}
		resp.Stickers = append(resp.Stickers, r.Sticker.ID)
		resp.Results = append(resp.Results, SearchResult{
			ID: r.Sticker.ID, Title: r.Sticker.Title, Tags: tags, ImageURL: s.images.URL(r.Sticker),
			Emoji: r.Sticker.Emoji, Score: math.Round(r.Score*1e4) / 1e4,
		})
	}
	out, err := apigw.JSON(200, resp)
	if err == nil && degraded {
		out.Headers[CatalogHeader] = "shipped-only"
	}
	return out, err
}

// joinProblems merges the field errors of several 400 problems into one, so
// that a request with two bad parameters hears about both.
func joinProblems(errs ...error) error {
	var fields []apigw.FieldError
	for _, err := range errs {
		if err == nil {
			continue
		}
		p, ok := err.(*apigw.Problem)
		if !ok || len(p.Errors) == 0 {
			return err
		}
		fields = append(fields, p.Errors...)
	}
	if len(fields) == 0 {
		return nil
	}
	return apigw.Validation(fields...)
}
