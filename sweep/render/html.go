package render

import (
	"errors"
	"io"

	"github.com/litesweep/litesweep/sweep"
)

// HTML writes the html format.
func HTML(w io.Writer, r *sweep.Report, o Options) error {
	return errors.New("the html format is not available in this build yet")
}
