// Command docs is the Lambda function of GET /docs and GET /docs/{asset}: Swagger UI over /openapi.json.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/apidocs"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

func main() { function.Start(apidocs.NewDocs) }
