package blog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/classify"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/cursor"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/obs"
	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
)

// PostView is a post as the API shows it.
type PostView struct {
	ID              string      `json:"id"`
	Slug            string      `json:"blogpost_slug"`
	Title           string      `json:"title"`
	Author          string      `json:"author,omitempty"`
	Paragraphs      []string    `json:"paragraphs"`
	Status          Status      `json:"status"`
	HasFoulLanguage bool        `json:"has_foul_language"`
	Moderation      *Moderation `json:"moderation,omitempty"`
	PriorRejection  *Review     `json:"prior_rejection,omitempty"` // an earlier version's rejection, until an admin decides again
	PendingEdit     *Draft      `json:"pending_edit,omitempty"`    // an edit awaiting moderation; shown to writers and admins
	Version         int64       `json:"version"`
	CreatedAt       time.Time   `json:"created_at"`
	UpdatedAt       time.Time   `json:"updated_at"`
}

// View renders p for the API, with the text of each offending paragraph and
// any pending edit: for writers and admins (see PublicView).
func View(p Post) PostView {
	v := PublicView(p)
	if p.Draft != nil {
		d := *clonePost(p).Draft
		v.PendingEdit = &d
	}
	return v
}

// PublicView renders p as anyone may see it: without a pending edit.
func PublicView(p Post) PostView {
	v := PostView{
		ID: p.ID, Slug: p.Slug, Title: p.Title, Author: p.Author, Paragraphs: p.Paragraphs,
		Status: p.Status, Version: p.Version, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
	}
	if p.PriorRejection != nil {
		r := *p.PriorRejection
		v.PriorRejection = &r
	}
	if v.Paragraphs == nil {
		v.Paragraphs = []string{}
	}
	if p.Moderation != nil {
		m := clonePost(p).Moderation
		if m.Offending == nil {
			m.Offending = []Offense{}
		}
		for i, o := range m.Offending {
			if o.Index >= 0 && o.Index < len(p.Paragraphs) {
				m.Offending[i].Text = p.Paragraphs[o.Index]
			}
			if o.Labels == nil {
				m.Offending[i].Labels = []classify.Score{}
			}
		}
		v.Moderation, v.HasFoulLanguage = m, m.HasFoulLanguage
	}
	return v
}

// ModerationRequest is the message that asks the worker to moderate one version of a post.
type ModerationRequest struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
}

// ReviewRequest is the body of POST /posts/{id}/review.
type ReviewRequest struct {
	Decision string `json:"decision"`
}

// Posts serves the /posts routes.
type Posts struct {
	Store   Store
	Outbox  *outbox.Outbox // delivers the moderation work the store recorded
	Cursors *cursor.Codec
	Tokens  *auth.TokenSource // for the public routes that show more to privileged tokens
	Now     func() time.Time
	NewID   func() string
}

