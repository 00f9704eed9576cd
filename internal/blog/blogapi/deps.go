// Package blogapi holds the Blog service's routes under /posts, one file per
// route, and its moderation worker, with the constructors that wire them from
// a function's environment: POSTS_TABLE (every function), the outbox
// (OUTBOX_TABLE, OUTBOX_QUEUES: create and update), CURSOR_SECRET (list),
// TOKEN_HASHES (list and get, which show more to privileged tokens) and
// POSTS_DLQ_ARN (redrive).
package blogapi

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/blog"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/cursor"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
)

type (
	request  = events.APIGatewayV2HTTPRequest
	response = events.APIGatewayV2HTTPResponse
)

// Posts is what the /posts routes share: each constructor fills the part its route uses.
type Posts struct {
	Store   blog.Store
	Outbox  *outbox.Outbox    // delivers the moderation work the store recorded (create, update)
	Cursors *cursor.Codec     // list
	Tokens  *auth.TokenSource // list, get: they show more to privileged tokens
	Now     func() time.Time
	NewID   func() string
}

// newPosts is Posts over the DynamoDB store POSTS_TABLE names, recording
// moderation work in entries (nil: the store refuses to create or edit).
func newPosts(d function.Deps, l *config.Loader, entries *outbox.Table) *Posts {
	store := blog.NewDynamoStore(awsclients.DynamoDB(d.AWS), l.String("POSTS_TABLE"), entries)
	return &Posts{Store: store, Now: time.Now, NewID: blog.NewID}
}

// withOutbox is newPosts with the outbox (OUTBOX_TABLE, OUTBOX_QUEUES) that
// records and delivers the moderation work of creates and edits.
func withOutbox(d function.Deps, l *config.Loader) (*Posts, error) {
	ob, entries, err := outbox.FromEnv(d, outbox.QueueModeration)
	p := newPosts(d, l, entries)
	p.Outbox = ob
	return p, err
}

// deliver sends the moderation work the store recorded with p; if the queue
// does not take it, the outbox relay sends it later.
func (s *Posts) deliver(ctx context.Context, p blog.Post) error {
	work, err := blog.ModerationWork(ctx, p)
	if err != nil {
		return err
	}
	s.Outbox.Deliver(ctx, work)
	return nil
}

// load reads the post named by the path's id (or slug).
func (s *Posts) load(ctx context.Context, req request) (blog.Post, error) {
	id, ok := blog.IDFromPath(req.PathParameters["id"])
	if !ok {
		return blog.Post{}, notFound()
	}
	p, err := s.Store.Get(ctx, id)
	if errors.Is(err, blog.ErrNotFound) {
		return blog.Post{}, notFound()
	}
	return p, err
}

func notFound() error { return apigw.NotFound("no such post") }
