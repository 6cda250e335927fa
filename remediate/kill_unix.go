//go:build unix && !linux

package remediate

import (
	"syscall"
	"time"
)

// KillProcess calls verify and, when it passes, sends SIGTERM, waits up to
// two seconds, then SIGKILL. A verify error is returned unchanged and
// nothing is sent. (Linux closes the window between verify and the signal
// with a pidfd.)
func KillProcess(pid int, verify func() error) error {
	if err := verify(); err != nil {
		return err
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		if err == syscall.ESRCH {
			return nil
		}
		return err
	}
	for i := 0; i < 20; i++ {
		time.Sleep(100 * time.Millisecond)
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			return nil
		}
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && err != syscall.ESRCH {
		return err
	}
	return nil
}
