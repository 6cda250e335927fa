package mirror

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/internal/pyindex"
	"github.com/litesweep/litesweep/sweep"
)

func sweepIndex(t *testing.T, raw string, o Options) ([]sweep.Finding, []sweep.Error, *Stats) {
	t.Helper()
	col := sweep.NewCollection(nil)
	st := &Stats{}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	Sweep(ctx, raw, o, st, col)
	fs, es := col.Drain()
	return fs, es, st
}

func titles(fs []sweep.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, string(f.Severity)+" "+f.Title)
	}
	sort.Strings(out)
	return out
}

// mirrorIndex serves the standard fixtures plus a yanked 1.82.7 sdist-like
// wheel and the 1.82.8 sdist.
func mirrorIndex(t *testing.T) (*pyindex.Index, pyindex.Fixtures) {
	fx := pyindex.Litellm()
	arts := []pyindex.Artifact{pyindex.WheelArtifact(t, fx.Clean), pyindex.WheelArtifact(t, fx.Bad8), pyindex.WheelArtifact(t, fx.Telnyx)}
	y := pyindex.WheelArtifact(t, fx.Bad7)
	y.Yanked, y.YankReason = true, "compromised <script>"
	arts = append(arts, y)
	sd, err := fx.Sdist8.Build()
	if err != nil {
		t.Fatal(err)
	}
	arts = append(arts, pyindex.Artifact{Filename: fx.Sdist8.Filename(), Data: sd})
	return pyindex.NewIndex(t, arts...), fx
}

var wantServed = []string{
	"low yanked but still served: litellm-1.82.7-py3-none-any.whl (litellm 1.82.7, a compromised release)",
	"medium the mirror serves litellm-1.82.8-py3-none-any.whl (litellm 1.82.8, a compromised release)",
	"medium the mirror serves litellm-1.82.8.tar.gz (litellm 1.82.8, a compromised release)",
	"medium the mirror serves telnyx-4.87.1-py3-none-any.whl (telnyx 4.87.1, a compromised release)",
}

func TestServedFilesBothForms(t *testing.T) {
	ix, fx := mirrorIndex(t)
	for _, htmlOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("html-only=%v", htmlOnly), func(t *testing.T) {
			ix.HTMLOnly = htmlOnly
			fs, es, st := sweepIndex(t, ix.URL(), Options{Matcher: fx.TestMatcher(t)})
			if len(es) != 0 {
				t.Fatalf("errors: %+v", es)
			}
			if got := titles(fs); !slices.Equal(got, wantServed) {
				t.Fatalf("findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantServed, "\n"))
			}
			for _, f := range fs {
				forms := "PEP 691 JSON and PEP 503 HTML"
				if htmlOnly {
					forms = "PEP 503 HTML project page"
				}
				if !strings.Contains(f.Evidence.Details[0], forms) {
					t.Errorf("%s: %q does not name %s", f.Title, f.Evidence.Details[0], forms)
				}
				if f.Location.Repo != ix.URL() || !strings.HasPrefix(f.Location.URL, ix.Base()+"/files/") || f.Evidence.SHA256 == "" {
					t.Errorf("%s: location %+v evidence %+v", f.Title, f.Location, f.Evidence)
				}
				if !strings.Contains(strings.Join(f.Evidence.Details, " "), "purge: delete "+f.Location.Member) {
					t.Errorf("%s: no purge step", f.Title)
				}
				if f.Indicator == nil || f.Indicator.Kind != "artifact" && !strings.HasSuffix(f.Location.Member, ".tar.gz") {
					t.Errorf("%s: indicator %+v (the page's hash is the pack's)", f.Title, f.Indicator)
				}
			}
			if st.Pages.Load() == 0 || st.Files.Load() != 5 {
				t.Errorf("pages %d files %d", st.Pages.Load(), st.Files.Load())
			}
		})
	}
}

