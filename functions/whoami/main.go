// Command whoami is the Lambda function behind GET /whoami.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

func main() { function.Start(auth.NewWhoAmI) }
