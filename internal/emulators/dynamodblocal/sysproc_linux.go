package dynamodblocal

import "syscall"

// sysProcAttr puts an emulator in its own process group, so stop can signal it
// and anything it forks, and has the kernel kill it when the test binary dies,
// even by SIGKILL. (Pdeathsig follows the forking OS thread; the Go runtime
// keeps its threads, so that is the process's lifetime.)
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
