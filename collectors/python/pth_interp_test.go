package python

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/litesweep/litesweep/internal/testenv"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// markLine is a benign executed line: it creates the file named by
// $LS_PTH_MARK.
const markLine = `import os; os.close(os.open(os.environ["LS_PTH_MARK"], os.O_CREAT | os.O_WRONLY))`

// pthFixtures: .pth contents holding markLine (<M>; <T> is it with a tab) in hostile surroundings.
// conservative: litesweep flags the line although no interpreter here runs
// it, for a reason outside the file (the victim's locale: under a
// single-byte locale every byte decodes; or the victim's modules).
var pthFixtures = []struct {
	name         string
	body         string
	conservative bool
	runtime      bool // whether it runs depends on the victim's modules: the model says it may
}{
	{name: "plain", body: "<M>\n"},
	{name: "no-final-newline", body: "<M>"},
	{name: "crlf", body: "/some/dir\r\n<M>\r\n"},
	{name: "cr-only", body: "/some/dir\r<M>\r"},
	{name: "tab", body: "<T>\n"},
	{name: "bom", body: "\ufeff<M>\n"},
	{name: "leading-space", body: " <M>\n"},
	{name: "leading-tab", body: "\t<M>\n"},
	{name: "crlf-indented", body: "/a/dir\r\n <M>\r\n"},
	{name: "ff-led", body: "\f<M>\n"},
	{name: "u2028-led", body: "\u2028<M>\n"},
	{name: "nel-led", body: "\u0085<M>\n"},
	{name: "comment", body: "#<M>\n"},
	{name: "vt-inside-line", body: "/a/dir\v<M>\n"},
	{name: "ff-inside-line", body: "/a/dir\f<M>\n"},
	{name: "fs-inside-line", body: "/a/dir\x1c<M>\n"},
	{name: "u2028-inside-line", body: "/a/dir\u2028<M>\n"},
	{name: "nel-inside-line", body: "/a/dir\u0085<M>\n"},
	{name: "nul-path-line-before", body: "\x00\x01\x02binary\x7f junk\n<M>\n"},
	{name: "nul-import-line-before", body: "import sys\x00\n<M>\n"},
	{name: "nul-after", body: "<M>\n\x00\x01\x02\x03\n"},
	{name: "nul-comment-before", body: "#\x00\x01\n<M>\n"},
	{name: "megabytes-of-comments", body: strings.Repeat("# padding padding padding padding padding padding padding\n", 160_000) + "<M>\n"},
	{name: "invalid-utf8-before", body: "\xff\xfe\n<M>\n", conservative: true},
	{name: "invalid-utf8-same-chunk", body: "<M>\n\xff\n", conservative: true},
	{name: "invalid-utf8-next-chunk", body: "<M>\n" + strings.Repeat("#", 9000) + "\n\xff\n", conservative: true},
	{name: "invalid-utf8-next-chunk-before", body: strings.Repeat("#", 9000) + "\n<M>\n\xff\n", conservative: true},
	{name: "truncated-utf8-at-eof", body: "<M>\n\xe2\x82", conservative: true},
	{name: "utf8-split-across-chunks", body: strings.Repeat("#", 8191) + "\u00e9\n<M>\n"},
	{name: "import-fails-before", body: "import litesweep_no_such_module_xyz\n<M>\n", conservative: true, runtime: true},
	{name: "long-literal", body: "<M>; x = '" + strings.Repeat("A", 100_000) + "'\n"},
	{name: "paths-only", body: "/a\n/b\n"},
}

func fixtureBytes(body string) []byte {
	body = strings.ReplaceAll(body, "<T>", "import\t"+markLine[len("import "):])
	return []byte(strings.ReplaceAll(body, "<M>", markLine))
}

// interpreters returns one python3.x per minor version on the machine.
func interpreters(t *testing.T) map[string]string {
	t.Helper()
	cands := []string{"/usr/bin/python3.11"}
	g, _ := filepath.Glob("/root/.pyenv/versions/*/bin/python3.*")
	cands = append(cands, g...)
	// And every python3.N on PATH (.ci/run puts a python3.14 there: no
	// Debian package or pyenv build here has it).
	for n := 6; n <= 20; n++ {
		if p, err := exec.LookPath(fmt.Sprintf("python3.%d", n)); err == nil {
			cands = append(cands, p)
		}
	}
	out := map[string]string{}
	for _, p := range cands {
		b := filepath.Base(p)
		if strings.Contains(b, "-") || strings.HasSuffix(b, "m") || strings.HasSuffix(b, ".py") {
			continue
		}
		v, err := exec.Command(p, "-I", "-S", "-c", `import sys; print("%d.%d" % sys.version_info[:2])`).Output()
		if err != nil {
			continue
		}
		ver := strings.TrimSpace(string(v))
		if ver < "3.6" && len(ver) == 3 || ver == "2.7" {
			continue
		}
		if _, ok := out[ver]; !ok {
			out[ver] = p
		}
	}
	return out
}

