package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/fleet"
	"github.com/litesweep/litesweep/sweep"
)

// guardFleet merges, from saved JSON files as litesweep merge reads them,
// the report of web-1 (the real collectors found the gh-token-monitor
// dead-man switch on it) and a clean report of web-2; with cleaned, also a
// newer clean report of web-1.
func guardFleet(t *testing.T, cleaned bool) *fleet.Fleet {
	t.Helper()
	_, r := plannedChecklist(t)
	r.Scan.Finished = time.Date(2026, 5, 13, 9, 0, 0, 0, time.UTC)
	clean := &sweep.Report{SchemaVersion: r.SchemaVersion, Tool: r.Tool, Scan: sweep.Scan{Kind: "host", Hostname: "web-2", Root: "/",
		Finished: r.Scan.Finished}, Findings: []sweep.Finding{}, Errors: []sweep.Error{}}
	clean.Finalize()
	reports := []*sweep.Report{r, clean}
	if cleaned {
		again := *clean
		again.Scan.Hostname, again.Scan.Finished = "web-1", r.Scan.Finished.Add(24*time.Hour)
		reports = append(reports, &again)
	}
	dir := t.TempDir()
	b := &fleet.Builder{Tool: sweep.Tool{Name: "litesweep", Version: "test"}, Now: func() time.Time { return r.Scan.Finished }}
	for i, rep := range reports {
		data, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, rep.Scan.Hostname+"-"+string(rune('a'+i))+".json")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		b.AddFile(p)
	}
	f := b.Fleet()
	t.Cleanup(f.Close)
	return f
}

// TestFleetShowsGuardFirst: a fleet in which one system's newest report
// shows a dead-man switch says so before anything else in every format
// people read: the HTML page's first element after its title is the
// banner naming that system (linked to its drill-down) and the switch,
// before the verdict and the systems table, whose row for it is marked;
// the table and the Markdown open with it. The clean system is not named.
// A newer clean report of the system disarms it: no banner.
func TestFleetShowsGuardFirst(t *testing.T) {
	f := guardFleet(t, false)
	var web1 *fleet.Host
	for i := range f.Hosts {
		if f.Hosts[i].Name == "web-1" {
			web1 = &f.Hosts[i]
		}
	}
	if web1 == nil || len(web1.Guards) != 1 || web1.Guards[0].Name != "gh-token-monitor" {
		t.Fatalf("the merge lost web-1's guard: %+v", web1)
	}
	var page bytes.Buffer
	if err := FleetHTML(&page, f, Options{}); err != nil {
		t.Fatal(err)
	}
	p := page.String()
	assertSelfContained(t, p)
	g, v, sys := strings.Index(p, `id="guard"`), strings.Index(p, `id="verdict"`), strings.Index(p, `id="systems"`)
	if g < 0 || g > v || g > sys || g < strings.Index(p, "<h1>") {
		t.Fatalf("the guard banner (%d) is not between the title and the verdict (%d) and systems (%d)", g, v, sys)
	}
	banner := p[g : strings.Index(p[g:], "</div>")+g]
	if !strings.Contains(banner, "DEAD-MAN SWITCH armed on 1 system: web-1 (gh-token-monitor)") ||
		!strings.Contains(banner, `<a href="#system-`) || !strings.Contains(banner, "web-1</a>: gh-token-monitor") || strings.Contains(banner, "web-2") {
		t.Errorf("banner:\n%s", banner)
	}
	if !strings.Contains(p[sys:], `web-1</a> <span class="badge v-compromised" title="armed dead-man switch: disarm it first">gh-token-monitor</span>`) {
		t.Error("the systems table does not mark web-1's row")
	}
	for _, format := range []string{"table", "markdown"} {
		var b bytes.Buffer
		if err := WriteFleet(&b, format, f, Options{Width: 80}); err != nil {
			t.Fatal(err)
		}
		head := strings.Join(strings.SplitN(b.String(), "\n", 5)[:4], "\n")
		if !strings.Contains(head, "DEAD-MAN SWITCH armed on 1 system: web-1") {
			t.Errorf("%s does not open with the guard:\n%s", format, head)
		}
	}

	// The single report's page says it first too.
	_, r := plannedChecklist(t)
	var one bytes.Buffer
	if err := HTML(&one, r, Options{}); err != nil {
		t.Fatal(err)
	}
	if g, v := strings.Index(one.String(), `id="guard"`), strings.Index(one.String(), `id="verdict"`); g < 0 || g > v ||
		!strings.Contains(one.String(), "DEAD-MAN SWITCH gh-token-monitor present on web-1") {
		t.Errorf("the single report's page does not open with the guard (%d, verdict %d)", g, v)
	}

	// Cleaned since: web-1's newest report is clean, nothing is armed.
	f = guardFleet(t, true)
	var after bytes.Buffer
	if err := FleetHTML(&after, f, Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(after.String(), `id="guard"`) || FleetGuardSentence(f) != "" {
		t.Error("a system whose newest report is clean still shows an armed guard")
	}
}

// TestFleetGuardFitsPhone: the fleet page with its guard banner and the
// marked systems row never scrolls sideways on a 390 px phone (Chromium;
// the screenshots go to $LITESWEEP_SCREENSHOTS).
func TestFleetGuardFitsPhone(t *testing.T) {
	f := guardFleet(t, false)
	dir := screenshotDir(t)
	var page bytes.Buffer
	if err := writeHTMLProbe(&page, f, false, fmt.Sprintf(overflowProbe, 390)); err != nil {
		t.Fatal(err)
	}
	probe := filepath.Join(dir, "fleet-guard-390x844-probe.png")
	chromiumRunAt(t, page.Bytes(), probe, 390, 844)
	if c := pixel(t, probe, 5, 5); c != [3]uint8{0, 255, 0} {
		t.Errorf("the page scrolls sideways on a phone (probe colour %v; what sticks out is written on %s)", c, probe)
	}
	var plain bytes.Buffer
	if err := FleetHTML(&plain, f, Options{}); err != nil {
		t.Fatal(err)
	}
	chromiumRunAt(t, plain.Bytes(), filepath.Join(dir, "fleet-guard-390x844.png"), 390, 844)
}
