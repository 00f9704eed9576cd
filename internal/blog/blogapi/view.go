package blogapi

import (
	"slices"
	"time"

	"github.com/mosaic-platform/mosaic/internal/blog"
	"github.com/mosaic-platform/mosaic/internal/classify"
)

// PostView is a post as the API shows it.
type PostView struct {
	ID              string           `json:"id"`
	Slug            string           `json:"blogpost_slug"`
	Title           string           `json:"title"`
	Author          string           `json:"author,omitempty"`
	Paragraphs      []string         `json:"paragraphs"`
	Status          blog.Status      `json:"status"`
	HasFoulLanguage bool             `json:"has_foul_language"`
	Moderation      *blog.Moderation `json:"moderation,omitempty"`
	PriorRejection  *blog.Review     `json:"prior_rejection,omitempty"` // an earlier version's rejection, until an admin decides again
	PendingEdit     *blog.Draft      `json:"pending_edit,omitempty"`    // an edit awaiting moderation; shown to writers and admins
	Version         int64            `json:"version"`
	CreatedAt       time.Time        `json:"created_at"`
	UpdatedAt       time.Time        `json:"updated_at"`
}

// View renders p for the API, with the text of each offending paragraph and
// any pending edit: for writers and admins (see PublicView).
func View(p blog.Post) PostView {
	v := PublicView(p)
	v.PendingEdit = p.Draft
	return v
}

// PublicView renders p as anyone may see it: without a pending edit.
func PublicView(p blog.Post) PostView {
	v := PostView{
		ID: p.ID, Slug: p.Slug, Title: p.Title, Author: p.Author, Paragraphs: p.Paragraphs,
		Status: p.Status, PriorRejection: p.PriorRejection, Version: p.Version, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
	}
	if v.Paragraphs == nil {
		v.Paragraphs = []string{}
	}
	if p.Moderation != nil {
		m := *p.Moderation
		m.Offending = slices.Clone(m.Offending) // filled in below: p's stays as stored
		if m.Offending == nil {
			m.Offending = []blog.Offense{}
		}
		for i, o := range m.Offending {
			if o.Index >= 0 && o.Index < len(p.Paragraphs) {
				m.Offending[i].Text = p.Paragraphs[o.Index]
			}
			if o.Labels == nil {
				m.Offending[i].Labels = []classify.Score{}
			}
		}
		v.Moderation, v.HasFoulLanguage = &m, m.HasFoulLanguage
	}
	return v
}
