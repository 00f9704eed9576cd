// Package runtime runs every function of the SAM template in one process: the
// AWS stand-ins (or LocalStack / AWS when configured), the resources the
// template declares, the API Gateway stand-in and the SQS event sources.
package runtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mosaic-platform/mosaic/infra/local/gateway"
	"github.com/mosaic-platform/mosaic/infra/local/invoke"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/samtemplate"
)

// Options configure a Stack.
type Options struct {
	Template  string                          // path of template.yaml
	DataDir   string                          // where the emulators keep their data
	Addr      string                          // listen address, e.g. 127.0.0.1:8080
	Tokens    string                          // role:token,... (MOSAIC_TOKENS)
	Functions map[string]function.Constructor // functions/<dir> -> constructor
	Env       config.Env                      // the process environment
	Logger    *slog.Logger                    // the runtime's own log
}

// DevTokens are the tokens `make run` uses when MOSAIC_TOKENS is not set.
const DevTokens = "admin:dev-admin,writer:dev-writer,reader:dev-reader"

// Stack is a running local Mosaic.
type Stack struct {
	URL       string // http://127.0.0.1:8080
	Backend   string // "emulators", or the external endpoint / "aws"
	Template  *samtemplate.Template
	Functions map[string]*invoke.Function

	emu    *localAWS
	server *http.Server
	stops  []func()
	unlock func() // releases the data directory, last of all
}

// Start brings the whole stack up; Close takes it down.
func Start(ctx context.Context, o Options) (_ *Stack, err error) {
	t, err := samtemplate.Load(o.Template)
	if err != nil {
		return nil, err
	}
	s := &Stack{Template: t}
	defer func() {
		if err != nil {
			_ = s.Close(context.Background())
		}
	}()
	if s.unlock, err = lockDataDir(o.DataDir); err != nil {
		return nil, err
	}
	// Listen first: a taken port is found before anything else starts.
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w (set PORT to use another port)", o.Addr, err)
	}
	s.stops = append(s.stops, func() { _ = ln.Close() })

	prefix := ""
	external, err := externalBackend(o.Env)
	if err != nil {
		return nil, err
	}
	if external != "" {
		s.Backend, prefix = external, "mosaic-local-"
	} else {
		l := config.New(o.Env)
		ddb := l.StringOr("MOSAIC_DYNAMODB", "embedded")
		if ddb == "minidyn" {
			ddb = "embedded" // its name before it was replaced
		}
		if ddb != "embedded" && ddb != "dynamodb-local" {
			return nil, fmt.Errorf("MOSAIC_DYNAMODB: %q is neither embedded nor dynamodb-local", ddb)
		}
		if s.emu, err = startEmulators(ctx, o.DataDir, ddb == "dynamodb-local"); err != nil {
			return nil, err
		}
		for k, v := range s.emu.env {
			// One process, one SDK environment: every function's client reads these.
			if err := os.Setenv(k, v); err != nil {
				return nil, fmt.Errorf("set %s: %w", k, err)
			}
		}
		s.Backend = "emulators (DynamoDB: " + ddb + ")"
	}
	awsCfg, err := awsclients.Load(ctx, o.Env)
	if err != nil {
		return nil, err
	}
	res, err := provision(ctx, awsCfg, t, prefix)
	if err != nil {
		return nil, fmt.Errorf("provision the template's resources on %s: %w", s.Backend, err)
	}
	params, err := parameters(t, o)
	if err != nil {
		return nil, err
	}
	var shutdowns []*function.Shutdown
	if s.Functions, shutdowns, err = buildFunctions(ctx, t, o, resolver(t, params, res)); err != nil {
		return nil, err
	}
	for _, sd := range shutdowns {
		// Stops run last-added first, so these run before the emulators close:
		// counters a function aggregates in memory are flushed on Ctrl-C.
		s.stops = append(s.stops, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			sd.Run(ctx)
		})
	}
	if s.emu != nil && s.emu.dynamo != nil {
		s.stops = append(s.stops, startTTLSweeper(s.emu.dynamo, o.Logger))
	}
	// An SQS emulator that is not safe under concurrent calls on one queue
	// (moto's server, see docs/local-stack.md) runs with one poller a queue.
	pollers := config.New(o.Env)
	maxPollers := pollers.IntOr("MOSAIC_SQS_POLLERS", 0, 1, 1000)
	if err := pollers.Err(); err != nil {
		return nil, err
	}
	if err := s.startEventSources(ctx, awsCfg, t, res, maxPollers, o.Logger); err != nil {
		return nil, err
	}
	s.startSchedules(ctx, t, o.Logger)
	invokers := make(map[string]gateway.Invoker, len(s.Functions))
	for id, fn := range s.Functions {
		invokers[id] = fn
	}
	gw, err := gateway.New(t.Routes(), t.Authorizer, invokers, o.Logger)
	if err != nil {
		return nil, err
	}
	s.URL = "http://" + ln.Addr().String()
	s.server = &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.server.Serve(ln) }()
	return s, nil
}

