package render

import (
	"encoding/csv"
	"io"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/escape"
)

// CSVHeader names the columns of the CSV report: one row per finding, in the
// report's order (worst first), each row carrying the report's verdict so a
// spreadsheet filtered to any rows still says what the sweep concluded.
var CSVHeader = []string{"verdict", "id", "severity", "category", "title", "location", "evidence", "user", "environment", "indicator", "collector", "target"}

// CSV writes the report's findings as CSV for a spreadsheet. Every cell
// from the report goes through escape.CSV (controls made visible, formulas
// defused). A report without findings is its header and one row with the
// verdict alone.
func CSV(w io.Writer, r *sweep.Report, _ Options) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	target := scanTarget(r)
	row := func(cells ...string) error {
		for i := range cells {
			cells[i] = escape.CSV(cells[i])
		}
		return cw.Write(cells)
	}
	if len(r.Findings) == 0 {
		if err := row(string(r.Verdict), "", "", "", "", "", "", "", "", "", "", target); err != nil {
			return err
		}
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		ind := ""
		if f.Indicator != nil {
			ind = f.Indicator.ID
		}
		if err := row(string(r.Verdict), f.ID, string(f.Severity), string(f.Category), f.Title, f.Location.String(),
			EvidenceLine(*f), f.User, f.Environment, ind, f.Collector, target); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
