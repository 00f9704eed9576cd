// Command country-stats is the Lambda function behind GET /country-stats.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/transit/transitapi"
)

func main() { function.Start(transitapi.NewCountryStats) }
