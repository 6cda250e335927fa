package render

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/litesweep/litesweep/sweep"
)

// TestJSONStreamMatchesEncoder: the streaming JSON writer produces the
// bytes encoding/json produces for the whole report, for the committed
// reports and for reports with every list full, empty or nil.
func TestJSONStreamMatchesEncoder(t *testing.T) {
	if n := reflect.TypeOf(sweep.Report{}).NumField(); n != 13 {
		t.Fatalf("sweep.Report has %d fields; JSON streams 13: add the new one to render.JSON", n)
	}
	var reports []*sweep.Report
	paths, _ := filepath.Glob(filepath.Join(fleetFixtures, "*.json"))
	for _, p := range paths {
		switch filepath.Base(p) {
		case "truncated.json", "garbage.json", "not-a-report.json":
			continue
		}
		reports = append(reports, fixtureReport(t, filepath.Base(p)))
	}
	full := fixtureReport(t, "web-01.json")
	at := time.Date(2026, 3, 24, 11, 0, 0, 0, time.UTC)
	full.Environments = []sweep.Environment{{Path: "/opt/app/venv", Kind: "venv", Verdict: sweep.EnvExecuted, Findings: []string{"LS-1"}}}
	full.Timeline = []sweep.TimelineEvent{{Time: at, Event: "installed <b>&", Finding: "LS-1", InWindow: true}}
	full.Learned = []sweep.Learned{{SHA256: "ab", Name: "x.pth", Kind: "pth", Location: sweep.Location{Path: "/p/x.pth"}, Reason: "in a RECORD"}}
	full.Findings[0].Location.Path = "/bad/\xff/utf8" // written with path_bytes
	full.Errors = []sweep.Error{{Location: sweep.Location{Path: "/x"}, Message: "denied", Kind: "error"}}
	full.Guards = []sweep.Guard{{ID: "g", Name: "gh-token-monitor", Effect: "wipes <home>", Findings: []string{"LS-1"}, Disarm: []string{"stop"}, Item: "ROT-DISARM-1"}}
	reports = append(reports, full, &sweep.Report{}, &sweep.Report{Findings: []sweep.Finding{}, Errors: []sweep.Error{}, Summary: map[string]int{}})
	for i, r := range reports {
		var want, got bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
		if err := JSON(&got, r, Options{}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("report %d: streamed JSON differs from the encoder's:\n%s\n---\n%s", i, got.String(), want.String())
		}
	}
}
