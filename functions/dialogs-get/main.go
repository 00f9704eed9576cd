// Command dialogs-get is the Lambda function behind GET /data/{customerId}/{dialogId}.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/dialogs/dialogapi"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

func main() { function.Start(dialogapi.NewGet) }
