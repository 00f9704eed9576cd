// Command local runs Mosaic on one machine with no Docker and no AWS account.
//
//	go run ./infra/local serve                       # make run
//	go run ./infra/local invoke -fn HealthFunction -event events/health.json   # make invoke
//	go run ./infra/local stop                        # make stop
//
// Every function of template.yaml runs in this one process; see package runtime.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mosaic-platform/mosaic/infra/local/runtime"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mosaic:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(args, stdout)
	case "invoke":
		return invoke(args, stdout)
	case "stop":
		return stop(args, stdout)
	default:
		return fmt.Errorf("unknown command %q (serve, invoke, stop)", cmd)
	}
}

// options reads the settings common to both commands from flags and environment.
func options(fs *flag.FlagSet, args []string) (runtime.Options, error) {
	env := config.OS
	l := config.New(env)
	o := runtime.Options{
		Template:  "template.yaml",
		DataDir:   l.StringOr("MOSAIC_DATA_DIR", ".mosaic"),
		Addr:      "127.0.0.1:" + fmt.Sprint(l.IntOr("PORT", 8080, 0, 65535)),
		Tokens:    l.StringOr("MOSAIC_TOKENS", runtime.DevTokens),
		Functions: constructors,
		Env:       env,
		Logger:    slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("component", "local"),
	}
	fs.StringVar(&o.Template, "template", o.Template, "SAM template to run")
	fs.StringVar(&o.DataDir, "data-dir", o.DataDir, "where the emulators keep their data (env MOSAIC_DATA_DIR)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	return o, l.Err()
}

func serve(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	o, err := options(fs, args)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stack, refNote, stopRef, err := startStack(ctx, &o)
	if err != nil {
		return err
	}
	defer stopRef()
	printBanner(stdout, stack, o)
	fmt.Fprintln(stdout, refNote)
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return stack.Close(shutdown)
}

// startStack starts the reference-server simulator when no reference server is
// configured, then the stack; it returns a line describing the reference
// server and how to stop the simulator (after the stack).
func startStack(ctx context.Context, o *runtime.Options) (*runtime.Stack, string, func(), error) {
	refURL, started, stopRef, err := startReferenceServer(o)
	if err != nil {
		return nil, "", nil, fmt.Errorf("reference-server simulator: %w", err)
	}
	stack, err := runtime.Start(ctx, *o)
	if err != nil {
		_ = stopRef()
		return nil, "", nil, err
	}
	return stack, simulatorNote(refURL, started), func() { _ = stopRef() }, nil
}

func printBanner(w io.Writer, s *runtime.Stack, o runtime.Options) {
	fmt.Fprintf(w, "\nMosaic is running at %s  (docs: %s/docs)\n", s.URL, s.URL)
	fmt.Fprintf(w, "AWS services: %s; data in %s\n", s.Backend, o.DataDir)
	if o.Tokens == runtime.DevTokens {
		fmt.Fprintln(w, "Dev tokens (set MOSAIC_TOKENS=role:token,... to choose your own):")
		for _, pair := range strings.Split(o.Tokens, ",") {
			role, token, _ := strings.Cut(pair, ":")
			fmt.Fprintf(w, "  %-7s Authorization: Bearer %s\n", role, token)
		}
	} else {
		fmt.Fprintln(w, "Tokens: from MOSAIC_TOKENS")
	}
	fmt.Fprintf(w, "Try: curl -s %s/health\n\n", s.URL)
}

func invoke(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	fn := fs.String("fn", "", "logical id of the function (e.g. HealthFunction)")
	eventPath := fs.String("event", "", "JSON event file (events/*.json); - reads standard input")
	o, err := options(fs, args)
	if err != nil {
		return err
	}
	// Beside a running `make run`, which holds its data directory, invoke uses a
	// fresh one of its own unless told which to use.
	if !dataDirChosen(fs) {
		tmp, err := os.MkdirTemp("", "mosaic-invoke-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		o.DataDir = tmp
	}
	if *fn == "" || *eventPath == "" {
		return errors.New("invoke needs -fn <LogicalId> and -event <file>")
	}
	var event []byte
	if *eventPath == "-" {
		event, err = io.ReadAll(os.Stdin)
	} else {
		event, err = os.ReadFile(*eventPath)
	}
	if err != nil {
		return fmt.Errorf("read event: %w", err)
	}
	o.Addr = "127.0.0.1:0" // invoke serves nothing; don't collide with a running `make run`
	ctx := context.Background()
	stack, _, stopRef, err := startStack(ctx, &o)
	if err != nil {
		return err
	}
	defer stopRef()
	defer stack.Close(ctx)
	out, err := stack.Invoke(ctx, *fn, event)
	if err != nil {
		return fmt.Errorf("%s failed: %w", *fn, err)
	}
	_, err = fmt.Fprintln(stdout, string(out))
	return err
}

// dataDirChosen reports whether -data-dir or MOSAIC_DATA_DIR names the data directory.
func dataDirChosen(fs *flag.FlagSet) bool {
	chosen := os.Getenv("MOSAIC_DATA_DIR") != ""
	fs.Visit(func(f *flag.Flag) { chosen = chosen || f.Name == "data-dir" })
	return chosen
}

// stopWait is how long stop waits for the stack to finish shutting down.
const stopWait = 35 * time.Second

// stop ends the `make run` that holds the data directory: SIGTERM to the
// process named in its lock file, then wait until the lock is released.
func stop(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("stop", flag.ContinueOnError)
	o, err := options(fs, args)
	if err != nil {
		return err
	}
	pid, running, err := runtime.LockHolder(o.DataDir)
	if err != nil {
		return err
	}
	if !running {
		fmt.Fprintf(stdout, "no make run is using %s\n", o.DataDir)
		return nil
	}
	if pid <= 0 {
		return fmt.Errorf("a process holds %s but its lock file names none; stop it yourself", o.DataDir)
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return fmt.Errorf("stop pid %d: %w", pid, err)
	}
	deadline := time.Now().Add(stopWait)
	for {
		if _, running, err := runtime.LockHolder(o.DataDir); err != nil || !running {
			fmt.Fprintf(stdout, "stopped make run (pid %d) using %s\n", pid, o.DataDir)
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("make run (pid %d) still holds %s %s after SIGTERM", pid, o.DataDir, stopWait)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
