package blogapi

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mosaic-platform/mosaic/internal/blog"
	"github.com/mosaic-platform/mosaic/internal/classify/classifyapi"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

var benchParagraphs = []string{
	"We walked along the river in Scunthorpe and talked about the assessment.",
	"The weather was grey, but the coffee was good and the company better.",
	"Later we argued about football, as we always do, without any heat.",
	"What a damn shame that the match was cancelled.",
	"Tomorrow we try again, if the rain stops.",
}

// BenchmarkModerate is the worker's cost per post (5 paragraphs, embedded
// lexicon, the store on the embedded DynamoDB emulator: a read and a
// conditional write over local HTTP); BenchmarkClassifyParagraphs, the
// classifier alone on the same paragraphs, is its baseline: the difference is
// the worker's overhead and its two store calls.
func BenchmarkModerate(b *testing.B) {
	c, err := classifyapi.FromEnv(context.Background(), function.Deps{})
	if err != nil {
		b.Fatal(err)
	}
	w := newWorker(b, c)
	st, m := w.store, w.mod
	ctx := context.Background()
	now := time.Now()
	ids := make([]string, b.N)
	for i := range ids {
		ids[i] = fmt.Sprintf("%016x", i)
		if err := st.Create(ctx, blog.Post{ID: ids[i], Paragraphs: benchParagraphs, Status: blog.Pending, Version: 1, CreatedAt: now, UpdatedAt: now}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := m.Moderate(ctx, blog.ModerationRequest{ID: ids[i], Version: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClassifyParagraphs(b *testing.B) {
	c, err := classifyapi.FromEnv(context.Background(), function.Deps{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Classify(context.Background(), benchParagraphs); err != nil {
			b.Fatal(err)
		}
	}
}
