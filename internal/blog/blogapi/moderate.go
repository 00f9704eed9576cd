package blogapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/blog"
	"github.com/mosaic-platform/mosaic/internal/classify"
	"github.com/mosaic-platform/mosaic/internal/classify/classifyapi"
	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/obs"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
)

// classifyBatch is the most texts sent to the classifier in one call (POST /classify's limit).
const classifyBatch = 32

// Moderator is the moderation worker: it classifies every paragraph of the
// version of a post a message names, and publishes or flags it.
type Moderator struct {
	Store      blog.Store
	Classifier classify.Classifier
	Now        func() time.Time
	// MaxWarmWait is the longest one message waits for a remote model that is
	// loading before the message is left for a later retry.
	MaxWarmWait time.Duration
}

// Handler is the SQS worker over m, processing up to concurrency messages of a batch at once.
func (m *Moderator) Handler(concurrency int) func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	return queue.Worker(queue.JSON(m.Moderate), queue.WithConcurrency(concurrency))
}

// Moderate handles one message. A message for a post deleted, edited or
// reviewed since, or already moderated, succeeds without changing anything; a
// classifier failure returns an error, so that the message is retried and
// ends in the dead-letter queue with the post still pending.
func (m *Moderator) Moderate(ctx context.Context, req blog.ModerationRequest) error {
	log := obs.Logger(ctx).With("post_id", req.ID, "version", req.Version)
	stale := func(why string, args ...any) error {
		log.InfoContext(ctx, why, args...)
		obs.Count(ctx, "StaleMessages", 1)
		return nil
	}
	if id, ok := blog.IDFromPath(req.ID); !ok || id != req.ID || req.Version < 1 {
		return queue.Permanent(fmt.Errorf("moderation message names no valid post: %+v", req))
	}
	p, err := m.Store.Get(ctx, req.ID)
	if errors.Is(err, blog.ErrNotFound) {
		return stale("post deleted before moderation; nothing to do")
	}
	if err != nil {
		return err
	}
	if pending, waits := p.PendingVersion(); !waits || pending != req.Version {
		return stale("message is stale or a duplicate; nothing to do", "current_version", p.Version, "status", string(p.Status), "has_draft", p.Draft != nil)
	}
	results, err := m.classify(ctx, p.PendingParagraphs())
	if err != nil {
		return fmt.Errorf("classify post %s version %d: %w", p.ID, req.Version, err)
	}
	mod := verdict(results, req.Version, m.Now().UTC())
	// Clean or not, an edit of a rejected post goes back to an admin (the
	// store applies the same rule to a draft of a post rejected meanwhile).
	to := blog.VerdictStatus(p, mod.HasFoulLanguage)
	err = m.Store.Moderate(ctx, p.ID, req.Version, to, mod, m.Now().UTC())
	if errors.Is(err, blog.ErrStale) {
		// Edited, reviewed or deleted while it was being classified: that change wins.
		return stale("post changed during classification; verdict dropped")
	}
	if err != nil {
		return err
	}
	log.InfoContext(ctx, "post moderated", "status", string(to), "offending", len(mod.Offending), "prior_rejection", p.PriorRejection != nil)
	obs.Count(ctx, "Posts"+map[blog.Status]string{blog.Published: "Published", blog.Flagged: "Flagged"}[to], 1)
	return nil
}

// classify sends texts in batches, waiting (within MaxWarmWait and the
// invocation's deadline) for a remote model that is loading.
func (m *Moderator) classify(ctx context.Context, texts []string) ([]classify.Result, error) {
	out := make([]classify.Result, 0, len(texts))
	waited := time.Duration(0)
	for start := 0; start < len(texts); {
		end := min(start+classifyBatch, len(texts))
		rs, err := m.Classifier.Classify(ctx, texts[start:end])
		var warm *classify.WarmingUpError
		if errors.As(err, &warm) {
			wait := min(max(warm.RetryAfter, time.Second), m.MaxWarmWait-waited)
			if dl, ok := ctx.Deadline(); ok {
				wait = min(wait, time.Until(dl)-5*time.Second) // leave time to answer
			}
			if wait <= 0 {
				return nil, err
			}
			obs.Count(ctx, "ClassifierWarmWaits", 1)
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			waited += wait
			continue
		}
		if err != nil {
			return nil, err
		}
		if len(rs) != end-start {
			return nil, fmt.Errorf("classifier returned %d results for %d texts", len(rs), end-start)
		}
		out = append(out, rs...)
		start = end
	}
	return out, nil
}

// verdict turns the paragraphs' results into a post's moderation.
func verdict(results []classify.Result, version int64, now time.Time) blog.Moderation {
	m := blog.Moderation{Offending: []blog.Offense{}, ModeratedAt: now, Version: version}
	for i, r := range results {
		if m.Model == "" {
			m.Model = r.Model
		}
		if !r.Flagged {
			continue
		}
		o := blog.Offense{Index: i, TopLabel: r.TopLabel, Labels: []classify.Score{}}
		for _, s := range r.Labels {
			if s.Score > 0 {
				o.Labels = append(o.Labels, s)
			}
		}
		m.Offending = append(m.Offending, o)
	}
	m.HasFoulLanguage = len(m.Offending) > 0
	return m
}

// NewModeratePosts builds the moderation worker (SQS) over the classifier
// configured as classifyapi.FromEnv documents (the embedded lexicon by default).
// It reads POSTS_TABLE, MODERATION_CONCURRENCY (messages of a batch classified
// at once, default 4) and MODERATION_MAX_WARM_WAIT (how long one message waits
// for a remote model that is loading, default 20s).
func NewModeratePosts(ctx context.Context, d function.Deps) (any, error) {
	l := config.New(d.Env)
	table := l.String("POSTS_TABLE")
	concurrency := l.IntOr("MODERATION_CONCURRENCY", 4, 1, 10)
	warm := l.DurationOr("MODERATION_MAX_WARM_WAIT", 20*time.Second)
	if err := l.Err(); err != nil {
		return nil, err
	}
	c, err := classifyapi.FromEnv(ctx, d)
	if err != nil {
		return nil, fmt.Errorf("build the classifier: %w", err)
	}
	m := &Moderator{Store: blog.NewDynamoStore(awsclients.DynamoDB(d.AWS), table, nil), Classifier: c, Now: time.Now, MaxWarmWait: warm}
	return m.Handler(concurrency), nil
}
