// Command dialogs-list is the Lambda function behind GET /data.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/dialogs/dialogsapi"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

func main() { function.Start(dialogsapi.NewList) }
