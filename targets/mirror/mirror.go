// Package mirror checks internal package mirrors and proxies for the
// compromised releases they still serve: Python indexes (Artifactory,
// Nexus, devpi, bandersnatch, a plain PEP 503 directory; this file) and
// npm registries and Verdaccio storage directories (npm.go, verdaccio.go).
//
// For every affected distribution of the pack it reads the project page in
// both forms an index can serve, the PEP 691 JSON form and the PEP 503 HTML
// form (pip reads whichever the server prefers, so both are what a client
// may see), and reports each file of a bad release: by file name and
// version after PEP 503/440 normalisation, or by a SHA-256 equal to a bad
// release's published file whatever its name. Yanked files (PEP 592) are
// reported one grade lower: pip still installs them for an exact pin. With
// Download, each bad file is fetched (streamed, bounded) and hashed.
//
// Fail closed: a page that cannot be fetched (401/403/429/5xx, timeouts),
// is larger than the cap, is not a simple-index page, or lists no file at
// all for a project the server says exists, is a located error.
//
// Credentials come from the index URL's userinfo (sent only to that host)
// or ~/.netrc (per host, as pip does); requests are built from URLs without
// userinfo and every URL in a report is redacted, so no secret is printed.
package mirror

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/html"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// Collector is the collector name on findings and errors.
const Collector = "mirror/simple-index"

// CatFile is the category of a served bad file.
const CatFile sweep.Category = "mirror/file"

// Categories declares the categories this target emits.
var Categories = []sweep.CategoryInfo{
	{Category: CatFile, Short: "A package mirror serves a bad release",
		Description: "An internal package index, registry or proxy (Artifactory, Nexus, devpi, bandersnatch, a PEP 503 directory; an npm registry, Verdaccio and its storage directory) still serves a file or version of a bad release, by name and version or by SHA-256 (a yanked file or deprecated npm version one grade lower: pip and npm still install it for an exact pin; an npm version the latest dist-tag names one grade higher: every new install gets it).",
		Help: []string{
			"Delete the file or version from the mirror and its upstream caches (a proxy re-fetches nothing once the file is gone upstream, but keeps what it cached), retag an npm latest that names it to a clean version first, and block the bad versions in the mirror's policy.",
			"The mirror's access log names who downloaded the file during and after the window: sweep those hosts, CI runners and image builds.",
		}},
}

// PEP 691 media types.
const (
	MediaJSON = "application/vnd.pypi.simple.v1+json"
	MediaHTML = "application/vnd.pypi.simple.v1+html"
)

// Defaults.
const (
	DefaultMaxPageBytes = 8 << 20
	DefaultMaxFileBytes = 512 << 20
	DefaultMaxLinks     = 100_000
	DefaultTimeout      = 60 * time.Second
)

