package remediate_test

import (
	"strings"
	"testing"

	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// TestFromReportActsOnlyOnWhatTheRulesConfirm: a saved report is an input
// file; a finding that names a file the pack's rules would never have
// reported (here, system files) is a note, never a target.
func TestFromReportActsOnlyOnWhatTheRulesConfirm(t *testing.T) {
	root := t.TempDir()
	sweeptest.WriteFiles(t, root, map[string]string{"/etc/passwd": "root:x:0:0::/root:/bin/sh\n", "/etc/shadow": "x"})
	r := &sweep.Report{Scan: sweep.Scan{Kind: "host", Root: root}, Findings: []sweep.Finding{
		{Category: "staging", Severity: sweep.Critical, Location: sweep.Location{Path: "/etc/passwd"}},
		{Category: "startup-hook", Severity: sweep.Critical, Location: sweep.Location{Path: "/etc/shadow"}},
		{Category: "python-package", Severity: sweep.Critical, Location: sweep.Location{Path: "/etc/litellm-1.82.8.dist-info/METADATA"},
			Evidence: sweep.Evidence{Package: "litellm", Version: "1.82.8"}},
		{Category: "tampered-file", Severity: sweep.Critical, Location: sweep.Location{Path: "/etc/../root/x.py"}},
		{Category: "process", Severity: sweep.Critical, Collector: "live/processes", Location: sweep.Location{PID: 1},
			Indicator: &sweep.Indicator{ID: "proc-pglog", Kind: "behaviour"}},
	}}
	d, err := remediate.FromReport(r, remediate.RemovalOptions{Root: root, Matcher: sweeptest.Matcher(t), From: "crafted.json"})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Targets) != 0 || len(d.Processes) != 0 {
		t.Errorf("targets %+v processes %+v", d.Targets, d.Processes)
	}
	if len(d.Errors) != 4 || !strings.Contains(strings.Join(d.Errors, "\n"), "not a staging file") {
		t.Errorf("notes: %q", d.Errors)
	}
	if _, err := remediate.FromReport(&sweep.Report{Scan: sweep.Scan{Kind: "images"}}, remediate.RemovalOptions{Root: root, Matcher: sweeptest.Matcher(t)}); err == nil {
		t.Error("an images report was accepted")
	}
}

// TestFromReportNotesARecordItCannotReadWhole: a RECORD that stops parsing
// part-way still gives the files listed before that point, and the plan
// says the rest are not moved (never a silent short list).
func TestFromReportNotesARecordItCannotReadWhole(t *testing.T) {
	root := t.TempDir()
	site := "/usr/lib/python3.11/site-packages"
	sweeptest.WriteFiles(t, root, map[string]string{
		site + "/litellm-1.82.8.dist-info/METADATA": "Metadata-Version: 2.1\nName: litellm\nVersion: 1.82.8\n",
		site + "/litellm-1.82.8.dist-info/RECORD":   "litellm/__init__.py,sha256=x,1\n\"litellm/unterminated.py,\n",
		site + "/litellm/__init__.py":               "x",
	})
	r := &sweep.Report{Scan: sweep.Scan{Kind: "host", Root: root}, Findings: []sweep.Finding{
		{Category: "python-package", Severity: sweep.Critical, Location: sweep.Location{Path: site + "/litellm-1.82.8.dist-info/METADATA", Line: 3},
			Evidence: sweep.Evidence{Package: "litellm", Version: "1.82.8"}},
	}}
	d, err := remediate.FromReport(r, remediate.RemovalOptions{Root: root, Matcher: sweeptest.Matcher(t), From: "report.json"})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, tg := range d.Targets {
		paths = append(paths, tg.Path)
	}
	if !strings.Contains(strings.Join(paths, " "), site+"/litellm/__init__.py") {
		t.Errorf("targets %q lack the file listed before the bad line", paths)
	}
	if !strings.Contains(strings.Join(d.Errors, "\n"), "RECORD") {
		t.Errorf("no note that RECORD could not be read whole: %q", d.Errors)
	}
}
