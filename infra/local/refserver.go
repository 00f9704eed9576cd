package main

import (
	"fmt"

	"github.com/mosaic-platform/mosaic/infra/local/runtime"
	"github.com/mosaic-platform/mosaic/internal/emulators/refserver"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
)

// startReferenceServer starts the transit reference-server simulator on a
// loopback port when REFERENCE_SERVER_URL is not set, and points the
// functions at it: the runtime lets a process variable override a template
// variable of the same name, so o.Env answering REFERENCE_SERVER_URL is enough.
// The simulator's shape comes from MOSAIC_REFSERVER_* (see README, Transit).
func startReferenceServer(o *runtime.Options) (url string, started bool, stop func() error, err error) {
	if v, ok := o.Env("REFERENCE_SERVER_URL"); ok && v != "" {
		return v, false, func() error { return nil }, nil
	}
	c := refserver.DefaultConfig()
	l := config.New(o.Env)
	c.Seed = int64(l.IntOr("MOSAIC_REFSERVER_SEED", int(c.Seed), 0, 1<<31-1))
	c.Cities = l.IntOr("MOSAIC_REFSERVER_CITIES", c.Cities, 1, 1_000_000)
	c.Countries = l.IntOr("MOSAIC_REFSERVER_COUNTRIES", c.Countries, 1, 40)
	c.MinRecords = int64(l.IntOr("MOSAIC_REFSERVER_MIN_RECORDS", int(c.MinRecords), 0, 1<<40))
	c.MaxRecords = int64(l.IntOr("MOSAIC_REFSERVER_MAX_RECORDS", int(c.MaxRecords), 0, 1<<40))
	if err := l.Err(); err != nil {
		return "", false, nil, err
	}
	sim, err := refserver.New(c)
	if err != nil {
		return "", false, nil, err
	}
	url, stop, err = refserver.Listen(sim, "127.0.0.1:0")
	if err != nil {
		return "", false, nil, err
	}
	env := o.Env
	o.Env = func(name string) (string, bool) {
		if name == "REFERENCE_SERVER_URL" {
			return url, true
		}
		return env(name)
	}
	return url, true, stop, nil
}

// simulatorNote is the banner line saying where the reference server is.
func simulatorNote(url string, started bool) string {
	if started {
		return fmt.Sprintf("Reference server: simulator at %s (set REFERENCE_SERVER_URL to use another)", url)
	}
	return "Reference server: " + url
}
