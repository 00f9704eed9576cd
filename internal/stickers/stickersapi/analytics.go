package stickersapi

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"golang.org/x/sync/errgroup"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/cursor"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/stickers"
)

// QueryAnalytics is what is known about one query: its usage and the
// feedback per sticker, best score first.
type QueryAnalytics struct {
	Query    QueryUsage        `json:"query"`
	Feedback []StickerFeedback `json:"feedback"`
}

// QueryUsage is a query (as last typed), its normalized form and how often it was searched.
type QueryUsage struct {
	Query      string `json:"query"`
	Normalized string `json:"normalized"`
	Usage      int64  `json:"usage"`
}

// StickerFeedback is the votes one sticker got for a query and their smoothed score.
type StickerFeedback struct {
	Sticker   string  `json:"sticker"`
	Positives int64   `json:"positives"`
	Negatives int64   `json:"negatives"`
	Score     float64 `json:"score"`
}

// analyticsPosition is where a page of the all-queries listing starts.
type analyticsPosition struct {
	Offset int `json:"o"`
}

const analyticsConcurrency = 8

// NewAnalytics builds GET /api/analytics/ (admin).
func NewAnalytics(_ context.Context, d function.Deps) (any, error) {
	s, err := fromEnv(d)
	if err != nil {
		return nil, err
	}
	if s.cursors, err = cursor.FromEnv(d.Env, d.AWS); err != nil {
		return nil, err
	}
	return apigw.Handle(s.analytics, apigw.Accepts{Query: []string{"query", "format", "limit", "cursor"}}), nil
}

// analytics answers GET /api/analytics/: one query with ?query=, else every
// query most used first, paginated; format=csv exports the same as CSV (all
// queries at once when no query is named).
func (s *service) analytics(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	if _, err := auth.Require(req, auth.Admin); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	q, err := apigw.QueryValues(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" {
		return events.APIGatewayV2HTTPResponse{}, apigw.Invalid("format", `must be "json" (the default) or "csv"`)
	}
	if _, named := q["query"]; named {
		query, err := readQuery(req, "query")
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		a, err := s.queryAnalytics(ctx, stickers.QueryKey(stickers.English, query), query)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		if format == "csv" {
			return csvResponse([]QueryAnalytics{a})
		}
		return apigw.JSON(200, a)
	}
	usages, err := s.queriesByUsage(ctx)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if format == "csv" {
		page, err := s.analyticsOf(ctx, usages)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		return csvResponse(page)
	}
	limit, err := apigw.Limit(req, apigw.DefaultLimit)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	scope := cursor.Scope("GET /api/analytics/", map[string]string{"format": format})
	var pos analyticsPosition
	if c := q.Get("cursor"); c != "" {
		if err := s.cursors.Decode(c, scope, &pos); err != nil || pos.Offset < 0 {
			return events.APIGatewayV2HTTPResponse{}, apigw.InvalidCursor(err)
		}
	}
	start := min(pos.Offset, len(usages))
	end := min(start+limit, len(usages))
	items, err := s.analyticsOf(ctx, usages[start:end])
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	page := apigw.Page[QueryAnalytics]{Items: items}
	if end < len(usages) {
		if page.NextCursor, err = s.cursors.Encode(scope, analyticsPosition{Offset: end}); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
	}
	return apigw.JSON(200, page)
}

// queriesByUsage returns every query, most used first (ties by query).
func (s *service) queriesByUsage(ctx context.Context) ([]stickers.Usage, error) {
	usages, err := s.store.Queries(ctx)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(usages, func(a, b stickers.Usage) int {
		return cmp.Or(cmp.Compare(b.Usage, a.Usage), strings.Compare(a.Query, b.Query))
	})
	return usages, nil
}

// analyticsOf reads the feedback of each query, a few at a time.
func (s *service) analyticsOf(ctx context.Context, usages []stickers.Usage) ([]QueryAnalytics, error) {
	out := make([]QueryAnalytics, len(usages))
	var g errgroup.Group
	g.SetLimit(analyticsConcurrency)
	for i, u := range usages {
		g.Go(func() error {
			counts, err := s.store.Feedback(ctx, u.Query)
			out[i] = QueryAnalytics{Query: QueryUsage{Query: u.Display, Normalized: u.Query, Usage: u.Usage}, Feedback: scored(counts)}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *service) queryAnalytics(ctx context.Context, key, asked string) (QueryAnalytics, error) {
	u, ok, err := s.store.Usage(ctx, key)
	if err != nil {
		return QueryAnalytics{}, err
	}
	if !ok {
		u = stickers.Usage{Query: key, Display: asked}
	}
	counts, err := s.store.Feedback(ctx, key)
	if err != nil {
		return QueryAnalytics{}, err
	}
	return QueryAnalytics{Query: QueryUsage{Query: u.Display, Normalized: key, Usage: u.Usage}, Feedback: scored(counts)}, nil
}

// scored sorts feedback by smoothed score, best first.
func scored(counts []stickers.Counts) []StickerFeedback {
	out := make([]StickerFeedback, 0, len(counts))
	for _, c := range counts {
		out = append(out, StickerFeedback{Sticker: c.Sticker, Positives: c.Positives, Negatives: c.Negatives, Score: roundedScore(c)})
	}
	slices.SortFunc(out, func(a, b StickerFeedback) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), strings.Compare(a.Sticker, b.Sticker))
	})
	return out
}

// roundedScore is a sticker's smoothed score to four decimals.
func roundedScore(c stickers.Counts) float64 { return math.Round(stickers.Score(c)*1e4) / 1e4 }

// csvResponse writes one row per (query, sticker), and one row with an empty
// sticker for a query without feedback.
func csvResponse(items []QueryAnalytics) (events.APIGatewayV2HTTPResponse, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"query", "normalized", "usage", "sticker", "positives", "negatives", "score"})
	for _, a := range items {
		head := []string{csvSafe(a.Query.Query), a.Query.Normalized, strconv.FormatInt(a.Query.Usage, 10)}
		if len(a.Feedback) == 0 {
			_ = w.Write(append(head, "", "", "", ""))
			continue
		}
		for _, f := range a.Feedback {
			_ = w.Write(append(slices.Clone(head), f.Sticker, strconv.FormatInt(f.Positives, 10),
				strconv.FormatInt(f.Negatives, 10), strconv.FormatFloat(f.Score, 'f', 4, 64)))
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: 200,
		Headers: map[string]string{
			"Content-Type":        "text/csv; charset=utf-8",
			"Content-Disposition": `attachment; filename="sticker-analytics.csv"`,
			"Cache-Control":       "no-store",
		},
		Body: buf.String(),
	}, nil
}

// csvSafe defuses user text that a spreadsheet would run as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
