//go:build unix && !linux

package dynamodblocal

import "syscall"

// sysProcAttr puts an emulator in its own process group, so stop can signal it.
// Without Pdeathsig, an interrupted test binary can leave DynamoDB Local running.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
