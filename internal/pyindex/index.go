package pyindex

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Artifact is a file served by the index.
type Artifact struct {
	Filename string
	Data     []byte
	// Yanked marks the file yanked (PEP 592): data-yanked in the HTML form,
	// "yanked" in the JSON form, with YankReason ("" is a bare yank).
	Yanked     bool
	YankReason string
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

// Index is a loopback simple index serving the PEP 503 HTML form and, when
// the client's Accept header prefers it (as pip's does), the PEP 691 JSON
// form of every page.
type Index struct {
	srv   *httptest.Server
	mu    sync.Mutex
	files map[string]Artifact // filename -> artefact
	// Requests counts requests served (304s included).
	Requests atomic.Int64

	// Set before the first request:
	// HTMLOnly serves only the HTML form (an older mirror), whatever the Accept.
	HTMLOnly bool
	// User and Password, when set, are required as HTTP basic auth on every
	// path (401 otherwise).
	User, Password string
	// Pages overrides a path's response body (served as text/html), for
	// junk and oversized pages; Status overrides a path's status code.
	Pages  map[string][]byte
	Status map[string]int

	log []string
}

// MediaJSON and MediaHTML are the PEP 691 content types.
const (
	MediaJSON = "application/vnd.pypi.simple.v1+json"
	MediaHTML = "application/vnd.pypi.simple.v1+html"
)

// Log returns the requests served, as "METHOD PATH auth=yes|no".
func (ix *Index) Log() []string {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return append([]string(nil), ix.log...)
}

// wantsJSON negotiates PEP 691: the JSON form when the Accept header gives
// it a higher q than the HTML forms.
func wantsJSON(accept string) bool {
	qJSON, qHTML := -1.0, -1.0
	for _, part := range strings.Split(accept, ",") {
		fields := strings.Split(part, ";")
		mt := strings.TrimSpace(fields[0])
		q := 1.0
		for _, f := range fields[1:] {
			if v, ok := strings.CutPrefix(strings.TrimSpace(f), "q="); ok {
				if x, err := strconv.ParseFloat(v, 64); err == nil {
					q = x
				}
			}
		}
		switch mt {
		case MediaJSON:
			qJSON = max(qJSON, q)
		case MediaHTML, "text/html":
			qHTML = max(qHTML, q)
		}
	}
	return qJSON > 0 && qJSON >= qHTML
}

type jsonFile struct {
	Filename string            `json:"filename"`
	URL      string            `json:"url"`
	Hashes   map[string]string `json:"hashes"`
	Yanked   any               `json:"yanked,omitempty"`
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
	ix.mu.Lock()
	_, _, hasAuth := r.BasicAuth()
	ix.log = append(ix.log, fmt.Sprintf("%s %s auth=%s", r.Method, r.URL.Path, map[bool]string{true: "yes", false: "no"}[hasAuth]))
	ix.mu.Unlock()
	if ix.User != "" {
		if u, pw, ok := r.BasicAuth(); !ok || u != ix.User || pw != ix.Password {
			w.Header().Set("WWW-Authenticate", `Basic realm="pyindex"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
	}
	if code := ix.Status[r.URL.Path]; code != 0 {
		http.Error(w, http.StatusText(code), code)
		return
	}
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
	asJSON := !ix.HTMLOnly && wantsJSON(r.Header.Get("Accept"))
	if asJSON {
		ctype = MediaJSON
	}
	h := w.Header()
	h.Set("Vary", "Accept")
	if page, ok := ix.Pages[r.URL.Path]; ok {
		h.Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
		return
	}
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
		if asJSON {
			var projects []map[string]string
			for pr := range seen {
				projects = append(projects, map[string]string{"name": pr})
			}
			sort.Slice(projects, func(i, j int) bool { return projects[i]["name"] < projects[j]["name"] })
			body, _ = json.Marshal(map[string]any{"meta": map[string]string{"api-version": "1.0"}, "projects": projects})
		}
	case projRe.MatchString(p):
		name := Normalize(projRe.FindStringSubmatch(p)[1])
		if !strings.HasSuffix(p, "/") {
			http.Redirect(w, r, p+"/", http.StatusMovedPermanently)
			return
		}
		var b strings.Builder
		fmt.Fprintf(&b, "<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.0\"><title>Links for %s</title></head><body>\n<h1>Links for %s</h1>\n", name, name)
		n := 0
		jfiles := []jsonFile{}
		for _, a := range files {
			if a.Project() == name {
				yank := ""
				if a.Yanked {
					yank = fmt.Sprintf(" data-yanked=\"%s\"", html.EscapeString(a.YankReason))
				}
				fmt.Fprintf(&b, "<a href=\"/files/%s#sha256=%s\"%s>%s</a><br/>\n", a.Filename, a.SHA256(), yank, html.EscapeString(a.Filename))
				jf := jsonFile{Filename: a.Filename, URL: "/files/" + a.Filename, Hashes: map[string]string{"sha256": a.SHA256()}}
				if a.Yanked {
					jf.Yanked = true
					if a.YankReason != "" {
						jf.Yanked = a.YankReason
					}
				}
				jfiles = append(jfiles, jf)
				n++
			}
		}
		if n == 0 {
			http.NotFound(w, r)
			return
		}
		b.WriteString("</body></html>\n")
		body = []byte(b.String())
		if asJSON {
			body, _ = json.Marshal(map[string]any{"meta": map[string]string{"api-version": "1.0"}, "name": name, "files": jfiles})
		}
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
