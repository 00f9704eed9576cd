package main

import (
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestEndToEndOnMoto runs the end-to-end flows of every service (DynamoDB,
// SQS and S3 behind them) with the stack pointed at moto's server mode, a
// third-party AWS emulator, through AWS_ENDPOINT_URL: the path a LocalStack
// or a real account takes, where none of the embedded emulators is involved.
// Each flow gets a fresh moto. Skipped when moto_server is not on PATH.
//
// One SQS poller a queue (MOSAIC_SQS_POLLERS=1): moto 5's SQS is not safe
// under concurrent calls on one queue. Its receive checks and marks a message
// without a lock, and its delete rebuilds the queue's message list without
// one, so two pollers can get one message twice and lose another until its
// visibility timeout (20 minutes for the city queue). Under load that lost
// a transit city in about one run in five.
func TestEndToEndOnMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test starts the whole stack")
	}
	motoPath, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server is not on PATH (install the moto package with its server extra to run the stack against it)")
	}
	flows := []struct {
		name string
		run  func(*testing.T)
	}{
		{"dialogs", TestDialogsEndToEnd},
		{"blog", TestBlogEndToEnd},
		{"transit", TestTransitEndToEnd},
		{"stickers", TestStickersSearchFeedbackAnalyticsEndToEnd},
		{"classify", TestClassifyEndToEnd},
	}
	defer func() { backendEnv = nil }()
	for _, f := range flows {
		t.Run(f.name, func(t *testing.T) {
			backendEnv = []string{"AWS_ENDPOINT_URL=" + startMoto(t, motoPath), "MOSAIC_BACKEND=", "MOSAIC_SQS_POLLERS=1"}
			f.run(t)
		})
	}
}

// startMoto runs moto_server on a free loopback port until the test ends and
// returns its URL.
func startMoto(t *testing.T, path string) string {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(path, "-H", "127.0.0.1", "-p", port)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if !testing.Verbose() {
		cmd.Stdout, cmd.Stderr = nil, nil
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moto_server: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	url := "http://127.0.0.1:" + port
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return url
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not answer within 30s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