// atLeastTwoInterpreters returns interpreters(t) and its versions sorted,
// skipping (failing under CI) with fewer than two.
func atLeastTwoInterpreters(t *testing.T) (map[string]string, []string) {
	t.Helper()
	pys := interpreters(t)
	if len(pys) < 2 {
		testenv.SkipOrFail(t, fmt.Sprintf("need at least two python3.x interpreters, have %v", pys))
	}
	// CI checks the rules against the newest Python too (.ci/run installs
	// python3.14 from the Go module proxy: neither Debian nor pyenv has it here).
	if _, ok := pys["3.14"]; !ok && testenv.CI() {
		t.Fatalf("no python3.14 on PATH under CI (.ci/run provides one); have %v", pys)
	}
	vers := make([]string, 0, len(pys))
	for v := range pys {
		vers = append(vers, v)
	}
	sort.Strings(vers)
	return pys, vers
}

// modelRuns reports whether model executes the marker line of b.
func modelRuns(t *testing.T, b []byte, model PthModel) bool {
	t.Helper()
	var lines []PthLine
	st, err := ScanPth(bytes.NewReader(b), int64(len(b))+1, false, func(l PthLine) { lines = append(lines, l) })
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		if !strings.Contains(l.Text, "LS_PTH_MARK") || l.Models&model == 0 {
			continue
		}
		if model == Py313UTF8 && !st.ValidUTF8 {
			continue
		}
		return true
	}
	return false
}

// TestPthAgainstInterpreters runs every fixture through every python3.x on
// the machine (site.addsitedir in a throwaway process, UTF-8 locale) and
// checks litesweep's model of that version agrees with whether the marker
// appeared, and that the collector flags every line any version ran.
func TestPthAgainstInterpreters(t *testing.T) {
	pys, vers := atLeastTwoInterpreters(t)
	t.Logf("interpreters: %v", pys)
	root := t.TempDir()
	for i, fx := range pthFixtures {
		b := fixtureBytes(fx.body)
		// The collector's verdict, from a real walk.
		site := fmt.Sprintf("/home/u/p%d/.venv/lib/python3.11/site-packages", i)
		sweeptest.WriteFile(t, root, site+"/"+fx.name+".pth", b)
	}
	res := sweepTree(t, root, sweeptest.Matcher(t), 64<<20)
	flagged := map[string]bool{}
	for _, f := range res.findings {
		flagged[strings.TrimSuffix(filepath.Base(f.Location.Path), ".pth")] = true
	}
	for _, e := range res.errors {
		t.Errorf("unexpected error entry %s %s: %s", e.Kind, e.Location.Path, e.Message)
	}
	for _, fx := range pthFixtures {
		t.Run(fx.name, func(t *testing.T) {
			b := fixtureBytes(fx.body)
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "fixture.pth"), b, 0o644); err != nil {
				t.Fatal(err)
			}
			// One throwaway process per interpreter, a few at a time.
			got := make([]bool, len(vers))
			var wg sync.WaitGroup
			sem := make(chan struct{}, 4)
			for i, v := range vers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					sem <- struct{}{}
					defer func() { <-sem }()
					mark := filepath.Join(dir, "marker-"+v)
					cmd := exec.Command(pys[v], "-I", "-S", "-c", "import site, sys; site.addsitedir(sys.argv[1])", dir)
					cmd.Env = []string{"LC_ALL=C.UTF-8", "LANG=C.UTF-8", "LS_PTH_MARK=" + mark, "PATH=/usr/bin:/bin"}
					cmd.Run() // a decode error raises out of site.py: the marker says what ran
					_, err := os.Stat(mark)
					got[i] = err == nil
				}()
			}
			wg.Wait()
			ranAny := false
			var ran []string
			for i, v := range vers {
				if got[i] {
					ranAny = true
					ran = append(ran, v)
				}
				if want := modelRuns(t, b, ModelFor(v)); want != got[i] && !(fx.runtime && want) {
					t.Errorf("python%s: marker appeared=%v, litesweep's model of %s says executed=%v", v, got[i], v, want)
				}
			}
			union := len(ExecLines(b)) > 0
			t.Logf("ran under %v; litesweep flags=%v", ran, flagged[fx.name])
			if ranAny && !flagged[fx.name] {
				t.Errorf("python %v executed the marker but litesweep reports nothing", ran)
			}
			if flagged[fx.name] != union {
				t.Errorf("collector flagged=%v, scanner union=%v", flagged[fx.name], union)
			}
			if !ranAny && union && !fx.conservative {
				t.Errorf("litesweep flags a line no interpreter ran (mark the fixture conservative if that is by design)")
			}
		})
	}
}
