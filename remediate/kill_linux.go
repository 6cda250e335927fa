//go:build linux

package remediate

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// KillProcess pins the process with a pidfd, then calls verify, and when
// it passes signals that very process (a pid reused after verify cannot be
// hit): SIGTERM, up to two seconds for it to exit, then SIGKILL. A verify
// error is returned unchanged and nothing is sent. Kernels without pidfds
// (before 5.3) fall back to kill(2) right after verify.
func KillProcess(pid int, verify func() error) error {
	fd, err := unix.PidfdOpen(pid, 0)
	switch {
	case errors.Is(err, unix.ESRCH):
		if verr := verify(); verr != nil {
			return verr // says it exited
		}
		return fmt.Errorf("pid %d has exited", pid)
	case errors.Is(err, unix.ENOSYS):
		return killByPID(pid, verify)
	case err != nil:
		return fmt.Errorf("pidfd_open: %w", err)
	}
	defer unix.Close(fd)
	if err := verify(); err != nil {
		return err
	}
	if err := unix.PidfdSendSignal(fd, unix.SIGTERM, nil, 0); err != nil {
		if errors.Is(err, unix.ESRCH) {
			return nil
		}
		return err
	}
	// A pidfd becomes readable when its process exits.
	deadline := time.Now().Add(2 * time.Second)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, int(left/time.Millisecond)+1)
		if err == nil && n > 0 {
			return nil
		}
		if err != nil && !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err := unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0); err != nil && !errors.Is(err, unix.ESRCH) {
		return err
	}
	return nil
}

func killByPID(pid int, verify func() error) error {
	if err := verify(); err != nil {
		return err
	}
	if err := unix.Kill(pid, unix.SIGTERM); err != nil {
		if errors.Is(err, unix.ESRCH) {
			return nil
		}
		return err
	}
	for i := 0; i < 20; i++ {
		time.Sleep(100 * time.Millisecond)
		if unix.Kill(pid, 0) == unix.ESRCH {
			return nil
		}
	}
	if err := unix.Kill(pid, unix.SIGKILL); err != nil && !errors.Is(err, unix.ESRCH) {
		return err
	}
	return nil
}
