package render

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/fleet"
	"github.com/litesweep/litesweep/internal/testenv"
	"github.com/litesweep/litesweep/sweep"
)

// fleetFixtures are the fleet package's committed reports (a dozen hosts,
// images and GitHub reports, some malformed).
const fleetFixtures = "../fleet/testdata/reports"

func fixtureFleet(t *testing.T) *fleet.Fleet {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(fleetFixtures, "*.json"))
	if err != nil || len(paths) < 10 {
		t.Fatalf("fixtures: %v %d", err, len(paths))
	}
	b := &fleet.Builder{Tool: sweep.Tool{Name: "litesweep", Version: "test"}, Now: func() time.Time { return time.Date(2026, 3, 27, 0, 0, 0, 0, time.UTC) }}
	for _, p := range paths {
		b.AddFile(p)
	}
	return b.Fleet()
}

func fixtureReport(t *testing.T, name string) *sweep.Report {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fleetFixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	var r sweep.Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

var (
	// Attributes that make a browser load something.
	fetchAttr = regexp.MustCompile(`(?i)\s(src|srcset|data|poster|action|formaction|background|manifest|ping|xlink:href)\s*=\s*["']?\s*([a-z][a-z0-9+.-]*:|//)`)
	tagRe     = regexp.MustCompile(`<[a-zA-Z][^>]*>`)
	hrefAttr  = regexp.MustCompile(`(?i)<([a-z0-9]+)\b[^>]*\shref\s*=`)
	cssFetch  = regexp.MustCompile(`(?i)(@import|url\s*\()`)
	linkTag   = regexp.MustCompile(`(?i)<(link|iframe|object|embed|img|video|audio|source|base)\b`)
)

// assertSelfContained fails when the page would fetch anything: only plain
// <a href> links (advisory sources a reader may follow) are allowed.
func assertSelfContained(t *testing.T, page string) {
	t.Helper()
	// Escaped report text never holds a raw "<", so tags are exactly the
	// markup; attributes are only checked inside them.
	for _, tag := range tagRe.FindAllString(page, -1) {
		if m := fetchAttr.FindString(tag); m != "" {
			t.Errorf("page loads a resource: %q in %.120s", m, tag)
		}
	}
	for _, m := range hrefAttr.FindAllStringSubmatch(page, -1) {
		if strings.ToLower(m[1]) != "a" {
			t.Errorf("href on <%s>: only <a> may carry a URL", m[1])
		}
	}
	if m := cssFetch.FindString(page); m != "" {
		t.Errorf("CSS fetch %q", m)
	}
	if m := linkTag.FindString(page); m != "" {
		t.Errorf("page contains a loading element %q", m)
	}
	if !strings.Contains(page, `http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;`) {
		t.Errorf("page has no default-src 'none' Content Security Policy")
	}
}

func TestHTMLStatic(t *testing.T) {
	var buf bytes.Buffer
	if err := FleetHTML(&buf, fixtureFleet(t), Options{}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	assertSelfContained(t, page)
	// Report text is escaped: the hostile history line stays text.
	for _, bad := range []string{"<script>alert(1)", "<img src=https://evil.example", "<img"} {
		if strings.Contains(page, bad) {
			t.Errorf("report text reached the page unescaped: %q", bad)
		}
	}
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("escaped title missing")
	}
	if !strings.Contains(page, `<a href="https://github.com/BerriAI/litellm/issues/24512" rel="noreferrer noopener">`) {
		t.Errorf("advisory source link missing")
	}
	if n := strings.Count(page, "<script>"); n != 1 {
		t.Errorf("%d script elements, want exactly the page's own", n)
	}
	// The check itself must catch what it guards against.
	var caught bool
	probe := &testing.T{}
	func() {
		defer func() { recover() }()
		assertSelfContained(probe, `<img src="https://cdn.example/x.png"><link href="//fonts.example/a.css">`)
	}()
	caught = probe.Failed()
	if !caught {
		t.Errorf("assertSelfContained does not catch remote loads")
	}
}

func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	testenv.SkipOrFail(t, "chromium is not installed (Debian chromium)")
	return ""
}

