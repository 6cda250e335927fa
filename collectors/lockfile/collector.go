package lockfile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// MaxFileSize caps the bytes read from one manifest or lockfile.
const MaxFileSize = 16 << 20

// Collector finds manifests and lockfiles during the host walk and grades
// them per project after the walk (Finish), so a range is only reported when
// no lock in the same project pins the package.
type Collector struct {
	m       *iocs.Matcher
	homes   []sweep.Home
	mention *regexp.Regexp

	mu      sync.Mutex
	results []Result
	bases   map[string]sweep.Location
	errSeen map[string]bool // an include read from two files reports its problems once
	mtimes  map[string]time.Time
}

// New returns the collector.
func New(m *iocs.Matcher, homes []sweep.Home) *Collector {
	var alts []string
	for _, n := range m.TrackedNames() {
		parts := strings.Split(n, "-")
		for i := range parts {
			parts[i] = regexp.QuoteMeta(parts[i])
		}
		alts = append(alts, strings.Join(parts, `[-_.]+`))
	}
	re := regexp.MustCompile(`(?i)` + strings.Join(alts, "|"))
	if len(alts) == 0 {
		re = regexp.MustCompile(`$^`)
	}
	return &Collector{m: m, homes: homes, mention: re, bases: map[string]sweep.Location{}, errSeen: map[string]bool{}, mtimes: map[string]time.Time{}}
}

// Name implements sweep.Collector.
func (c *Collector) Name() string { return "lockfile/manifests" }

// FileRequired wants manifests and lockfiles by name, outside installed
// packages and VCS internals.
func (c *Collector) FileRequired(e *sweep.Entry) bool {
	if e.IsSymlink() || KindOf(e.Path) == "" {
		return false
	}
	for _, skip := range []string{"/site-packages/", "/dist-packages/", "/node_modules/", "/.git/"} {
		if strings.Contains(e.Path, skip) {
			return false
		}
	}
	return true
}

// Collect parses one file and keeps its tracked requirements for Finish.
func (c *Collector) Collect(ctx context.Context, f *sweep.File, out sweep.Sink) {
	kind := KindOf(f.Path)
	data, err := f.ReadAll(MaxFileSize)
	if err != nil {
		if errors.Is(err, sweep.ErrTooLarge) {
			out.Error(sweep.Error{Location: f.Location(), Collector: c.Name(), Kind: sweep.ErrKindSkipped,
				Message: fmt.Sprintf("%s larger than %d bytes: not read", kind, MaxFileSize)})
			return
		}
		out.Error(sweep.ErrorAt(f.Location(), c.Name(), fmt.Errorf("read %s: %s", kind, sweep.TrimPathErr(err))))
		return
	}
	// A file that never names a tracked package (and cannot include one)
	// cannot matter; skip parsing it.
	if !c.mention.Match(data) && !(kind == Requirements && hasInclude(data)) && !(kind == CondaEnv && hasInclude(data)) {
		return
	}
	resolve := func(from, ref string) (string, []byte, error) {
		if strings.Contains(ref, "://") {
			return "", nil, errors.New("remote include not fetched")
		}
		p := ref
		if !path.IsAbs(p) {
			p = path.Join(path.Dir(from), p)
		}
		p = path.Clean(p)
		b, err := f.ReadPath(p, MaxFileSize)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return p, nil, errors.New("not found in the scanned tree")
			}
			return p, nil, errors.New(sweep.TrimPathErr(err))
		}
		if fi, err := fs.Stat(f.FS, sweep.Rel(p)); err == nil {
			c.setMtime(p, fi.ModTime())
		}
		return p, b, nil
	}
	if fi, err := f.Info(); err == nil {
		c.setMtime(f.Path, fi.ModTime())
	}
	r, err := ParseKind(kind, f.Path, data, resolve)
	if err != nil {
		loc := f.Location()
		var se *SyntaxError
		if errors.As(err, &se) {
			loc.Line = se.Line
			err = se.Err
		}
		out.Error(sweep.Error{Location: loc, Collector: c.Name(), Kind: sweep.ErrKindError, Message: fmt.Sprintf("%s: %v", kind, err)})
	}
	for _, p := range r.Problems {
		if !c.mention.MatchString(p.Message) && !strings.Contains(p.Message, "include") {
			continue // an unparsable line about another package cannot matter
		}
		loc := f.LocationOf(p.File)
		loc.Line = p.Line
		key := loc.String() + "\x00" + p.Message
		c.mu.Lock()
		dup := c.errSeen[key]
		c.errSeen[key] = true
		c.mu.Unlock()
		if !dup {
			out.Error(sweep.Error{Location: loc, Collector: c.Name(), Kind: sweep.ErrKindError, Message: p.Message})
		}
	}
	r = Relevant(c.m, r)
	if len(r.Requirements) == 0 {
		return
	}
	c.mu.Lock()
	c.results = append(c.results, r)
	c.bases[r.Path] = f.Base
	c.mu.Unlock()
}

