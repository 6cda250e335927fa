package sweep_test

import (
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/catalog"
	"github.com/litesweep/litesweep/collectors/cache"
	"github.com/litesweep/litesweep/collectors/creds"
	"github.com/litesweep/litesweep/collectors/history"
	"github.com/litesweep/litesweep/collectors/lockfile"
	"github.com/litesweep/litesweep/collectors/persistence"
	"github.com/litesweep/litesweep/collectors/python"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/targets/ghorg"
	"github.com/litesweep/litesweep/targets/live"
)

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func TestBuildTimelineVerdicts(t *testing.T) {
	window := &sweep.Window{Start: *at("2026-03-24T10:39:00Z"), End: *at("2026-03-24T16:00:00Z"), Source: "litellm-pypi"}
	sp := func(env string) string { return env + "/lib/python3.11/site-packages" }
	r := &sweep.Report{Scan: sweep.Scan{Kind: "host", Window: window}}
	r.Environments = []sweep.Environment{
		{Path: "/home/alice/.venv", Kind: "venv", User: "alice", SiteDirs: []string{sp("/home/alice/.venv")}},
		{Path: "/srv/app/.venv", Kind: "venv", SiteDirs: []string{sp("/srv/app/.venv")}},
		{Path: "/opt/tool/.venv", Kind: "venv", SiteDirs: []string{sp("/opt/tool/.venv")}},
		{Path: "/opt/broken/.venv", Kind: "venv", SiteDirs: []string{sp("/opt/broken/.venv")}},
		{Path: "/opt/clean/.venv", Kind: "venv", SiteDirs: []string{sp("/opt/clean/.venv")}},
		{Path: "/opt/gone/.venv", Kind: "venv", SiteDirs: []string{sp("/opt/gone/.venv")}, Reason: "executed: proxy_server was imported"},
		{Path: "/usr", Kind: "system", SiteDirs: []string{"/usr/lib/python3/dist-packages"}},
		{Path: "/opt/kept", Kind: "venv", User: "frank", Verdict: sweep.EnvExecuted, Reason: "collector saw it run"},
	}
	r.Findings = []sweep.Finding{
		// alice's venv: the .pth (attributed by site dir) and its running launcher child.
		{Severity: sweep.Critical, Category: python.CatStartup, Title: "litellm_init.pth (malicious startup hook)",
			Location: sweep.Location{Path: sp("/home/alice/.venv") + "/litellm_init.pth"}, Evidence: sweep.Evidence{Time: at("2026-03-24T11:02:00Z")}},
		{Severity: sweep.Critical, Category: live.CatProcess, Title: "Running process matches proc-pth-child",
			Location: sweep.Location{PID: 4242}, Environment: "/home/alice/.venv", User: "alice", Evidence: sweep.Evidence{Time: at("2026-11-26T01:00:00Z")}},
		// /srv/app: tampered proxy_server.py and the bytecode an import wrote.
		{Severity: sweep.Critical, Category: python.CatTampered, Title: "tampered litellm/proxy/proxy_server.py (known malicious content)",
			Location: sweep.Location{Path: sp("/srv/app/.venv") + "/litellm/proxy/proxy_server.py"}, Evidence: sweep.Evidence{ModTime: at("2026-03-24T12:00:00Z")}},
		{Severity: sweep.High, Category: python.CatExecution, Title: "litellm/proxy/proxy_server.py was imported: bytecode written by an interpreter, not by the installer",
			Location: sweep.Location{Path: sp("/srv/app/.venv") + "/litellm/proxy/__pycache__/proxy_server.cpython-311.pyc"}, Evidence: sweep.Evidence{ModTime: at("2026-03-25T09:00:00Z")}},
		// /srv/app: the installer's bytecode of a clean module is not evidence that anything ran.
		{Severity: sweep.High, Category: python.CatIntegrity, Title: "litellm 1.82.6: 1 file differs from RECORD",
			Location: sweep.Location{Path: sp("/srv/app/.venv") + "/litellm/__pycache__/utils.cpython-311.pyc"}},
		// /opt/gone: bytecode of the tampered module outlived it (python's execution evidence).
		{Severity: sweep.High, Category: python.CatExecution, Title: "litellm/proxy/proxy_server.py was imported", Environment: "/opt/gone/.venv",
			Location: sweep.Location{Path: sp("/opt/gone/.venv") + "/litellm/proxy/pyc-cache-elsewhere.pyc"}},
		// /opt/tool: only the payload.
		{Severity: sweep.Critical, Category: python.CatPackage, Title: "litellm 1.82.7 installed", Environment: "/opt/tool/.venv",
			Location: sweep.Location{Path: sp("/opt/tool/.venv") + "/litellm-1.82.7.dist-info/METADATA"}},
		// bob: a pip cache entry in his home, no environment.
		{Severity: sweep.High, Category: cache.CatCache, Title: "litellm 1.82.8 wheel in pip cache",
			Location: sweep.Location{Path: "/home/bob/.cache/pip/http-v2/a/b/c.body"}, Evidence: sweep.Evidence{Time: at("2026-03-24T10:50:00Z")}},
		// carol: a lockfile that would install it; a low finding that changes nothing.
		{Severity: sweep.Medium, Category: lockfile.CatLockfile, Title: "requirements.txt allows litellm 1.82.8",
			Location: sweep.Location{Path: "/home/carol/proj/requirements.txt", Line: 3}},
		{Severity: sweep.Low, Category: live.CatProcess, Title: "300 Python processes in a shallow tree", User: "carol", Location: sweep.Location{PID: 77}},
		// An environment a collector names but did not record.
		{Severity: sweep.High, Category: cache.CatCache, Title: "litellm 1.82.8 wheel", Environment: "/data/env",
			Location: sweep.Location{Path: "/data/env/x"}},
		// A system-wide staging file: no environment, no user.
		{Severity: sweep.Critical, Category: persistence.CatStaging, Title: "tpcp.tar.gz", Location: sweep.Location{Path: "/tmp/tmpab/tpcp.tar.gz"},
			Evidence: sweep.Evidence{ModTime: at("2026-03-24T11:03:00Z")}},
	}
	r.Errors = []sweep.Error{
		{Location: sweep.Location{Path: sp("/opt/broken/.venv") + "/litellm-1.82.8.dist-info/RECORD"}, Message: "permission denied", Kind: sweep.ErrKindError},
		{Location: sweep.Location{Path: "/opt/clean/.venv/lib"}, Message: "not walked", Kind: sweep.ErrKindSkipped},
	}
	homes := []sweep.Home{{User: "alice", Dir: "/home/alice"}, {User: "bob", Dir: "/home/bob"}, {User: "carol", Dir: "/home/carol"}, {User: "dave", Dir: "/home/dave"}}

	sweep.BuildTimeline(r, homes, catalog.All())

	want := map[string]string{
		"/home/alice/.venv": sweep.EnvExecuted,
		"/srv/app/.venv":    sweep.EnvExecuted,
		"/opt/tool/.venv":   sweep.EnvPresent,
		"/opt/broken/.venv": sweep.EnvIncomplete,
		"/opt/clean/.venv":  sweep.EnvClean,
		"/opt/gone/.venv":   sweep.EnvRemoved,
		"/usr":              sweep.EnvClean,
		"/opt/kept":         sweep.EnvExecuted,
		"/data/env":         sweep.EnvRemoved,
		"/home/alice":       sweep.EnvExecuted,
		"/home/bob":         sweep.EnvRemoved,
		"/home/carol":       sweep.EnvWould,
		"/home/dave":        sweep.EnvClean,
		"~frank":            sweep.EnvExecuted, // no home: named by an environment
	}
	got := map[string]sweep.Environment{}
	for _, e := range r.Environments {
		got[e.Path] = e
	}
	for p, v := range want {
		if got[p].Verdict != v {
			t.Errorf("%s: verdict %q (%s), want %q", p, got[p].Verdict, got[p].Reason, v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("environments %v", r.Environments)
	}
	if e := got["/data/env"]; e.Kind != "unrecorded" {
		t.Errorf("unrecorded env kind %q", e.Kind)
	}
	if e := got["/home/alice"]; e.Kind != sweep.EnvKindUser || len(e.Findings) != 2 {
		t.Errorf("alice %+v", e)
	}
	if e := got["~frank"]; e.Reason != "environment /opt/kept: collector saw it run" {
		t.Errorf("frank %+v", e)
	}
	if e := got["/opt/gone/.venv"]; !strings.Contains(e.Reason, "it ran: litellm/proxy/proxy_server.py was imported") {
		t.Errorf("gone %+v", e)
	}
	if e := got["/opt/kept"]; e.Reason != "collector saw it run" {
		t.Errorf("a worse collector verdict was overwritten: %+v", e)
	}
	if e := got["/srv/app/.venv"]; len(e.Findings) != 3 || !strings.Contains(e.Reason, "ran: litellm/proxy/proxy_server.py was imported") ||
		strings.Contains(e.Reason, "differs from RECORD") {
		t.Errorf("/srv/app %+v", e)
	}
	if e := got["/opt/broken/.venv"]; !strings.Contains(e.Reason, "1 path(s)") {
		t.Errorf("broken %+v", e)
	}
	// The .pth finding now names its environment and user.
	if f := r.Findings[0]; f.Environment != "/home/alice/.venv" || f.User != "alice" || f.ID == "" {
		t.Errorf("attribution %+v", f)
	}
	// Users are listed after environments.
	if last := r.Environments[len(r.Environments)-1]; last.Kind != sweep.EnvKindUser {
		t.Errorf("order: %v", r.Environments)
	}
}

func TestBuildTimelineEvents(t *testing.T) {
	r := &sweep.Report{Scan: sweep.Scan{Window: &sweep.Window{Start: *at("2026-03-24T10:39:00Z"), End: *at("2026-03-24T16:00:00Z")}}}
	r.Findings = []sweep.Finding{
		{Severity: sweep.Critical, Category: python.CatStartup, Title: "late", Location: sweep.Location{Path: "/a"}, Evidence: sweep.Evidence{Time: at("2026-04-01T00:00:00Z")}},
		{Severity: sweep.High, Category: cache.CatCache, Title: "in window by mtime", Location: sweep.Location{Path: "/b"}, Evidence: sweep.Evidence{ModTime: at("2026-03-24T10:39:00Z")}},
		{Severity: sweep.High, Category: history.CatHistory, Title: "time wins over mtime", Location: sweep.Location{Path: "/c", Line: 4},
			Evidence: sweep.Evidence{Time: at("2026-03-24T16:00:00Z"), ModTime: at("2027-01-01T00:00:00Z")}},
		{Severity: sweep.Medium, Category: lockfile.CatLockfile, Title: "undated", Location: sweep.Location{Path: "/d"}},
		{Severity: sweep.Info, Category: creds.CatCredential, Title: "inventory, not an event", Location: sweep.Location{Path: "/e"}, Evidence: sweep.Evidence{ModTime: at("2026-03-24T12:00:00Z")}},
	}
	sweep.BuildTimeline(r, nil, catalog.All())
	var got []string
	for _, e := range r.Timeline {
		in := "out"
		if e.InWindow {
			in = "in"
		}
		got = append(got, e.Time.Format(time.RFC3339)+" "+in+" "+e.Event)
		if e.Finding == "" {
			t.Errorf("event without finding id: %+v", e)
		}
	}
	want := []string{
		"2026-03-24T10:39:00Z in in window by mtime at /b (mtime)",
		"2026-03-24T16:00:00Z in time wins over mtime at /c:4",
		"2026-04-01T00:00:00Z out late at /a",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("timeline:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Ids are the ones Finalize assigns.
	r.Finalize()
	for _, e := range r.Timeline {
		found := false
		for _, f := range r.Findings {
			found = found || f.ID == e.Finding
		}
		if !found {
			t.Errorf("timeline id %s is not a finalised finding id", e.Finding)
		}
	}
}

// TestTimelineWindows: the one timeline builder, as targets with several
// exposure windows (GitHub) and saved reports without a timeline (fleet)
// call it: a time counts as in window when any window holds it, bounds
// included; a finding without an id gets the id Finalize gives it; the
// findings are not modified.
func TestTimelineWindows(t *testing.T) {
	pypi := sweep.Window{Start: *at("2026-03-24T10:39:00Z"), End: *at("2026-03-24T16:00:00Z"), Source: "pypi"}
	actions := sweep.Window{Start: *at("2026-03-19T17:43:00Z"), End: *at("2026-03-20T05:40:00Z"), Source: "trivy-action"}
	fs := []sweep.Finding{
		{Severity: sweep.Critical, Category: ghorg.CatLog, Title: "trivy ran", Location: sweep.Location{Repo: "acme/api"}, Evidence: sweep.Evidence{Time: at("2026-03-19T19:12:06Z")}},
		{Severity: sweep.High, Category: ghorg.CatLog, Title: "pip installed", Location: sweep.Location{Repo: "acme/api"}, Evidence: sweep.Evidence{Time: at("2026-03-24T16:00:00Z")}},
		{Severity: sweep.Medium, Category: ghorg.CatLog, Title: "between", Location: sweep.Location{Repo: "acme/api"}, Evidence: sweep.Evidence{Time: at("2026-03-22T00:00:00Z")}},
	}
	tests := []struct {
		name    string
		windows []sweep.Window
		want    []bool
	}{
		{"no window", nil, []bool{false, false, false}},
		{"one", []sweep.Window{pypi}, []bool{false, false, true}},
		{"two", []sweep.Window{actions, pypi}, []bool{true, false, true}},
		{"zero window holds nothing", []sweep.Window{{}}, []bool{false, false, false}},
	}
	for _, tc := range tests {
		got := sweep.Timeline(fs, tc.windows...)
		if len(got) != 3 {
			t.Fatalf("%s: %d events", tc.name, len(got))
		}
		var in []bool
		for _, e := range got {
			in = append(in, e.InWindow)
		}
		if in[0] != tc.want[0] || in[1] != tc.want[1] || in[2] != tc.want[2] {
			t.Errorf("%s: in window %v, want %v (events in time order)", tc.name, in, tc.want)
		}
	}
	for _, f := range fs {
		if f.ID != "" {
			t.Fatalf("sweep.Timeline modified its input: %+v", f)
		}
	}
	got := sweep.Timeline(fs)
	f := fs[0]
	f.SetID()
	if got[0].Finding != f.ID || got[0].Event != "trivy ran at acme/api" {
		t.Errorf("event %+v, want id %s", got[0], f.ID)
	}
}
