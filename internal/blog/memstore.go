package blog

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
)

// MemoryStore is a Store in memory, for tests; it keeps the same invariants
// (conditions, listing order and positions) as DynamoStore.
type MemoryStore struct {
	mu    sync.Mutex
	posts map[string]Post
	// Outbox holds the moderation work recorded with each change.
	Outbox outbox.Memory
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{posts: map[string]Post{}} }

var _ Store = (*MemoryStore)(nil)

// Create implements Store.
func (s *MemoryStore) Create(ctx context.Context, p Post) error {
	work, err := ModerationWork(ctx, p)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.posts[p.ID]; ok {
		return ErrExists
	}
	s.posts[p.ID] = clonePost(p)
	s.Outbox.Add(work)
	return nil
}

// Get implements Store.
func (s *MemoryStore) Get(_ context.Context, id string) (Post, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.posts[id]
	if !ok {
		return Post{}, ErrNotFound
	}
	return clonePost(p), nil
}

// Edit implements Store.
func (s *MemoryStore) Edit(ctx context.Context, id string, c Content, now time.Time) (Post, Post, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev, ok := s.posts[id]
	if !ok {
		return Post{}, Post{}, ErrNotFound
	}
	next := editedPost(prev, c, now)
	work, err := ModerationWork(ctx, next)
	if err != nil {
		return Post{}, Post{}, err
	}
	s.posts[id] = next
	s.Outbox.Add(work)
	return clonePost(next), clonePost(prev), nil
}

// Delete implements Store.
func (s *MemoryStore) Delete(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.posts[id]; !ok {
		return ErrNotFound
	}
	delete(s.posts, id)
	return nil
}

// Moderate implements Store.
func (s *MemoryStore) Moderate(_ context.Context, id string, version int64, to Status, m Moderation, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.posts[id]
	if pending, waits := p.PendingVersion(); !ok || !waits || pending != version {
		return ErrStale
	}
	s.posts[id] = moderatedPost(p, to, m, now)
	return nil
}

// Review implements Store.
func (s *MemoryStore) Review(_ context.Context, id string, version int64, from []Status, to Status, r Review, now time.Time) (Post, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.posts[id]
	if !ok || p.Version != version || !slices.Contains(from, p.Status) {
		return Post{}, ErrStale
	}
	p = reviewedPost(p, to, r, now)
	s.posts[id] = p
	return clonePost(p), nil
}

// List implements Store.
func (s *MemoryStore) List(_ context.Context, status Status, before string, limit int) ([]Post, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	type entry struct {
		key string
		p   Post
	}
	var all []entry
	for _, p := range s.posts {
		if k := listKey(p); p.Status == status && Listed(status) && (before == "" || k < before) {
			all = append(all, entry{k, p})
		}
	}
	slices.SortFunc(all, func(a, b entry) int { return cmp.Compare(b.key, a.key) })
	out := make([]Post, len(all))
	for i, e := range all {
		out[i] = clonePost(e.p)
	}
	page, next := endPage(out, limit)
	return page, next, nil
}

// clonePost copies p's slices and pointers so that callers cannot change a stored post.
func clonePost(p Post) Post {
	p.Paragraphs = slices.Clone(p.Paragraphs)
	if p.Moderation != nil {
		m := *p.Moderation
		m.Offending = slices.Clone(m.Offending)
		if m.Review != nil {
			r := *m.Review
			m.Review = &r
		}
		p.Moderation = &m
	}
	if p.PriorRejection != nil {
		r := *p.PriorRejection
		p.PriorRejection = &r
	}
	if p.Draft != nil {
		d := *p.Draft
		d.Paragraphs = slices.Clone(d.Paragraphs)
		p.Draft = &d
	}
	return p
}