// externalBackend names the AWS endpoint configured outside, or "" to use the
// embedded emulators. Real AWS is used only when asked for (MOSAIC_BACKEND=aws),
// so that stray credentials never make `make run` create resources in an account.
func externalBackend(env config.Env) (string, error) {
	switch v, _ := env("MOSAIC_BACKEND"); v {
	case "aws":
		return "aws", nil
	case "":
	default:
		return "", fmt.Errorf("MOSAIC_BACKEND: %q is not a backend: leave it unset (emulators, or the AWS_ENDPOINT_URL you set) or set aws", v)
	}
	for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_S3"} {
		if v, ok := env(k); ok && v != "" {
			if !hasCredentials(env) {
				// LocalStack accepts any credentials, but the SDK needs some.
				for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"} {
					if err := os.Setenv(k, v); err != nil {
						return "", err
					}
				}
				if _, ok := env("AWS_REGION"); !ok {
					_ = os.Setenv("AWS_REGION", "us-east-1")
				}
			}
			return v, nil
		}
	}
	return "", nil
}

// hasCredentials reports whether the environment names AWS credentials or a profile.
func hasCredentials(env config.Env) bool {
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		if v, ok := env(k); ok && v != "" {
			return true
		}
	}
	return false
}

// parameters gives every template parameter its local value.
func parameters(t *samtemplate.Template, o Options) (map[string]string, error) {
	p := map[string]string{}
	for k, v := range t.Parameters {
		p[k] = v
	}
	p["Stage"] = "local"
	tokens, err := auth.ParseTokens(o.Tokens)
	if err != nil {
		return nil, fmt.Errorf("MOSAIC_TOKENS: %w", err)
	}
	p["TokenHashes"] = tokens.HashList()
	secret, err := cursorSecret(o)
	if err != nil {
		return nil, err
	}
	p["CursorSecret"] = secret
	for k, v := range map[string]string{
		"AWS::Region": "us-east-1", "AWS::AccountId": "000000000000", "AWS::StackName": "mosaic-local",
		"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com",
	} {
		p[k] = v
	}
	return p, nil
}

// cursorSecret is MOSAIC_CURSOR_SECRET, or a random key kept in the data
// directory so that cursors stay valid across restarts.
func cursorSecret(o Options) (string, error) {
	if v, ok := o.Env("MOSAIC_CURSOR_SECRET"); ok && v != "" {
		if len(v) < 32 {
			return "", fmt.Errorf("MOSAIC_CURSOR_SECRET: %d bytes; a cursor key needs at least 32", len(v))
		}
		return v, nil
	}
	path := filepath.Join(o.DataDir, "cursor-secret")
	if b, err := os.ReadFile(path); err == nil && len(b) >= 32 {
		return strings.TrimSpace(string(b)), nil
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	secret := hex.EncodeToString(b)
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return "", fmt.Errorf("data directory: %w", err)
	}
	if err := os.WriteFile(path, []byte(secret), 0o600); err != nil {
		return "", fmt.Errorf("keep cursor secret: %w", err)
	}
	return secret, nil
}

