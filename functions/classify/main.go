// Command classify is the Lambda function behind GET /classify and POST /classify.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/classify"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

func main() { function.Start(classify.NewClassify) }
