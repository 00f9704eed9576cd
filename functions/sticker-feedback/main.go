// Command sticker-feedback is the Lambda function behind POST /api/feedback/.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/stickers/stickersapi"
)

func main() { function.Start(stickersapi.NewFeedback) }
