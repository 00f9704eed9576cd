// Command transit-city is the Lambda function behind the transit city queue (one city-day streamed into S3).
package main

import (
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/transit/transitapi"
)

func main() { function.Start(transitapi.NewCityWorker) }