// Options tune a mirror sweep.
type Options struct {
	Matcher *iocs.Matcher
	// Transport defaults to http.DefaultTransport.
	Transport http.RoundTripper
	// Netrc supplies per-host credentials (nil: none).
	Netrc *Netrc
	// Npmrc supplies npm registries' credentials, scoped as npm scopes
	// them (nil: none); PyPI indexes never get them.
	Npmrc *Npmrc
	// Download fetches every bad file to confirm its hash.
	Download     bool
	MaxPageBytes int64
	MaxFileBytes int64
	MaxLinks     int
	// Timeout bounds one page request, body included (a download gets ten
	// times as long).
	Timeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.MaxPageBytes <= 0 {
		o.MaxPageBytes = DefaultMaxPageBytes
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = DefaultMaxFileBytes
	}
	if o.MaxLinks <= 0 {
		o.MaxLinks = DefaultMaxLinks
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Transport == nil {
		o.Transport = http.DefaultTransport
	}
	return o
}

// Stats count what a sweep fetched.
type Stats struct {
	Requests   atomic.Int64
	Pages      atomic.Int64
	Files      atomic.Int64 // files listed on the affected projects' pages
	Downloaded atomic.Int64 // bytes of bad files fetched
}

// File is one file a project page lists.
type File struct {
	// Filename is the URL's last path segment, the name pip uses; Stated is
	// the name the page gives (JSON filename, anchor text) when different.
	Filename string
	Stated   string
	URL      *url.URL // absolute, as listed (may carry a query)
	SHA256   string   // lower-case hex, "" when the page gives none
	Yanked   bool
	Reason   string
	Forms    []string // "json", "html": the forms that list it
}

// Index is one mirror being swept.
type Index struct {
	base  *url.URL // without userinfo, with a trailing slash
	user  string
	pass  string
	hasUI bool
	o     Options
	c     *http.Client
	dl    *http.Client // downloads: ten times the page timeout
	stats *Stats
	out   sweep.Sink
	// collector names the protocol on findings and errors.
	collector string
	// npmrc is Options.Npmrc on an npm registry, nil elsewhere; problems
	// are the npmrc keys already reported as not usable.
	npmrc    *Npmrc
	problems sync.Map
}

// Redact renders u without userinfo, query or fragment.
func Redact(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.Fragment, c.RawFragment, c.ForceQuery = nil, "", "", "", false
	return c.String()
}

// ParseIndexURL checks an --index-url and returns it with userinfo split off.
func ParseIndexURL(raw string) (*url.URL, *url.Userinfo, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse errors quote the input, which may hold a password.
		return nil, nil, errors.New("not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, nil, fmt.Errorf("scheme %q: want http or https", u.Scheme)
	}
	if u.Host == "" {
		return nil, nil, errors.New("no host")
	}
	ui := u.User
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u, ui, nil
}

// Sweep checks one index for every affected distribution of the pack and
// returns the index's redacted URL (the report target).
func Sweep(ctx context.Context, raw string, o Options, stats *Stats, out sweep.Sink) string {
	ix, err := newIndex(raw, o, stats, out, Collector)
	if err != nil {
		out.Error(sweep.Error{Location: sweep.Location{Repo: "(index URL)"}, Collector: Collector,
			Message: "--index-url not usable: " + err.Error()})
		return "(unusable index URL)"
	}
	// Every name the packs (and --osv records) track in PyPI, once each.
	names := ix.o.Matcher.NamesIn(iocs.PyPI)
	sort.Strings(names)
	for _, name := range names {
		if ctx.Err() != nil {
			out.Error(sweep.Error{Location: ix.loc(), Collector: Collector, Message: "project " + name + " not checked: interrupted"})
			continue
		}
		ix.project(ctx, name)
	}
	return Redact(ix.base)
}

// newIndex prepares the client of one mirror: its base URL without
// userinfo, the credentials split off, and clients whose redirects carry
// credentials only where authorize allows.
func newIndex(raw string, o Options, stats *Stats, out sweep.Sink, collector string) (*Index, error) {
	o = o.withDefaults()
	base, ui, err := ParseIndexURL(raw)
	if err != nil {
		return nil, err
	}
	ix := &Index{base: base, o: o, stats: stats, out: out, collector: collector}
	if ui != nil {
		ix.user = ui.Username()
		ix.pass, _ = ui.Password()
		ix.hasUI = true
	}
	ix.c = &http.Client{Transport: o.Transport, Timeout: o.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("more than 10 redirects")
			}
			ix.authorizeFrom(req, via[0].URL)
			return nil
		}}
	dl := *ix.c
	dl.Timeout = 10 * o.Timeout
	ix.dl = &dl
	return ix, nil
}

func (ix *Index) loc() sweep.Location { return sweep.Location{Repo: Redact(ix.base)} }

// authorize adds credentials for the request's host: the index URL's own
// userinfo only for the index host, else (an npm registry) the .npmrc
// credential npm sends to that URL, else the netrc entry for that host.
func (ix *Index) authorize(req *http.Request) { ix.authorizeFrom(req, req.URL) }

