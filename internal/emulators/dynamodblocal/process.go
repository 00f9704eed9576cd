package dynamodblocal

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process is an emulator running as a child process in its own process group.
type Process struct {
	name string
	url  string
	cmd  *exec.Cmd
	out  *tail         // recent output, for error messages
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, once done is closed
}

// launch starts cmd in a new process group that dies with this process.
func launch(name string, cmd *exec.Cmd, out *tail) (*Process, error) {
	cmd.SysProcAttr = sysProcAttr()
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 2 * time.Second // don't hang on output pipes held by a stray grandchild
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &Process{name: name, cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// URL is where the emulator listens, http://127.0.0.1:<port>.
func (c *Process) URL() string { return c.url }

// Pid is the process id, which is also its process group's.
func (c *Process) Pid() int { return c.cmd.Process.Pid }

// exited reports whether the process has ended.
func (c *Process) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// failure describes why the process is not usable, with its last output.
func (c *Process) failure(what string) error {
	status := "still running"
	if c.exited() {
		status = fmt.Sprintf("exited: %v", c.err)
	}
	return fmt.Errorf("%s %s (%s); its output:\n%s", c.name, what, status, c.out.String())
}

// Stop ends the whole process group: SIGTERM, then SIGKILL after a grace period.
func (c *Process) Stop() error {
	pgid := c.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-c.done
	}
	return nil
}

// tail keeps the last bytes written to it and reports lines as they complete.
type tail struct {
	mu     sync.Mutex
	buf    []byte
	max    int
	line   bytes.Buffer
	onLine func(string) // called for each complete line; may be nil
}

func newTail(max int, onLine func(string)) *tail { return &tail{max: max, onLine: onLine} }

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	if t.onLine != nil {
		t.line.Write(p)
		for {
			i := bytes.IndexByte(t.line.Bytes(), '\n')
			if i < 0 {
				break
			}
			t.onLine(strings.TrimRight(string(t.line.Next(i+1)), "\r\n"))
		}
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
