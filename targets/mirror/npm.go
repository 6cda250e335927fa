package mirror

// npm registries and mirrors (the public registry's API as Verdaccio,
// Artifactory, Nexus and the npm CLI speak it): for every npm package the
// packs track, the packument (GET <registry>/<name>, a scoped name as
// @scope%2fname) says which versions the registry serves, with their
// tarball and integrity, and which version each dist-tag names.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// CollectorNPM is the collector name on npm registry findings and errors.
const CollectorNPM = "mirror/npm-registry"

// MediaNPMAbbrev is the abbreviated packument ("corgi") npm asks for when
// it installs; AcceptNPM is npm's own Accept header for it (a registry may
// answer the full document instead, which carries the same fields).
const (
	MediaNPMAbbrev = "application/vnd.npm.install-v1+json"
	AcceptNPM      = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*"
)

// npmWorkers bounds the packuments read at once from one registry.
const npmWorkers = 4

// SweepNPM checks one npm registry for every npm package the packs track
// and returns the registry's redacted URL (the report target).
func SweepNPM(ctx context.Context, raw string, o Options, stats *Stats, out sweep.Sink) string {
	ix, err := newIndex(raw, o, stats, out, CollectorNPM)
	if err != nil {
		out.Error(sweep.Error{Location: sweep.Location{Repo: "(registry URL)"}, Collector: CollectorNPM,
			Message: "--registry not usable: " + err.Error()})
		return "(unusable registry URL)"
	}
	ix.npmrc = o.Npmrc
	names := ix.o.Matcher.NamesIn(iocs.NPM)
	sort.Strings(names)
	work := make(chan string)
	var wg sync.WaitGroup
	for range min(npmWorkers, len(names)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range work {
				if ctx.Err() != nil {
					out.Error(sweep.Error{Location: ix.loc(), Collector: CollectorNPM, Message: "package " + name + " not checked: interrupted"})
					continue
				}
				ix.npmPackage(ctx, name)
			}
		}()
	}
	for _, n := range names {
		work <- n
	}
	close(work)
	wg.Wait()
	return Redact(ix.base)
}

// PackumentURL is where a registry serves a package's packument: the
// registry URL (with its path, as npm joins it) and the name, a scoped
// one as npm escapes it (@scope%2fname).
func PackumentURL(base *url.URL, name string) *url.URL {
	esc := url.PathEscape(name)
	if scope, rest, ok := strings.Cut(name, "/"); ok {
		esc = url.PathEscape(scope) + "%2f" + url.PathEscape(rest)
	}
	u := *base
	u.User = nil
	u.Path = base.Path + name
	u.RawPath = base.EscapedPath() + esc
	return &u
}

// capReader refuses (sweep.ErrTooLarge) a body beyond max bytes.
type capReader struct {
	r    io.Reader
	left int64
	max  int64
	what string
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		if n, _ := c.r.Read(one[:]); n > 0 {
			return 0, fmt.Errorf("%w: the %s is larger than %d bytes (raise --max-page-size)", sweep.ErrTooLarge, c.what, c.max)
		}
		return c.r.Read(p) // EOF (or the error) of a body exactly at the cap
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// Packument is what a registry says of one package: the fields npm reads
// to pick a version, for every version, and nothing else.
type Packument struct {
	Name     string            `json:"name"`
	DistTags map[string]string `json:"dist-tags"`
	// Versions is nil when the document has no versions object.
	Versions *map[string]PackumentVersion `json:"versions"`
	Time     struct {
		// Unpublished is set (full form) when every version was unpublished.
		Unpublished json.RawMessage `json:"unpublished"`
	} `json:"time"`
}

// PackumentVersion is one version's entry.
type PackumentVersion struct {
	Version    string          `json:"version"`
	Deprecated json.RawMessage `json:"deprecated"`
	Dist       struct {
		Tarball   string `json:"tarball"`
		Integrity string `json:"integrity"`
		Shasum    string `json:"shasum"`
	} `json:"dist"`
}

// DeprecationOf is a version's deprecation message, "" when npm treats it
// as not deprecated (absent, false, null or an empty string).
func (v PackumentVersion) DeprecationOf() string {
	d := strings.TrimSpace(string(v.Deprecated))
	switch d {
	case "", "false", "null", `""`:
		return ""
	case "true":
		return "deprecated"
	}
	var s string
	if json.Unmarshal(v.Deprecated, &s) == nil {
		return s
	}
	return "deprecated"
}

// DecodePackument reads a packument from r (bounded by the caller) and
// checks it names the package asked for.
func DecodePackument(r io.Reader, name string) (*Packument, error) {
	var doc Packument
	dec := json.NewDecoder(r)
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, sweep.ErrTooLarge) {
			return nil, err
		}
		return nil, fmt.Errorf("not a packument: %v", err)
	}
	if doc.Name != name {
		return nil, fmt.Errorf("not the packument of %s: it names %q", name, trim(doc.Name))
	}
	if doc.Versions == nil && len(doc.Time.Unpublished) == 0 {
		return nil, errors.New("not a packument: no versions object")
	}
	return &doc, nil
}