func resolver(t *samtemplate.Template, params map[string]string, res *resources) samtemplate.Resolver {
	r := samtemplate.Resolver{Params: params, Refs: map[string]string{}, Atts: map[string]map[string]string{}}
	for id, name := range res.tables {
		r.Refs[id] = name
		r.Atts[id] = map[string]string{"Arn": "arn:aws:dynamodb:us-east-1:000000000000:table/" + name}
	}
	for id, q := range res.queues {
		r.Refs[id] = q.url
		r.Atts[id] = map[string]string{"Arn": q.arn, "QueueName": q.name, "QueueUrl": q.url}
	}
	for id, name := range res.buckets {
		r.Refs[id] = name
		r.Atts[id] = map[string]string{"Arn": "arn:aws:s3:::" + name, "DomainName": name + ".s3.amazonaws.com"}
	}
	for _, id := range t.ResourcesOfType("AWS::SecretsManager::Secret") {
		r.Refs[id] = "arn:aws:secretsmanager:us-east-1:000000000000:secret:" + id
	}
	for _, f := range t.Functions {
		r.Refs[f.LogicalID] = f.LogicalID
		r.Atts[f.LogicalID] = map[string]string{"Arn": "arn:aws:lambda:us-east-1:000000000000:function:" + f.LogicalID}
	}
	return r
}

// buildFunctions runs every function's constructor with its template environment.
// A process variable overrides a template variable of the same name, so
// `MOSAIC_CLASSIFIER=huggingface make run` works as it reads.
func buildFunctions(ctx context.Context, t *samtemplate.Template, o Options, r samtemplate.Resolver) (map[string]*invoke.Function, []*function.Shutdown, error) {
	fns := map[string]*invoke.Function{}
	var shutdowns []*function.Shutdown
	var missing []string
	for _, f := range t.Functions {
		build, ok := o.Functions[f.Dir]
		if !ok {
			missing = append(missing, f.LogicalID+" (functions/"+f.Dir+")")
			continue
		}
		env, err := r.Environment(f)
		if err != nil {
			return nil, nil, err
		}
		for k := range env {
			if v, ok := o.Env(k); ok {
				env[k] = v
			}
		}
		localSecrets(env, r.Params, o.Env)
		env["AWS_LAMBDA_FUNCTION_NAME"] = f.LogicalID
		env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = fmt.Sprint(f.MemoryMB)
		d, err := function.NewDeps(ctx, f.LogicalID, config.Map(env))
		if err != nil {
			return nil, nil, err
		}
		newEnv, err := function.Build(ctx, d, build)
		if err != nil {
			return nil, nil, err
		}
		shutdowns = append(shutdowns, d.Shutdown)
		arn := "arn:aws:lambda:us-east-1:000000000000:function:" + f.LogicalID
		fns[f.LogicalID] = invoke.New(f.LogicalID, arn, f.Timeout, f.ReservedConcurrency, newEnv)
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, nil, fmt.Errorf("no constructor registered for %s", strings.Join(missing, ", "))
	}
	return fns, shutdowns, nil
}

// localSecrets replaces each NAME_SECRET_ARN of env (a Secrets Manager
// secret on AWS) with NAME itself, which internal/platform/secret prefers:
// the local token hashes and cursor key, or the process's own NAME.
func localSecrets(env map[string]string, params map[string]string, process config.Env) {
	local := map[string]string{"TOKEN_HASHES": params["TokenHashes"], "CURSOR_SECRET": params["CursorSecret"]}
	for k := range env {
		name, ok := strings.CutSuffix(k, "_SECRET_ARN")
		if !ok {
			continue
		}
		delete(env, k)
		v, set := process(name)
		if !set || v == "" {
			v = local[name]
		}
		if v != "" {
			env[name] = v
		}
	}
}

// Invoke runs one function's handler on a raw event, like `sam local invoke`.
func (s *Stack) Invoke(ctx context.Context, logicalID string, event []byte) ([]byte, error) {
	fn, ok := s.Functions[logicalID]
	if !ok {
		return nil, fmt.Errorf("no function %s in the template", logicalID)
	}
	return fn.Invoke(ctx, event)
}

// Close stops serving, lets in-flight work finish and closes the emulators.
func (s *Stack) Close(ctx context.Context) error {
	var errs []error
	if s.server != nil {
		errs = append(errs, s.server.Shutdown(ctx))
	}
	for i := len(s.stops) - 1; i >= 0; i-- {
		s.stops[i]()
	}
	if s.emu != nil {
		errs = append(errs, s.emu.close(ctx))
	}
	if s.unlock != nil {
		s.unlock()
	}
	return errors.Join(errs...)
}
