package render

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/collectors/lockfile"
	"github.com/litesweep/litesweep/collectors/python"
	"github.com/litesweep/litesweep/fleet"
	"github.com/litesweep/litesweep/sweep"
)

// bigFleet merges n generated host reports (written to files and read back
// as merge reads them): 1 in 50 COMPROMISED, 1 in 25 EXPOSED, 1 in 40
// AT-RISK, 1 in 100 INCOMPLETE, the rest CLEAN; the exposed ones share an
// AWS credential and each has its own SSH key to rotate.
func bigFleet(t *testing.T, n int) *fleet.Fleet {
	t.Helper()
	dir := t.TempDir()
	win := &sweep.Window{Start: time.Date(2026, 3, 24, 10, 39, 0, 0, time.UTC), End: time.Date(2026, 3, 24, 16, 0, 0, 0, time.UTC), Source: "litellm-pypi"}
	b := &fleet.Builder{Tool: sweep.Tool{Name: "litesweep", Version: "test"}, Now: func() time.Time { return time.Date(2026, 3, 27, 0, 0, 0, 0, time.UTC) }}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("host-%05d", i)
		fin := time.Date(2026, 3, 26, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
		r := &sweep.Report{SchemaVersion: sweep.ReportSchemaVersion, Tool: sweep.Tool{Name: "litesweep", Version: "test"},
			Scan: sweep.Scan{Kind: "host", Root: "/", Hostname: name, Window: win, Started: fin.Add(-time.Minute), Finished: fin}}
		at := time.Date(2026, 3, 24, 10+i%7, (i*7)%60, 0, 0, time.UTC)
		sp := "/home/deploy/.venv/lib/python3.11/site-packages/"
		switch {
		case i%50 == 3:
			r.Findings = append(r.Findings, sweep.Finding{Severity: sweep.Critical, Category: python.CatStartup, Title: "litellm_init.pth (malicious startup hook)",
				Location: sweep.Location{Path: sp + "litellm_init.pth", Line: 1}, Collector: python.Name, Evidence: sweep.Evidence{Time: &at}})
			fallthrough
		case i%25 == 5:
			r.Findings = append(r.Findings, sweep.Finding{Severity: sweep.High, Category: python.CatPackage, Title: "litellm 1.82.8 installed",
				Location: sweep.Location{Path: sp + "litellm-1.82.8.dist-info/METADATA", Line: 3}, Collector: python.Name,
				Evidence: sweep.Evidence{Package: "litellm", Version: "1.82.8", Time: &at}})
			r.Rotation = []sweep.RotationItem{
				{Priority: "P1", Kind: "cloud", Provider: "aws", Title: "AWS access keys", Where: "/home/deploy/.aws/credentials", Names: []string{"default", "prod"},
					Why: "readable by the stealer", ExposedBy: []string{"LS-1"}, Steps: []string{"aws iam create-access-key", "aws iam delete-access-key"}, Verify: "old key fails"},
				{Priority: "P2", Kind: "ssh", Provider: "ssh", Title: "SSH private key", Where: "/home/deploy/.ssh/id_ed25519 on " + name,
					Why: "readable by the stealer", ExposedBy: []string{"LS-2"}, Steps: []string{"ssh-keygen", "replace authorized_keys"}, Verify: "old key refused"}}
		case i%40 == 11:
			r.Findings = append(r.Findings, sweep.Finding{Severity: sweep.Medium, Category: lockfile.CatLockfile, Title: "requirements.txt allows litellm 1.82.8",
				Location: sweep.Location{Path: "/srv/app/requirements.txt", Line: 4}, Collector: "lockfile/manifests"})
		case i%100 == 13:
			r.Errors = append(r.Errors, sweep.Error{Location: sweep.Location{Path: "/var/lib/docker"}, Message: "permission denied", Kind: "error"})
		}
		r.Finalize()
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name+".json")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		b.AddFile(p)
	}
	f := b.Fleet()
	t.Cleanup(f.Close)
	return f
}

// chromiumRun loads page at 1280x800 in headless Chromium, with the network
// pointed nowhere, and returns the DOM after the page's script ran;
// screenshot, when set, is where a PNG of the first screen is written.
func chromiumRun(t *testing.T, page []byte, screenshot string) string {
	t.Helper()
	return chromiumRunAt(t, page, screenshot, 1280, 800)
}

