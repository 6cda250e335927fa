package lockfile

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// testdataResolver resolves includes inside testdata/ (paths are "/"-rooted
// at testdata).
func testdataResolver(from, ref string) (string, []byte, error) {
	p := path.Clean(path.Join(path.Dir(from), ref))
	b, err := sweeptest.ReadTestdata(p)
	return p, b, err
}

// summary renders a requirement compactly for table tests.
func summary(q Requirement) string {
	s := fmt.Sprintf("%s|%s|%s:%d", q.Name, q.Specifier, q.File, q.Line)
	if q.Locked {
		s += "|locked=" + q.Version
	} else if q.Version != "" {
		s += "|version=" + q.Version
	}
	if q.Constraint {
		s += "|constraint"
	}
	if q.URL != "" {
		s += "|url=" + q.URL
	}
	if len(q.Hashes) > 0 {
		s += fmt.Sprintf("|hashes=%d", len(q.Hashes))
	}
	if q.Group != "" {
		s += "|group=" + q.Group
	}
	if len(q.Extras) > 0 {
		s += "|extras=" + strings.Join(q.Extras, ",")
	}
	return s
}

func TestParse(t *testing.T) {
	tests := []struct {
		file     string
		kind     Kind
		want     []string
		problems []string
	}{
		{"/requirements.txt", Requirements, []string{
			"openai|>=1|/requirements/base.txt:1",
			"litellm|>= 1.80, < 2|/requirements/base.txt:2",
			"litellm|==1.82.7|/constraints.txt:1|constraint",
			"requests|>=2.0|/requirements.txt:5",
			"litellm|==1.82.8|/requirements.txt:6|hashes=2|extras=proxy",
			"numpy||/requirements.txt:9",
		}, []string{"/requirements/base.txt:3: include \"missing.txt\""}},
		{"/direct-requirements.txt", Requirements, []string{
			"litellm||/direct-requirements.txt:1|version=1.82.8|url=https://***@files.example.com/litellm-1.82.8-py3-none-any.whl",
			"litellm||/direct-requirements.txt:2|version=1.82.7|url=./wheels/litellm-1.82.7-py3-none-any.whl",
			"litellm||/direct-requirements.txt:3|url=git+https://github.com/BerriAI/litellm.git@main#egg=litellm|group=editable",
		}, []string{"/direct-requirements.txt:4: specifier"}},
		{"/pyproject-pep621.toml", PyProject, []string{
			"fastapi|>=0.100|/pyproject-pep621.toml:5|group=dependencies",
			"litellm|>=1.80|/pyproject-pep621.toml:6|group=dependencies",
			"litellm|~=1.82.0|/pyproject-pep621.toml:10|group=optional:proxy|extras=proxy",
			"pytest||/pyproject-pep621.toml:13|group=group:dev",
			"litellm|==1.82.6|/pyproject-pep621.toml:13|group=group:dev",
		}, nil},
		{"/pyproject-poetry.toml", PyProject, []string{
			"litellm|^1.82|/pyproject-poetry.toml:7|group=poetry:dependencies",
			"requests|*|/pyproject-poetry.toml:8|group=poetry:dependencies",
			"litellm|1.82.7|/pyproject-poetry.toml:11|group=poetry:group:dev|extras=proxy",
		}, nil},
		{"/poetry.lock", PoetryLock, []string{
			"httpx|==0.27.0|/poetry.lock:4|locked=0.27.0|hashes=1",
			"litellm|==1.82.8|/poetry.lock:14|locked=1.82.8|hashes=2",
		}, nil},
		{"/uv.lock", UVLock, []string{
			"app|==0.1.0|/uv.lock:5|locked=0.1.0",
			"litellm|==1.82.7|/uv.lock:16|locked=1.82.7|hashes=2",
		}, nil},
		{"/pdm.lock", PDMLock, []string{
			"litellm|==1.82.6|/pdm.lock:8|locked=1.82.6|hashes=1",
		}, nil},
		{"/pylock.toml", PyLock, []string{
			"litellm|==1.82.8|/pylock.toml:6|locked=1.82.8|hashes=1",
		}, nil},
		{"/Pipfile", Pipfile, []string{
			"LiteLLM|==1.82.8|/Pipfile:11|group=dev-packages|extras=proxy",
			"litellm||/Pipfile:7|group=packages",
			"requests|>=2|/Pipfile:8|group=packages",
		}, nil},
		{"/Pipfile.lock", PipfileLock, []string{
			"litellm|==1.82.7|/Pipfile.lock:9|locked=1.82.7|hashes=1|group=default",
		}, nil},
		{"/environment.yml", CondaEnv, []string{
			"python|==3.11.*|/environment.yml:5|group=conda",
			"litellm|==1.82.8.*|/environment.yml:6|group=conda",
			"pip||/environment.yml:7|group=conda",
			"litellm|>=1.80|/environment.yml:9|group=pip",
			"openai|>=1|/requirements/base.txt:1|group=pip",
			"litellm|>= 1.80, < 2|/requirements/base.txt:2|group=pip",
		}, []string{"/requirements/base.txt:3: include \"missing.txt\""}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			r, err := ParseKind(tc.kind, tc.file, sweeptest.Testdata(t, strings.TrimPrefix(tc.file, "/")), testdataResolver)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, q := range r.Requirements {
				got = append(got, summary(q))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("requirements:\n got %q\nwant %q", got, tc.want)
			}
			var probs []string
			for _, p := range r.Problems {
				probs = append(probs, fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message))
			}
			if len(probs) != len(tc.problems) {
				t.Fatalf("problems: got %q, want prefixes %q", probs, tc.problems)
			}
			for i := range probs {
				if !strings.HasPrefix(probs[i], tc.problems[i]) {
					t.Errorf("problem %d: got %q, want prefix %q", i, probs[i], tc.problems[i])
				}
			}
			// Nothing parsed may carry the credentials in the fixtures.
			for _, q := range r.Requirements {
				if strings.Contains(fmt.Sprint(q), "s3cr3t") || strings.Contains(q.URL, "tok:en") {
					t.Errorf("credential stored: %+v", q)
				}
			}
		})
	}
}