// dumpDOM loads the page in headless Chromium, with the network pointed
// nowhere, and returns the DOM after its script ran.
func dumpDOM(t *testing.T, page []byte) string {
	t.Helper()
	bin := chromium(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "report.html")
	if err := os.WriteFile(file, page, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--dump-dom", "file://"+file)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, tail(stderr.String(), 2000))
	}
	dom := stdout.String()
	if !strings.Contains(dom, "</html>") {
		t.Fatalf("chromium returned no DOM; stderr:\n%s", tail(stderr.String(), 2000))
	}
	return dom
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func TestHTMLInChromium(t *testing.T) {
	f := fixtureFleet(t)
	var buf bytes.Buffer
	if err := FleetHTML(&buf, f, Options{}); err != nil {
		t.Fatal(err)
	}
	dom := dumpDOM(t, buf.Bytes())
	findings, drill := 0, 0
	for i := range f.Hosts {
		if f.Hosts[i].Verdict != sweep.Clean || f.Hosts[i].Incomplete > 0 {
			findings += f.Hosts[i].Shown() // the fixtures have no info findings
			drill++
		}
	}
	// One box per system's duty (one per credential when it is shared).
	boxes := 0
	for _, it := range f.Rotation {
		if it.Shared != "" || len(it.Systems) == 1 {
			boxes++
		} else {
			boxes += min(len(it.Systems), listCap)
		}
	}
	checks := []struct {
		what string
		re   string
		want int
	}{
		{"script ran (CSP allowed exactly it)", `<html lang="en" data-js="ready">`, 1},
		{"verdict", `<span class="verdict v-compromised" id="verdict">COMPROMISED</span>`, 1},
		{"manager sentence", `8 systems swept: 2 COMPROMISED, 3 EXPOSED, 1 AT-RISK, 1 INCOMPLETE, 1 CLEAN\.`, 1},
		{"JS-built finding count", `<span id="shown" class="meta">` + itoa(findings) + ` of ` + itoa(findings) + ` findings shown</span>`, 1},
		{"JS-built rotation count", `<span id="rotated">0 of ` + itoa(boxes) + ` rotated</span>`, 1},
		{"per-credential pending count", `<span class="pending">2 of 2 systems pending</span>`, 2},
		{"JS-built per-system counts", `<span class="shown-count">\d+/\d+</span>`, drill},
		{"drill-down per system not clean", `<details class="system"`, drill},
		{"systems table row per system", `<tr class="sys"`, len(f.Hosts)},
		{"systems needing action shown first", `<tr class="sys" data-verdict="(COMPROMISED|EXPOSED|AT-RISK|INCOMPLETE)" data-action="1">`, 7},
		{"other systems paged out", `<tr class="sys" data-verdict="CLEAN" data-action="" hidden="">`, 1},
		{"table links to drill-downs", `<a href="#system-\d+">`, drill},
		{"finding rows", `<tr class="finding"`, findings},
		{"chart markers", `<circle class="pt sev-`, len(f.Timeline)},
		{"exposure window band", `<rect class="window"`, 1},
		{"skipped inputs", `<tr class="skipped">`, len(f.Skipped)},
		{"hostile text is text, not elements", `<img|<script>alert`, 0},
		{"escaped hostile text", `&lt;img src=https://evil\.example/x\.png onerror=alert\(2\)&gt;`, 1},
	}
	for _, c := range checks {
		if got := len(regexp.MustCompile(c.re).FindAllStringIndex(dom, -1)); got != c.want {
			t.Errorf("%s: %d matches of %s, want %d", c.what, got, c.re, c.want)
		}
	}
	if n := strings.Count(dom, "<script>"); n != 1 {
		t.Errorf("DOM has %d script elements", n)
	}
}

func TestSingleReportHTMLInChromium(t *testing.T) {
	r := fixtureReport(t, "web-01.json")
	var buf bytes.Buffer
	if err := Write(&buf, "html", r, Options{}); err != nil {
		t.Fatal(err)
	}
	assertSelfContained(t, buf.String())
	dom := dumpDOM(t, buf.Bytes())
	for _, want := range []string{
		`data-js="ready"`,
		`<title>litesweep host sweep of web-01: COMPROMISED</title>`,
		VerdictSentence(r),
		`3 of 3 findings shown`,
		`0 of 2 rotated`,
		`<details class="system" id="system-1" data-verdict="COMPROMISED" open="">`,
	} {
		if !strings.Contains(dom, domText(want)) {
			t.Errorf("DOM lacks %q", want)
		}
	}
	if strings.Contains(dom, `id="host-counts"`) {
		t.Errorf("a single report should not show fleet tiles")
	}
}

// domText escapes what the DOM serialiser escapes in text.
func domText(s string) string {
	return strings.NewReplacer("&", "&amp;", "'", "'").Replace(s)
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestChartAxis(t *testing.T) {
	r := fixtureReport(t, "web-01.json")
	old := time.Date(2025, 11, 2, 8, 0, 0, 0, time.UTC)
	r.Findings[0].Evidence.Time = &old // months before the window
	c := buildChart(fleet.FromReport(r))
	if c == nil || c.Outside != 1 || c.Events != 3 || len(c.Points) != 3 || !c.HasWindow {
		t.Fatalf("chart %+v", c)
	}
	// The window spans most of the axis, not a sliver of a year.
	if frac := c.WindowW / (c.PlotRight - c.Left); frac < 0.5 {
		t.Errorf("window is %.2f of the axis", frac)
	}
	for _, p := range c.Points {
		if p.X < c.Left-6 || p.X > c.PlotRight+6 || p.Y > c.AxisY || p.Y < c.Top {
			t.Errorf("point at (%.1f, %.1f) is off the plot [%.1f, %.1f]x[%.1f, %.1f]", p.X, p.Y, c.Left, c.PlotRight, c.Top, c.AxisY)
		}
	}
	// Dated axis: every tick is a time of day or a date.
	if len(c.Ticks) < 3 {
		t.Errorf("%d ticks", len(c.Ticks))
	}
	for _, tk := range c.Ticks {
		if !regexp.MustCompile(`^(\d\d:\d\d|[A-Z][a-z]{2} \d{1,2}( \d\d:\d\d)?)$`).MatchString(tk.Label) {
			t.Errorf("tick label %q is not a time or date", tk.Label)
		}
	}
	// Coinciding events are stacked, not drawn over each other.
	r2 := fixtureReport(t, "web-01.json")
	same := time.Date(2026, 3, 24, 12, 0, 0, 0, time.UTC)
	for i := range r2.Findings {
		r2.Findings[i].Evidence.Time = &same
	}
	r2.Timeline = nil
	c2 := buildChart(fleet.FromReport(r2))
	seen := map[[2]float64]bool{}
	for _, p := range c2.Points {
		if seen[[2]float64{p.X, p.Y}] {
			t.Errorf("two events drawn at (%.1f, %.1f)", p.X, p.Y)
		}
		seen[[2]float64{p.X, p.Y}] = true
	}
	if c2.MaxStack != 3 {
		t.Errorf("stack of %d, want 3", c2.MaxStack)
	}
	// No dated event: no chart.
	r.Findings = nil
	if c := buildChart(fleet.FromReport(r)); c != nil {
		t.Errorf("chart without events: %+v", c)
	}
}

// TestNeedsAction: the fleet page's default filter lists every system merge
// exits 1 or 3 for: all but CLEAN, and REMEDIATED while a credential of it
// is still to rotate.
func TestNeedsAction(t *testing.T) {
	for _, c := range []struct {
		v       sweep.Verdict
		pending bool
		want    bool
	}{
		{sweep.Compromised, false, true}, {sweep.Exposed, false, true}, {sweep.AtRisk, false, true},
		{sweep.Incomplete, false, true}, {fleet.Remediated, true, true}, {fleet.Remediated, false, false},
		{sweep.Clean, false, false}, {sweep.Clean, true, false},
	} {
		if got := needsAction(c.v, c.pending); got != c.want {
			t.Errorf("needsAction(%s, pending %v) = %v, want %v", c.v, c.pending, got, c.want)
		}
	}
}
