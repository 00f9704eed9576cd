// Command process-request-status is the Lambda function behind GET /process-request/{task_id}.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/transit/transitapi"
)

func main() { function.Start(transitapi.NewProcessRequestStatus) }
