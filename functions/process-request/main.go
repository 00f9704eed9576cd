// Command process-request is the Lambda function behind POST /process-request.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/transit/transitapi"
)

func main() { function.Start(transitapi.NewProcessRequest) }
