package stickersapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"golang.org/x/sync/errgroup"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/stickers"
)

// Limits of one feedback request.
const (
	maxFeedbackBody    = 256 << 10
	maxFeedbackEntries = 50
	maxClientIDLength  = 128
	voteConcurrency    = 8
	rateWindow         = time.Minute
)

// FeedbackRequest is the body of POST /api/feedback/ (the seed's shape).
type FeedbackRequest struct {
	Feedback []FeedbackEntry `json:"feedback"`
}

// FeedbackEntry is what one client says about the results of one query.
type FeedbackEntry struct {
	Query    string   `json:"query"`
	Lang     string   `json:"lang,omitempty"` // the language searched in; default en
	Positive []string `json:"positive"`
	Negative []string `json:"negative"`
}

// FeedbackResponse counts the known sticker ids accepted and lists the
// unknown ones, and the queries nobody has searched (their votes count all the
// same; see Feedback).
type FeedbackResponse struct {
	Accepted   int      `json:"accepted"`
	Failed     []string `json:"failed"`
	Unsearched []string `json:"unsearched,omitempty"`
}

// NewFeedback builds POST /api/feedback/ (public). Its cold start reads
// nothing: the catalog is indexed on first use.
func NewFeedback(_ context.Context, d function.Deps) (any, error) {
	s, err := fromEnv(d)
	if err != nil {
		return nil, err
	}
	return apigw.Handle(s.feedback, apigw.Accepts{Body: true}), nil
}

// ClientKey identifies the sender of a request for caps and rate limits: its
// X-Client-Id header (an anonymous id the app keeps), else its source IP;
// hashed, so that neither is stored.
func ClientKey(req events.APIGatewayV2HTTPRequest) (string, error) {
	if id := strings.TrimSpace(apigw.Header(req, "X-Client-Id")); id != "" {
		if len(id) > maxClientIDLength || !utf8.ValidString(id) {
			return "", apigw.Invalid("X-Client-Id", fmt.Sprintf("must be at most %d bytes of UTF-8", maxClientIDLength))
		}
		return hashKey("id:" + id), nil
	}
	return sourceKey(req), nil
}

// sourceKey is the hashed source IP, which also bounds a sender that rotates
// X-Client-Id to escape its per-client limit.
func sourceKey(req events.APIGatewayV2HTTPRequest) string {
	return hashKey("ip:" + req.RequestContext.HTTP.SourceIP)
}

func hashKey(raw string) string {
	h := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(h[:16])
}

type vote struct {
	query, sticker string
	positive       bool
}

// validate checks the whole body before anything is written, and returns the
// votes to record and the unknown ids, in the order given.
func (s *service) validate(body FeedbackRequest, known func(string) bool) ([]vote, []string, error) {
	var v apigw.Validator
	if len(body.Feedback) == 0 {
		v.Add("feedback", "must list at least one {query, positive, negative} entry")
	}
	if len(body.Feedback) > maxFeedbackEntries {
		v.Add("feedback", fmt.Sprintf("has %d entries; at most %d are accepted per request", len(body.Feedback), maxFeedbackEntries))
	}
	var votes []vote
	var failed []string
	seenFailed := map[string]bool{}
	total := 0
	for i, e := range body.Feedback {
		field := fmt.Sprintf("feedback[%d]", i)
		q := strings.TrimSpace(e.Query)
		switch {
		case q == "":
			v.Add(field+".query", "must not be empty")
		case utf8.RuneCountInString(q) > MaxQueryLength:
			v.Add(field+".query", "is longer than 255 characters")
		}
		lang, err := checkLang(field+".lang", e.Lang)
		if err != nil {
			v.Add(field+".lang", err.(*apigw.Problem).Errors[0].Message)
		}
		key := stickers.QueryKey(lang, q)
		polarity := map[string]bool{}
		for _, list := range []struct {
			name     string
			ids      []string
			positive bool
		}{{"positive", e.Positive, true}, {"negative", e.Negative, false}} {
			for j, id := range list.ids {
				total++
				f := fmt.Sprintf("%s.%s[%d]", field, list.name, j)
				if id == "" || len(id) > maxStickerIDLength {
					v.Add(f, "must be a sticker id")
					continue
				}
				if p, ok := polarity[id]; ok {
					if p != list.positive {
						v.Add(f, fmt.Sprintf("sticker %q is both positive and negative for this query", id))
					}
					continue // a repeat in the same list counts once
				}
				polarity[id] = list.positive
				if !known(id) {
					if !seenFailed[id] {
						seenFailed[id] = true
						failed = append(failed, id)
					}
					continue
				}
				votes = append(votes, vote{query: key, sticker: id, positive: list.positive})
			}
		}
	}
	if total > s.cfg.FeedbackMaxIDs {
		v.Add("feedback", fmt.Sprintf("names %d sticker ids; at most %d are accepted per request", total, s.cfg.FeedbackMaxIDs))
	}
	return votes, failed, v.Err()
}

