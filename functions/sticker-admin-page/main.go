// Command sticker-admin-page is the Lambda function behind GET /admin/.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/stickers/stickersapi"
)

func main() { function.Start(stickersapi.NewAdminPage) }
