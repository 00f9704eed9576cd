package blogapi

import (
	"slices"

	"github.com/mosaic-platform/mosaic/internal/blog"
	"github.com/mosaic-platform/mosaic/internal/classify"
)

// PostView is a post as the API shows it: has_foul_language, and the text of
// each offending paragraph beside its index.
type PostView struct {
	blog.Post
	HasFoulLanguage bool `json:"has_foul_language"`
}

// View renders p for writers and admins, with any pending edit (see PublicView).
func View(p blog.Post) PostView {
	v := PostView{Post: p}
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

// PublicView renders p as anyone may see it: without a pending edit.
func PublicView(p blog.Post) PostView {
	p.Draft = nil
	return View(p)
}
