package blog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
)

// Errors a Store returns.
var (
	ErrNotFound = errors.New("blog: no such post")
	ErrExists   = errors.New("blog: a post with this id exists")
	// ErrStale means the post changed (edited, reviewed, moderated or deleted)
	// since the version the write was conditioned on.
	ErrStale = errors.New("blog: the post changed since that version")
)

// Store keeps posts. Every method that changes a post is one conditional
// write, so that concurrent edits, reviews and moderation never interleave.
// Create and Edit record the post's moderation work (ModerationWork) in the
// outbox in the same write, so that no stored post waits for a message that
// was never recorded.
type Store interface {
	// Create stores a new post and its moderation work; ErrExists if its id is taken.
	Create(ctx context.Context, p Post) error
	// Get returns a post, read consistently; ErrNotFound if absent.
	Get(ctx context.Context, id string) (Post, error)
	// Edit stores new content for a post (see editedPost) with its moderation
	// work, bumps its version and returns the post as stored and the post it replaced.
	Edit(ctx context.Context, id string, c Content, now time.Time) (edited, prev Post, err error)
	// Delete removes a post; ErrNotFound if absent.
	Delete(ctx context.Context, id string) error
	// Moderate records the worker's verdict (Published or Flagged) on the
	// content pending at version (see Post.PendingVersion); else ErrStale. A
	// post with a PriorRejection is never published by a verdict: it becomes Flagged.
	Moderate(ctx context.Context, id string, version int64, to Status, m Moderation, now time.Time) error
	// Review records an admin's decision when the post is still at version
	// and in one of the statuses from, bumps its version and returns it; else
	// ErrStale. A draft stays, awaiting its own moderation.
	Review(ctx context.Context, id string, version int64, from []Status, to Status, r Review, now time.Time) (Post, error)
	// List returns up to limit posts with status (Published or Flagged),
	// newest first, strictly after the position before ("" for the first
	// page), and the position to pass for the next page ("" on the last).
	List(ctx context.Context, status Status, before string, limit int) ([]Post, string, error)
}

// ModerationWork is the outbox entry that queues the moderation of p's pending
// content. Its id is derived from the post and version, so the store that
// records it and the handler that delivers it name the same entry.
func ModerationWork(ctx context.Context, p Post) (outbox.Message, error) {
	v, ok := p.PendingVersion()
	if !ok {
		return outbox.Message{}, fmt.Errorf("blog: post %s has nothing to moderate", p.ID)
	}
	m, err := outbox.New(ctx, outbox.QueueModeration, ModerationRequest{ID: p.ID, Version: v}, p.UpdatedAt)
	m.ID = "moderation/" + p.ID + "/" + strconv.FormatInt(v, 10)
	return m, err
}

// Listed reports whether posts of status are listed (in the sparse index).
func Listed(s Status) bool { return s == Published || s == Flagged }

// VerdictStatus is where the worker's verdict takes p: flagged when a paragraph
// offends or when an admin rejected an earlier version, published otherwise.
func VerdictStatus(p Post, hasFoulLanguage bool) Status {
	if hasFoulLanguage || p.PriorRejection != nil {
		return Flagged
	}
	return Published
}

// The transitions the Store applies. Each returns a new Post and changes
// nothing prev points to, so the stored and the returned posts never share
// what a later change writes.

// editedPost is prev with new content, one version on. The edit of a
// published post (or of one with a draft already) becomes its draft: the
// published content stays visible until the draft is moderated. Any other post
// takes the content at once and is pending again, unmoderated.
func editedPost(prev Post, c Content, now time.Time) Post {
	next := prev
	next.Version, next.UpdatedAt = prev.Version+1, now
	if prev.Status == Published || prev.Draft != nil {
		d := Draft{Title: c.Title, Author: prev.Author, Paragraphs: slices.Clone(c.Paragraphs), Version: next.Version, SubmittedAt: now}
		if prev.Draft != nil {
			d.Author = prev.Draft.Author
		}
		if c.Author != nil {
			d.Author = *c.Author
		}
		next.Draft = &d
		return next
	}
	return withContent(next, prev, c.Title, c.Author, c.Paragraphs)
}

// withContent is next with new content in place, pending and unmoderated. When
// prev was rejected, the admin's rejection is kept as PriorRejection (as is one
// prev already carries), so that the worker's verdict can at best flag it:
// only an admin publishes a post once rejected.
func withContent(next, prev Post, title string, author *string, paragraphs []string) Post {
	next.Title, next.Paragraphs = title, slices.Clone(paragraphs)
	if author != nil {
		next.Author = *author
	}
	if prev.Status == Rejected {
		r := Review{Decision: "reject", ReviewedAt: prev.UpdatedAt}
		if prev.Moderation != nil && prev.Moderation.Review != nil {
			r = *prev.Moderation.Review
		}
		next.PriorRejection = &r
	}
	next.Status, next.Moderation, next.Draft = Pending, nil, nil
	return next
}

// moderatedPost is prev with the worker's verdict on its pending content; the
// version stays. A draft takes the place of the content it edits first. A
// verdict never publishes a post with a PriorRejection.
func moderatedPost(prev Post, to Status, m Moderation, now time.Time) Post {
	next := prev
	if d := prev.Draft; d != nil {
		author := d.Author
		next = withContent(next, prev, d.Title, &author, d.Paragraphs)
	}
	if to == Published {
		to = VerdictStatus(next, m.HasFoulLanguage)
	}
	m.Offending = slices.Clone(m.Offending)
	next.Status, next.Moderation, next.UpdatedAt = to, &m, now
	return next
}

// reviewedPost is prev with an admin's decision, one version on; the decision
// supersedes any PriorRejection.
func reviewedPost(prev Post, to Status, r Review, now time.Time) Post {
	next := prev
	m := Moderation{Offending: []Offense{}}
	if prev.Moderation != nil {
		m = *prev.Moderation
	}
	m.Review = &r
	next.Moderation = &m
	next.Status, next.Version, next.UpdatedAt, next.PriorRejection = to, prev.Version+1, now, nil
	return next
}
