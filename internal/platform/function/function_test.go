package function

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mosaic-platform/mosaic/internal/platform/config"
)

func TestBuild(t *testing.T) {
	ctx := context.Background()
	d, err := NewDeps(ctx, "GreetFunction", config.Map(map[string]string{"GREETING": "hello"}))
	if err != nil {
		t.Fatal(err)
	}
	var built int
	newEnv, err := Build(ctx, d, func(_ context.Context, d Deps) (any, error) {
		built++
		greeting := config.New(d.Env).String("GREETING")
		return func(_ context.Context, name string) (string, error) { return greeting + " " + name, nil }, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Two environments over one constructed handler, as the local runtime runs them.
	a, b := newEnv(), newEnv()
	for _, env := range []interface {
		Invoke(context.Context, []byte) ([]byte, error)
	}{a, b} {
		out, err := env.Invoke(ctx, []byte(`"mosaic"`))
		if err != nil || !bytes.Equal(out, []byte(`"hello mosaic"`)) {
			t.Errorf("Invoke = %s, %v", out, err)
		}
	}
	if built != 1 {
		t.Errorf("constructor ran %d times, want once per cold start", built)
	}
}

func TestBuildNamesTheFunctionOnError(t *testing.T) {
	d, err := NewDeps(context.Background(), "BrokenFunction", config.Map(nil))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Build(context.Background(), d, func(context.Context, Deps) (any, error) {
		return nil, errors.New("TABLE_NAME: is required but not set")
	})
	if err == nil || !strings.Contains(err.Error(), "function BrokenFunction: TABLE_NAME") {
		t.Fatalf("err = %v", err)
	}
}
