// Command authorizer is the HTTP API's Lambda authorizer: it maps the
// Authorization header's token to a role by the token's SHA-256 hash.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

func main() { function.Start(auth.NewAuthorizer) }
