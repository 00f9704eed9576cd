package blog

import (
	"context"
	"errors"
	"slices"
	"time"
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
type Store interface {
	// Create stores a new post; ErrExists if its id is taken.
	Create(ctx context.Context, p Post) error
	// Get returns a post, read consistently; ErrNotFound if absent.
	Get(ctx context.Context, id string) (Post, error)
	// Edit replaces a post's content, makes it pending again, clears its
	// moderation and bumps its version (see editedPost); it returns the post
	// as stored and the post it replaced.
	Edit(ctx context.Context, id string, c Content, now time.Time) (edited, prev Post, err error)
	// Revert puts prev back in place of edited, the result of an Edit whose
	// moderation message could not be sent, provided the stored post is still
	// edited (same version and status); else ErrStale: the post changed (or
	// went) since, and that change stands.
	Revert(ctx context.Context, edited, prev Post) error
	// Delete removes a post; ErrNotFound if absent.
	Delete(ctx context.Context, id string) error
	// Moderate records the worker's verdict (Published or Flagged) when the
	// post is still pending at version; else ErrStale. A post with a
	// PriorRejection is never published by a verdict: it becomes Flagged.
	Moderate(ctx context.Context, id string, version int64, to Status, m Moderation, now time.Time) error
	// Review records an admin's decision when the post is still at version
	// and in one of the statuses from, bumps its version and returns it; else ErrStale.
	Review(ctx context.Context, id string, version int64, from []Status, to Status, r Review, now time.Time) (Post, error)
	// List returns up to limit posts with status (Published or Flagged),
	// newest first, strictly after the position before ("" for the first
	// page), and the position to pass for the next page ("" on the last).
	List(ctx context.Context, status Status, before string, limit int) ([]Post, string, error)
}

// Listed reports whether posts of status are listed (in the sparse index).
func Listed(s Status) bool { return s == Published || s == Flagged }

// The transitions every Store applies, so that implementations agree.

// editedPost is prev with new content: pending again, unmoderated, one version on.
// An edit of a rejected post keeps the admin's rejection as PriorRejection (as
// does an edit of a post that already carries one), so that the worker's
// verdict can at best flag it: only an admin publishes a post once rejected.
func editedPost(prev Post, c Content, now time.Time) Post {
	next := clonePost(prev)
	next.Title, next.Paragraphs = c.Title, slices.Clone(c.Paragraphs)
	if c.Author != nil {
		next.Author = *c.Author
	}
	if prev.Status == Rejected {
		r := Review{Decision: "reject", ReviewedAt: prev.UpdatedAt}
		if prev.Moderation != nil && prev.Moderation.Review != nil {
			r = *prev.Moderation.Review
		}
		next.PriorRejection = &r
	}
	next.Status, next.Moderation, next.Version, next.UpdatedAt = Pending, nil, prev.Version+1, now
	return next
}

// verdictStatus is where the worker's verdict takes p: flagged when a paragraph
// offends or when an admin rejected an earlier version, published otherwise.
func verdictStatus(p Post, hasFoulLanguage bool) Status {
	if hasFoulLanguage || p.PriorRejection != nil {
		return Flagged
	}
	return Published
}

// moderatedPost is prev with the worker's verdict; the version stays. A
// verdict never publishes a post with a PriorRejection.
func moderatedPost(prev Post, to Status, m Moderation, now time.Time) Post {
	next := clonePost(prev)
	if to == Published {
		to = verdictStatus(prev, m.HasFoulLanguage)
	}
	next.Status, next.Moderation, next.UpdatedAt = to, &m, now
	return clonePost(next)
}

// reviewedPost is prev with an admin's decision, one version on; the decision
// supersedes any PriorRejection.
func reviewedPost(prev Post, to Status, r Review, now time.Time) Post {
	next := clonePost(prev)
	if next.Moderation == nil {
		next.Moderation = &Moderation{Offending: []Offense{}}
	}
	next.Moderation.Review = &r
	next.Status, next.Version, next.UpdatedAt, next.PriorRejection = to, prev.Version+1, now, nil
	return next
}
