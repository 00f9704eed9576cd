// Command process-request is the Lambda function behind POST /process-request.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/transit/tasks"
)

func main() { function.Start(tasks.NewProcessRequest) }
