package sweep

import (
	"strings"
	"testing"
	"time"
)

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func TestBuildTimelineVerdicts(t *testing.T) {
	window := &Window{Start: *at("2026-03-24T10:39:00Z"), End: *at("2026-03-24T16:00:00Z"), Source: "litellm-pypi"}
	sp := func(env string) string { return env + "/lib/python3.11/site-packages" }
	r := &Report{Scan: Scan{Kind: "host", Window: window}}
	r.Environments = []Environment{
		{Path: "/home/alice/.venv", Kind: "venv", User: "alice", SiteDirs: []string{sp("/home/alice/.venv")}},
		{Path: "/srv/app/.venv", Kind: "venv", SiteDirs: []string{sp("/srv/app/.venv")}},
		{Path: "/opt/tool/.venv", Kind: "venv", SiteDirs: []string{sp("/opt/tool/.venv")}},
		{Path: "/opt/broken/.venv", Kind: "venv", SiteDirs: []string{sp("/opt/broken/.venv")}},
		{Path: "/opt/clean/.venv", Kind: "venv", SiteDirs: []string{sp("/opt/clean/.venv")}},
		{Path: "/opt/gone/.venv", Kind: "venv", SiteDirs: []string{sp("/opt/gone/.venv")}, Reason: "executed: proxy_server was imported"},
		{Path: "/usr", Kind: "system", SiteDirs: []string{"/usr/lib/python3/dist-packages"}},
		{Path: "/opt/kept", Kind: "venv", User: "frank", Verdict: EnvExecuted, Reason: "collector saw it run"},
	}
	r.Findings = []Finding{
		// alice's venv: the .pth (attributed by site dir) and its running launcher child.
		{Severity: Critical, Category: "python", Title: "litellm_init.pth (malicious startup hook)",
			Location: Location{Path: sp("/home/alice/.venv") + "/litellm_init.pth"}, Evidence: Evidence{Time: at("2026-03-24T11:02:00Z")}},
		{Severity: Critical, Category: "process", Title: "Running process matches proc-pth-child",
			Location: Location{PID: 4242}, Environment: "/home/alice/.venv", User: "alice", Evidence: Evidence{Time: at("2026-11-26T01:00:00Z")}},
		// /srv/app: tampered proxy_server.py and its bytecode.
		{Severity: Critical, Category: "python", Title: "tampered litellm/proxy/proxy_server.py",
			Location: Location{Path: sp("/srv/app/.venv") + "/litellm/proxy/proxy_server.py"}, Evidence: Evidence{ModTime: at("2026-03-24T12:00:00Z")}},
		{Severity: High, Category: "python", Title: "proxy_server bytecode compiled",
			Location: Location{Path: sp("/srv/app/.venv") + "/litellm/proxy/__pycache__/proxy_server.cpython-311.pyc"}, Evidence: Evidence{ModTime: at("2026-03-25T09:00:00Z")}},
		// /opt/gone: bytecode of the tampered module outlived it (python's execution evidence).
		{Severity: High, Category: "execution-evidence", Title: "litellm/proxy/proxy_server.py was imported", Environment: "/opt/gone/.venv",
			Location: Location{Path: sp("/opt/gone/.venv") + "/litellm/proxy/pyc-cache-elsewhere.pyc"}},
		// /opt/tool: only the payload.
		{Severity: Critical, Category: "python", Title: "litellm 1.82.7 installed", Environment: "/opt/tool/.venv",
			Location: Location{Path: sp("/opt/tool/.venv") + "/litellm-1.82.7.dist-info/METADATA"}},
		// bob: a pip cache entry in his home, no environment.
		{Severity: High, Category: "cache", Title: "litellm 1.82.8 wheel in pip cache",
			Location: Location{Path: "/home/bob/.cache/pip/http-v2/a/b/c.body"}, Evidence: Evidence{Time: at("2026-03-24T10:50:00Z")}},
		// carol: a lockfile that would install it; a low finding that changes nothing.
		{Severity: Medium, Category: "lockfile", Title: "requirements.txt allows litellm 1.82.8",
			Location: Location{Path: "/home/carol/proj/requirements.txt", Line: 3}},
		{Severity: Low, Category: "process", Title: "300 Python processes in a shallow tree", User: "carol", Location: Location{PID: 77}},
		// An environment a collector names but did not record.
		{Severity: High, Category: "weird-new-category", Title: "something odd", Environment: "/data/env",
			Location: Location{Path: "/data/env/x"}},
		// A system-wide staging file: no environment, no user.
		{Severity: Critical, Category: "staging", Title: "tpcp.tar.gz", Location: Location{Path: "/tmp/tmpab/tpcp.tar.gz"},
			Evidence: Evidence{ModTime: at("2026-03-24T11:03:00Z")}},
	}
	r.Errors = []Error{
		{Location: Location{Path: sp("/opt/broken/.venv") + "/litellm-1.82.8.dist-info/RECORD"}, Message: "permission denied", Kind: "error"},
		{Location: Location{Path: "/opt/clean/.venv/lib"}, Message: "not walked", Kind: "skipped"},
	}
	homes := []Home{{User: "alice", Dir: "/home/alice"}, {User: "bob", Dir: "/home/bob"}, {User: "carol", Dir: "/home/carol"}, {User: "dave", Dir: "/home/dave"}}

	BuildTimeline(r, homes)

	want := map[string]string{
		"/home/alice/.venv": EnvExecuted,
		"/srv/app/.venv":    EnvExecuted,
		"/opt/tool/.venv":   EnvPresent,
		"/opt/broken/.venv": EnvIncomplete,
		"/opt/clean/.venv":  EnvClean,
		"/opt/gone/.venv":   EnvRemoved,
		"/usr":              EnvClean,
		"/opt/kept":         EnvExecuted,
		"/data/env":         EnvRemoved,
		"/home/alice":       EnvExecuted,
		"/home/bob":         EnvRemoved,
		"/home/carol":       EnvWould,
		"/home/dave":        EnvClean,
		"~frank":            EnvExecuted, // no home: named by an environment
	}
	got := map[string]Environment{}
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
	if e := got["/home/alice"]; e.Kind != EnvKindUser || len(e.Findings) != 2 {
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
	if e := got["/srv/app/.venv"]; len(e.Findings) != 2 || !strings.Contains(e.Reason, "bytecode") {
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
	if last := r.Environments[len(r.Environments)-1]; last.Kind != EnvKindUser {
		t.Errorf("order: %v", r.Environments)
	}
}

func TestBuildTimelineEvents(t *testing.T) {
	r := &Report{Scan: Scan{Window: &Window{Start: *at("2026-03-24T10:39:00Z"), End: *at("2026-03-24T16:00:00Z")}}}
	r.Findings = []Finding{
		{Severity: Critical, Category: "python", Title: "late", Location: Location{Path: "/a"}, Evidence: Evidence{Time: at("2026-04-01T00:00:00Z")}},
		{Severity: High, Category: "cache", Title: "in window by mtime", Location: Location{Path: "/b"}, Evidence: Evidence{ModTime: at("2026-03-24T10:39:00Z")}},
		{Severity: High, Category: "history", Title: "time wins over mtime", Location: Location{Path: "/c", Line: 4},
			Evidence: Evidence{Time: at("2026-03-24T16:00:00Z"), ModTime: at("2027-01-01T00:00:00Z")}},
		{Severity: Medium, Category: "lockfile", Title: "undated", Location: Location{Path: "/d"}},
		{Severity: Info, Category: "credential", Title: "inventory, not an event", Location: Location{Path: "/e"}, Evidence: Evidence{ModTime: at("2026-03-24T12:00:00Z")}},
	}
	BuildTimeline(r, nil)
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
	pypi := Window{Start: *at("2026-03-24T10:39:00Z"), End: *at("2026-03-24T16:00:00Z"), Source: "pypi"}
	actions := Window{Start: *at("2026-03-19T17:43:00Z"), End: *at("2026-03-20T05:40:00Z"), Source: "trivy-action"}
	fs := []Finding{
		{Severity: Critical, Category: "ci-log", Title: "trivy ran", Location: Location{Repo: "acme/api"}, Evidence: Evidence{Time: at("2026-03-19T19:12:06Z")}},
		{Severity: High, Category: "ci-log", Title: "pip installed", Location: Location{Repo: "acme/api"}, Evidence: Evidence{Time: at("2026-03-24T16:00:00Z")}},
		{Severity: Medium, Category: "ci-log", Title: "between", Location: Location{Repo: "acme/api"}, Evidence: Evidence{Time: at("2026-03-22T00:00:00Z")}},
	}
	tests := []struct {
		name    string
		windows []Window
		want    []bool
	}{
		{"no window", nil, []bool{false, false, false}},
		{"one", []Window{pypi}, []bool{false, false, true}},
		{"two", []Window{actions, pypi}, []bool{true, false, true}},
		{"zero window holds nothing", []Window{{}}, []bool{false, false, false}},
	}
	for _, tc := range tests {
		got := Timeline(fs, tc.windows...)
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
			t.Fatalf("Timeline modified its input: %+v", f)
		}
	}
	got := Timeline(fs)
	f := fs[0]
	f.SetID()
	if got[0].Finding != f.ID || got[0].Event != "trivy ran at acme/api" {
		t.Errorf("event %+v, want id %s", got[0], f.ID)
	}
}