// chromiumRunAt is chromiumRun in a window of w×h pixels.
func chromiumRunAt(t *testing.T, page []byte, screenshot string, w, h int) string {
	t.Helper()
	bin := chromium(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "report.html")
	if err := os.WriteFile(file, page, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--hide-scrollbars",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9", fmt.Sprintf("--window-size=%d,%d", w, h),
		"--user-data-dir=" + filepath.Join(dir, "profile")}
	if screenshot != "" {
		args = append(args, "--screenshot="+screenshot)
	} else {
		args = append(args, "--dump-dom")
	}
	cmd := exec.CommandContext(ctx, bin, append(args, "file://"+file)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, tail(stderr.String(), 2000))
	}
	return stdout.String()
}

// screenshotDir keeps the screenshots for a person to look at when
// LITESWEEP_SCREENSHOTS names a directory.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("LITESWEEP_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// layoutProbe runs after the page's script, in the laid-out page: it
// measures where the summary and the systems table are, then pages and
// filters the table as a reader would, and writes what it saw into the DOM.
const layoutProbe = `
(function(){
var res={}, vh=window.innerHeight;
res.loadMS=Math.round(performance.now());
function rect(id){var e=document.getElementById(id); if(!e){return null;} var r=e.getBoundingClientRect(); return {top:Math.round(r.top),bottom:Math.round(r.bottom)};}
function visible(){return Array.prototype.filter.call(document.querySelectorAll("tr.sys"),function(r){return !r.hidden;});}
function names(){return visible().map(function(r){return r.querySelector("td.name").textContent;});}
res.viewport=[window.innerWidth,vh];
res.summary=rect("summary"); res.verdict=rect("verdict"); res.table=rect("systems-table");
var vis=visible(); res.rows=vis.length;
res.rowsAboveFold=vis.filter(function(r){return r.getBoundingClientRect().bottom<=vh;}).length;
res.firstPage=names(); res.verdicts={}; vis.forEach(function(r){res.verdicts[r.getAttribute("data-verdict")]=1;});
res.pageInfo=document.getElementById("sys-page").textContent;
document.getElementById("sys-next").click();
res.secondPage=names(); res.pageInfo2=document.getElementById("sys-page").textContent;
var q=document.getElementById("sys-filter"), t0=performance.now(); q.value="host-01999"; q.dispatchEvent(new Event("input"));
res.filtered=names(); res.filterMS=Math.round(performance.now()-t0);
q.value=""; q.dispatchEvent(new Event("input"));
document.querySelector(".tile[data-filter=CLEAN]").click();
res.cleanVerdicts={}; visible().forEach(function(r){res.cleanVerdicts[r.getAttribute("data-verdict")]=1;});
res.cleanInfo=document.getElementById("sys-page").textContent;
var pre=document.createElement("pre"); pre.id="probe"; pre.textContent=JSON.stringify(res); document.body.appendChild(pre);
})();`

type probeResult struct {
	LoadMS        int // from navigation to the probe (the page parsed, laid out, its script run)
	FilterMS      int // one keystroke in the systems filter
	Viewport      []int
	Summary       struct{ Top, Bottom int }
	Verdict       struct{ Top, Bottom int }
	Table         struct{ Top, Bottom int }
	Rows          int
	RowsAboveFold int
	FirstPage     []string
	SecondPage    []string
	Verdicts      map[string]int
	PageInfo      string
	PageInfo2     string
	Filtered      []string
	CleanVerdicts map[string]int
	CleanInfo     string
}

var probeRe = regexp.MustCompile(`<pre id="probe">([^<]*)</pre>`)