// postsFromEnv builds Posts from POSTS_TABLE and, when asked, the outbox
// (OUTBOX_TABLE, OUTBOX_QUEUES), cursor and token configuration.
func postsFromEnv(d function.Deps, withQueue, withCursors, withTokens bool) (*Posts, error) {
	l := config.New(d.Env)
	table := l.String("POSTS_TABLE")
	if err := l.Err(); err != nil {
		return nil, err
	}
	var (
		ob      *outbox.Outbox
		obTable *outbox.Table
		err     error
	)
	if withQueue {
		if ob, obTable, err = outbox.FromEnv(d, outbox.QueueModeration); err != nil {
			return nil, err
		}
	}
	p := &Posts{Store: NewDynamoStore(awsclients.DynamoDB(d.AWS), table, obTable), Outbox: ob, Now: time.Now, NewID: NewID}
	if withCursors {
		if p.Cursors, err = cursor.FromEnv(d.Env, d.AWS); err != nil {
			return nil, err
		}
	}
	if withTokens {
		if p.Tokens, err = auth.LoadTokens(d); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// NewCreatePost builds POST /posts (writer).
func NewCreatePost(_ context.Context, d function.Deps) (any, error) {
	p, err := postsFromEnv(d, true, false, false)
	if err != nil {
		return nil, err
	}
	return apigw.Handle(p.Create, apigw.Accepts{Body: true}), nil
}

// NewListPosts builds GET /posts (public; ?status=flagged needs admin).
func NewListPosts(_ context.Context, d function.Deps) (any, error) {
	p, err := postsFromEnv(d, false, true, true)
	if err != nil {
		return nil, err
	}
	return apigw.Handle(p.List, apigw.Accepts{Query: []string{"status", "limit", "cursor"}}), nil
}

// NewGetPost builds GET /posts/{id} (public for published posts, writer for the others).
func NewGetPost(_ context.Context, d function.Deps) (any, error) {
	p, err := postsFromEnv(d, false, false, true)
	if err != nil {
		return nil, err
	}
	return apigw.Handle(p.Get, apigw.Accepts{}), nil
}

// NewUpdatePost builds PUT /posts/{id} (writer).
func NewUpdatePost(_ context.Context, d function.Deps) (any, error) {
	p, err := postsFromEnv(d, true, false, false)
	if err != nil {
		return nil, err
	}
	return apigw.Handle(p.Update, apigw.Accepts{Body: true}), nil
}

// NewDeletePost builds DELETE /posts/{id} (admin).
func NewDeletePost(_ context.Context, d function.Deps) (any, error) {
	p, err := postsFromEnv(d, false, false, false)
	if err != nil {
		return nil, err
	}
	return apigw.Handle(p.Delete, apigw.Accepts{}), nil
}

// NewReviewPost builds POST /posts/{id}/review (admin).
func NewReviewPost(_ context.Context, d function.Deps) (any, error) {
	p, err := postsFromEnv(d, false, false, false)
	if err != nil {
		return nil, err
	}
	return apigw.Handle(p.Review, apigw.Accepts{Body: true}), nil
}

type response = events.APIGatewayV2HTTPResponse

// Create stores a new pending post and queues it for moderation.
func (s *Posts) Create(ctx context.Context, req events.APIGatewayV2HTTPRequest) (response, error) {
	if _, err := auth.Require(req, auth.Writer); err != nil {
		return response{}, err
	}
	c, err := readContent(req)
	if err != nil {
		return response{}, err
	}
	now := s.Now().UTC()
	id := s.NewID()
	p := Post{
		ID: id, Slug: Slug(c.Title, id), Title: c.Title, Paragraphs: c.Paragraphs,
		Status: Pending, Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	if c.Author != nil {
		p.Author = *c.Author
	}
	if err := s.Store.Create(ctx, p); err != nil {
		return response{}, err
	}
	// The post and its moderation work are stored together: send the work
	// now, or leave it to the outbox relay if the queue does not take it.
	if err := s.deliver(ctx, p); err != nil {
		return response{}, err
	}
	obs.Count(ctx, "PostsCreated", 1)
	resp, err := apigw.JSON(http.StatusCreated, View(p))
	if err == nil {
		resp.Headers["Location"] = "/posts/" + id
	}
	return resp, err
}

// readContent decodes and checks a post's content, naming every bad field at once.
func readContent(req events.APIGatewayV2HTTPRequest) (Content, error) {
	var (
		v apigw.Validator
		c Content
	)
	if err := v.DecodeJSON(req, &c, 0); err != nil {
		return Content{}, err
	}
	c.check(&v)
	return c, v.Err()
}

// List pages through published posts, or (admin) the flagged review queue, newest first.
func (s *Posts) List(ctx context.Context, req events.APIGatewayV2HTTPRequest) (response, error) {
	status := Status(apigw.Query(req, "status"))
	switch status {
	case "":
		status = Published
	case Published:
	case Flagged:
		if _, err := s.Tokens.Require(ctx, req, auth.Admin); err != nil {
			return response{}, err
		}
	default:
		return response{}, apigw.Invalid("status", "must be published or flagged (flagged needs an admin token)")
	}
	limit, err := apigw.Limit(req)
	if err != nil {
		return response{}, err
	}
	scope := cursor.Scope("GET /posts", map[string]string{"status": string(status)})
	var pos struct {
		Before string `json:"b"`
	}
	if c := apigw.Query(req, "cursor"); c != "" {
		if err := s.Cursors.Decode(c, scope, &pos); err != nil || pos.Before == "" {
			return response{}, apigw.InvalidCursor(err)
		}
	}
	posts, next, err := s.Store.List(ctx, status, pos.Before, limit)
	if err != nil {
		return response{}, err
	}
	page := apigw.Page[PostView]{Items: make([]PostView, 0, len(posts))}
	// Keep the page under Lambda's response limit, always sending at least one
	// post: a page of large posts ends early, before the post that would not fit.
	size := 0
	for i, p := range posts {
		v := PublicView(p) // a listing never shows pending edits
		b, err := json.Marshal(v)
		if err != nil {
			return response{}, err
		}
		if size += responseBytes(b) + 1; size > maxPageBytes && i > 0 {
			next = listKey(posts[i-1])
			break
		}
		page.Items = append(page.Items, v)
	}
	if next != "" {
		pos.Before = next
		if page.NextCursor, err = s.Cursors.Encode(scope, pos); err != nil {
			return response{}, err
		}
	}
	return apigw.JSON(http.StatusOK, page)
}

// maxPageBytes bounds the posts of one GET /posts page, counted as Lambda
// counts its 6 MB response limit (see responseBytes), leaving room for the
// rest of the response.
const maxPageBytes = 5 << 20

// responseBytes is how many bytes the JSON b takes in Lambda's response: the
// body is a JSON string in the response document, in which every quote and
// backslash of b is escaped (json.Marshal leaves no other character to escape,
// and the runtime does not escape HTML).
func responseBytes(b []byte) int {
	return len(b) + bytes.Count(b, []byte{'"'}) + bytes.Count(b, []byte{'\\'})
}

// Get returns one post by id or slug: published posts to anyone, others to writers and admins.
func (s *Posts) Get(ctx context.Context, req events.APIGatewayV2HTTPRequest) (response, error) {
	p, err := s.load(ctx, req)
	if err != nil {
		return response{}, err
	}
	if _, err := s.Tokens.Require(ctx, req, auth.Writer); err != nil {
		// Unpublished posts do not exist for the public: no hint of them;
		// nor of a published post's pending edit.
		if p.Status != Published {
			return response{}, notFound()
		}
		return apigw.JSON(http.StatusOK, PublicView(p))
	}
	return apigw.JSON(http.StatusOK, View(p))
}

// Update replaces a post's content and queues it for moderation again.
func (s *Posts) Update(ctx context.Context, req events.APIGatewayV2HTTPRequest) (response, error) {
	if _, err := auth.Require(req, auth.Writer); err != nil {
		return response{}, err
	}
	id, ok := IDFromPath(req.PathParameters["id"])
	if !ok {
		return response{}, notFound()
	}
	c, err := readContent(req)
	if err != nil {
		return response{}, err
	}
	p, _, err := s.Store.Edit(ctx, id, c, s.Now().UTC())
	if errors.Is(err, ErrNotFound) {
		return response{}, notFound()
	}
	if err != nil {
		return response{}, err
	}
	if err := s.deliver(ctx, p); err != nil {
		return response{}, err
	}
	obs.Count(ctx, "PostsEdited", 1)
	return apigw.JSON(http.StatusOK, View(p))
}

// deliver sends the moderation work the store recorded with p.
func (s *Posts) deliver(ctx context.Context, p Post) error {
	work, err := ModerationWork(ctx, p)
	if err != nil {
		return err
	}
	s.Outbox.Deliver(ctx, work)
	return nil
}

// Delete removes a post.
func (s *Posts) Delete(ctx context.Context, req events.APIGatewayV2HTTPRequest) (response, error) {
	if _, err := auth.Require(req, auth.Admin); err != nil {
		return response{}, err
	}
	id, ok := IDFromPath(req.PathParameters["id"])
	if !ok {
		return response{}, notFound()
	}
	if err := s.Store.Delete(ctx, id); errors.Is(err, ErrNotFound) {
		return response{}, notFound()
	} else if err != nil {
		return response{}, err
	}
	return apigw.NoContent()
}

// Review applies an admin's decision: approve publishes, reject hides. Repeating a
// decision changes nothing; a post changed meanwhile is a 409.
func (s *Posts) Review(ctx context.Context, req events.APIGatewayV2HTTPRequest) (response, error) {
	if _, err := auth.Require(req, auth.Admin); err != nil {
		return response{}, err
	}
	var r ReviewRequest
	if err := apigw.DecodeJSON(req, &r, 0); err != nil {
		return response{}, err
	}
	var to Status
	var from []Status
	switch r.Decision {
	case "approve":
		to, from = Published, []Status{Pending, Flagged, Rejected}
	case "reject":
		to, from = Rejected, []Status{Pending, Flagged, Published}
	default:
		return response{}, apigw.Invalid("decision", `must be "approve" or "reject"`)
	}
	p, err := s.load(ctx, req)
	if err != nil {
		return response{}, err
	}
	if p.Status == to {
		return apigw.JSON(http.StatusOK, View(p)) // already decided so
	}
	p, err = s.Store.Review(ctx, p.ID, p.Version, from, to, Review{Decision: r.Decision, ReviewedAt: s.Now().UTC()}, s.Now().UTC())
	if errors.Is(err, ErrStale) {
		return response{}, apigw.Conflict("the post changed (edited, moderated or reviewed) while this decision was made; read it again and decide on what it now says")
	}
	if err != nil {
		return response{}, err
	}
	obs.Count(ctx, "PostsReviewed", 1, obs.Dim("Decision", r.Decision))
	return apigw.JSON(http.StatusOK, View(p))
}

// load reads the post named by the path's id (or slug).
func (s *Posts) load(ctx context.Context, req events.APIGatewayV2HTTPRequest) (Post, error) {
	id, ok := IDFromPath(req.PathParameters["id"])
	if !ok {
		return Post{}, notFound()
	}
	p, err := s.Store.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Post{}, notFound()
	}
	return p, err
}

func notFound() error { return apigw.NotFound("no such post") }
