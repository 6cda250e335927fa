package render

import (
	"errors"
	"io"

	"github.com/litesweep/litesweep/sweep"
)

// SARIF writes the sarif format.
func SARIF(w io.Writer, r *sweep.Report, o Options) error {
	return errors.New("the sarif format is not available in this build yet")
}
