// Command sticker-counter is the Lambda function behind GET /api/counter/.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/stickers/stickersapi"
)

func main() { function.Start(stickersapi.NewCounter) }