// A file reported as served is really installable: the machine's pip
// downloads it from the same index (the JSON form, which pip prefers), an
// exact pin gets the yanked one too, and a range does not.
func TestPipDownloadCrossCheck(t *testing.T) {
	py := pyindex.RequirePython(t)
	ix, fx := mirrorIndex(t)
	fs, _, _ := sweepIndex(t, ix.URL(), Options{Matcher: fx.TestMatcher(t)})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for _, f := range fs {
		if strings.HasSuffix(f.Location.Member, ".tar.gz") {
			continue // --only-binary: the sdist cannot be built offline
		}
		dest := t.TempDir()
		got, err := py.Download(ctx, dest, pyindex.InstallOptions{Index: ix.URL()}, f.Evidence.Package+"=="+f.Evidence.Version)
		if err != nil {
			t.Fatalf("%s reported as served, but pip cannot download it: %v", f.Location.Member, err)
		}
		if !slices.Equal(got, []string{f.Location.Member}) {
			t.Errorf("pip downloaded %v, want %s", got, f.Location.Member)
		}
		data, err := os.ReadFile(filepath.Join(dest, f.Location.Member))
		if err != nil || pyindex.SHA256(data) != f.Evidence.SHA256 {
			t.Errorf("%s: pip's file hashes to %s, the report says %s", f.Location.Member, pyindex.SHA256(data), f.Evidence.SHA256)
		}
	}
	if got, err := py.Download(ctx, t.TempDir(), pyindex.InstallOptions{Index: ix.URL()}, "litellm>=1.82.7,<1.82.8"); err == nil {
		t.Errorf("pip took the yanked 1.82.7 for a range: %v", got)
	}
}

func TestDownloadConfirmsHash(t *testing.T) {
	ix, fx := mirrorIndex(t)
	fs, es, st := sweepIndex(t, ix.URL(), Options{Matcher: fx.TestMatcher(t), Download: true})
	if len(es) != 0 || len(fs) != 4 {
		t.Fatalf("%d findings, errors %+v", len(fs), es)
	}
	for _, f := range fs {
		if !strings.Contains(strings.Join(f.Evidence.Details, "\n"), "downloaded: its SHA-256 is the pack's published hash") || f.Evidence.Size == 0 {
			t.Errorf("%s: details %q", f.Title, f.Evidence.Details)
		}
	}
	if st.Downloaded.Load() == 0 {
		t.Error("nothing downloaded")
	}
	// Bounded: a cap below the file size is a located error, not a hang.
	_, es, _ = sweepIndex(t, ix.URL(), Options{Matcher: fx.TestMatcher(t), Download: true, MaxFileBytes: 100})
	if len(es) != 4 || !strings.Contains(es[0].Message, "more than 100 bytes") {
		t.Errorf("errors %+v", es)
	}
}

// A renamed file is found by its hash; a clean index is clean.
func TestRenamedAndClean(t *testing.T) {
	fx := pyindex.Litellm()
	w8 := pyindex.WheelArtifact(t, fx.Bad8)
	w8.Filename = "litellm-1.82.6-py3-none-any.whl"
	ix := pyindex.NewIndex(t, w8)
	fs, es, _ := sweepIndex(t, ix.URL(), Options{Matcher: fx.TestMatcher(t)})
	if len(es) != 0 || len(fs) != 1 || !strings.Contains(fs[0].Title, "whose SHA-256 is the published hash of litellm-1.82.8-py3-none-any.whl") {
		t.Fatalf("findings %v errors %v", titles(fs), es)
	}
	clean := pyindex.NewIndex(t, pyindex.WheelArtifact(t, fx.Clean))
	fs, es, _ = sweepIndex(t, clean.URL(), Options{Matcher: fx.TestMatcher(t)})
	if len(fs) != 0 || len(es) != 0 {
		t.Fatalf("clean index: findings %v errors %v", titles(fs), es)
	}
}

