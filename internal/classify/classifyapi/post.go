package classifyapi

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/classify"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
)

// postRequest is the body of POST /classify: exactly one of text and texts.
type postRequest struct {
	Text  *string  `json:"text"`
	Texts []string `json:"texts"`
}

// BatchResponse is the body of POST /classify with "texts": one result per text, in order.
type BatchResponse struct {
	Results []classify.Result `json:"results"`
}

// readPost reads POST /classify: {"text"} (one result) or {"texts"} (a batch).
func readPost(req events.APIGatewayV2HTTPRequest) (texts []string, batch bool, err error) {
	var body postRequest
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
