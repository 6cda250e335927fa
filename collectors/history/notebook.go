package history

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/litesweep/litesweep/sweep"
)

// Notebook is a Jupyter notebook (.ipynb, nbformat 3 and 4): the source
// of its code cells, read for the commands IPython runs from them.
const Notebook Format = "notebook"

// NotebookCollector reads the code cells of Jupyter notebooks.
type NotebookCollector struct{ c *Collector }

// NewNotebook returns the notebook collector; it grades and builds
// evidence as the shell-history collector does (a cell carries no time).
func NewNotebook(o Options) *NotebookCollector { return &NotebookCollector{c: New(o)} }

// Name implements sweep.Collector.
func (nc *NotebookCollector) Name() string { return "history/notebook" }

// FileRequired implements sweep.Collector.
func (nc *NotebookCollector) FileRequired(e *sweep.Entry) bool {
	return !e.IsSymlink() && strings.HasSuffix(path.Base(e.Path), ".ipynb")
}

// nbSource is a cell's source: one string or a list of lines.
type nbSource string

func (s *nbSource) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = nbSource(one)
		return nil
	}
	var lines []string
	if err := json.Unmarshal(b, &lines); err != nil {
		return fmt.Errorf("cell source is neither a string nor a list of strings")
	}
	*s = nbSource(strings.Join(lines, ""))
	return nil
}

type nbCell struct {
	CellType string   `json:"cell_type"`
	Source   nbSource `json:"source"` // nbformat 4
	Input    nbSource `json:"input"`  // nbformat 3
}

// Collect implements sweep.Collector.
func (nc *NotebookCollector) Collect(ctx context.Context, f *sweep.File, out sweep.Sink) {
	c := nc.c
	b, err := f.ReadAll(c.o.MaxBytes)
	if err != nil {
		out.Error(sweep.ErrorAt(f.Location(), nc.Name(), fmt.Errorf("notebook: %s", sweep.TrimPathErr(err))))
		return
	}
	var nb struct {
		Cells      []nbCell `json:"cells"`
		Worksheets []struct {
			Cells []nbCell `json:"cells"`
		} `json:"worksheets"`
	}
	if err := json.Unmarshal(b, &nb); err != nil {
		out.Error(sweep.ErrorAt(f.Location(), nc.Name(), fmt.Errorf("notebook: not a readable .ipynb: %s", err)))
		return
	}
	cells := nb.Cells
	for _, ws := range nb.Worksheets {
		cells = append(cells, ws.Cells...)
	}
	user := sweep.UserOf(c.o.Homes, f.Path)
	reported := 0
	for i, cell := range cells {
		if ctx.Err() != nil {
			return
		}
		if cell.CellType != "code" {
			continue
		}
		src := string(cell.Source)
		if src == "" {
			src = string(cell.Input)
		}
		reported += c.cellFindings(f, Notebook, Entry{Cmd: src, Where: fmt.Sprintf("cell %d", i+1)}, user, out)
		if reported >= maxPerFile {
			out.Error(sweep.Error{Location: f.Location(), Collector: nc.Name(), Kind: sweep.ErrKindSkipped,
				Message: fmt.Sprintf("more than %d matching commands: the rest are not reported", maxPerFile)})
			return
		}
	}
}
