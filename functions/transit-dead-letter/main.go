// Command transit-dead-letter is the Lambda function behind the transit dead-letter queues (records in the task what the fan-out and city queues gave up on).
package main

import (
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/transit/transitapi"
)

func main() { function.Start(transitapi.NewDeadLetterWorker) }