// authorizeFrom is authorize for a request reached from first (itself, or
// the request a redirect chain started with): an .npmrc credential is the
// one npm chose for first, and only while the redirect stays on first's
// origin (scheme, host and port); npm drops it on another host name too.
func (ix *Index) authorizeFrom(req *http.Request, first *url.URL) {
	req.Header.Del("Authorization")
	if ix.hasUI && strings.EqualFold(req.URL.Host, ix.base.Host) {
		req.SetBasicAuth(ix.user, ix.pass)
		return
	}
	if ix.npmrc != nil && sameOrigin(req.URL, first) {
		a := ix.npmrc.Auth(first, ix.base)
		if a.Header != "" {
			req.Header.Set("Authorization", a.Header)
			return
		}
		if a.Problem != "" {
			ix.npmrcProblem(a)
		}
	}
	if ix.o.Netrc != nil {
		if login, pw, ok := ix.o.Netrc.Lookup(req.URL.Hostname()); ok {
			req.SetBasicAuth(login, pw)
		}
	}
}

// sameOrigin reports whether two URLs share scheme, host and port.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && nerfHost(a) == nerfHost(b)
}

// npmrcProblem reports, once per key, an .npmrc credential that matched
// but sends nothing: located at its line, naming the key's registry
// scope and the problem, never its value.
func (ix *Index) npmrcProblem(a NpmrcAuth) {
	if _, seen := ix.problems.LoadOrStore(a.Key, true); seen {
		return
	}
	ix.out.Error(sweep.Error{Location: sweep.Location{Path: ix.npmrc.Path, Line: a.Line, Repo: Redact(ix.base)}, Collector: ix.collector,
		Message: fmt.Sprintf("npmrc line %d (%s): %s: requests to %s go without it (expect HTTP 401)", a.Line, a.Key, a.Problem, Redact(ix.base))})
}

// errPageAbsent is a 404 project page: the mirror does not have the project.
var errPageAbsent = errors.New("project not on this index")

// errFormNotOffered is a JSON request answered in another form (PEP 691
// servers may answer 406, or send HTML).
var errFormNotOffered = errors.New("form not offered")

func (ix *Index) project(ctx context.Context, name string) {
	page := ix.base.JoinPath(name)
	page.Path += "/"
	if page.RawPath != "" {
		page.RawPath += "/"
	}
	files := map[string]*File{}
	var order []string
	add := func(form string, fs []File) {
		for _, f := range fs {
			old, ok := files[f.Filename]
			if !ok {
				f := f
				f.Forms = []string{form}
				files[f.Filename] = &f
				order = append(order, f.Filename)
				continue
			}
			old.Forms = append(old.Forms, form)
			if old.SHA256 == "" {
				old.SHA256 = f.SHA256
			}
			if f.Yanked && !old.Yanked {
				old.Yanked, old.Reason = true, f.Reason
			}
		}
	}
	absent := 0
	jsonFiles, err := ix.readPage(ctx, page, "json")
	switch {
	case errors.Is(err, errPageAbsent):
		absent++
	case errors.Is(err, errFormNotOffered):
		// An HTML-only index: the HTML form below is what pip reads.
	case err != nil:
		ix.pageError(page, "json", err)
	default:
		add("json", jsonFiles)
	}
	htmlFiles, err := ix.readPage(ctx, page, "html")
	switch {
	case errors.Is(err, errPageAbsent):
		absent++
	case err != nil:
		ix.pageError(page, "html", err)
	default:
		add("html", htmlFiles)
	}
	_ = absent // a project absent from both forms is simply not served
	ix.stats.Files.Add(int64(len(order)))
	for _, fn := range order {
		if ctx.Err() != nil {
			return
		}
		ix.check(ctx, page, files[fn])
	}
}

func (ix *Index) pageError(page *url.URL, form string, err error) {
	l := ix.loc()
	l.URL = Redact(page)
	ix.out.Error(sweep.Error{Location: l, Collector: ix.collector,
		Message: fmt.Sprintf("project page %s (%s form) not checked: %v", Redact(page), formName(form), err)})
}

func formName(form string) string {
	if form == "json" {
		return "PEP 691 JSON"
	}
	return "PEP 503 HTML"
}