// npmPackage reads one packument and reports the bad versions it lists.
func (ix *Index) npmPackage(ctx context.Context, name string) {
	u := PackumentURL(ix.base, name)
	l := ix.loc()
	l.URL = Redact(u)
	fail := func(err error) {
		ix.out.Error(sweep.Error{Location: l, Collector: CollectorNPM,
			Message: fmt.Sprintf("packument of %s (%s) not checked: %v", name, Redact(u), err)})
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		fail(err)
		return
	}
	req.Header.Set("Accept", AcceptNPM)
	req.Header.Set("User-Agent", "litesweep-mirror")
	ix.authorize(req)
	ix.stats.Requests.Add(1)
	resp, err := ix.c.Do(req)
	if err != nil {
		fail(cleanErr(err))
		return
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusGone:
		// The registry does not have the package: it serves none of it.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return
	default:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		fail(statusErr(resp))
		return
	}
	doc, err := DecodePackument(&capReader{r: resp.Body, left: ix.o.MaxPageBytes, max: ix.o.MaxPageBytes, what: "packument"}, name)
	if err != nil {
		fail(cleanErr(err))
		return
	}
	ix.stats.Pages.Add(1)
	if doc.Versions != nil {
		ix.stats.Files.Add(int64(len(*doc.Versions)))
	}
	final := resp.Request.URL // after redirects: a relative tarball URL resolves against it
	ix.unlisted(ctx, name, doc)
	for _, bad := range JudgePackument(ix.o.Matcher, name, doc) {
		loc := ix.loc()
		loc.URL = Redact(u)
		var tarball *url.URL
		if bad.Tarball != "" {
			if t, err := final.Parse(bad.Tarball); err == nil {
				tarball = t
				loc.URL = Redact(t)
				loc.Member = path.Base(t.Path)
			}
		}
		f := bad.finding(loc, "the registry", "the registry "+Redact(ix.base))
		f.Collector = CollectorNPM
		f.Evidence.Text = Redact(u)
		if tarball != nil {
			f.Evidence.Text = Redact(tarball)
			if !strings.EqualFold(tarball.Host, ix.base.Host) {
				f.Evidence.Details = append(f.Evidence.Details, "its tarball is served from another host, "+tarball.Host+" (no credentials were sent there)")
			}
		}
		if ix.o.Download && tarball != nil {
			ix.confirm(ctx, &f, tarball, bad.Integrity)
		}
		f.Evidence.Details = append(f.Evidence.Details, npmPurge(name, bad)...)
		ix.out.Finding(f)
	}
}

// confirm downloads a bad version's tarball and records its hashes.
func (ix *Index) confirm(ctx context.Context, f *sweep.Finding, tarball *url.URL, integrity string) {
	s, n, err := ix.downloadSums(ctx, tarball)
	if err != nil {
		ix.out.Error(sweep.Error{Location: f.Location, Collector: CollectorNPM,
			Message: "download of " + f.Location.Member + " to confirm its hash failed: " + err.Error()})
		return
	}
	noteSums(ix.o.Matcher, f, s, n, integrity, "downloaded")
}

// noteSums records a tarball's hashes on its finding: a SHA-256 the packs
// publish names the artefact, and bytes that do not match the packument's
// dist.integrity are said so.
func noteSums(m *iocs.Matcher, f *sweep.Finding, s sums, n int64, integrity, how string) {
	f.Evidence.SHA256, f.Evidence.Size = s.sha256, n
	if hit, ok := m.Artifact(s.sha256); ok {
		f.Evidence.Details = append(f.Evidence.Details, how+": its SHA-256 is the pack's published hash of "+hit.Artifact.Filename)
		f.Indicator = indicator(hit.Package, hit.Artifact)
	} else {
		f.Evidence.Details = append(f.Evidence.Details, how+": its SHA-256 is not a published hash (the version alone makes it bad)")
	}
	if match, checked := s.integrityMatches(integrity); checked && !match {
		f.Evidence.Details = append(f.Evidence.Details, how+": the tarball does not match the packument's dist.integrity: other bytes than the registry states")
	}
}

