package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cliIn runs `make run`'s binary with args in dir (the directory a developer
// would type make in), with the default data directory (MOSAIC_DATA_DIR unset).
func cliIn(t *testing.T, bin, dir string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MOSAIC_DATA_DIR=", "AWS_ENDPOINT_URL=", "MOSAIC_BACKEND=")
	return cmd
}

// TestInvokeBesideRun: `make invoke` works while `make run` holds the default
// data directory, in a fresh data directory of its own that it removes after.
func TestInvokeBesideRun(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test starts the whole stack")
	}
	bin := buildServer(t)
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir() // the developer's directory: `make run` keeps .mosaic here
	template := filepath.Join(root, "template.yaml")

	port := freePort(t)
	run := cliIn(t, bin, work, "serve", "-template", template)
	run.Env = append(run.Env, "PORT="+port)
	logPath := filepath.Join(t.TempDir(), "run.log")
	runOut, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer runOut.Close()
	run.Stdout, run.Stderr = runOut, runOut // a file: the test reads it while the process writes
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = run.Process.Kill()
		_ = run.Wait()
	}()
	waitHealthy(t, "http://127.0.0.1:"+port, logPath)

	before, _ := filepath.Glob(filepath.Join(os.TempDir(), "mosaic-invoke-*"))
	invoke := cliIn(t, bin, work, "invoke", "-template", template, "-fn", "WhoamiFunction",
		"-event", filepath.Join(root, "events", "whoami.json"))
	out, err := invoke.CombinedOutput()
	if err != nil {
		t.Fatalf("invoke beside a running make run: %v\n%s", err, out)
	}
	var resp struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	last := out[bytes.LastIndexByte(bytes.TrimSpace(out), '\n')+1:]
	if err := json.Unmarshal(last, &resp); err != nil || resp.StatusCode != 200 || resp.Body != `{"role":"writer"}` {
		t.Fatalf("invoke output = %s (%v)", out, err)
	}
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), "mosaic-invoke-*"))
	if len(after) > len(before) {
		t.Errorf("invoke left its data directory behind: %v", after)
	}
	if log, _ := os.ReadFile(logPath); !strings.Contains(string(log), "Mosaic is running") {
		t.Errorf("make run did not start: %s", log)
	}
}

// TestStop: `make stop` ends the `make run` holding the data directory, which
// shuts down cleanly, and says so when none is running.
func TestStop(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test starts the whole stack")
	}
	bin := buildServer(t)
	dataDir := t.TempDir()
	s := startServer(t, bin, dataDir)

	stop := exec.Command(bin, "stop")
	stop.Env = append(os.Environ(), "MOSAIC_DATA_DIR="+dataDir)
	out, err := stop.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "stopped make run (pid ") {
		t.Fatalf("stop: %v\n%s", err, out)
	}
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("make run ended with %v after make stop", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("make stop returned while make run still runs")
	}

	again := exec.Command(bin, "stop")
	again.Env = append(os.Environ(), "MOSAIC_DATA_DIR="+dataDir)
	out, err = again.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "no make run is using "+dataDir) {
		t.Errorf("stop with nothing running: %v\n%s", err, out)
	}
}

// waitHealthy waits until the stack at url answers /health.
func waitHealthy(t *testing.T, url, logPath string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if resp, err := http.Get(url + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logPath)
			t.Fatalf("no answer from %s/health within 60s:\n%s", url, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
