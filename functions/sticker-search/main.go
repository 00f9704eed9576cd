// Command sticker-search is the Lambda function behind GET /api/search/.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/stickers/stickersapi"
)

func main() { function.Start(stickersapi.NewSearch) }
