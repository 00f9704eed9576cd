// Command dialogs-consent is the Lambda function behind POST /consents/{dialogId}.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/dialogs/dialogsapi"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

func main() { function.Start(dialogsapi.NewConsent) }
