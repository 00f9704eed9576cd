// Command health is the Lambda function of GET /health: a liveness answer with the build's version.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/health"
)

func main() { function.Start(health.New) }
