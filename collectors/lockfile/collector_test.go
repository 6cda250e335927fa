package lockfile

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

func TestCollectorTree(t *testing.T) {
	m := sweeptest.Matcher(t)
	td := func(n string) []byte { return sweeptest.Testdata(t, n) }
	root := sweeptest.MkTree(t, map[string][]byte{
		// project a: requirements with includes (inside the tree), constraint and hash
		"home/alice/a/requirements.txt":                    td("requirements.txt"),
		"home/alice/a/requirements/base.txt":               td("requirements/base.txt"),
		"home/alice/a/constraints.txt":                     td("constraints.txt"),
		"home/alice/b/pyproject.toml":                      td("pyproject-pep621.toml"),
		"home/alice/c/pyproject.toml":                      td("pyproject-pep621.toml"),
		"home/alice/c/pdm.lock":                            td("pdm.lock"), // pins the clean 1.82.6
		"srv/d/pyproject.toml":                             td("invalid-pyproject.toml"),
		"srv/e/environment.yml":                            td("invalid-environment.yml"),
		"srv/f/poetry.lock":                                td("poetry.lock"),
		"srv/g/pyproject.toml":                             []byte("[project\nname='x'\n"), // invalid but never names litellm
		"srv/h/requirements.txt":                           []byte("-r /etc/passwd-nope.txt\nrequests\n"),
		"usr/lib/python3/site-packages/x/requirements.txt": []byte("litellm==1.82.8\n"), // installed package: not a project
	})
	findings, errs := sweeptest.Sweep(t, root, New(m, []sweep.Home{{User: "alice", Dir: "/home/alice"}}))
	var got []string
	for _, f := range findings {
		got = append(got, string(f.Severity)+" "+f.Location.String()+" "+f.Title+" user="+f.User)
		if f.Category != "lockfile" || f.Indicator == nil || f.Indicator.ID != "pypi-litellm" || f.Evidence.Package != "litellm" {
			t.Errorf("finding fields: %+v", f)
		}
		if strings.Contains(f.Evidence.Text+strings.Join(f.Evidence.Details, " "), "s3cr3t") {
			t.Errorf("secret in finding: %+v", f)
		}
	}
	slices.Sort(got)
	want := []string{
		"high /home/alice/a/constraints.txt:1 requirements constrains litellm to 1.82.7 user=alice",
		"high /home/alice/a/requirements.txt:6 requirements allows the hash of litellm-1.82.8-py3-none-any.whl user=alice",
		"high /srv/f/poetry.lock:14 poetry.lock allows the hash of litellm-1.82.8-py3-none-any.whl user=",
		"medium /home/alice/b/pyproject.toml:10 litellm ~=1.82.0 would have resolved to 1.82.8 during the window user=alice",
		"medium /home/alice/b/pyproject.toml:6 litellm >=1.80 would have resolved to 1.82.8 during the window user=alice",
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n got %q\nwant %q", got, want)
	}
	var gotErrs []string
	for _, e := range errs {
		gotErrs = append(gotErrs, string(e.Kind)+" "+e.Location.String()+" "+e.Message)
	}
	slices.Sort(gotErrs)
	wantErrs := []string{
		`error /home/alice/a/requirements/base.txt:3 include "missing.txt": not found in the scanned tree`,
		"error /srv/d/pyproject.toml:5 pyproject: invalid TOML",
		"error /srv/e/environment.yml:3 conda-environment: invalid YAML",
		`error /srv/h/requirements.txt:1 include "/etc/passwd-nope.txt": not found in the scanned tree`,
	}
	if len(gotErrs) != len(wantErrs) {
		t.Fatalf("errors:\n got %q\nwant %q", gotErrs, wantErrs)
	}
	for i := range wantErrs {
		if !strings.HasPrefix(gotErrs[i], wantErrs[i]) {
			t.Errorf("error %d: got %q, want prefix %q", i, gotErrs[i], wantErrs[i])
		}
	}
}

// An include that is a symlink out of the tree is not followed.
func TestCollectorIncludeSymlinkOut(t *testing.T) {
	m := sweeptest.Matcher(t)
	outside := sweeptest.MkTree(t, map[string][]byte{"secret.txt": []byte("litellm==1.82.8\n")})
	root := sweeptest.MkTree(t, map[string][]byte{"p/requirements.txt": []byte("-r link.txt\n")})
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(root, "p/link.txt")); err != nil {
		t.Fatal(err)
	}
	findings, errs := sweeptest.Sweep(t, root, New(m, nil))
	if len(findings) != 0 {
		t.Errorf("followed a symlink out of the root: %+v", findings)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Message, `include "link.txt"`) {
		t.Errorf("errors: %+v", errs)
	}
}

// TestFindingsCarryFileTime: a finding carries the mtime of the file its
// line is in (an included constraints file has its own), so the timeline
// places it.
func TestFindingsCarryFileTime(t *testing.T) {
	m := sweeptest.Matcher(t)
	root := sweeptest.MkTree(t, map[string][]byte{
		"p/requirements.txt": []byte("-c constraints.txt\nlitellm>=1.80\n"),
		"p/constraints.txt":  []byte("litellm==1.82.7\n"),
		"q/poetry.lock":      sweeptest.Testdata(t, "poetry.lock"),
	})
	times := map[string]time.Time{
		"p/requirements.txt": time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC),
		"p/constraints.txt":  time.Date(2026, 3, 24, 11, 0, 0, 0, time.UTC),
		"q/poetry.lock":      time.Date(2026, 3, 24, 12, 30, 0, 0, time.UTC),
	}
	for p, tm := range times {
		if err := os.Chtimes(filepath.Join(root, p), tm, tm); err != nil {
			t.Fatal(err)
		}
	}
	findings, _ := sweeptest.Sweep(t, root, New(m, nil))
	if len(findings) == 0 {
		t.Fatal("no findings")
	}
	for _, f := range findings {
		want := times[strings.TrimPrefix(f.Location.Path, "/")]
		if f.Evidence.ModTime == nil || !f.Evidence.ModTime.Equal(want) {
			t.Errorf("%s: mtime %v, want %v", f.Location, f.Evidence.ModTime, want)
		}
	}
}
