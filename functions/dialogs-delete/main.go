// Command dialogs-delete is the Lambda function behind DELETE /data/{customerId}/{dialogId}.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/dialogs/dialogsapi"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

func main() { function.Start(dialogsapi.NewDelete) }