// TestFleetHTMLAt10000Systems: a 10,000-system fleet page loads in
// Chromium at 1280x800 in a few seconds with the verdict and the systems
// needing action on the first screen, and its systems table pages and
// filters.
func TestFleetHTMLAt10000Systems(t *testing.T) {
	f := bigFleet(t, 10000)
	var page bytes.Buffer
	if err := writeHTMLProbe(&page, f, false, layoutProbe); err != nil {
		t.Fatal(err)
	}
	assertSelfContained(t, page.String())
	dom := chromiumRun(t, page.Bytes(), "")
	if !strings.Contains(dom, `data-js="ready"`) {
		t.Fatalf("the page's script did not run")
	}
	m := probeRe.FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("no probe result in the DOM")
	}
	var p probeResult
	if err := json.Unmarshal([]byte(strings.NewReplacer("&quot;", `"`, "&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(m[1])), &p); err != nil {
		t.Fatalf("probe: %v: %s", err, m[1])
	}
	t.Logf("probe: %+v", p)
	// Generous for a loaded shared CI machine; the log has the numbers.
	if p.LoadMS > 20000 || p.FilterMS > 3000 {
		t.Errorf("the 10,000-system page took %d ms to load and %d ms to filter: want a few seconds", p.LoadMS, p.FilterMS)
	}
	need := len(f.ByVerdict[sweep.Compromised]) + len(f.ByVerdict[sweep.Exposed]) + len(f.ByVerdict[sweep.AtRisk]) + len(f.ByVerdict[sweep.Incomplete])
	switch {
	// --dump-dom lays a 1280x800 window out as a 1280x657 viewport (the
	// emulated browser frame takes the rest): a stricter fold than the
	// 1280x800 screenshot's.
	case len(p.Viewport) != 2 || p.Viewport[0] != 1280 || p.Viewport[1] < 600 || p.Viewport[1] > 800:
		t.Errorf("viewport %v, want 1280 wide and at most 800 high", p.Viewport)
	case p.Summary.Top > 40 || p.Verdict.Bottom > 150:
		t.Errorf("summary at %+v, verdict at %+v: want them at the top", p.Summary, p.Verdict)
	case p.Table.Top >= p.Viewport[1]-200:
		t.Errorf("systems table starts at %d px: below the fold of %d", p.Table.Top, p.Viewport[1])
	case p.Rows != pageSize || p.RowsAboveFold < 10:
		t.Errorf("%d rows on the first page, %d of them above the fold", p.Rows, p.RowsAboveFold)
	}
	for v := range p.Verdicts {
		if v != "COMPROMISED" && v != "EXPOSED" && v != "AT-RISK" && v != "INCOMPLETE" {
			t.Errorf("first screen lists a %s system; want only systems needing action", v)
		}
	}
	if want := fmt.Sprintf("systems 1–%d of %d (page 1 of %d)", pageSize, need, (need+pageSize-1)/pageSize); p.PageInfo != want {
		t.Errorf("page info %q, want %q", p.PageInfo, want)
	}
	if len(p.SecondPage) != pageSize || p.SecondPage[0] == p.FirstPage[0] || !strings.HasPrefix(p.PageInfo2, fmt.Sprintf("systems %d–", pageSize+1)) {
		t.Errorf("next page: %v (%s)", p.SecondPage, p.PageInfo2)
	}
	if len(p.Filtered) != 0 {
		// host-01999 is CLEAN: the need-action filter hides it.
		t.Errorf("filter in need-action view: %v", p.Filtered)
	}
	if len(p.CleanVerdicts) != 1 || p.CleanVerdicts["CLEAN"] == 0 || !strings.HasSuffix(p.CleanInfo, fmt.Sprintf("of %d (page 1 of %d)", len(f.ByVerdict[sweep.Clean]), (len(f.ByVerdict[sweep.Clean])+pageSize-1)/pageSize)) {
		t.Errorf("CLEAN tile: %v %q", p.CleanVerdicts, p.CleanInfo)
	}
	if n := strings.Count(dom, `<tr class="sys"`); n != 10000 {
		t.Errorf("%d system rows in the DOM, want 10000", n)
	}
	// Screenshots of the first screen, for a person to look at.
	dir := screenshotDir(t)
	var plain bytes.Buffer
	if err := FleetHTML(&plain, f, Options{}); err != nil {
		t.Fatal(err)
	}
	shots := map[string][]byte{"fleet-10000.png": plain.Bytes()}
	// Headless screenshots show the top of the page: the sections above
	// the one to look at are hidden.
	for section, above := range map[string]string{"rotation": `"summary","systems"`, "chart": `"summary","systems","rotation"`} {
		var pg bytes.Buffer
		if err := writeHTMLProbe(&pg, f, false, `[`+above+`].forEach(function(id){document.getElementById(id).style.display="none";});`); err != nil {
			t.Fatal(err)
		}
		shots["fleet-10000-"+section+".png"] = pg.Bytes()
	}
	for name, pg := range shots {
		shot := filepath.Join(dir, name)
		chromiumRun(t, pg, shot)
		if fi, err := os.Stat(shot); err != nil || fi.Size() < 10_000 {
			t.Errorf("screenshot %s: %v", shot, err)
		}
	}
}

// TestFleetHTMLSmallScreenshot: the fixture fleet's first screen, with its
// systems table above the fold.
func TestFleetHTMLSmallScreenshot(t *testing.T) {
	f := fixtureFleet(t)
	var page bytes.Buffer
	probe := `(function(){var r=document.getElementById("systems-table").getBoundingClientRect();document.body.setAttribute("data-table-top",Math.round(r.top));document.body.setAttribute("data-vh",window.innerHeight);})();`
	if err := writeHTMLProbe(&page, f, false, probe); err != nil {
		t.Fatal(err)
	}
	dom := chromiumRun(t, page.Bytes(), "")
	m := regexp.MustCompile(`data-table-top="(\d+)" data-vh="(\d+)"`).FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("no layout in the DOM")
	}
	var top, vh int
	fmt.Sscan(m[1], &top)
	fmt.Sscan(m[2], &vh)
	if top <= 0 || top > vh-200 {
		t.Errorf("systems table at %d px of %d: not above the fold", top, vh)
	}
	var plain bytes.Buffer
	FleetHTML(&plain, f, Options{})
	shot := filepath.Join(screenshotDir(t), "fleet-fixtures.png")
	chromiumRun(t, plain.Bytes(), shot)
	if fi, err := os.Stat(shot); err != nil || fi.Size() < 10_000 {
		t.Errorf("screenshot %s: %v", shot, err)
	}
}

