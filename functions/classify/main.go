// Command classify is the Lambda function behind GET /classify and POST /classify.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/classify/classifyapi"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

func main() { function.Start(classifyapi.NewClassify) }
