// Package config reads a function's configuration from its environment and
// reports every missing or malformed variable at once, at init.
package config

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Env looks up one environment variable, like os.LookupEnv.
type Env func(name string) (string, bool)

// OS is the process environment.
var OS Env = os.LookupEnv

// Map is an Env backed by a map, used by the local runtime and tests.
func Map(m map[string]string) Env {
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

// Loader reads typed values from an Env and collects every error.
type Loader struct {
	env  Env
	errs []error
}

// New returns a Loader reading from env.
func New(env Env) *Loader { return &Loader{env: env} }

func (l *Loader) lookup(name string) (string, bool) {
	v, ok := l.env(name)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

func (l *Loader) fail(name, format string, args ...any) {
	l.errs = append(l.errs, fmt.Errorf("%s: "+format, append([]any{name}, args...)...))
}

// String returns a required variable.
func (l *Loader) String(name string) string {
	v, ok := l.lookup(name)
	if !ok {
		l.fail(name, "is required but not set")
	}
	return v
}

// StringOr returns a variable, or def when it is unset or empty.
func (l *Loader) StringOr(name, def string) string {
	if v, ok := l.lookup(name); ok {
		return v
	}
	return def
}

// IntOr returns an integer variable within [lo, hi], or def when unset.
func (l *Loader) IntOr(name string, def, lo, hi int) int {
	v, ok := l.lookup(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		l.fail(name, "%q is not an integer", v)
		return def
	}
	if n < lo || n > hi {
		l.fail(name, "%d is outside %d..%d", n, lo, hi)
		return def
	}
	return n
}

// DurationOr returns a positive Go duration ("90s", "7d" is also accepted as days), or def when unset.
func (l *Loader) DurationOr(name string, def time.Duration) time.Duration {
	v, ok := l.lookup(name)
	if !ok {
		return def
	}
	d, err := ParseDuration(v)
	if err != nil || d <= 0 {
		l.fail(name, "%q is not a positive duration such as 30s, 15m, 24h or 7d", v)
		return def
	}
	return d
}

// BoolOr returns a boolean variable, or def when unset.
func (l *Loader) BoolOr(name string, def bool) bool {
	v, ok := l.lookup(name)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		l.fail(name, "%q is not a boolean (true or false)", v)
		return def
	}
	return b
}

// Err reports every problem found so far, or nil.
func (l *Loader) Err() error {
	if len(l.errs) == 0 {
		return nil
	}
	return fmt.Errorf("configuration: %w", errors.Join(l.errs...))
}

// ParseDuration is time.ParseDuration that also accepts whole days ("7d").
func ParseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil {
			return 0, fmt.Errorf("invalid day count %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}
