// Command dialogs-get is the Lambda function behind GET /data/{customerId}/{dialogId}.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/dialogs/dialogsapi"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

func main() { function.Start(dialogsapi.NewGet) }