// get fetches u with the Accept header, bounded to max bytes.
func (ix *Index) get(ctx context.Context, u *url.URL, accept string, max int64) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "litesweep-mirror")
	ix.authorize(req)
	ix.stats.Requests.Add(1)
	resp, err := ix.c.Do(req)
	if err != nil {
		return nil, nil, cleanErr(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return resp, nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the body: %v", cleanErr(err))
	}
	if int64(len(b)) > max {
		return nil, nil, fmt.Errorf("%w: the page is larger than %d bytes (raise --max-page-size)", sweep.ErrTooLarge, max)
	}
	return resp, b, nil
}

// cleanErr drops the URL from a client error (it is located already) and
// keeps the cause.
func cleanErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Errorf("timed out: %v", ue.Err)
		}
		return ue.Err
	}
	return err
}

func statusErr(resp *http.Response) error {
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("HTTP %d %s: credentials missing or refused (use URL userinfo, ~/.netrc or, for npm, an .npmrc token: --npmrc)", resp.StatusCode, http.StatusText(resp.StatusCode))
	case http.StatusTooManyRequests:
		return fmt.Errorf("HTTP 429: rate limited (retry later)")
	}
	return fmt.Errorf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
}

// readPage reads one form of a project page.
func (ix *Index) readPage(ctx context.Context, page *url.URL, form string) ([]File, error) {
	accept := MediaJSON
	if form == "html" {
		accept = MediaHTML + ", text/html;q=0.1"
	}
	resp, body, err := ix.get(ctx, page, accept, ix.o.MaxPageBytes)
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusGone:
		return nil, errPageAbsent
	case http.StatusNotAcceptable:
		if form == "json" {
			return nil, errFormNotOffered
		}
		return nil, statusErr(resp)
	default:
		return nil, statusErr(resp)
	}
	ix.stats.Pages.Add(1)
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	final := resp.Request.URL // after redirects: relative links resolve against it
	if form == "json" {
		if ct != MediaJSON {
			return nil, errFormNotOffered
		}
		return parseJSON(body, final, ix.o.MaxLinks)
	}
	if ct == MediaJSON || ct == "application/json" {
		return nil, fmt.Errorf("asked for HTML, the server sent %s", ct)
	}
	return parseHTML(body, final, ix.o.MaxLinks)
}