func TestKindOf(t *testing.T) {
	tests := map[string]Kind{
		"/a/requirements.txt": Requirements, "/a/requirements-dev.txt": Requirements, "/a/dev-requirements.txt": Requirements,
		"/a/requirements.in": Requirements, "/a/constraints.txt": Requirements, "/a/requirements/prod.txt": Requirements,
		"/a/pyproject.toml": PyProject, "/a/poetry.lock": PoetryLock, "/a/uv.lock": UVLock, "/a/Pipfile": Pipfile,
		"/a/Pipfile.lock": PipfileLock, "/a/pdm.lock": PDMLock, "/a/pylock.toml": PyLock, "/a/pylock.dev.toml": PyLock,
		"/a/environment.yml": CondaEnv, "/a/environment-gpu.yaml": CondaEnv,
		"/a/README.txt": "", "/a/MANIFEST.in": "", "/a/config.yml": "", "/a/Cargo.lock": "", "/a/notes/x.txt": "",
		// the names matched without regard to case, past the suffix pre-filter
		"/a/REQUIREMENTS.TXT": Requirements, "/a/Dev-Requirements.In": Requirements, "/a/requirements/prod.TXT": "",
		"/a/Environment.YML": CondaEnv, "/a/environment.Yaml": CondaEnv,
		"/a/Pipfile.txt": "", "/a/requirements": "", "/a/requirements.txt.bak": "", "/a/pylock.dev.TOML": "",
	}
	for p, want := range tests {
		if got := KindOf(p); got != want {
			t.Errorf("KindOf(%q) = %q, want %q", p, got, want)
		}
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		file string
		kind Kind
		line int
		msg  string
	}{
		{"invalid-pyproject.toml", PyProject, 5, "invalid TOML"},
		{"invalid-environment.yml", CondaEnv, 3, "invalid YAML"},
		{"bad.lock", PipfileLock, 1, "invalid JSON"},
		{"bad.lock", PoetryLock, 2, "invalid TOML"},
		{"bad.lock", UVLock, 2, "invalid TOML"},
		{"bad.lock", PyLock, 2, "invalid TOML"},
		{"bad.lock", Pipfile, 2, "invalid TOML"},
	}
	for _, tc := range tests {
		var data []byte
		if tc.file == "bad.lock" {
			data = []byte("[[package\nname = \"litellm\"\n")
		} else {
			data = sweeptest.Testdata(t, tc.file)
		}
		_, err := ParseKind(tc.kind, "/"+tc.file, data, nil)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%s as %s: error %v is not a SyntaxError", tc.file, tc.kind, err)
			continue
		}
		if se.Line != tc.line || !strings.Contains(se.Error(), tc.msg) {
			t.Errorf("%s as %s: got line %d %q, want line %d %q", tc.file, tc.kind, se.Line, se.Error(), tc.line, tc.msg)
		}
	}
}