// BadVersion is one bad version a packument lists.
type BadVersion struct {
	Name, Version string
	Package       *iocs.PackageIOC
	Tarball       string // dist.tarball as listed
	Integrity     string
	Deprecated    string
	Tags          []string // the dist-tags naming it
	// CleanLatest is the highest clean release version the packument
	// lists: what latest should name instead ("" when none).
	CleanLatest string
}

// JudgePackument returns the versions of a packument that are bad releases
// in the packs (npm's own version rules: Matcher.Release), in version
// order.
func JudgePackument(m *iocs.Matcher, name string, doc *Packument) []BadVersion {
	if doc.Versions == nil {
		return nil // unpublished: nothing to install
	}
	tags := map[string][]string{}
	for t, v := range doc.DistTags {
		if c, err := iocs.NPM.CanonicalVersion(v); err == nil {
			tags[c] = append(tags[c], t)
		}
	}
	var out []BadVersion
	clean := ""
	for v, e := range *doc.Versions {
		pk, bad := m.Release(iocs.NPM, name, v)
		c, err := iocs.NPM.CanonicalVersion(v)
		if !bad {
			if err == nil && !strings.Contains(c, "-") && (clean == "" || iocs.NPM.CompareVersions(c, clean) > 0) {
				clean = c
			}
			continue
		}
		if err != nil {
			c = v
		}
		t := tags[c]
		sort.Strings(t)
		out = append(out, BadVersion{Name: name, Version: c, Package: pk, Tarball: e.Dist.Tarball, Integrity: e.Dist.Integrity,
			Deprecated: e.DeprecationOf(), Tags: t})
	}
	sort.Slice(out, func(i, j int) bool { return iocs.NPM.CompareVersions(out[i].Version, out[j].Version) < 0 })
	for i := range out {
		out[i].CleanLatest = clean
	}
	return out
}

// latest reports whether the latest dist-tag names the version.
func (b BadVersion) latest() bool {
	for _, t := range b.Tags {
		if t == "latest" {
			return true
		}
	}
	return false
}

// finding is the report of one served bad version: medium, high when
// latest names it (npm install <name>, and every range latest satisfies,
// gets it: npm-pick-manifest takes latest first, deprecated or not), low
// when deprecated and no tag names it (npm then prefers a version that is
// not, but an exact pin or lockfile still gets it).
func (b BadVersion) finding(loc sweep.Location, subject, where string) sweep.Finding {
	sev := sweep.Medium
	spec := b.Name + "@" + b.Version
	title := fmt.Sprintf("%s serves %s (a compromised release)", subject, spec)
	details := []string{"listed in the packument's versions by " + where}
	switch {
	case b.latest():
		sev = sweep.High
		title = fmt.Sprintf("%s's latest tag names %s (a compromised release): npm install %s gets it", subject, spec, b.Name)
		details = append(details, "npm takes the latest tag's version for any range it satisfies (deprecated or not): a new install without a lockfile gets it")
	case b.Deprecated != "":
		sev = sweep.Low
		title = "deprecated but still served: " + spec + " (a compromised release)"
	}
	if b.Deprecated != "" {
		details = append(details, "deprecated ("+trim(b.Deprecated)+"): npm prefers another version for a range, but installs it for an exact pin, a lockfile or when no other version satisfies the range")
	}
	if len(b.Tags) > 0 {
		details = append(details, "dist-tags naming it: "+strings.Join(b.Tags, ", "))
	}
	if sev != sweep.High {
		details = append(details, "npm install "+spec+" (or a lockfile pinning it) from this registry installs it")
	}
	if b.Integrity != "" {
		details = append(details, "dist.integrity "+trim(b.Integrity))
	}
	return sweep.Finding{Severity: sev, Category: CatFile, Title: title, Location: loc,
		Evidence: sweep.Evidence{Package: b.Name, Version: b.Version, Details: details}, Indicator: indicator(b.Package, nil)}
}

