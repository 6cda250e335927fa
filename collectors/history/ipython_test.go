package history

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/internal/testenv"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// listDir returns the names, sizes and mtimes of a directory's files.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %d %s", e.Name(), fi.Size(), fi.ModTime().Format(time.RFC3339Nano)))
	}
	return out
}

// TestIPythonRealHistory: a history written by the real IPython (its
// inputs are %pip and ! installs that pip refuses at once outside a
// virtualenv, with no index: nothing is fetched) is read without SQLite: the findings name the
// installs, the evidence holds no secret, and nothing beside the database
// appears or changes (no -wal, -journal or -shm file; same mtime).
func TestIPythonRealHistory(t *testing.T) {
	ipython := testenv.LookPath(t, "ipython3", "the real IPython writes the history (Debian python3-ipython)")
	root := t.TempDir()
	ipdir := filepath.Join(root, "home", "alice", ".ipython")
	links := filepath.Join(root, "empty-index")
	for _, d := range []string{ipdir, links} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	inputs := strings.Join([]string{
		`%pip install "litellm[proxy]==1.82.7"`,
		`!pip install --index-url https://u:SECRET1@h.example/simple litellm==1.82.8`,
		`!{sys.executable} -m pip install 'litellm>=1.80' --token SECRET2`,
		`x = "SECRET3"`,
		`pip install litellm==1.82.6`,
		`u = "https://models.litellm.cloud/SECRET4"`,
	}, "\n") + "\n"
	cmd := exec.Command(ipython, "--simple-prompt", "--no-banner", "--HistoryManager.enabled=True")
	cmd.Stdin = strings.NewReader(inputs)
	cmd.Env = append(os.Environ(), "IPYTHONDIR="+ipdir, "PIP_REQUIRE_VIRTUALENV=1", "PIP_NO_INDEX=1", "PIP_FIND_LINKS="+links,
		"PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_CACHE_DIR=1", "HOME="+filepath.Join(root, "home", "alice"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ipython3: %v\n%s", err, out)
	}
	profile := filepath.Join(ipdir, "profile_default")
	db := filepath.Join(profile, "history.sqlite")
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("IPython wrote no history: %v", err)
	}
	before := listDir(t, profile)

	m := sweeptest.Matcher(t)
	homes := []sweep.Home{{User: "alice", Dir: "/home/alice"}}
	findings, errs := sweeptest.Sweep(t, root, NewIPython(Options{Matcher: m, Homes: homes}))
	if len(errs) != 0 {
		t.Errorf("errors: %+v", errs)
	}
	var got []string
	for _, f := range findings {
		got = append(got, fmt.Sprintf("%s %s | %s", f.Severity, f.Title, f.Evidence.Text))
		if strings.Contains(fmt.Sprintf("%+v", f), "SECRET") {
			t.Errorf("a secret of the input reached the finding: %+v", f)
		}
		if f.User != "alice" || f.Location.Path != "/home/alice/.ipython/profile_default/history.sqlite" || f.Evidence.Time != nil {
			t.Errorf("finding fields: %+v", f)
		}
	}
	slices.Sort(got)
	// The session ran now, long after the window: an exact pin is medium
	// (a cache or mirror could still serve it), a range low.
	want := []string{
		"low IPython history: pip install litellm >=1.80 (admits 1.82.8, 1.82.7) | !python -m pip install litellm>=1.80 …",
		"medium IPython history names models.litellm.cloud | … models.litellm.cloud …",
		"medium IPython history: pip install litellm 1.82.7 | %pip install litellm==1.82.7",
		"medium IPython history: pip install litellm 1.82.8 | !pip install --index-url https://h.example/… litellm==1.82.8",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n got %q\nwant %q", got, want)
	}
	if after := listDir(t, profile); !slices.Equal(before, after) {
		t.Errorf("the sweep changed the profile directory:\nbefore %q\nafter  %q", before, after)
	}
}

// TestIPythonLocalTime: IPython records a session's start in local time
// without a zone, so an input within 14 hours of the window is graded as
// possibly inside it, and the time is not put on the timeline as UTC.
func TestIPythonLocalTime(t *testing.T) {
	c := New(Options{Matcher: sweeptest.Matcher(t)})
	in := c.judge.Installs("pip install litellm==1.82.8", 0)
	if len(in) != 1 {
		t.Fatalf("installs %v", in)
	}
	for ts, want := range map[string]string{
		"2026-03-24 20:00:00": "high",   // 10:39-16:00 UTC is within 14 h
		"2026-03-23 21:00:00": "high",   // 14 h before 10:39 is 20:39 the day before
		"2026-03-22 12:00:00": "low",    // before the bad releases wherever it was
		"2026-03-26 12:00:00": "medium", // after the window wherever it was: an exact pin
	} {
		tm, _ := time.Parse("2006-01-02 15:04:05", ts)
		if sev, why := c.gradeInstall(tm, true, in[0]); string(sev) != want {
			t.Errorf("%s: %s (%s), want %s", ts, sev, why, want)
		}
	}
}