func TestParseRequirement(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{"litellm", "litellm||:0", false},
		{"LiteLLM[proxy,extra]>=1.80,<2;python_version>'3.8'", "LiteLLM|>=1.80,<2|:0|extras=proxy,extra", false},
		{"litellm (>=1.80)", "litellm|(>=1.80)|:0", false},
		{"litellm 1.82.8", "", true},
		{"litellm>=", "", true},
		{"litellm @ file:///tmp/litellm-1.82.8-py3-none-any.whl", "litellm||:0|version=1.82.8|url=file:///tmp/litellm-1.82.8-py3-none-any.whl", false},
		{"-bad", "", true},
	}
	for _, tc := range tests {
		q, err := ParseRequirement(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("ParseRequirement(%q) error = %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if err == nil && summary(q) != tc.want {
			t.Errorf("ParseRequirement(%q) = %q, want %q", tc.in, summary(q), tc.want)
		}
	}
}

func TestDistFromFilename(t *testing.T) {
	tests := []struct{ in, name, ver string }{
		{"litellm-1.82.8-py3-none-any.whl", "litellm", "1.82.8"},
		{"litellm-1.82.8-1build-py3-none-any.whl", "litellm", "1.82.8"},
		{"litellm-1.82.8.tar.gz", "litellm", "1.82.8"},
		{"my-pkg-name-2.0.zip", "my-pkg-name", "2.0"},
		{"README.md", "", ""},
		{"x.whl", "", ""},
	}
	for _, tc := range tests {
		n, v, _ := DistFromFilename(tc.in)
		if n != tc.name || v != tc.ver {
			t.Errorf("DistFromFilename(%q) = %q %q, want %q %q", tc.in, n, v, tc.name, tc.ver)
		}
	}
}

func TestStripUserinfo(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:tok@host/x":        "https://***@host/x",
		"https://__token__@host/simple/": "https://***@host/simple/",
		"https://host/x":                 "https://host/x",
		"git+https://u:p@github.com/a/b": "git+https://***@github.com/a/b",
		"https://u:p%zz@host/x":          "https://***@host/x",
	} {
		if got := StripUserinfo(in); got != want {
			t.Errorf("StripUserinfo(%q) = %q, want %q", in, got, want)
		}
	}
}

// hitSummary renders a hit for table tests.
func hitSummary(h Hit) string {
	return fmt.Sprintf("%s %s:%d %s", h.Severity, h.Requirement.File, h.Requirement.Line, h.Title)
}

