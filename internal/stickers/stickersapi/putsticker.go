package stickersapi

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/stickers"
)

const (
	maxStickerIDLength = 64
	maxTitleLength     = 200
	maxTags            = 50
	maxTagLength       = 50
	maxURLLength       = 2048
)

// stickerID allows emojibase hexcodes ("1F408", "1F469-200D-1F4BB") and slugs.
var stickerID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// StickerInput is the body of PUT /api/stickers/{id}.
type StickerInput struct {
	Title      string   `json:"title"`
	Tags       []string `json:"tags"`
	Group      string   `json:"group"`
	Shortcodes []string `json:"shortcodes"`
	ImageURL   string   `json:"image_url"`
	Emoji      string   `json:"emoji"`
}

// StickerOutput is a sticker as the API shows it.
type StickerOutput struct {
	stickers.Sticker
	ImageURL string `json:"image_url"`
}

// NewPutSticker builds PUT /api/stickers/{id} (admin).
func NewPutSticker(_ context.Context, d function.Deps) (any, error) {
	s, err := fromEnv(d)
	if err != nil {
		return nil, err
	}
	return apigw.Handle(s.putSticker, apigw.Accepts{Body: true}), nil
}

// putSticker adds a sticker to the catalog or replaces the one with its id
// (an emoji included); searches see it once their cached catalog refreshes.
func (s *service) putSticker(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	if _, err := auth.Require(req, auth.Admin); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	id, err := apigw.PathParam(req, "id")
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	var in StickerInput
	if err := apigw.DecodeJSON(req, &in, 64<<10); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	st, err := validSticker(id, in)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if err := s.store.PutSticker(ctx, st, s.now()); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.JSON(200, StickerOutput{Sticker: st, ImageURL: s.images.URL(st)})
}

func validSticker(id string, in StickerInput) (stickers.Sticker, error) {
	var v apigw.Validator
	v.Check(stickerID.MatchString(id), "id", "must be 1 to 64 letters, digits, '-' or '_', starting with a letter or digit")
	title := strings.TrimSpace(in.Title)
	v.Check(title != "" && utf8.RuneCountInString(title) <= maxTitleLength, "title", fmt.Sprintf("must be 1 to %d characters", maxTitleLength))
	clean := func(field string, list []string) []string {
		if len(list) > maxTags {
			v.Add(field, fmt.Sprintf("has %d items; at most %d", len(list), maxTags))
			return nil
		}
		out := make([]string, 0, len(list))
		for i, t := range list {
			t = strings.TrimSpace(t)
			if t == "" || utf8.RuneCountInString(t) > maxTagLength {
				v.Add(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("must be 1 to %d characters", maxTagLength))
				continue
			}
			out = append(out, t)
		}
		return out
	}
	tags := clean("tags", in.Tags)
	codes := clean("shortcodes", in.Shortcodes)
	v.Check(utf8.RuneCountInString(in.Group) <= maxTagLength, "group", fmt.Sprintf("must be at most %d characters", maxTagLength))
	v.Check(utf8.RuneCountInString(in.Emoji) <= 16, "emoji", "must be one emoji (at most 16 characters)")
	if in.ImageURL != "" {
		u, err := url.Parse(in.ImageURL)
		v.Check(err == nil && len(in.ImageURL) <= maxURLLength && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "",
			"image_url", "must be an absolute http(s) URL of at most 2048 characters")
	} else {
		v.Check(in.Emoji != "", "image_url", "is required unless emoji gives the sticker's glyph")
	}
	if err := v.Err(); err != nil {
		return stickers.Sticker{}, err
	}
	return stickers.Sticker{ID: id, Title: title, Emoji: in.Emoji, Tags: tags, Group: strings.TrimSpace(in.Group), Shortcodes: codes, ImageURL: in.ImageURL}, nil
}
