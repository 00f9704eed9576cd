package blogapi

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/blog"
	"github.com/mosaic-platform/mosaic/internal/classify"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
)

// classifierFunc adapts a function to classify.Classifier.
type classifierFunc func(ctx context.Context, texts []string) ([]classify.Result, error)

func (f classifierFunc) Classify(ctx context.Context, texts []string) ([]classify.Result, error) {
	return f(ctx, texts)
}

// wordClassifier flags, as profanity, every text that contains "darn"; it
// counts its calls and texts, and records the largest batch it was sent.
type wordClassifier struct{ calls, texts, largest atomic.Int64 }

func (w *wordClassifier) Classify(_ context.Context, texts []string) ([]classify.Result, error) {
	w.calls.Add(1)
	w.texts.Add(int64(len(texts)))
	for n := int64(len(texts)); ; {
		if old := w.largest.Load(); n <= old || w.largest.CompareAndSwap(old, n) {
			break
		}
	}
	out := make([]classify.Result, len(texts))
	for i, t := range texts {
		r := classify.Result{Model: "words-test", TopLabel: classify.Profanity,
			Labels: []classify.Score{{Label: classify.Profanity, Score: 0.01}, {Label: classify.Hate, Score: 0}}}
		if strings.Contains(t, "darn") {
			r.Flagged = true
			r.Labels = []classify.Score{{Label: classify.Profanity, Score: 0.93}, {Label: classify.Harassment, Score: 0.2}, {Label: classify.Hate, Score: 0}}
		}
		out[i] = r
	}
	return out, nil
}

type workerFixture struct {
	store blog.Store
	words *wordClassifier
	mod   *Moderator
	now   time.Time
}

// newWorker is the worker over a store on the embedded DynamoDB emulator,
// with classifier c (nil: a wordClassifier).
func newWorker(t testing.TB, c classify.Classifier) *workerFixture {
	db, table := emutest.EmbeddedTable(t, "PostsTable")
	entries := outbox.NewTable(db, emutest.CreateTable(t, db, "OutboxTable", true))
	f := &workerFixture{store: blog.NewDynamoStore(db, table, entries), words: &wordClassifier{}, now: time.Now().UTC().Truncate(time.Second)}
	if c == nil {
		c = f.words
	}
	f.mod = &Moderator{Store: f.store, Classifier: c, Now: func() time.Time { return f.now }, MaxWarmWait: time.Minute}
	return f
}

func (f *workerFixture) add(t *testing.T, id string, paragraphs ...string) {
	t.Helper()
	must(t, f.store.Create(context.Background(), blog.Post{ID: id, Slug: blog.Slug("t", id), Title: "t", Paragraphs: paragraphs,
		Status: blog.Pending, Version: 1, CreatedAt: f.now, UpdatedAt: f.now}))
}

// deliver runs the Lambda handler on one SQS message and reports whether it failed.
func (f *workerFixture) deliver(t *testing.T, req blog.ModerationRequest) bool {
	t.Helper()
	body, _ := json.Marshal(req)
	resp, _ := f.mod.Handler(2)(context.Background(), events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m1", Body: string(body)}}})
	return len(resp.BatchItemFailures) > 0
}

func (f *workerFixture) get(t *testing.T, id string) blog.Post {
	t.Helper()
	p, err := f.store.Get(context.Background(), id)
	must(t, err)
	return p
}

const (
	postA = "00000000000000a1"
	postB = "00000000000000b2"
)

func TestModeratePublishesCleanAndFlagsFoulPosts(t *testing.T) {
	f := newWorker(t, nil)
	f.add(t, postA, "Hello there.", "A fine day.")
	f.add(t, postB, "Hello there.", "What a darn shame.", "Bye.", "darn again")
	body := func(id string) string {
		b, _ := json.Marshal(blog.ModerationRequest{ID: id, Version: 1})
		return string(b)
	}
	resp, err := f.mod.Handler(2)(context.Background(), events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "a", Body: body(postA)}, {MessageId: "b", Body: body(postB)},
	}})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("batch: %+v, %v", resp, err)
	}
	if p := f.get(t, postA); p.Status != blog.Published || p.Moderation.HasFoulLanguage || len(p.Moderation.Offending) != 0 || p.Moderation.Model != "words-test" {
		t.Errorf("clean post: %+v %+v", p, p.Moderation)
	}
	p := f.get(t, postB)
	if p.Status != blog.Flagged || !p.Moderation.HasFoulLanguage || len(p.Moderation.Offending) != 2 {
		t.Fatalf("foul post: %+v %+v", p, p.Moderation)
	}
	o := p.Moderation.Offending[0]
	if o.Index != 1 || o.TopLabel != classify.Profanity || len(o.Labels) != 2 || o.Labels[0].Score != 0.93 || p.Moderation.Offending[1].Index != 3 {
		t.Errorf("offending paragraphs: %+v (labels scored 0 are left out)", p.Moderation.Offending)
	}
}

