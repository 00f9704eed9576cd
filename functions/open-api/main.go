// Command open-api is the Lambda function of GET /openapi.json: Mosaic's OpenAPI document.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/apidocs"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

func main() { function.Start(apidocs.NewOpenAPI) }
