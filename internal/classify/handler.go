package classify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

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

// BatchResponse is the body of POST /classify with "texts": one result per text, in order.
type BatchResponse struct {
	Results []Result `json:"results"`
}

// classifyRequest is the body of POST /classify: exactly one of text and texts.
type classifyRequest struct {
	Text  *string  `json:"text"`
	Texts []string `json:"texts"`
}

// NewClassify builds GET /classify?message= and POST /classify (writer).
func NewClassify(ctx context.Context, d function.Deps) (any, error) {
	c, err := FromEnv(ctx, d)
	if err != nil {
		return nil, err
	}
	return apigw.Handle(Handler(c),
		apigw.Accepts{Route: "GET /classify", Query: []string{"message"}},
		apigw.Accepts{Route: "POST /classify", Body: true}), nil
}

// Handler serves both forms of /classify with c.
func Handler(c Classifier) apigw.HandlerFunc {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		start := time.Now()
		defer func() { obs.Milliseconds(ctx, "ClassifyLatency", time.Since(start)) }()
		if _, err := auth.Require(req, auth.Writer); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		texts, batch, err := readTexts(req)
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

// readTexts reads ?message= (GET) or {"text"} / {"texts"} (POST).
func readTexts(req events.APIGatewayV2HTTPRequest) (texts []string, batch bool, err error) {
	if req.RequestContext.HTTP.Method == http.MethodGet {
		q, err := apigw.QueryValues(req)
		if err != nil {
			return nil, false, err
		}
		msgs := q["message"]
		switch {
		case len(msgs) == 0:
			return nil, false, apigw.Invalid("message", "is required: the text to classify, as ?message=...")
		case len(msgs) > 1:
			return nil, false, apigw.Invalid("message", "must be given once; POST {\"texts\": [...]} classifies several")
		}
		if msg := checkText(msgs[0]); msg != "" {
			return nil, false, apigw.Invalid("message", msg)
		}
		return msgs, false, nil
	}
	var body classifyRequest
	if err := apigw.DecodeJSON(req, &body, maxBody); err != nil {
		return nil, false, err
	}
	var v apigw.Validator
	switch {
	case body.Text != nil && body.Texts != nil:
		return nil, false, apigw.Invalid("texts", "send either text or texts, not both")
	case body.Text != nil:
		if msg := checkText(*body.Text); msg != "" {
			v.Add("text", msg)
		}
		return []string{*body.Text}, false, v.Err()
	case body.Texts == nil:
		return nil, false, apigw.Invalid("text", `is required: send {"text": "..."} or {"texts": ["...", ...]}`)
	case len(body.Texts) == 0 || len(body.Texts) > MaxTexts:
		return nil, false, apigw.Invalid("texts", fmt.Sprintf("must hold 1 to %d texts, not %d", MaxTexts, len(body.Texts)))
	}
	for i, t := range body.Texts {
		if msg := checkText(t); msg != "" {
			v.Add("texts["+strconv.Itoa(i)+"]", msg)
		}
	}
	return body.Texts, true, v.Err()
}

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
	var warm *WarmingUpError
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
