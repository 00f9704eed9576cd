package main

import (
	"github.com/mosaic-platform/mosaic/internal/apidocs"
	"github.com/mosaic-platform/mosaic/internal/blog/blogapi"
	"github.com/mosaic-platform/mosaic/internal/classify/classifyapi"
	"github.com/mosaic-platform/mosaic/internal/dialogs/dialogsapi"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/health"
	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
	"github.com/mosaic-platform/mosaic/internal/stickers/stickersapi"
	"github.com/mosaic-platform/mosaic/internal/transit/transitapi"
)

// constructors maps each functions/<dir> to the constructor its main.go starts.
// A test checks it against template.yaml and functions/.
var constructors = map[string]function.Constructor{
	"authorizer": auth.NewAuthorizer,
	"health":     health.New,
	"open-api":   apidocs.NewOpenAPI,
	"docs":       apidocs.NewDocs,
	"whoami":     auth.NewWhoAmI,

	"outbox-relay": outbox.NewRelay,

	"dialogs-push":    dialogsapi.NewPush,
	"dialogs-consent": dialogsapi.NewConsent,
	"dialogs-list":    dialogsapi.NewList,
	"dialogs-get":     dialogsapi.NewGet,
	"dialogs-delete":  dialogsapi.NewDelete,

	"sticker-counter":           stickersapi.NewCounter,
	"sticker-search":            stickersapi.NewSearch,
	"sticker-feedback":          stickersapi.NewFeedback,
	"sticker-analytics":         stickersapi.NewAnalytics,
	"sticker-analytics-summary": stickersapi.NewAnalyticsSummary,
	"sticker-put":               stickersapi.NewPutSticker,
	"sticker-admin-page":        stickersapi.NewAdminPage,

	"classify": classifyapi.NewClassify,

	"create-post":      blogapi.NewCreatePost,
	"list-posts":       blogapi.NewListPosts,
	"get-post":         blogapi.NewGetPost,
	"update-post":      blogapi.NewUpdatePost,
	"delete-post":      blogapi.NewDeletePost,
	"review-post":      blogapi.NewReviewPost,
	"redrive-posts":    blogapi.NewRedrivePosts,
	"moderate-posts":   blogapi.NewModeratePosts,
	"blog-review-page": blogapi.NewReviewPage,

	"process-request":        transitapi.NewProcessRequest,
	"process-request-status": transitapi.NewProcessRequestStatus,
	"transit-fan-out":        transitapi.NewFanOutWorker,
	"transit-city":           transitapi.NewCityWorker,
	"transit-dead-letter":    transitapi.NewDeadLetterWorker,
	"country-stats":          transitapi.NewCountryStats,
}