// TestNotebook: code cells of nbformat 4 (source as a list or a string)
// and nbformat 3 (input) notebooks, with %pip, !pip, automagic pip and
// %%bash cells; markdown cells are prose.
func TestNotebook(t *testing.T) {
	nb4 := map[string]any{"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{}, "cells": []any{
		map[string]any{"cell_type": "markdown", "metadata": map[string]any{}, "source": []string{"Run `pip install litellm==1.82.8` first\n"}},
		map[string]any{"cell_type": "code", "metadata": map[string]any{}, "execution_count": 1, "outputs": []any{},
			"source": []string{"import os\n", "%pip install -q litellm==1.82.8\n", "!pip install --extra-index-url https://t:SECRET@x.example/ litellm~=1.82.0"}},
		map[string]any{"cell_type": "code", "metadata": map[string]any{}, "execution_count": 2, "outputs": []any{},
			"source": "%%bash\nexport TOKEN=SECRET\npip install 'litellm>=1.82,<1.83'\n"},
		map[string]any{"cell_type": "code", "metadata": map[string]any{}, "execution_count": 3, "outputs": []any{},
			"source": "pip install litellm==1.83.0\nprint('pip install litellm==1.82.7')"},
		map[string]any{"cell_type": "code", "metadata": map[string]any{}, "execution_count": 4, "source": "%pip install -r $REQS",
			"outputs": []any{map[string]any{"output_type": "stream", "name": "stdout",
				"text": []string{"Collecting litellm\n", "Successfully installed SECRET-1.0 litellm-1.82.8 requests-2.32.3\n"}}}},
	}}
	nb3 := map[string]any{"nbformat": 3, "worksheets": []any{map[string]any{"cells": []any{
		map[string]any{"cell_type": "code", "input": []string{"!conda install -y litellm=1.82.7\n"}},
	}}}}
	enc := func(v any) []byte {
		b, err := json.MarshalIndent(v, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	root := sweeptest.MkTree(t, map[string][]byte{
		"/home/alice/work/analysis.ipynb":                             enc(nb4),
		"/home/alice/old/legacy.ipynb":                                enc(nb3),
		"/home/alice/work/.ipynb_checkpoints/broken-checkpoint.ipynb": []byte(`{"cells": [`),
	})
	findings, errs := sweeptest.Sweep(t, root, NewNotebook(Options{Matcher: sweeptest.Matcher(t), Homes: []sweep.Home{{User: "alice", Dir: "/home/alice"}}}))
	var got []string
	for _, f := range findings {
		got = append(got, fmt.Sprintf("%s %s %s | %s | %s", f.Severity, f.Location.Path, f.Title, f.Evidence.Text, f.Evidence.Details[len(f.Evidence.Details)-1]))
		if strings.Contains(fmt.Sprintf("%+v", f), "SECRET") {
			t.Errorf("secret in finding %+v", f)
		}
	}
	slices.Sort(got)
	want := []string{
		"high /home/alice/work/analysis.ipynb notebook cell output: pip installed litellm 1.82.8 | Successfully installed litellm-1.82.8 | entry: cell 5 output",
		"medium /home/alice/old/legacy.ipynb notebook cell: conda install litellm ==1.82.7.* (admits 1.82.7) | !conda install … litellm==1.82.7.* | entry: cell 1, line 1",
		"medium /home/alice/work/analysis.ipynb notebook cell: pip install litellm 1.82.8 | %pip install … litellm==1.82.8 | entry: cell 2, line 2",
		"medium /home/alice/work/analysis.ipynb notebook cell: pip install litellm >=1.82,<1.83 (admits 1.82.8, 1.82.7) | %%bash … … pip install litellm>=1.82,<1.83 | entry: cell 3, line 2",
		"medium /home/alice/work/analysis.ipynb notebook cell: pip install litellm ~=1.82.0 (admits 1.82.8, 1.82.7) | !pip install --extra-index-url https://x.example litellm~=1.82.0 | entry: cell 2, line 3",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n got %q\nwant %q", got, want)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "not a readable .ipynb") {
		t.Errorf("errors: %+v", errs)
	}
}
