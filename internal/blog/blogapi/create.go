package blogapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/mosaic-platform/mosaic/internal/blog"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/obs"
)

// NewCreatePost builds POST /posts (writer).
func NewCreatePost(_ context.Context, d function.Deps) (any, error) {
	return function.Route(d, apigw.Accepts{Body: true}, func(l *config.Loader) (apigw.HandlerFunc, error) {
		p, err := withOutbox(d, l)
		return p.Create, err
	})
}

// Create stores a new pending post and queues it for moderation.
func (s *Posts) Create(ctx context.Context, req request) (response, error) {
	if _, err := auth.Require(req, auth.Writer); err != nil {
		return response{}, err
	}
	c, err := readContent(req)
	if err != nil {
		return response{}, err
	}
	now := s.Now().UTC()
	id := s.NewID()
	p := blog.Post{
		ID: id, Slug: blog.Slug(c.Title, id), Title: c.Title, Paragraphs: c.Paragraphs,
		Status: blog.Pending, Version: 1, CreatedAt: now, UpdatedAt: now,
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

// readContent decodes and checks a post's content (POST /posts, PUT
// /posts/{id}), naming every bad field at once: the body's, then the domain's.
func readContent(req request) (blog.Content, error) {
	var (
		v apigw.Validator
		c blog.Content
	)
	if err := v.DecodeJSON(req, &c, 0); err != nil {
		return blog.Content{}, err
	}
	var bad blog.InvalidContent
	if err := c.Validate(); errors.As(err, &bad) {
		for _, f := range bad {
			v.Add(f.Field, f.Rule)
		}
	} else if err != nil {
		return blog.Content{}, err
	}
	return c, v.Err()
}
