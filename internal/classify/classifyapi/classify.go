package classifyapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/classify"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/obs"
)

// Limits of one request.
const (
	MaxTexts     = 32     // texts in one POST /classify
	MaxTextChars = 10_000 // characters in one text
	maxBody      = 2 << 20
)

// NewClassify builds GET /classify?message= and POST /classify (writer): one
// function, whose requests are read by method (get.go, post.go).
func NewClassify(ctx context.Context, d function.Deps) (any, error) {
	c, err := FromEnv(ctx, d)
	if err != nil {
		return nil, err
	}
	return apigw.Handle(handler(c),
		apigw.Accepts{Route: "GET /classify", Query: []string{"message"}},
		apigw.Accepts{Route: "POST /classify", Body: true}), nil
}

// handler serves both forms of /classify with c.
func handler(c classify.Classifier) apigw.HandlerFunc {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		start := time.Now()
		defer func() { obs.Milliseconds(ctx, "ClassifyLatency", time.Since(start)) }()
		if _, err := auth.Require(req, auth.Writer); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		read := readPost
		if req.RequestContext.HTTP.Method == http.MethodGet {
			read = readGet
		}
		texts, batch, err := read(req)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		cctx, cancel := withMargin(ctx)
		defer cancel()
		results, err := c.Classify(cctx, texts)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, unavailable(ctx, err)
		}
		if batch {
			return apigw.JSON(http.StatusOK, BatchResponse{Results: results})
		}
		return apigw.JSON(http.StatusOK, results[0])
	}
}

// checkText returns what is wrong with one text to classify, or "".
func checkText(s string) string {
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		return "must not be empty"
	case n > MaxTextChars:
		return fmt.Sprintf("is %d characters; at most %d are classified at once", n, MaxTextChars)
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	}
	return ""
}

// unavailable turns a classifier failure into 503: a loading model says
// when to come back; a failing one is retried by the client a little later.
func unavailable(ctx context.Context, err error) error {
	var warm *classify.WarmingUpError
	if errors.As(err, &warm) {
		return apigw.ServiceUnavailable("the classification model is loading; retry after the Retry-After seconds", warm.RetryAfter)
	}
	if ctx.Err() != nil { // this invocation ran out of time: not the classifier's fault
		return err
	}
	obs.Logger(ctx).WarnContext(ctx, "classifier failed", "error", err.Error())
	return apigw.ServiceUnavailable("the classifier failed to answer; retry shortly", 5*time.Second)
}

// deadlineMargin is the time kept back from the invocation's deadline so that
// a remote model still retrying is answered with a 503, not cut off by Lambda.
const deadlineMargin = time.Second

// withMargin returns ctx with its deadline (if any) brought forward by deadlineMargin.
func withMargin(ctx context.Context) (context.Context, context.CancelFunc) {
	if dl, ok := ctx.Deadline(); ok {
		return context.WithDeadline(ctx, dl.Add(-deadlineMargin))
	}
	return context.WithCancel(ctx)
}