func TestBadPagesAreLocatedErrors(t *testing.T) {
	fx := pyindex.Litellm()
	big := []byte("<html><body>" + strings.Repeat(`<a href="/files/x-1.0.tar.gz">x-1.0.tar.gz</a>`, 10<<20/47) + "</body></html>")
	for _, tc := range []struct {
		name   string
		setup  func(ix *pyindex.Index)
		o      Options
		errSub string
	}{
		{"10MB-of-links", func(ix *pyindex.Index) { ix.Pages = map[string][]byte{"/simple/litellm/": big} }, Options{}, "larger than 8388608 bytes"},
		{"too-many-links", func(ix *pyindex.Index) { ix.Pages = map[string][]byte{"/simple/litellm/": big} }, Options{MaxPageBytes: 64 << 20, MaxLinks: 1000}, "more than 1000 links"},
		{"html-junk", func(ix *pyindex.Index) {
			ix.Pages = map[string][]byte{"/simple/litellm/": []byte("<html><body><h1>Please sign in</h1><form></form></body></html>")}
		}, Options{}, "lists no files"},
		{"binary", func(ix *pyindex.Index) { ix.Pages = map[string][]byte{"/simple/litellm/": {0x1f, 0x8b, 0, 0, 1, 2}} }, Options{}, "binary content"},
		{"not-html", func(ix *pyindex.Index) { ix.Pages = map[string][]byte{"/simple/litellm/": []byte("just text")} }, Options{}, "no HTML markup"},
		{"401", func(ix *pyindex.Index) { ix.Status = map[string]int{"/simple/litellm/": 401} }, Options{}, "HTTP 401"},
		{"429", func(ix *pyindex.Index) { ix.Status = map[string]int{"/simple/telnyx/": 429} }, Options{}, "HTTP 429"},
		{"500", func(ix *pyindex.Index) { ix.Status = map[string]int{"/simple/telnyx/": 500} }, Options{}, "HTTP 500"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ix := pyindex.NewIndex(t, fx.Artifacts(t)...)
			tc.setup(ix)
			tc.o.Matcher = fx.TestMatcher(t)
			_, es, _ := sweepIndex(t, ix.URL(), tc.o)
			if len(es) == 0 {
				t.Fatal("no error")
			}
			for _, e := range es {
				if !strings.Contains(e.Message, tc.errSub) || e.Location.URL == "" || e.Location.Repo != ix.URL() {
					t.Errorf("error %+v, want %q located at the page", e, tc.errSub)
				}
			}
		})
	}
}

func TestTimeoutIsLocated(t *testing.T) {
	fx := pyindex.Litellm()
	ix := pyindex.NewIndex(t, fx.Artifacts(t)...)
	m := fx.TestMatcher(t)
	_, es, _ := sweepIndex(t, ix.URL(), Options{Matcher: m, Timeout: time.Nanosecond})
	// one located error per project page the packs track (both forms)
	if len(es) != 2*len(m.TrackedNames()) || !strings.Contains(es[0].Message, "timed out") {
		t.Fatalf("errors %+v", es)
	}
}

// Credentials: URL userinfo and netrc are sent, never printed; userinfo
// goes only to the index's host.
func TestCredentials(t *testing.T) {
	fx := pyindex.Litellm()
	ix := pyindex.NewIndex(t, fx.Artifacts(t)...)
	ix.User, ix.Password = "ci-bot", "s3cr3t-Passw0rd"
	u, _ := url.Parse(ix.URL())

	_, es, _ := sweepIndex(t, ix.URL(), Options{Matcher: fx.TestMatcher(t)})
	if len(es) != 2*len(fx.TestMatcher(t).TrackedNames()) || !strings.Contains(es[0].Message, "HTTP 401") {
		t.Fatalf("without credentials: %+v", es)
	}

	withUI := *u
	withUI.User = url.UserPassword("ci-bot", "s3cr3t-Passw0rd")
	fs, es, _ := sweepIndex(t, withUI.String(), Options{Matcher: fx.TestMatcher(t), Download: true})
	if len(es) != 0 || len(fs) != 3 {
		t.Fatalf("userinfo: %d findings, errors %+v", len(fs), es)
	}
	noLeak(t, fs, es)

	nrc := ParseNetrc([]byte("# ci\nmachine example.org login x password y\nmachine 127.0.0.1\n  login ci-bot\n  password s3cr3t-Passw0rd\nmacdef init\nmachine evil login a password b\n\n"))
	fs, es, _ = sweepIndex(t, ix.URL(), Options{Matcher: fx.TestMatcher(t), Netrc: nrc})
	if len(es) != 0 || len(fs) != 3 {
		t.Fatalf("netrc: %d findings, errors %+v", len(fs), es)
	}
	noLeak(t, fs, es)
	if _, _, ok := nrc.Lookup("evil"); ok {
		t.Error("a macdef body was read as a machine")
	}

	// A wrong password is an error that does not echo it.
	bad := *u
	bad.User = url.UserPassword("ci-bot", "wrong-Passw0rd")
	_, es, _ = sweepIndex(t, bad.String(), Options{Matcher: fx.TestMatcher(t)})
	if len(es) != 2*len(fx.TestMatcher(t).TrackedNames()) {
		t.Fatalf("wrong password: %+v", es)
	}
	noLeak(t, nil, es, "wrong-Passw0rd")
}

func noLeak(t *testing.T, fs []sweep.Finding, es []sweep.Error, secrets ...string) {
	t.Helper()
	secrets = append(secrets, "s3cr3t-Passw0rd", "ci-bot")
	all := fmt.Sprintf("%+v %+v", fs, es)
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Errorf("report carries %q", s)
		}
	}
}