func TestEvaluate(t *testing.T) {
	m := sweeptest.Matcher(t)
	parse := func(as, file string, kind Kind) Result {
		r, err := ParseKind(kind, as, sweeptest.Testdata(t, file), func(from, ref string) (string, []byte, error) {
			p := path.Clean(path.Join(path.Dir(from), ref))
			// the projects below reuse testdata files
			b, err := sweeptest.ReadTestdata(strings.TrimPrefix(p[strings.Index(p[1:], "/")+1:], "/"))
			return p, b, err
		})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	tests := []struct {
		name  string
		files []Result
		want  []string
	}{
		{"range alone is medium", []Result{parse("/p1/pyproject.toml", "pyproject-pep621.toml", PyProject)}, []string{
			"medium /p1/pyproject.toml:6 litellm >=1.80 would have resolved to 1.82.8 during the window",
			"medium /p1/pyproject.toml:10 litellm ~=1.82.0 would have resolved to 1.82.8 during the window",
		}},
		{"lock pinning a bad version is high and silences the range", []Result{
			parse("/p2/pyproject.toml", "pyproject-pep621.toml", PyProject),
			parse("/p2/poetry.lock", "poetry.lock", PoetryLock),
		}, []string{
			"high /p2/poetry.lock:14 poetry.lock allows the hash of litellm-1.82.8-py3-none-any.whl",
		}},
		{"lock pinning a clean version silences the range", []Result{
			parse("/p3/pyproject.toml", "pyproject-pep621.toml", PyProject),
			parse("/p3/pdm.lock", "pdm.lock", PDMLock),
		}, nil},
		{"lock in another project does not silence", []Result{
			parse("/p4/pyproject.toml", "pyproject-pep621.toml", PyProject),
			parse("/p5/pdm.lock", "pdm.lock", PDMLock),
		}, []string{
			"medium /p4/pyproject.toml:6 litellm >=1.80 would have resolved to 1.82.8 during the window",
			"medium /p4/pyproject.toml:10 litellm ~=1.82.0 would have resolved to 1.82.8 during the window",
		}},
		{"requirements: hash, constraint, range silenced by the exact pins", []Result{
			parse("/p6/requirements.txt", "requirements.txt", Requirements),
		}, []string{
			"high /p6/constraints.txt:1 requirements constrains litellm to 1.82.7",
			"high /p6/requirements.txt:6 requirements allows the hash of litellm-1.82.8-py3-none-any.whl",
		}},
		{"direct references", []Result{parse("/p7/direct-requirements.txt", "direct-requirements.txt", Requirements)}, []string{
			"high /p7/direct-requirements.txt:1 requirements pins litellm 1.82.8",
			"high /p7/direct-requirements.txt:2 requirements pins litellm 1.82.7",
		}},
		{"uv.lock, pylock, Pipfile.lock", []Result{
			parse("/p8/uv.lock", "uv.lock", UVLock),
			parse("/p9/pylock.toml", "pylock.toml", PyLock),
			parse("/p10/Pipfile.lock", "Pipfile.lock", PipfileLock),
		}, []string{
			"high /p10/Pipfile.lock:9 Pipfile.lock (default) allows the hash of litellm-1.82.7-py3-none-any.whl",
			"high /p8/uv.lock:16 uv.lock allows the hash of litellm-1.82.7-py3-none-any.whl",
			"high /p9/pylock.toml:6 pylock allows the hash of litellm-1.82.8-py3-none-any.whl",
		}},
		{"Pipfile: exact pin high, * silenced", []Result{parse("/p11/Pipfile", "Pipfile", Pipfile)}, []string{
			"high /p11/Pipfile:11 Pipfile (dev-packages) pins litellm 1.82.8",
			"medium /p11/Pipfile:7 litellm (any version) would have resolved to 1.82.8 during the window",
		}},
		{"poetry caret and exact", []Result{parse("/p12/pyproject.toml", "pyproject-poetry.toml", PyProject)}, []string{
			"high /p12/pyproject.toml:11 pyproject (poetry:group:dev) pins litellm 1.82.7",
			"medium /p12/pyproject.toml:7 litellm ^1.82 would have resolved to 1.82.8 during the window",
		}},
		{"conda fuzzy pin is a range", []Result{parse("/p13/environment.yml", "environment.yml", CondaEnv)}, []string{
			"medium /p13/environment.yml:6 litellm ==1.82.8.* would have resolved to 1.82.8 during the window",
			"medium /p13/environment.yml:9 litellm >=1.80 would have resolved to 1.82.8 during the window",
			"medium /p13/requirements/base.txt:2 litellm >= 1.80, < 2 would have resolved to 1.82.8 during the window",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, h := range Evaluate(m, tc.files) {
				got = append(got, hitSummary(h))
				if h.Why == "" || len(h.Versions) == 0 || h.Package == nil {
					t.Errorf("incomplete hit %+v", h)
				}
				if h.Severity == sweep.Medium && !strings.Contains(h.Why, "2026-03-24 10:39") {
					t.Errorf("medium hit does not name the window: %s", h.Why)
				}
			}
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("hits:\n got %q\nwant %q", got, want)
			}
		})
	}
}