// overflowProbe measures whether anything on the page sticks out of the
// window (sideways scrolling) once the window has its final width, then
// paints the whole page green (fits) or red (overflows) with what sticks
// out, so a screenshot carries the answer. Headless Chromium lays a page
// out at least 500 px wide and narrows it to the --window-size only for
// the screenshot (a resize), which is when the probe runs.
const overflowProbe = `(function(){
var want=%d, done=false;
function check(){
  if(done||window.innerWidth>want){return;} done=true;
  var vw=window.innerWidth, out=[];
  Array.prototype.forEach.call(document.querySelectorAll("body *"),function(e){
    var r=e.getBoundingClientRect(); if(r.width>0&&r.right>vw+1&&out.length<6){
      var p=e, clipped=false; while((p=p.parentElement)){var cs=getComputedStyle(p); if(cs.overflowX!=="visible"){clipped=true;break;}}
      if(!clipped){out.push(e.tagName+(e.id?"#"+e.id:"")+"."+e.className+" right "+Math.round(r.right));}
    }});
  var ok=document.documentElement.scrollWidth<=vw&&out.length===0;
  document.body.innerHTML=""; var d=document.createElement("div");
  d.style.cssText="position:fixed;inset:0;font:20px monospace;background:"+(ok?"#00ff00":"#ff0000");
  d.textContent="viewport "+vw+" scrollWidth "+document.documentElement.scrollWidth+" "+out.join("; ");
  document.body.appendChild(d);
}
window.addEventListener("resize",check); check();
})();`

// TestFleetHTMLFitsPhone: the fleet page at 390x844 (a phone) and at
// 1280x800 never scrolls sideways: no element sticks out of the window
// (tables too wide for it scroll inside their own box). The screenshots
// are kept in $LITESWEEP_SCREENSHOTS for a person to look at.
func TestFleetHTMLFitsPhone(t *testing.T) {
	f := bigFleet(t, 300)
	dir := screenshotDir(t)
	for _, size := range [][2]int{{390, 844}, {1280, 800}} {
		var page bytes.Buffer
		if err := writeHTMLProbe(&page, f, false, fmt.Sprintf(overflowProbe, size[0])); err != nil {
			t.Fatal(err)
		}
		probe := filepath.Join(dir, fmt.Sprintf("fleet-%dx%d-probe.png", size[0], size[1]))
		chromiumRunAt(t, page.Bytes(), probe, size[0], size[1])
		c := pixel(t, probe, 5, 5)
		if c != [3]uint8{0, 255, 0} {
			t.Errorf("%dx%d: the page scrolls sideways (probe colour %v; what sticks out is written on %s)", size[0], size[1], c, probe)
		}
		var plain bytes.Buffer
		if err := FleetHTML(&plain, f, Options{}); err != nil {
			t.Fatal(err)
		}
		shot := filepath.Join(dir, fmt.Sprintf("fleet-%dx%d.png", size[0], size[1]))
		chromiumRunAt(t, plain.Bytes(), shot, size[0], size[1])
		if fi, err := os.Stat(shot); err != nil || fi.Size() < 5_000 {
			t.Errorf("screenshot %s: %v", shot, err)
		}
	}
}

// pixel reads the colour at (x, y) of a PNG.
func pixel(t *testing.T, file string, x, y int) [3]uint8 {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	r, g, b, _ := img.At(x, y).RGBA()
	return [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}
}
