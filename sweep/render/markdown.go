package render

import (
	"errors"
	"io"

	"github.com/litesweep/litesweep/sweep"
)

// Markdown writes the markdown format.
func Markdown(w io.Writer, r *sweep.Report, o Options) error {
	return errors.New("the markdown format is not available in this build yet")
}
