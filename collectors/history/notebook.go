package history

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/litesweep/litesweep/iocs"
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
	Outputs  []struct {
		OutputType string   `json:"output_type"`
		Text       nbSource `json:"text"`
	} `json:"outputs"`
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
		for _, o := range cell.Outputs {
			if o.OutputType == "stream" {
				reported += c.installedOutput(f, string(o.Text), fmt.Sprintf("cell %d output", i+1), user, nc.Name(), out)
			}
		}
		if reported >= maxPerFile {
			out.Error(sweep.Error{Location: f.Location(), Collector: nc.Name(), Kind: sweep.ErrKindSkipped,
				Message: fmt.Sprintf("more than %d matching commands: the rest are not reported", maxPerFile)})
			return
		}
	}
}

// installedOutput reports pip's "Successfully installed NAME-VERSION ..."
// lines of a cell's output that name a bad release: the kernel's
// environment had it installed. Evidence is rebuilt from the pack's name
// and the version.
func (c *Collector) installedOutput(f *sweep.File, text, where, user, collector string, out sweep.Sink) int {
	n := 0
	for _, l := range strings.Split(text, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(l), "Successfully installed ")
		if !ok {
			continue
		}
		for _, nv := range strings.Fields(rest) {
			i := strings.LastIndexByte(nv, '-')
			if i <= 0 {
				continue
			}
			pk, bad := c.o.Matcher.Package(nv[:i], nv[i+1:])
			if !bad {
				continue
			}
			ver := iocs.NormalizeVersion(nv[i+1:])
			loc := f.Location()
			out.Finding(sweep.Finding{Severity: sweep.High, Category: CatHistory, Collector: collector, Location: loc, User: user,
				Title: fmt.Sprintf("notebook cell output: pip installed %s %s", pk.Name, ver),
				Evidence: sweep.Evidence{Package: pk.Name, Version: ver, Installer: "pip", Text: "Successfully installed " + pk.Name + "-" + ver,
					Details: []string{"pip reported installing the bad release in the notebook kernel's environment (when is not recorded)", "entry: " + where}},
				Indicator: &sweep.Indicator{ID: pk.ID, Kind: "package", Confidence: string(pk.Provenance.Confidence), Sources: pk.Provenance.Sources}})
			n++
		}
	}
	return n
}
