package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// localServer is `make run`'s server, started as its own process.
type localServer struct {
	url    string
	cmd    *exec.Cmd
	output *lockedBuffer
}

// lockedBuffer collects the server's output while tests read it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) WriteString(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(s)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// buildServer compiles the local runtime once per test binary; every
// end-to-end test (e2e_*_test.go) starts its own server from it.
func buildServer(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mosaic-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "mosaic-local")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build the local runtime: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
	if loaded.dir != "" {
		_ = os.RemoveAll(loaded.dir)
	}
	os.Exit(code)
}

// backendEnv is added to every server's environment: empty for the embedded
// emulators, AWS_ENDPOINT_URL of a third-party emulator in TestEndToEndOnMoto.
var backendEnv []string

// startServer runs the binary from the repository root on a free port and
// waits until it answers /health.
func startServer(t testing.TB, bin, dataDir string, env ...string) *localServer {
	t.Helper()
	return startServerArgs(t, bin, dataDir, nil, env...)
}

// startServerArgs is startServer with extra arguments to serve (e.g. -template).
func startServerArgs(t testing.TB, bin, dataDir string, args []string, env ...string) *localServer {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	cmd.Dir = "../.."
	// PORT=0: the server takes a free port itself and names it in its banner. A
	// port picked here and handed over could be taken by another process in
	// between, whose /health would then answer for this server.
	cmd.Env = append(os.Environ(), append([]string{
		"PORT=0", "MOSAIC_DATA_DIR=" + dataDir,
		"AWS_ENDPOINT_URL=", "AWS_ENDPOINT_URL_DYNAMODB=", "AWS_ENDPOINT_URL_SQS=", "AWS_ENDPOINT_URL_S3=", "MOSAIC_BACKEND=",
	}, append(append([]string{}, backendEnv...), env...)...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	s := &localServer{cmd: cmd, output: &lockedBuffer{}}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the local runtime: %v", err)
	}
	lines, addr := make(chan struct{}), make(chan string, 1)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		named := false
		for sc.Scan() {
			s.output.WriteString(sc.Text() + "\n")
			if m := bannerURL.FindStringSubmatch(sc.Text()); m != nil && !named {
				named = true
				addr <- m[1]
			}
		}
	}()
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			_ = s.cmd.Process.Kill()
			_ = s.cmd.Wait()
		}
		<-lines
		if t.Failed() {
			t.Logf("server output:\n%s", s.output.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	select {
	case s.url = <-addr:
	case <-lines:
		t.Fatalf("the local runtime exited before it served:\n%s", s.output.String())
	case <-time.After(time.Until(deadline)):
		t.Fatalf("the local runtime named no address within 60s:\n%s", s.output.String())
	}
	for {
		resp, err := http.Get(s.url + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the local runtime did not answer /health within 60s (last error: %v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop ends the server by PID with SIGTERM and checks that it shut down cleanly.
func (s *localServer) stop(t testing.TB) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("signal: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the local runtime exited with %v", err)
		}
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		t.Fatal("the local runtime did not stop within 30s of SIGTERM")
	}
}

// bannerURL finds the address in the banner `make run` prints once it serves.
var bannerURL = regexp.MustCompile(`^Mosaic is running at (http://127\.0\.0\.1:[0-9]+) `)

func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

type response struct {
	status  int
	header  http.Header
	body    []byte
	decoded map[string]any
}

func call(t testing.TB, method, url, token string, body io.Reader) response {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := response{status: resp.StatusCode, header: resp.Header, body: b}
	if strings.Contains(resp.Header.Get("Content-Type"), "json") {
		_ = json.Unmarshal(b, &r.decoded)
	}
	return r
}

func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test starts the whole stack")
	}
	bin := buildServer(t)
	dataDir := t.TempDir()
	s := startServer(t, bin, dataDir)

	t.Run("banner prints the dev tokens", func(t *testing.T) {
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(s.output.String(), "Try: curl") && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		out := s.output.String()
		for _, want := range []string{"Bearer dev-admin", "Bearer dev-writer", "Bearer dev-reader", s.url} {
			if !strings.Contains(out, want) {
				t.Errorf("banner lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("health", func(t *testing.T) {
		r := call(t, "GET", s.url+"/health", "", nil)
		if r.status != 200 || r.decoded["status"] != "ok" {
			t.Fatalf("GET /health = %d %s", r.status, r.body)
		}
		if r.header.Get("X-Request-Id") == "" || r.header.Get("Apigw-Requestid") == "" {
			t.Errorf("missing request id headers: %v", r.header)
		}
	})
	t.Run("openapi document", func(t *testing.T) {
		r := call(t, "GET", s.url+"/openapi.json", "", nil)
		if r.status != 200 || !strings.HasPrefix(fmt.Sprint(r.decoded["openapi"]), "3.1") {
			t.Fatalf("GET /openapi.json = %d %.200s", r.status, r.body)
		}
	})
	t.Run("swagger ui", func(t *testing.T) {
		r := call(t, "GET", s.url+"/docs", "", nil)
		if r.status != 200 || !strings.Contains(string(r.body), "swagger-ui") {
			t.Fatalf("GET /docs = %d %.200s", r.status, r.body)
		}
		js := call(t, "GET", s.url+"/docs/swagger-ui-bundle.js", "", nil)
		if js.status != 200 || !strings.Contains(js.header.Get("Content-Type"), "javascript") || len(js.body) < 100_000 {
			t.Fatalf("GET /docs/swagger-ui-bundle.js = %d %s (%d bytes)", js.status, js.header.Get("Content-Type"), len(js.body))
		}
	})
	t.Run("authorizer and roles", func(t *testing.T) {
		for _, tc := range []struct {
			auth   string
			status int
			role   string
		}{
			{"Bearer dev-writer", 200, "writer"},
			{"Token dev-admin", 200, "admin"},
			{"bearer dev-reader", 200, "reader"},
			{"Bearer not-a-token", 401, ""},
			{"Basic dev-admin", 401, ""},
		} {
			r := call(t, "GET", s.url+"/whoami", tc.auth, nil)
			if r.status != tc.status || (tc.role != "" && r.decoded["role"] != tc.role) {
				t.Errorf("GET /whoami with %q = %d %s, want %d %s", tc.auth, r.status, r.body, tc.status, tc.role)
			}
			if tc.status == 401 && r.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("401 for %q is %s, want problem+json", tc.auth, r.header.Get("Content-Type"))
			}
		}
		// Without the identity header API Gateway refuses by itself.
		r := call(t, "GET", s.url+"/whoami", "", nil)
		if r.status != 401 || r.decoded["message"] != "Unauthorized" {
			t.Errorf("GET /whoami without a token = %d %s", r.status, r.body)
		}
	})
	t.Run("unknown route is API Gateway's 404", func(t *testing.T) {
		r := call(t, "GET", s.url+"/no/such/route", "", nil)
		if r.status != 404 || r.decoded["message"] != "Not Found" {
			t.Fatalf("GET /no/such/route = %d %s", r.status, r.body)
		}
	})
	s.stop(t)

	t.Run("make invoke runs one function on a sample event", func(t *testing.T) {
		cmd := exec.Command(bin, "invoke", "-fn", "WhoamiFunction", "-event", "events/whoami.json")
		cmd.Dir = "../.."
		cmd.Env = append(os.Environ(), "MOSAIC_DATA_DIR="+t.TempDir())
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("invoke: %v", err)
		}
		var resp struct {
			StatusCode int    `json:"statusCode"`
			Body       string `json:"body"`
		}
		if err := json.Unmarshal(out[bytes.LastIndexByte(bytes.TrimSpace(out), '\n')+1:], &resp); err != nil || resp.StatusCode != 200 || resp.Body != `{"role":"writer"}` {
			t.Fatalf("invoke output = %s (%v)", out, err)
		}
	})

	t.Run("MOSAIC_TOKENS replaces the dev tokens", func(t *testing.T) {
		s := startServer(t, bin, dataDir, "MOSAIC_TOKENS=admin:s3cret-admin,reader:s3cret-reader")
		defer s.stop(t)
		if r := call(t, "GET", s.url+"/whoami", "Bearer s3cret-reader", nil); r.status != 200 || r.decoded["role"] != "reader" {
			t.Errorf("own token: %d %s", r.status, r.body)
		}
		if r := call(t, "GET", s.url+"/whoami", "Bearer dev-admin", nil); r.status != 401 {
			t.Errorf("dev token still accepted: %d %s", r.status, r.body)
		}
		if strings.Contains(s.output.String(), "s3cret") {
			t.Error("the server printed a token from MOSAIC_TOKENS")
		}
	})
}
