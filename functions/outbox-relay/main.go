// Command outbox-relay is the Lambda function that sends, once a minute, every
// outbox entry its writer could not send.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
)

func main() { function.Start(outbox.NewRelay) }
