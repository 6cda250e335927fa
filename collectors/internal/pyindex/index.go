package pyindex

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Artifact is a file served by the index.
type Artifact struct {
	Filename string
	Data     []byte
}

// Project is the normalised project name of a wheel or sdist file name.
func (a Artifact) Project() string {
	n := a.Filename
	switch {
	case strings.HasSuffix(n, ".whl"):
		n = strings.SplitN(n, "-", 2)[0]
	case strings.HasSuffix(n, ".tar.gz"):
		n = strings.TrimSuffix(n, ".tar.gz")
		if i := strings.LastIndex(n, "-"); i > 0 {
			n = n[:i]
		}
	}
	return Normalize(n)
}

// SHA256 is the artefact's hex digest.
func (a Artifact) SHA256() string { return SHA256(a.Data) }

// WheelArtifact builds w into an Artifact, failing the test on error.
func WheelArtifact(t testing.TB, w Wheel) Artifact {
	t.Helper()
	b, err := w.Build()
	if err != nil {
		t.Fatal(err)
	}
	return Artifact{Filename: w.Filename(), Data: b}
}

// Index is a loopback PEP 503 simple index.
type Index struct {
	srv   *httptest.Server
	mu    sync.Mutex
	files map[string]Artifact // filename -> artefact
	// Requests counts requests served (304s included).
	Requests atomic.Int64
}

// NewIndex starts an index serving arts; it is closed by t.Cleanup.
func NewIndex(t testing.TB, arts ...Artifact) *Index {
	t.Helper()
	ix := &Index{files: map[string]Artifact{}}
	for _, a := range arts {
		ix.Add(a)
	}
	ix.srv = httptest.NewServer(http.HandlerFunc(ix.serve))
	t.Cleanup(ix.srv.Close)
	return ix
}

// Add serves another artefact.
func (ix *Index) Add(a Artifact) {
	ix.mu.Lock()
	ix.files[a.Filename] = a
	ix.mu.Unlock()
}

// URL is the simple index URL ("http://127.0.0.1:PORT/simple/").
func (ix *Index) URL() string { return ix.srv.URL + "/simple/" }

// Base is the server's base URL.
func (ix *Index) Base() string { return ix.srv.URL }

// FileURL is the download URL of an artefact.
func (ix *Index) FileURL(filename string) string { return ix.srv.URL + "/files/" + filename }

var projRe = regexp.MustCompile(`^/simple/([^/]+)/?$`)

func (ix *Index) serve(w http.ResponseWriter, r *http.Request) {
	ix.Requests.Add(1)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	ix.mu.Lock()
	files := make([]Artifact, 0, len(ix.files))
	for _, a := range ix.files {
		files = append(files, a)
	}
	ix.mu.Unlock()
	sort.Slice(files, func(i, j int) bool { return files[i].Filename < files[j].Filename })

	var body []byte
	ctype := "text/html; charset=utf-8"
	switch p := r.URL.Path; {
	case p == "/simple" || p == "/simple/":
		var b strings.Builder
		b.WriteString("<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.0\"><title>Simple index</title></head><body>\n")
		seen := map[string]bool{}
		for _, a := range files {
			if pr := a.Project(); !seen[pr] {
				seen[pr] = true
				fmt.Fprintf(&b, "<a href=\"/simple/%s/\">%s</a>\n", pr, html.EscapeString(pr))
			}
		}
		b.WriteString("</body></html>\n")
		body = []byte(b.String())
	case projRe.MatchString(p):
		name := Normalize(projRe.FindStringSubmatch(p)[1])
		if !strings.HasSuffix(p, "/") {
			http.Redirect(w, r, p+"/", http.StatusMovedPermanently)
			return
		}
		var b strings.Builder
		fmt.Fprintf(&b, "<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.0\"><title>Links for %s</title></head><body>\n<h1>Links for %s</h1>\n", name, name)
		n := 0
		for _, a := range files {
			if a.Project() == name {
				fmt.Fprintf(&b, "<a href=\"/files/%s#sha256=%s\">%s</a><br/>\n", a.Filename, a.SHA256(), html.EscapeString(a.Filename))
				n++
			}
		}
		if n == 0 {
			http.NotFound(w, r)
			return
		}
		b.WriteString("</body></html>\n")
		body = []byte(b.String())
	case strings.HasPrefix(p, "/files/"):
		fn := strings.TrimPrefix(p, "/files/")
		ix.mu.Lock()
		a, ok := ix.files[fn]
		ix.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		body = a.Data
		ctype = "application/octet-stream"
	default:
		http.NotFound(w, r)
		return
	}
	etag := `"` + SHA256(body)[:32] + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "max-age=365000000, immutable")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", ctype)
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}