func TestModerateIgnoresDuplicateDelivery(t *testing.T) {
	f := newWorker(t, nil)
	f.add(t, postA, "What a darn shame.")
	if f.deliver(t, blog.ModerationRequest{ID: postA, Version: 1}) {
		t.Fatal("first delivery failed")
	}
	first := f.get(t, postA)
	f.now = f.now.Add(time.Hour)
	if f.deliver(t, blog.ModerationRequest{ID: postA, Version: 1}) {
		t.Fatal("second delivery failed")
	}
	second := f.get(t, postA)
	if second.Status != blog.Flagged || !second.Moderation.ModeratedAt.Equal(first.Moderation.ModeratedAt) || !second.UpdatedAt.Equal(first.UpdatedAt) {
		t.Errorf("a redelivered message changed the post: %+v then %+v", first.Moderation, second.Moderation)
	}
	if n := f.words.calls.Load(); n != 1 {
		t.Errorf("classifier called %d times, want once", n)
	}
}

func TestModerateEditRacingAnInFlightClassification(t *testing.T) {
	f := newWorker(t, nil)
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	f.mod.Classifier = classifierFunc(func(ctx context.Context, texts []string) ([]classify.Result, error) {
		once.Do(func() { close(entered); <-release }) // the first classification is slow
		return f.words.Classify(ctx, texts)
	})
	f.add(t, postA, "What a darn shame.")
	failed := make(chan bool)
	go func() { failed <- f.deliver(t, blog.ModerationRequest{ID: postA, Version: 1}) }()
	<-entered
	// The writer cleans the post up while version 1 is being classified.
	edited, _, err := f.store.Edit(context.Background(), postA, blog.Content{Title: "t", Paragraphs: []string{"What a shame."}}, f.now)
	must(t, err)
	close(release)
	if <-failed {
		t.Fatal("the stale verdict failed the message; it must be dropped quietly")
	}
	if p := f.get(t, postA); p.Status != blog.Pending || p.Version != 2 || p.Moderation != nil {
		t.Fatalf("the verdict on version 1 landed on version 2: %+v", p)
	}
	if f.deliver(t, blog.ModerationRequest{ID: postA, Version: edited.Version}) {
		t.Fatal("moderating version 2 failed")
	}
	if p := f.get(t, postA); p.Status != blog.Published || p.Moderation.Version != 2 {
		t.Errorf("version 2: %+v %+v", p, p.Moderation)
	}
}

func TestModerateAfterReviewChangesNothing(t *testing.T) {
	ctx := context.Background()
	f := newWorker(t, nil)
	f.add(t, postA, "What a darn shame.")
	f.deliver(t, blog.ModerationRequest{ID: postA, Version: 1})
	if _, err := f.store.Review(ctx, postA, 1, []blog.Status{blog.Flagged}, blog.Published, blog.Review{Decision: "approve", ReviewedAt: f.now}, f.now); err != nil {
		t.Fatal(err)
	}
	// The version 1 message comes again (redelivery, or a redrive): the admin's decision stands.
	if f.deliver(t, blog.ModerationRequest{ID: postA, Version: 1}) {
		t.Fatal("stale message failed")
	}
	if p := f.get(t, postA); p.Status != blog.Published || p.Version != 2 || p.Moderation.Review == nil {
		t.Errorf("after a stale redelivery: %+v", p)
	}

	// A review landing while a classification is in flight wins over its verdict.
	f.add(t, postB, "What a darn shame.")
	f.mod.Classifier = classifierFunc(func(ctx context.Context, texts []string) ([]classify.Result, error) {
		_, err := f.store.Review(ctx, postB, 1, []blog.Status{blog.Pending}, blog.Rejected, blog.Review{Decision: "reject", ReviewedAt: f.now}, f.now)
		must(t, err)
		return f.words.Classify(ctx, texts)
	})
	if f.deliver(t, blog.ModerationRequest{ID: postB, Version: 1}) {
		t.Fatal("message failed")
	}
	if p := f.get(t, postB); p.Status != blog.Rejected || p.Version != 2 {
		t.Errorf("the verdict overwrote a review: %+v", p)
	}
}

