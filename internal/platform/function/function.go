// Package function wires one Lambda function: it builds the dependencies every
// handler shares (configuration, logger, AWS configuration) once per cold start,
// and starts the handler under the Lambda runtime or, locally, hands it back.
package function

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/obs"
)

// Deps is what a Constructor gets to build its handler.
type Deps struct {
	Name   string       // the function's name: AWS_LAMBDA_FUNCTION_NAME, or its logical id locally
	Env    config.Env   // the function's environment variables
	AWS    aws.Config   // AWS SDK configuration, traced when X-Ray is on
	Logger *slog.Logger // JSON logger carrying the function name
	// Shutdown takes what must run before the execution environment ends
	// (never nil from NewDeps).
	Shutdown *Shutdown
}

// Constructor builds a handler: any function signature lambda.NewHandler accepts,
// typically func(context.Context, events.X) (events.Y, error).
type Constructor func(ctx context.Context, d Deps) (any, error)

// NewDeps builds the shared dependencies of the function called name.
func NewDeps(ctx context.Context, name string, env config.Env) (Deps, error) {
	level, err := obs.ParseLevel(config.New(env).StringOr("LOG_LEVEL", "info"))
	if err != nil {
		return Deps{}, fmt.Errorf("function %s: LOG_LEVEL: %w", name, err)
	}
	logger := obs.NewLogger(os.Stdout, name, level)
	cfg, err := awsclients.Load(ctx, env)
	if err != nil {
		return Deps{}, fmt.Errorf("function %s: %w", name, err)
	}
	return Deps{Name: name, Env: env, AWS: cfg, Logger: logger, Shutdown: &Shutdown{}}, nil
}

// Environment is one execution environment of a function: its handler,
// wrapped with logging, cold-start, request-id and metrics instrumentation.
type Environment func() lambda.Handler

// Build runs a constructor once and returns how to make an execution
// environment over its handler. Lambda runs one; the local runtime runs several
// over the same handler, so handlers must be safe for concurrent use.
func Build(ctx context.Context, d Deps, build Constructor) (Environment, error) {
	h, err := build(ctx, d)
	if err != nil {
		return nil, fmt.Errorf("function %s: %w", d.Name, err)
	}
	return func() lambda.Handler {
		return obs.Instrument(d.Logger, lambda.NewHandler(h), obs.WithFunctionName(d.Name))
	}, nil
}

// Start is the whole of a functions/<name>/main.go: build once, then serve
// invocations. A configuration error stops the cold start with a clear log line.
func Start(build Constructor) {
	ctx := context.Background()
	name := os.Getenv("AWS_LAMBDA_FUNCTION_NAME")
	d, err := NewDeps(ctx, name, config.OS)
	if err == nil {
		var env Environment
		if env, err = Build(ctx, d, build); err == nil {
			var opts []lambda.Option
			if d.Shutdown.has() { // costs an extension registration: only when needed
				opts = append(opts, lambda.WithEnableSIGTERM(func() {
					ctx, cancel := context.WithTimeout(context.Background(), ShutdownBudget)
					defer cancel()
					d.Shutdown.Run(ctx)
				}))
			}
			lambda.StartWithOptions(env(), opts...)
			return
		}
	}
	obs.NewLogger(os.Stderr, name, nil).Error("cold start failed", "error", err.Error())
	os.Exit(1)
}
