// Command sticker-put is the Lambda function behind PUT /api/stickers/{id}.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/stickers/stickersapi"
)

func main() { function.Start(stickersapi.NewPutSticker) }
