package classifyapi

import (
	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
)

// readGet reads GET /classify?message=: one text, answered as one result.
func readGet(req events.APIGatewayV2HTTPRequest) (texts []string, batch bool, err error) {
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