func (c *Collector) setMtime(p string, t time.Time) {
	c.mu.Lock()
	c.mtimes[p] = t.UTC()
	c.mu.Unlock()
}

func hasInclude(data []byte) bool {
	s := string(data)
	return strings.Contains(s, "-r") || strings.Contains(s, "-c") || strings.Contains(s, "--requirement") || strings.Contains(s, "--constraint")
}

// Finish grades what was collected, per project.
func (c *Collector) Finish(ctx context.Context, out sweep.Sink) {
	c.mu.Lock()
	results := append([]Result(nil), c.results...)
	c.mu.Unlock()
	for _, h := range Evaluate(c.m, results) {
		out.Finding(c.finding(h, c.baseOf(h)))
	}
}

func (c *Collector) baseOf(h Hit) sweep.Location {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bases[h.Source]
}

// Finding turns a Hit into a report finding (exported for other sweeps that
// evaluate manifests, e.g. from a git tree; they set the location).
func Finding(h Hit, loc sweep.Location, collector string) sweep.Finding {
	q := h.Requirement
	loc.Path, loc.Line = q.File, q.Line
	ver := ""
	if len(h.Versions) > 0 {
		ver = h.Versions[0]
	}
	text := q.Text(false)
	details := []string{h.Why, "file kind: " + string(h.Kind)}
	if q.Group != "" {
		details = append(details, "group: "+q.Group)
	}
	if q.Marker != "" {
		details = append(details, "marker: "+q.Marker)
	}
	if h.Artifact != nil {
		details = append(details, "artefact: "+h.Artifact.Filename+" sha256:"+h.Artifact.SHA256)
	}
	f := sweep.Finding{
		Severity:  h.Severity,
		Category:  CatLockfile,
		Title:     h.Title,
		Location:  loc,
		Evidence:  sweep.Evidence{Package: h.Package.Name, Version: ver, Text: text, Details: details},
		Collector: collector,
	}
	if h.Artifact != nil {
		f.Evidence.SHA256 = h.Artifact.SHA256
	}
	f.Indicator = &sweep.Indicator{ID: h.Package.ID, Kind: "package", Confidence: string(h.Package.Provenance.Confidence),
		Sources: h.Package.Provenance.Sources}
	return f
}

func (c *Collector) finding(h Hit, base sweep.Location) sweep.Finding {
	f := Finding(h, base, c.Name())
	f.User = sweep.UserOf(c.homes, h.Requirement.File)
	// The file's mtime is when the pin or range was last written; the
	// timeline places the finding there ("(mtime)"). Lock formats carry
	// no time of their own (poetry, uv, pdm, Pipfile.lock, pylock).
	c.mu.Lock()
	t, ok := c.mtimes[h.Requirement.File]
	c.mu.Unlock()
	if ok && !t.IsZero() {
		f.Evidence.ModTime = &t
	}
	return f
}
