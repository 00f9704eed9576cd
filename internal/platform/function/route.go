package function

import (
	"errors"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
)

// Route is an HTTP route's constructor body: read builds the handler from the
// function's configuration, every configuration problem is reported at once,
// and the handler is wrapped by apigw.Handle for a route accepting what a declares.
func Route(d Deps, a apigw.Accepts, read func(*config.Loader) (apigw.HandlerFunc, error)) (any, error) {
	l := config.New(d.Env)
	h, err := read(l)
	if err = errors.Join(l.Err(), err); err != nil {
		return nil, err
	}
	return apigw.Handle(h, a), nil
}