// feedback answers POST /api/feedback/: every known id is recorded as the
// client's latest vote on (query, sticker), which counts once: a repeat is
// accepted but does not count again, a reversal moves the client's count to
// the other side; unknown ids are listed in failed. Accepted counts the known
// ids, whether their vote was counted, moved or confirmed.
//
// A vote on a query nobody searched is recorded too, and the query listed in
// unsearched (the original service answered "Query not found" and stored
// nothing). Refusing it would protect nothing, since search is public and an
// abuser searches first: what bounds abuse is one count per client and pair
// and the rate limits. And searches are counted in batches, so a query
// searched a moment ago may not be counted yet: refusing would turn away
// honest clients for a race.
func (s *service) feedback(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	client, err := ClientKey(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	var body FeedbackRequest
	if err := apigw.DecodeJSON(req, &body, maxFeedbackBody); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	ix, err := s.catalog.Index(ctx, stickers.English)
	degraded := errors.Is(err, stickers.ErrAddedUnavailable)
	if err != nil && !degraded {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	votes, failed, err := s.validate(body, func(id string) bool { _, ok := ix.Sticker(id); return ok })
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if degraded && len(failed) > 0 {
		// An id the shipped catalog lacks may be an added sticker: say so
		// rather than call it unknown.
		return events.APIGatewayV2HTTPResponse{}, apigw.ServiceUnavailable("the stickers admins added cannot be read right now, so sticker ids outside the shipped catalog cannot be checked; try again shortly", stickers.RetryAddedAfter)
	}
	now := s.now()
	if len(votes) > 0 {
		if err := s.allow(ctx, req, client, len(votes), now); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
	}
	var (
		wg         sync.WaitGroup
		unsearched []string
	)
	wg.Go(func() { unsearched = s.unsearched(ctx, body) })
	err = s.record(ctx, client, votes, now)
	wg.Wait()
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if failed == nil {
		failed = []string{}
	}
	return apigw.JSON(200, FeedbackResponse{Accepted: len(votes), Failed: failed, Unsearched: unsearched})
}

// unsearched returns the queries of body (as sent) with no usage counted yet.
// A failure to read usage is logged and lists nothing: it is information only.
func (s *service) unsearched(ctx context.Context, body FeedbackRequest) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range body.Feedback {
		lang, _ := checkLang("lang", e.Lang) // validated already
		key := stickers.QueryKey(lang, strings.TrimSpace(e.Query))
		if seen[key] {
			continue
		}
		seen[key] = true
		_, ok, err := s.store.Usage(ctx, key)
		if err != nil {
			s.log.WarnContext(ctx, "usage not read; unsearched queries not reported", "error", err)
			return nil
		}
		if !ok {
			out = append(out, strings.TrimSpace(e.Query))
		}
	}
	return out
}

// allow applies the rate limits: per client and, when the client names itself
// with X-Client-Id, per source IP too (higher, for clients behind one NAT), so
// that rotating ids does not multiply what one sender may vote.
func (s *service) allow(ctx context.Context, req events.APIGatewayV2HTTPRequest, client string, votes int, now time.Time) error {
	type rateLimit struct {
		key, who string
		limit    int
	}
	limits := []rateLimit{{client, "this client", s.cfg.FeedbackPerMin}}
	if ip := sourceKey(req); ip != client {
		limits = append(limits, rateLimit{ip, "one network address", s.cfg.FeedbackPerIP})
	}
	for _, l := range limits {
		ok, err := s.store.Allow(ctx, l.key, votes, l.limit, rateWindow, now)
		if err != nil {
			return err
		}
		if !ok {
			wait := now.Truncate(rateWindow).Add(rateWindow).Sub(now)
			return apigw.TooManyRequests(fmt.Sprintf("%s may send %d sticker votes a minute; try again later", l.who, l.limit), wait)
		}
	}
	return nil
}

// record writes the votes, a few at a time. Each vote is atomic and
// idempotent per client (its latest direction wins), so a client retrying
// after a partial failure loses nothing and double-counts nothing.
func (s *service) record(ctx context.Context, client string, votes []vote, at time.Time) error {
	var g errgroup.Group
	g.SetLimit(voteConcurrency)
	for _, v := range votes {
		g.Go(func() error {
			_, err := s.store.Vote(ctx, stickers.Vote{Query: v.query, Sticker: v.sticker, Client: client, Positive: v.positive}, at)
			return err
		})
	}
	return g.Wait()
}
