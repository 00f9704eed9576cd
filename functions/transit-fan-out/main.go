// Command transit-fan-out is the Lambda function behind the transit fan-out queue (one message per city of a task).
package main

import (
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/transit/transitapi"
)

func main() { function.Start(transitapi.NewFanOutWorker) }