// parseJSON reads a PEP 691 project page.
func parseJSON(body []byte, page *url.URL, maxLinks int) ([]File, error) {
	var doc struct {
		Meta struct {
			APIVersion string `json:"api-version"`
		} `json:"meta"`
		Name  string `json:"name"`
		Files *[]struct {
			Filename string            `json:"filename"`
			URL      string            `json:"url"`
			Hashes   map[string]string `json:"hashes"`
			Yanked   json.RawMessage   `json:"yanked"`
		} `json:"files"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("not a PEP 691 page: %v", err)
	}
	if major, _, _ := strings.Cut(doc.Meta.APIVersion, "."); major != "1" {
		return nil, fmt.Errorf("PEP 691 api-version %q is not 1.x", trim(doc.Meta.APIVersion))
	}
	if doc.Files == nil {
		return nil, errors.New("not a PEP 691 project page: no files list")
	}
	if len(*doc.Files) > maxLinks {
		return nil, fmt.Errorf("%w: the page lists %d files (more than %d)", sweep.ErrTooLarge, len(*doc.Files), maxLinks)
	}
	// A valid page with an empty files list is a project with no files.
	out := make([]File, 0, len(*doc.Files))
	for _, f := range *doc.Files {
		u, err := page.Parse(f.URL)
		if err != nil || f.Filename == "" {
			return nil, fmt.Errorf("file entry %q has an unusable url or filename", trim(f.Filename))
		}
		x := File{Filename: pipFilename(u, f.Filename), URL: u, SHA256: strings.ToLower(f.Hashes["sha256"])}
		if x.Filename != f.Filename {
			x.Stated = f.Filename
		}
		switch y := bytes.TrimSpace(f.Yanked); {
		case len(y) == 0 || string(y) == "false" || string(y) == "null":
		case string(y) == "true":
			x.Yanked = true
		default:
			var reason string
			if json.Unmarshal(y, &reason) != nil {
				return nil, fmt.Errorf("file %q: yanked is neither a boolean nor a string", trim(f.Filename))
			}
			x.Yanked, x.Reason = true, reason
		}
		out = append(out, x)
	}
	return out, nil
}

// parseHTML reads a PEP 503 project page: every anchor is a file, its text
// the file name, its href the URL with an optional #sha256= fragment, and
// data-yanked marks a yanked file.
func parseHTML(body []byte, page *url.URL, maxLinks int) ([]File, error) {
	if bytes.IndexByte(body, 0) >= 0 {
		return nil, errors.New("not a PEP 503 page: binary content")
	}
	z := html.NewTokenizer(bytes.NewReader(body))
	var (
		out     []File
		cur     *File
		text    strings.Builder
		sawTag  bool
		repoVer bool // <meta name="pypi:repository-version">: a real simple page
	)
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if err := z.Err(); err != nil && err != io.EOF {
				return nil, fmt.Errorf("not a PEP 503 page: %v", err)
			}
			if !sawTag {
				return nil, errors.New("not a PEP 503 page: no HTML markup")
			}
			if len(out) == 0 && !repoVer {
				return nil, errors.New("the project page lists no files and has no pypi:repository-version: not a simple-index page (a login or error page?)")
			}
			return out, nil
		case html.StartTagToken, html.SelfClosingTagToken:
			sawTag = true
			tn, hasAttr := z.TagName()
			if string(tn) == "meta" {
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "name" && string(v) == "pypi:repository-version" {
						repoVer = true
					}
				}
				continue
			}
			if string(tn) != "a" {
				continue
			}
			if len(out) >= maxLinks {
				return nil, fmt.Errorf("%w: the page has more than %d links", sweep.ErrTooLarge, maxLinks)
			}
			f := File{}
			href := ""
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "href":
					href = string(v)
				case "data-yanked":
					f.Yanked, f.Reason = true, string(v)
				}
			}
			if href == "" {
				continue
			}
			u, err := page.Parse(href)
			if err != nil {
				return nil, fmt.Errorf("anchor %q has an unusable href", trim(href))
			}
			if alg, val, ok := strings.Cut(u.Fragment, "="); ok && alg == "sha256" {
				f.SHA256 = strings.ToLower(val)
			}
			u.Fragment, u.RawFragment = "", ""
			f.URL = u
			out = append(out, f)
			cur = &out[len(out)-1]
			text.Reset()
		case html.TextToken:
			if cur != nil {
				text.Write(z.Text())
			}
		case html.EndTagToken:
			sawTag = true
			if tn, _ := z.TagName(); string(tn) == "a" && cur != nil {
				stated := strings.TrimSpace(text.String())
				cur.Filename = pipFilename(cur.URL, stated)
				if stated != "" && stated != cur.Filename {
					cur.Stated = stated
				}
				cur = nil
			}
		}
	}
}

// pipFilename is the name pip gives a link: the URL's last path segment,
// unescaped; the page's stated name only when the URL has none.
func pipFilename(u *url.URL, stated string) string {
	p := u.Path
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		p = p[i+1:]
	}
	if p == "" {
		return stated
	}
	return p
}

// Dist splits a distribution file name into its project name and version:
// wheels (NAME-VER-...whl), sdists (NAME-VER.tar.gz, .zip, .tar.bz2, .tgz)
// and eggs (NAME-VER-pyX.Y.egg).
func Dist(filename string) (name, version string, ok bool) {
	switch {
	case strings.HasSuffix(filename, ".whl"), strings.HasSuffix(filename, ".egg"):
		parts := strings.Split(strings.TrimSuffix(strings.TrimSuffix(filename, ".whl"), ".egg"), "-")
		if len(parts) < 2 {
			return "", "", false
		}
		return parts[0], parts[1], true
	}
	for _, ext := range []string{".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip", ".tar"} {
		if stem, ok := strings.CutSuffix(filename, ext); ok {
			i := strings.LastIndexByte(stem, '-')
			if i <= 0 {
				return "", "", false
			}
			return stem[:i], stem[i+1:], true
		}
	}
	return "", "", false
}

// check decides whether one listed file is bad and reports it.
func (ix *Index) check(ctx context.Context, page *url.URL, f *File) {
	m := ix.o.Matcher
	name, version, _ := Dist(f.Filename)
	bad, badByVersion := m.Package(name, version)
	if !badByVersion && f.Stated != "" {
		// The page names the file differently from its URL: either name
		// of a bad release is enough.
		if n, v, ok := Dist(f.Stated); ok {
			if pk, ok := m.Package(n, v); ok {
				bad, badByVersion, version = pk, true, v
			}
		}
	}
	var art *iocs.Artifact
	if f.SHA256 != "" {
		if hit, ok := m.Artifact(f.SHA256); ok {
			art = hit.Artifact
			bad = hit.Package
		}
	}
	if bad == nil {
		return
	}
	loc := ix.loc()
	loc.URL = Redact(f.URL)
	loc.Member = f.Filename
	sev := sweep.Medium
	title := fmt.Sprintf("the mirror serves %s (%s %s, a compromised release)", f.Filename, bad.Name, iocs.NormalizeVersion(version))
	if !badByVersion {
		title = fmt.Sprintf("the mirror serves %s, whose SHA-256 is the published hash of %s", f.Filename, art.Filename)
	}
	details := []string{"listed by the " + strings.Join(formNames(f.Forms), " and ") + " project page " + Redact(page)}
	if f.Stated != "" {
		details = append(details, "the page calls it "+trim(f.Stated)+"; pip names a download by its URL")
	}
	if f.Yanked {
		sev = sweep.Low
		title = "yanked but still served: " + title[len("the mirror serves "):]
		d := "yanked (PEP 592): pip skips it for ranges but still installs it for an exact pin (==)"
		if f.Reason != "" {
			d += "; reason given: " + trim(f.Reason)
		}
		details = append(details, d)
	} else {
		details = append(details, "pip install "+bad.Name+"=="+iocs.NormalizeVersion(version)+" from this index installs it; on a caching proxy the file is cached because someone requested it")
	}
	ev := sweep.Evidence{Package: bad.Name, Version: version, SHA256: f.SHA256, Text: Redact(f.URL)}
	switch {
	case art != nil:
		details = append(details, "the page's SHA-256 is the pack's published hash of "+art.Filename)
	case f.SHA256 != "":
		if want := publishedHash(bad, f.Filename); want != "" {
			details = append(details, "the page's SHA-256 differs from the pack's published hash of this file name: a re-uploaded or rebuilt file of a bad release")
		}
	default:
		details = append(details, "the page gives no SHA-256 (use --download to hash the file)")
	}
	if ix.o.Download {
		sum, n, err := ix.download(ctx, f.URL)
		switch {
		case err != nil:
			l := loc
			ix.out.Error(sweep.Error{Location: l, Collector: Collector, Message: "download of " + f.Filename + " to confirm its hash failed: " + err.Error()})
		default:
			ev.SHA256, ev.Size = sum, n
			switch hit, ok := m.Artifact(sum); {
			case ok:
				details = append(details, "downloaded: its SHA-256 is the pack's published hash of "+hit.Artifact.Filename)
			case f.SHA256 != "" && f.SHA256 != sum:
				details = append(details, "downloaded: its SHA-256 "+sum+" is not the one the page states ("+f.SHA256+")")
			default:
				details = append(details, "downloaded: its SHA-256 is not a published hash (the version alone makes it bad)")
			}
		}
	}
	details = append(details, purge(bad.Name, version, f.Filename)...)
	ev.Details = details
	ix.out.Finding(sweep.Finding{Severity: sev, Category: CatFile, Collector: Collector, Title: title, Location: loc,
		Evidence: ev, Indicator: indicator(bad, art)})
}

func formNames(forms []string) []string {
	out := make([]string, len(forms))
	for i, f := range forms {
		out[i] = formName(f)
	}
	return out
}

func publishedHash(pk *iocs.PackageIOC, filename string) string {
	for _, a := range pk.Artifacts {
		if a.Filename == filename {
			return a.SHA256
		}
	}
	return ""
}

// purge is the step to remove the file from the common mirror kinds.
func purge(name, version, filename string) []string {
	v := iocs.NormalizeVersion(version)
	return []string{
		"purge: delete " + filename + " from the mirror and its caches, then re-run litesweep mirror. " +
			"Artifactory: delete the artifact from the PyPI remote repository's cache (and any virtual repository's metadata cache); " +
			"Nexus: delete the asset (and the component " + name + " " + v + ") from the proxy repository; " +
			"devpi: devpi remove " + name + "==" + v + " on every index that mirrors it; " +
			"bandersnatch or a plain directory: delete the file, regenerate the project's simple page and block the version in the mirror's filter (e.g. [blocklist] packages = " + name + "==" + v + ")",
	}
}

// download streams a file through SHA-256, bounded by MaxFileBytes.
func (ix *Index) download(ctx context.Context, u *url.URL) (string, int64, error) {
	s, n, err := ix.downloadSums(ctx, u)
	return s.sha256, n, err
}

// sums are a downloaded file's digests.
type sums struct {
	sha256       string
	sha512, sha1 []byte
}

// integrityMatches reports whether an SRI string (npm's dist.integrity:
// "sha512-<base64>", possibly several) names these bytes, and whether it
// named an algorithm the sums carry at all.
func (s sums) integrityMatches(sri string) (match, checked bool) {
	for _, part := range strings.Fields(sri) {
		alg, b64, _ := strings.Cut(part, "-")
		b64, _, _ = strings.Cut(b64, "?")
		want, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			continue
		}
		var got []byte
		switch alg {
		case "sha512":
			got = s.sha512
		case "sha1":
			got = s.sha1
		case "sha256":
			got, _ = hex.DecodeString(s.sha256)
		default:
			continue
		}
		checked = true
		if bytes.Equal(want, got) {
			return true, true
		}
	}
	return false, checked
}

// downloadSums streams a file through SHA-256, SHA-512 and SHA-1, bounded
// by MaxFileBytes.
func (ix *Index) downloadSums(ctx context.Context, u *url.URL) (sums, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return sums{}, 0, err
	}
	ix.authorize(req)
	ix.stats.Requests.Add(1)
	resp, err := ix.dl.Do(req)
	if err != nil {
		return sums{}, 0, cleanErr(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return sums{}, 0, statusErr(resp)
	}
	s, n, err := hashSums(resp.Body, ix.o.MaxFileBytes)
	ix.stats.Downloaded.Add(n)
	return s, n, err
}

// hashSums reads r through SHA-256, SHA-512 and SHA-1, refusing more than
// max bytes.
func hashSums(r io.Reader, max int64) (sums, int64, error) {
	h256, h512, h1 := sha256.New(), sha512.New(), sha1.New()
	n, err := io.Copy(io.MultiWriter(h256, h512, h1), io.LimitReader(r, max+1))
	if err != nil {
		return sums{}, n, fmt.Errorf("after %d bytes: %v", n, cleanErr(err))
	}
	if n > max {
		return sums{}, n, fmt.Errorf("%w: more than %d bytes (raise --max-file-size)", sweep.ErrTooLarge, max)
	}
	return sums{sha256: hex.EncodeToString(h256.Sum(nil)), sha512: h512.Sum(nil), sha1: h1.Sum(nil)}, n, nil
}

func indicator(pk *iocs.PackageIOC, art *iocs.Artifact) *sweep.Indicator {
	if art != nil {
		return &sweep.Indicator{ID: pk.ID + ":" + art.Filename, Kind: "artifact", Confidence: string(art.Provenance.Confidence), Sources: art.Provenance.Sources}
	}
	return &sweep.Indicator{ID: pk.ID, Kind: "package", Confidence: string(pk.Provenance.Confidence), Sources: pk.Provenance.Sources}
}

func trim(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
