package blogapi

import (
	"context"
	"strings"
	"testing"

	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

// TestConstructorsReportTheirConfiguration checks that every function starts
// with its template environment and names each missing or bad variable.
func TestConstructorsReportTheirConfiguration(t *testing.T) {
	good := map[string]string{
		"POSTS_TABLE": "PostsTable", "OUTBOX_TABLE": "OutboxTable", "OUTBOX_QUEUES": "moderation=http://127.0.0.1:1/000000000000/PostsQueue",
		"CURSOR_SECRET": strings.Repeat("s", 32), "TOKEN_HASHES": "admin:" + strings.Repeat("a", 64),
		"POSTS_DLQ_ARN": "arn:aws:sqs:us-east-1:000000000000:PostsDeadLetterQueue",
	}
	for _, tc := range []struct {
		name    string
		build   function.Constructor
		drop    string            // a variable left out
		set     map[string]string // variables changed
		wantErr string            // "" for success
	}{
		{"create", NewCreatePost, "", nil, ""},
		{"create without an outbox", NewCreatePost, "OUTBOX_TABLE", nil, "OUTBOX_TABLE"},
		{"create without the moderation queue", NewCreatePost, "", map[string]string{"OUTBOX_QUEUES": "transit-fan-out=http://127.0.0.1:1/q"}, `no queue "moderation"`},
		{"list", NewListPosts, "", nil, ""},
		{"list without a cursor secret", NewListPosts, "CURSOR_SECRET", nil, "CURSOR_SECRET"},
		{"list without token hashes", NewListPosts, "TOKEN_HASHES", nil, "TOKEN_HASHES"},
		{"get", NewGetPost, "", nil, ""},
		{"update without a table", NewUpdatePost, "POSTS_TABLE", nil, "POSTS_TABLE"},
		{"delete", NewDeletePost, "", nil, ""},
		{"review", NewReviewPost, "", nil, ""},
		{"redrive without the DLQ", NewRedrivePosts, "POSTS_DLQ_ARN", nil, "POSTS_DLQ_ARN"},
		{"worker with the lexicon", NewModeratePosts, "", nil, ""},
		{"worker with an unknown classifier", NewModeratePosts, "", map[string]string{"MOSAIC_CLASSIFIER": "magic"}, "MOSAIC_CLASSIFIER"},
		{"worker with a bad concurrency", NewModeratePosts, "", map[string]string{"MODERATION_CONCURRENCY": "0"}, "MODERATION_CONCURRENCY"},
		{"worker without a table", NewModeratePosts, "POSTS_TABLE", nil, "POSTS_TABLE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range good {
				if k != tc.drop {
					env[k] = v
				}
			}
			for k, v := range tc.set {
				env[k] = v
			}
			h, err := tc.build(context.Background(), function.Deps{Name: tc.name, Env: config.Map(env)})
			switch {
			case tc.wantErr == "" && (err != nil || h == nil):
				t.Fatalf("constructor: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("constructor error = %v, want one naming %s", err, tc.wantErr)
			}
		})
	}
}