// npmPurge is the step to remove a version from the common npm mirrors.
func npmPurge(name string, b BadVersion) []string {
	spec := name + "@" + b.Version
	out := []string{"purge: remove " + spec + " from the registry and its caches, then re-run litesweep mirror. " +
		"Verdaccio: npm unpublish " + spec + " --registry <this registry> (or delete its tarball from the storage directory and its entry from package.json); " +
		"Artifactory: delete " + path.Base(name) + "-" + b.Version + ".tgz from the npm remote repository's cache and zap the virtual repository's metadata cache; " +
		"Nexus: delete the component " + name + " " + b.Version + " from the npm proxy repository and invalidate its cache"}
	if b.latest() {
		retag := "retag latest first: npm dist-tag add " + name + "@"
		if b.CleanLatest != "" {
			retag += b.CleanLatest
		} else {
			retag += "<a clean version>"
		}
		out = append([]string{retag + " latest --registry <this registry> (on a proxy, refresh the package's metadata from the upstream registry, which no longer names it)"}, out...)
	}
	return out
}

// unlisted asks the registry for the tarball of every bad version the
// packs name exactly that the packument does not list, at the URL npm
// gives it (<registry>/<name>/-/<base>-<version>.tgz, the resolved field
// of a lockfile): a proxy that refreshed its metadata may keep the
// tarball it cached, and npm ci fetches a locked tarball by that URL
// without reading the packument.
func (ix *Index) unlisted(ctx context.Context, name string, doc *Packument) {
	listed := map[string]bool{}
	if doc.Versions != nil {
		for v := range *doc.Versions {
			if c, err := iocs.NPM.CanonicalVersion(v); err == nil {
				listed[c] = true
			}
		}
	}
	// A dist-tag spec admits every version the packs list exactly.
	bad, _, _, _ := ix.o.Matcher.AdmittedNPM(iocs.NPMSpec{Name: name, Spec: "latest", Registry: true})
	sort.Slice(bad, func(i, j int) bool { return iocs.NPM.CompareVersions(bad[i], bad[j]) < 0 })
	for _, v := range bad {
		if listed[v] || ctx.Err() != nil {
			continue
		}
		base := path.Base(name) + "-" + v + ".tgz"
		u := *ix.base
		u.Path = ix.base.Path + name + "/-/" + base
		u.RawPath = ""
		l := ix.loc()
		l.URL, l.Member = Redact(&u), base
		served, err := ix.probe(ctx, &u)
		if err != nil {
			ix.out.Error(sweep.Error{Location: l, Collector: CollectorNPM,
				Message: fmt.Sprintf("tarball of %s@%s, which the packument does not list, not checked: %v", name, v, err)})
			continue
		}
		if !served {
			continue
		}
		pk, _ := ix.o.Matcher.Release(iocs.NPM, name, v)
		f := sweep.Finding{Severity: sweep.Medium, Category: CatFile, Collector: CollectorNPM, Location: l,
			Title: fmt.Sprintf("the registry no longer lists %s@%s but still serves its tarball (a compromised release)", name, v),
			Evidence: sweep.Evidence{Package: name, Version: v, Text: Redact(&u), Details: []string{
				"the packument of " + Redact(ix.base) + " does not list " + v + ", but " + base + " is served at the URL npm records: npm ci from a lockfile whose resolved field names it still gets it"}},
			Indicator: indicator(pk, nil)}
		if ix.o.Download {
			ix.confirm(ctx, &f, &u, "")
		}
		f.Evidence.Details = append(f.Evidence.Details, npmPurge(name, BadVersion{Name: name, Version: v})...)
		ix.out.Finding(f)
	}
}

// probe reports whether the registry serves a URL (200), or not (404,
// 410); anything else is an error. HEAD first, GET when HEAD is refused.
func (ix *Index) probe(ctx context.Context, u *url.URL) (bool, error) {
	for _, method := range []string{http.MethodHead, http.MethodGet} {
		req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
		if err != nil {
			return false, err
		}
		req.Header.Set("User-Agent", "litesweep-mirror")
		ix.authorize(req)
		ix.stats.Requests.Add(1)
		resp, err := ix.c.Do(req)
		if err != nil {
			return false, cleanErr(err)
		}
		resp.Body.Close() // a GET's body is not read: the status is the answer
		switch resp.StatusCode {
		case http.StatusOK:
			return true, nil
		case http.StatusNotFound, http.StatusGone:
			return false, nil
		case http.StatusMethodNotAllowed, http.StatusNotImplemented:
			continue
		}
		return false, statusErr(resp)
	}
	return false, errors.New("neither HEAD nor GET is allowed")
}