func TestModerateDeletedPostIsANoOp(t *testing.T) {
	f := newWorker(t, nil)
	if f.deliver(t, blog.ModerationRequest{ID: postA, Version: 1}) {
		t.Error("message for a deleted post failed")
	}
	if f.words.calls.Load() != 0 {
		t.Error("classified a deleted post")
	}
}

func TestModerateClassifierFailureLeavesThePostPending(t *testing.T) {
	f := newWorker(t, classifierFunc(func(context.Context, []string) ([]classify.Result, error) {
		return nil, errors.New("classifier: 500 Internal Server Error")
	}))
	f.add(t, postA, "Hello.")
	if !f.deliver(t, blog.ModerationRequest{ID: postA, Version: 1}) {
		t.Fatal("a classifier failure must fail the message, so that it is retried and then dead-lettered")
	}
	if p := f.get(t, postA); p.Status != blog.Pending || p.Moderation != nil {
		t.Errorf("post after a failure: %+v", p)
	}
}

func TestModerateWaitsForAWarmingModel(t *testing.T) {
	var calls atomic.Int64
	words := &wordClassifier{}
	warming := classifierFunc(func(ctx context.Context, texts []string) ([]classify.Result, error) {
		if calls.Add(1) == 1 {
			return nil, &classify.WarmingUpError{RetryAfter: time.Millisecond}
		}
		return words.Classify(ctx, texts)
	})
	f := newWorker(t, warming)
	f.add(t, postA, "Hello.")
	if f.deliver(t, blog.ModerationRequest{ID: postA, Version: 1}) || f.get(t, postA).Status != blog.Published || calls.Load() != 2 {
		t.Errorf("after a warm-up: %+v, %d calls", f.get(t, postA), calls.Load())
	}

	// With no time left to wait, the message is left for a later retry.
	f = newWorker(t, classifierFunc(func(context.Context, []string) ([]classify.Result, error) {
		return nil, &classify.WarmingUpError{RetryAfter: time.Hour}
	}))
	f.mod.MaxWarmWait = 0
	f.add(t, postA, "Hello.")
	if !f.deliver(t, blog.ModerationRequest{ID: postA, Version: 1}) || f.get(t, postA).Status != blog.Pending {
		t.Error("a model still loading must leave the message for a retry")
	}
}

func TestModerateSendsAtMost32TextsPerCall(t *testing.T) {
	f := newWorker(t, nil)
	ps := make([]string, 70)
	for i := range ps {
		ps[i] = "fine"
	}
	ps[65] = "darn"
	f.add(t, postA, ps...)
	if f.deliver(t, blog.ModerationRequest{ID: postA, Version: 1}) {
		t.Fatal("moderating a 70-paragraph post failed")
	}
	if n := f.words.largest.Load(); n > 32 {
		t.Errorf("the classifier was sent %d texts in one call, want at most 32", n)
	}
	p := f.get(t, postA)
	if f.words.calls.Load() != 3 || f.words.texts.Load() != 70 || p.Status != blog.Flagged || p.Moderation == nil ||
		len(p.Moderation.Offending) != 1 || p.Moderation.Offending[0].Index != 65 {
		t.Fatalf("%d calls for %d texts; %+v", f.words.calls.Load(), f.words.texts.Load(), p.Moderation)
	}
}

func TestModerateRejectsMalformedMessages(t *testing.T) {
	f := newWorker(t, nil)
	for _, body := range []string{`not json`, `{"id":"x","version":1}`, `{"id":"00000000000000a1","version":0}`} {
		err := queue.JSON(f.mod.Moderate)(context.Background(), events.SQSMessage{Body: body})
		if !queue.IsPermanent(err) {
			t.Errorf("%s: %v, want a permanent error", body, err)
		}
	}
}
