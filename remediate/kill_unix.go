//go:build unix

package remediate

import (
	"syscall"
	"time"
)

// KillProcess sends SIGTERM, waits up to two seconds, then SIGKILL.
func KillProcess(pid int) error {
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