// Userinfo credentials never go to another host: a page listing files on
// a second server gets no Authorization there.
func TestUserinfoStaysOnIndexHost(t *testing.T) {
	fx := pyindex.Litellm()
	files := pyindex.NewIndex(t, fx.Artifacts(t)...)
	ix := pyindex.NewIndex(t)
	// Same IP, other port: another origin.
	page := fmt.Sprintf(`<html><body><a href="%s#sha256=%s">%s</a></body></html>`, files.FileURL(fx.Bad8.Filename()), pyindex.SHA256(mustBuild(t, fx.Bad8)), fx.Bad8.Filename())
	ix.Pages = map[string][]byte{"/simple/litellm/": []byte(page)}
	ix.Status = map[string]int{"/simple/telnyx/": 404}
	u, _ := url.Parse(ix.URL())
	u.User = url.UserPassword("ci-bot", "s3cr3t-Passw0rd")
	fs, es, _ := sweepIndex(t, u.String(), Options{Matcher: fx.TestMatcher(t), Download: true})
	if len(fs) != 1 || len(es) != 0 {
		t.Fatalf("findings %v errors %v", titles(fs), es)
	}
	for _, l := range files.Log() {
		if strings.HasSuffix(l, "auth=yes") {
			t.Errorf("the file host got credentials: %s", l)
		}
	}
	if !slices.ContainsFunc(ix.Log(), func(l string) bool { return strings.HasSuffix(l, "auth=yes") }) {
		t.Error("the index host got no credentials")
	}
}

func mustBuild(t *testing.T, w pyindex.Wheel) []byte {
	b, err := w.Build()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDist(t *testing.T) {
	for _, tc := range [][3]string{
		{"litellm-1.82.8-py3-none-any.whl", "litellm", "1.82.8"},
		{"LiteLLM-1.82.8.0.tar.gz", "LiteLLM", "1.82.8.0"},
		{"some-legacy-name-1.0.zip", "some-legacy-name", "1.0"},
		{"litellm-1.82.7-py3.11.egg", "litellm", "1.82.7"},
		{"README", "", ""},
	} {
		n, v, _ := Dist(tc[0])
		if n != tc[1] || v != tc[2] {
			t.Errorf("Dist(%q) = %q %q", tc[0], n, v)
		}
	}
}

func TestParseIndexURL(t *testing.T) {
	for _, bad := range []string{"ftp://x/simple", "https://", "::not a url", "/simple/"} {
		if _, _, err := ParseIndexURL(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	u, ui, err := ParseIndexURL("https://u:p%40ss@mirror.example/pypi/simple?x=1")
	if err != nil || u.String() != "https://mirror.example/pypi/simple/?x=1" || ui == nil {
		t.Fatalf("%v %v %v", u, ui, err)
	}
	if p, _ := ui.Password(); p != "p@ss" {
		t.Errorf("password %q", p)
	}
	if _, _, err := ParseIndexURL("https://u:sekrit@[::1"); err == nil || strings.Contains(err.Error(), "sekrit") {
		t.Errorf("error %v", err)
	}
}

// A real empty project page is not an error; a link is named as pip names
// it (by its URL), whatever the anchor text says.
func TestEmptyPageAndPipNames(t *testing.T) {
	fx := pyindex.Litellm()
	ix := pyindex.NewIndex(t)
	ix.Status = map[string]int{"/simple/telnyx/": 404}
	ix.Pages = map[string][]byte{"/simple/litellm/": []byte(`<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.0"></head><body></body></html>`)}
	fs, es, _ := sweepIndex(t, ix.URL(), Options{Matcher: fx.TestMatcher(t)})
	if len(fs) != 0 || len(es) != 0 {
		t.Fatalf("empty project: findings %v errors %+v", titles(fs), es)
	}
	ix.Pages = map[string][]byte{"/simple/litellm/": []byte(`<html><body><a href="/files/litellm-1.82.8-py3-none-any.whl">litellm-1.82.6-py3-none-any.whl</a></body></html>`)}
	fs, es, _ = sweepIndex(t, ix.URL(), Options{Matcher: fx.TestMatcher(t)})
	if len(fs) != 1 || len(es) != 0 || fs[0].Location.Member != "litellm-1.82.8-py3-none-any.whl" ||
		!strings.Contains(strings.Join(fs[0].Evidence.Details, "\n"), "the page calls it litellm-1.82.6-py3-none-any.whl") {
		t.Fatalf("mislabelled link: findings %+v errors %+v", fs, es)
	}
}
