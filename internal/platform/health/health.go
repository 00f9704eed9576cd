// Package health answers GET /health: a liveness check that names the build.
package health

import (
	"context"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

// Status is the body of a GET /health answer.
type Status struct {
	Status  string `json:"status"`  // always "ok": the function ran
	Version string `json:"version"` // the build's version, "dev" when it has none
	Time    string `json:"time"`    // the function's clock, RFC 3339 UTC
}

// New builds the handler of GET /health.
func New(_ context.Context, _ function.Deps) (any, error) {
	return handler(Version(), time.Now), nil
}

func handler(version string, now func() time.Time) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return apigw.Handle(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		resp, err := apigw.JSON(http.StatusOK, Status{
			Status:  "ok",
			Version: version,
			Time:    now().UTC().Format(time.RFC3339),
		})
		if err != nil {
			return resp, err
		}
		resp.Headers["Cache-Control"] = "no-store" // a liveness answer is only true now
		return resp, nil
	}, apigw.Accepts{})
}

// Version returns the running build's version: the main module's version when
// built from a tagged module, else its VCS revision (with "-dirty" when the
// tree was modified), else "dev".
func Version() string {
	if release != "" {
		return release
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	return versionOf(info)
}

// release is the build's version, stamped by the Makefile's Lambda build
// (-ldflags -X), which turns VCS stamping off to stay reproducible.
var release string

func versionOf(info *debug.BuildInfo) string {
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision":
			rev = s.Value
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "-dirty"
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	return rev + dirty
}
