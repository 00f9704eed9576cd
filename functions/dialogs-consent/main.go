// Command dialogs-consent is the Lambda function behind POST /consents/{dialogId}.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/dialogs/dialogapi"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

func main() { function.Start(dialogapi.NewConsent) }
