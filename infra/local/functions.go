package main

import (
	"github.com/mosaic-platform/mosaic/internal/apidocs"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/health"
)

// constructors maps each functions/<dir> to the constructor its main.go starts.
// A test checks it against template.yaml and functions/.
var constructors = map[string]function.Constructor{
	"authorizer": auth.NewAuthorizer,
	"health":     health.New,
	"open-api":   apidocs.NewOpenAPI,
	"docs":       apidocs.NewDocs,
	"whoami":     auth.NewWhoAmI,
}
