package lockfile

import (
	"testing"

	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// fuzzParse checks a parser never panics and that what it returns is
// consistent (every requirement has a name and a file) and can be evaluated.
func fuzzParse(f *testing.F, kind Kind, name string) {
	m := sweeptest.Matcher(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		// The resolver serves the same bytes for every include, so include
		// cycles and depth limits are exercised too.
		resolve := func(from, ref string) (string, []byte, error) { return "/inc/" + ref, data, nil }
		r, err := ParseKind(kind, "/p/"+name, data, resolve)
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("error is not a *SyntaxError: %T %v", err, err)
			}
		}
		for _, q := range r.Requirements {
			if q.Name == "" || q.File == "" {
				t.Fatalf("requirement without name or file: %+v", q)
			}
		}
		Evaluate(m, []Result{r})
	})
}

func FuzzRequirements(f *testing.F) { fuzzParse(f, Requirements, "requirements.txt") }
func FuzzPyProject(f *testing.F)    { fuzzParse(f, PyProject, "pyproject.toml") }
func FuzzPoetryLock(f *testing.F)   { fuzzParse(f, PoetryLock, "poetry.lock") }
func FuzzPyLock(f *testing.F)       { fuzzParse(f, PyLock, "pylock.toml") }
func FuzzPipfileLock(f *testing.F)  { fuzzParse(f, PipfileLock, "Pipfile.lock") }
func FuzzCondaEnv(f *testing.F)     { fuzzParse(f, CondaEnv, "environment.yml") }
