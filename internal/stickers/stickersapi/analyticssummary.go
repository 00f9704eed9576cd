package stickersapi

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/stickers"
)

// Bounds of the summary's lists.
const (
	summaryDefaultDays = 30
	summaryMaxDays     = 366
	summaryTop         = 10
)

// Summary is the body of GET /api/analytics/summary: what the admin page shows.
type Summary struct {
	Days        []DaySearches    `json:"days"`
	TopQueries  []QueryAnalytics `json:"top_queries"`
	TopStickers []StickerSummary `json:"top_stickers"`
}

// DaySearches is the number of searches on one day (UTC).
type DaySearches struct {
	Date     string `json:"date"`
	Searches int64  `json:"searches"`
}

// StickerSummary is a sticker's feedback over every query.
type StickerSummary struct {
	Sticker   string  `json:"sticker"`
	Title     string  `json:"title"`
	ImageURL  string  `json:"image_url"`
	Positives int64   `json:"positives"`
	Negatives int64   `json:"negatives"`
	Score     float64 `json:"score"`
}

// NewAnalyticsSummary builds GET /api/analytics/summary (admin).
func NewAnalyticsSummary(_ context.Context, d function.Deps) (any, error) {
	s, err := fromEnv(d)
	if err != nil {
		return nil, err
	}
	return apigw.Handle(s.summary, apigw.Accepts{Query: []string{"days"}}), nil
}

// summary answers GET /api/analytics/summary?days=N (admin): searches per day
// over the last N days (default 30, today included, zero-filled, oldest first),
// the most used queries with their feedback, and the stickers with the best
// smoothed score over all queries.
func (s *service) summary(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	if _, err := auth.Require(req, auth.Admin); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	q, err := apigw.QueryValues(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	days := summaryDefaultDays
	if v := q.Get("days"); v != "" {
		if days, err = strconv.Atoi(v); err != nil || days < 1 || days > summaryMaxDays {
			return events.APIGatewayV2HTTPResponse{}, apigw.Invalid("days", "must be an integer from 1 to 366")
		}
	}
	today := s.now().UTC().Truncate(24 * time.Hour)
	from := today.AddDate(0, 0, -(days - 1))
	perDay, err := s.store.SearchesPerDay(ctx, from, today)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	out := Summary{Days: make([]DaySearches, 0, days)}
	for d := from; !d.After(today); d = d.AddDate(0, 0, 1) {
		date := d.Format(time.DateOnly)
		out.Days = append(out.Days, DaySearches{Date: date, Searches: perDay[date]})
	}
	usages, err := s.queriesByUsage(ctx)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	all, err := s.analyticsOf(ctx, usages)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	out.TopQueries = all[:min(summaryTop, len(all))]
	if out.TopStickers, err = s.topStickers(ctx, all); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.JSON(200, out)
}

// topStickers sums each sticker's votes over all queries and keeps the best scored.
func (s *service) topStickers(ctx context.Context, all []QueryAnalytics) ([]StickerSummary, error) {
	totals := map[string]*stickers.Counts{}
	for _, a := range all {
		for _, f := range a.Feedback {
			c := totals[f.Sticker]
			if c == nil {
				c = &stickers.Counts{Sticker: f.Sticker}
				totals[f.Sticker] = c
			}
			c.Positives += f.Positives
			c.Negatives += f.Negatives
		}
	}
	ix, err := s.catalog.Index(ctx, stickers.English)
	if err != nil && !errors.Is(err, stickers.ErrAddedUnavailable) { // a title missing is no reason to fail the summary
		return nil, err
	}
	out := make([]StickerSummary, 0, len(totals))
	for id, c := range totals {
		st, _ := ix.Sticker(id)
		st.ID = id
		out = append(out, StickerSummary{Sticker: id, Title: st.Title, ImageURL: s.images.URL(st), Positives: c.Positives,
			Negatives: c.Negatives, Score: roundedScore(*c)})
	}
	slices.SortFunc(out, func(a, b StickerSummary) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), strings.Compare(a.Sticker, b.Sticker))
	})
	return out[:min(summaryTop, len(out))], nil
}
