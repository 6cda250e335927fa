//go:build !unix

package remediate

import "errors"

// KillProcess is only implemented on Unix systems, where the payload runs.
func KillProcess(pid int, verify func() error) error {
	return errors.New("killing processes is not supported on this platform")
}
