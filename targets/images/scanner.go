// Package images sweeps container images layer by layer with the same
// collectors as the host sweep. Every source (the Docker Engine API, docker
// save tarballs, OCI layouts, engine data roots, registries) yields the same
// model: an Image with its config history and its layers, each layer a blob
// read once as a stream. A layer's findings are attributed to the image, the
// layer index and digest and the build step that made it, and whiteouts from
// later layers decide whether a file is visible in the final image or only
// in its history.
//
// Choices, and why:
//
//   - One pass per layer. Each tar entry becomes a sweep.Entry offered to
//     the collectors through sweep.Dispatch, as the host walk offers its
//     files (the same predicates, panic policy, refused-open records and
//     counters; a FIFO or device is offered by name and never read; a
//     symlink is offered as itself, not followed); wanted files (and the
//     few companion files collectors read as siblings, see companion.go) are buffered,
//     capped, into an in-memory tree, and Collect runs on them when the
//     stream ends, so a collector can read a sibling that came later in the
//     tar. Directories go to DirObservers (missing parents are synthesised).
//   - Fresh collectors per distinct layer, Finish once per layer: a layer is
//     read once however many images share it, so its findings cannot depend
//     on which image it is read for; per-image facts (whiteouts, build step,
//     image name) are applied when the layer is placed in each image. The
//     cost is that a Finisher sees one layer, not the merged filesystem.
//   - Visibility from compact per-layer path indexes (whiteouts, opaque
//     dirs, replacements), so layers can be read in any order (docker save
//     streams put blobs before the manifest). A finding only in the history
//     is capped at high; a visible one keeps the collector's severity.
//   - Every layer digest is verified (blob digest and diff_id); a mismatch,
//     a truncated or hostile layer, a bomb or a missing blob is an Error at
//     that image and layer, and the other images are still scanned.
//   - Manifests that are not platform images (BuildKit attestation
//     manifests, cosign signatures, OCI 1.1 SBOM and signature referrers:
//     artefact.go) are recorded as skipped, "not a platform image, not
//     read", from every source; a manifest with a filesystem layer, or with
//     no artefact signal, is read as an image, so an unknown layer media type
//     in a real platform's image is still a located error.
//   - Homes come from the image's own etc/passwd (a lower layer's, when the
//     source gives layers in order); image environments and users are named
//     after the image so they never merge with the host's.
package images

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/collectors/installcmd"
	"github.com/litesweep/litesweep/sweep"
)

const collectorName = "image/layers"

// Image is one image from any source.
type Image struct {
	// Name is the first repo:tag, else repo@digest, else the image ID.
	Name string
	// Names are all the image's references.
	Names []string
	// ID is the config digest ("sha256:…"), Docker's image ID.
	ID string
	// Digests are the distribution digests the image was reached by: its
	// manifest's and those of the indexes above it (a repo@digest name
	// says the same). The pack's bad images are matched on them.
	Digests []string
	// Source says where the image was read ("engine unix:///…", "archive FILE", …).
	Source string
	// Config is the parsed image config, nil when it could not be read.
	Config *v1.ConfigFile
	// Layers are bottom-up, as in the manifest.
	Layers []Layer
	// Err, when set, means the image could not be resolved.
	Err error
	// NotPlatform, when set, says what the manifest is instead of a platform
	// image (an attestation, signature or SBOM referrer: artefactKind); its
	// blobs are not read.
	NotPlatform string
}

// Layer is one layer blob of an image.
type Layer struct {
	// Key identifies the bytes: equal keys are read once per sweep.
	Key string
	// Digest is the blob digest the manifest names ("" when the source has none).
	Digest string
	// DiffID is the config's rootfs.diff_ids entry for this layer.
	DiffID string
	// Open returns the raw blob (compressed or not); nil for stream sources,
	// whose layers were read before the image was known.
	Open func(ctx context.Context) (io.ReadCloser, error)
	// Check, when set, says cheaply whether this source holds the blob: a
	// read of the same key by another source is used only if it does.
	Check func(ctx context.Context) error
}

// Container is a running or stopped container and its image.
type Container struct {
	ID, Name, ImageID, Image, State string
}

// Scanner scans images into one sink, reading each distinct layer once.
// It is safe for concurrent use.
type Scanner struct {
	// Options are passed to the collectors; Live is forced false and Homes
	// come from the image's own etc/passwd.
	Options collectors.Options
	// NewCollectors makes a fresh set of collectors for one layer
	// (default collectors.Host).
	NewCollectors func(collectors.Options) []sweep.Collector
	Limits        Limits
	Sink          sweep.Sink
	Counters      *sweep.Counters
	// Containers are matched to images by ID to list who runs an affected image.
	Containers []Container
	// Companions, when set, replaces the rule for the files buffered
	// because collectors read them as siblings (default pythonCompanions).
	Companions func(p string) bool

	mu             sync.Mutex
	cache          map[string]*cacheEntry
	images, layers int64
}

type cacheEntry struct {
	once sync.Once
	res  *layerResult
	// done is set once res is final, so cached can read it while another
	// goroutine is still inside once (registry sweeps read images in parallel).
	done atomic.Bool
}

func (s *Scanner) companions() func(string) bool {
	if s.Companions != nil {
		return s.Companions
	}
	return pythonCompanions(s.Options.Matcher)
}

func (s *Scanner) limits() Limits { return s.Limits.withDefaults(s.Options.MaxHashSize) }

// collectorsFor makes the collectors for one layer, with the image's homes.
func (s *Scanner) collectorsFor(passwd []byte) []sweep.Collector {
	o := s.Options
	o.Live = false
	o.Homes = homesFromPasswd(passwd)
	if o.Now == nil {
		o.Now = time.Now
	}
	if s.NewCollectors != nil {
		return s.NewCollectors(o)
	}
	return collectors.Host(o)
}

// homesFromPasswd lists users' homes from an image's etc/passwd
// (sweep.PasswdHomes), plus /root. Lower layers' directories are not known
// when a layer is read on its own, so homes are not checked for existence.
func homesFromPasswd(b []byte) []sweep.Home {
	homes := sweep.PasswdHomes(b)
	if !slices.ContainsFunc(homes, func(h sweep.Home) bool { return h.Dir == "/root" }) {
		homes = append(homes, sweep.Home{User: "root", UID: 0, Dir: "/root"})
		sort.Slice(homes, func(i, j int) bool { return homes[i].Dir < homes[j].Dir })
	}
	return homes
}

// entry returns the cache slot for a key, creating it.
func (s *Scanner) entry(key string) *cacheEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cache == nil {
		s.cache = map[string]*cacheEntry{}
	}
	e := s.cache[key]
	if e == nil {
		e = &cacheEntry{}
		s.cache[key] = e
	}
	return e
}

// cached returns a layer already read, or nil.
func (s *Scanner) cached(key string) *layerResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.cache[key]; e != nil && e.done.Load() {
		return e.res
	}
	return nil
}

// shareable: a layer read whole, with the bytes its digest names, is the
// same for every source holding that digest. Anything else (a missing,
// unreadable, truncated or mismatching blob) is the fault of the source
// that has it, and is never shared with another.
func (r *layerResult) shareable() bool { return r != nil && r.complete }

// uncache drops a key's slot if it still is e (its read was not shareable),
// so that the next source with that key reads its own bytes.
func (s *Scanner) uncache(key string, e *cacheEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cache[key] == e {
		delete(s.cache, key)
	}
}

// readLayer reads a layer from r under key unless a shareable read of it
// was made before. A result that is not shareable is kept under private
// (a key of this source only). It returns the result and the key it is
// cached under.
func (s *Scanner) readLayer(ctx context.Context, key, private string, in layerInput) (*layerResult, string) {
	if r := s.cached(key); r != nil {
		return r, key
	}
	res := s.scanLayer(ctx, in)
	s.count(0, 1)
	if !res.shareable() {
		key = private
	}
	e := s.entry(key)
	e.once.Do(func() {
		defer e.done.Store(true)
		e.res = res
	})
	return e.res, key
}

// layer returns the result for one layer of an image, reading it if needed.
// A shared result is used only if this source has the blob too (Check); a
// read that fails belongs to this source alone: it is cached under a key
// of the source, so its other images reuse it and other sources read
// their own bytes.
func (s *Scanner) layer(ctx context.Context, l Layer, passwd []byte, source string) *layerResult {
	if r := s.cached(l.Key); r != nil || l.Open == nil {
		if r != nil && l.Check != nil {
			// Another source read these bytes: check this one has them.
			if err := l.Check(ctx); err != nil {
				res := &layerResult{index: pathIndex{}}
				res.fail("cannot open layer blob: %v", err)
				return res
			}
		}
		return r
	}
	private := l.Key + "\x00" + source
	if r := s.cached(private); r != nil {
		return r
	}
	read := func() *layerResult {
		rc, err := l.Open(ctx)
		if err != nil {
			res := &layerResult{index: pathIndex{}}
			res.fail("cannot open layer blob: %v", err)
			return res
		}
		defer rc.Close()
		want := ""
		if strings.HasPrefix(l.Digest, "sha256:") {
			want = l.Digest
		}
		res := s.scanLayer(ctx, layerInput{r: rc, wantDigest: want, passwd: passwd,
			reopen: func() (io.ReadCloser, error) { return l.Open(ctx) }})
		s.count(0, 1)
		return res
	}
	keep := func(res *layerResult) *layerResult {
		pe := s.entry(private)
		pe.once.Do(func() {
			defer pe.done.Store(true)
			pe.res = res
		})
		return pe.res
	}
	e := s.entry(l.Key)
	var mine *layerResult
	e.once.Do(func() {
		defer e.done.Store(true)
		mine = read()
		if mine.shareable() {
			e.res = mine
		}
	})
	if mine != nil {
		if !mine.shareable() {
			s.uncache(l.Key, e)
			return keep(mine)
		}
		return mine
	}
	if e.res == nil {
		// A concurrent read of the same key failed for its own source: read ours.
		if r := s.cached(private); r != nil {
			return r
		}
		if res := read(); !res.shareable() {
			return keep(res)
		} else {
			return res
		}
	}
	return e.res
}

// ScanImage reads the image's layers bottom-up (each distinct layer once
// per Scanner) and reports its findings, errors and containers.
func (s *Scanner) ScanImage(ctx context.Context, img *Image) {
	// A bad image is known by its names and digests, whatever its
	// layers hold and whether they can be read (a signature manifest of
	// a bad release is one of its published digests).
	bad := s.badImageFindings(img)
	if img.NotPlatform != "" {
		for _, f := range bad {
			s.Sink.Finding(f)
		}
		s.Sink.Error(sweep.Error{Location: sweep.Location{Image: img.Name}, Collector: collectorName, Kind: sweep.ErrKindSkipped,
			Message: notPlatformMessage(img.NotPlatform)})
		return
	}
	s.count(1, 0)
	if img.Err != nil {
		s.emitScoped(img, bad)
		s.Sink.Error(sweep.Error{Location: sweep.Location{Image: img.Name, ImageID: img.ID}, Collector: collectorName,
			Message: fmt.Sprintf("image not scanned (%s): %v", img.Source, img.Err)})
		return
	}
	results := make([]*layerResult, len(img.Layers))
	var passwd []byte
	for i, l := range img.Layers {
		if ctx.Err() != nil {
			break
		}
		results[i] = s.layer(ctx, l, passwd, img.Source)
		if results[i] != nil && results[i].passwd != nil {
			passwd = results[i].passwd
		}
	}
	s.assemble(ctx, img, results, bad)
}

// history returns each layer's created_by, raw (stepText makes what a
// report shows of it): history entries marked empty_layer made no layer
// and are skipped when mapping.
func history(cfg *v1.ConfigFile, n int) []string {
	out := make([]string, n)
	if cfg == nil {
		return out
	}
	i := 0
	for _, h := range cfg.History {
		if h.EmptyLayer {
			continue
		}
		if i >= n {
			break
		}
		out[i] = h.CreatedBy
		i++
	}
	return out
}

// assemble places each layer's results in the image: locations get the
// image, layer and build step; whiteouts from later layers decide Visible.
func (s *Scanner) assemble(ctx context.Context, img *Image, results []*layerResult, bad []sweep.Finding) {
	steps := history(img.Config, len(img.Layers))
	judge := s.judge()
	idx := make([]pathIndex, len(results))
	for i, r := range results {
		if r != nil {
			idx[i] = r.index
		}
	}
	env, _ := s.Sink.(sweep.EnvSink)
	var passwd []byte
	for _, r := range results {
		if r != nil && r.passwd != nil {
			passwd = r.passwd
		}
	}
	sc := scope{img: img, homes: homesFromPasswd(passwd)}
	worstVisible := sweep.Severity("")
	anyFinding := false
	for _, f := range bad {
		// The image as a whole is bad: its containers run it.
		if f.Severity.Rank() > worstVisible.Rank() {
			worstVisible = f.Severity
		}
		sc.finding(&f)
		anyFinding = true
		s.Sink.Finding(f)
	}
	for i, l := range img.Layers {
		layerNo := i
		base := sweep.Location{Image: img.Name, ImageID: img.ID, Layer: &layerNo, LayerDigest: l.Digest, CreatedBy: stepText(steps[i], judge)}
		if base.LayerDigest == "" {
			base.LayerDigest = l.DiffID
		}
		r := results[i]
		if r == nil {
			if ctx.Err() != nil {
				s.Sink.Error(sweep.Error{Location: base, Collector: collectorName, Message: "layer not read: interrupted"})
			} else {
				s.Sink.Error(sweep.Error{Location: base, Collector: collectorName,
					Message: fmt.Sprintf("the manifest names layer %s, which is missing from %s", layerName(l), img.Source)})
			}
			continue
		}
		if base.LayerDigest == "" {
			base.LayerDigest = r.digest
		}
		if l.DiffID != "" && r.complete && r.diffID != "" && !strings.EqualFold(l.DiffID, r.diffID) {
			s.Sink.Error(sweep.Error{Location: base, Collector: collectorName,
				Message: fmt.Sprintf("layer %v: the config names diff_id %s but the uncompressed tar hashes to %s", ErrDigestMismatch, l.DiffID, r.diffID)})
		}
		for _, e := range r.errors {
			loc := merge(base, e.Location)
			s.Sink.Error(sweep.Error{Location: loc, Collector: e.Collector, Message: e.Message, Kind: e.Kind})
		}
		for _, l := range r.learned {
			// Payload hashes learned inside the layer reach the sweep's
			// report (and merge), located in the image and layer.
			l.Location = merge(base, l.Location)
			sweep.LearnFrom(s.Sink, l)
		}
		place := func(f sweep.Finding, history bool) {
			f.Location = merge(base, f.Location)
			if f.Location.Path != "" {
				v := !history && visibleAfter(idx, i, f.Location.Path)
				f.Location.Visible = &v
				if !v {
					if f.Severity.Rank() > sweep.High.Rank() {
						f.Severity = sweep.High
					}
					f.Evidence.Details = append(f.Evidence.Details,
						"only in the image history: a later layer deletes or replaces this path, but the layer still ships it and anything present during that build may have leaked")
				}
				if v && f.Severity.Rank() > worstVisible.Rank() {
					worstVisible = f.Severity
				}
			} else if f.Severity.Rank() > worstVisible.Rank() {
				worstVisible = f.Severity
			}
			sc.finding(&f)
			anyFinding = true
			s.Sink.Finding(f)
		}
		for _, f := range r.findings {
			place(f, false)
		}
		if len(r.links) > 0 {
			for _, lr := range s.resolveLowerLinks(ctx, img, results, idx, i, passwd) {
				for _, e := range lr.errors {
					s.Sink.Error(sweep.Error{Location: merge(base, e.Location), Collector: e.Collector, Message: e.Message, Kind: e.Kind})
				}
				for _, f := range lr.findings {
					place(f, lr.history)
				}
				if env != nil {
					for _, e := range lr.envs {
						env.Environment(sc.environment(e))
					}
				}
			}
		}
		if env != nil {
			for _, e := range r.envs {
				env.Environment(sc.environment(e))
			}
		}
	}
	if f, ok := s.historyFindings(img); ok {
		for _, x := range f {
			// A build step is evidence about the build, not about the
			// filesystem a container runs: it does not raise worstVisible.
			anyFinding = true
			sc.finding(&x)
			s.Sink.Finding(x)
		}
	}
	if anyFinding {
		s.containerFindings(sc, worstVisible)
	}
}

// linkResult is what a hard link's content, fetched from a lower layer,
// produced when collected at the link's path.
type linkResult struct {
	findings []sweep.Finding
	errors   []sweep.Error
	envs     []sweep.Environment
	history  bool // a layer between deletes the target: Docker cannot extract the link
}

// resolveLowerLinks collects the hard links of layer i that name a path of
// a lower layer, as the content that path holds there. A target deleted
// (whiteout, opaque directory) between the two layers makes the link
// history; a target no lower layer holds, or whose content cannot be read
// again, is unverified.
func (s *Scanner) resolveLowerLinks(ctx context.Context, img *Image, results []*layerResult, idx []pathIndex, i int, passwd []byte) []linkResult {
	var out []linkResult
	for _, l := range results[i].links {
		unverified := func(format string, a ...any) {
			out = append(out, linkResult{errors: []sweep.Error{{Location: sweep.Location{Path: l.path}, Collector: collectorName,
				Kind: sweep.ErrKindUnverified, Message: fmt.Sprintf(format, a...)}}})
		}
		found, deleted, missing := -1, false, false
		for j := i - 1; j >= 0 && found < 0; j-- {
			if idx[j] == nil {
				missing = true
				continue
			}
			if idx[j].get(l.target)&kindFile != 0 {
				found = j
				break
			}
			for _, a := range ancestors(l.target) {
				k := idx[j].get(a)
				if k&kindWhiteout != 0 || k&kindOpaque != 0 && a != l.target {
					deleted = true
				}
			}
		}
		switch {
		case found < 0 && missing:
			unverified("hard link to %s: a lower layer could not be read, so its content is unknown", l.target)
			continue
		case found < 0:
			unverified("hard link to %s, which neither this layer nor a lower one holds: content unknown", l.target)
			continue
		case img.Layers[found].Open == nil:
			unverified("hard link to %s (in layer %d): the source is a stream, the content was not kept", l.target, found)
			continue
		}
		got, err := readMembers(ctx, func() (io.ReadCloser, error) { return img.Layers[found].Open(ctx) },
			map[string]bool{l.target: true}, s.limits())
		data, ok := got[l.target]
		if !ok {
			why := "not a regular file within the size cap"
			if err != nil {
				why = err.Error()
			}
			unverified("hard link to %s (in layer %d): content not read: %s", l.target, found, why)
			continue
		}
		sub := s.scanLayer(ctx, layerInput{r: bytes.NewReader(linkTar(l.path, data, l.mtime)), passwd: passwd})
		lr := linkResult{errors: sub.errors, envs: sub.envs, history: deleted}
		for _, f := range sub.findings {
			f.Evidence.Details = append(f.Evidence.Details, fmt.Sprintf("tar hard link to %s, content from layer %d", l.target, found))
			if deleted {
				f.Evidence.Details = append(f.Evidence.Details, "the link's target is deleted by a layer in between: Docker cannot extract this link")
			}
			lr.findings = append(lr.findings, f)
		}
		out = append(out, lr)
	}
	return out
}

// judge judges install commands in build steps, nil without a matcher.
func (s *Scanner) judge() *installcmd.Judge {
	if s.Options.Matcher == nil {
		return nil
	}
	return installcmd.NewJudge(s.Options.Matcher)
}

// historyFindings matches every build step (empty_layer ones too) against
// the pack's install lines: `RUN pip install litellm==1.82.8` is evidence
// even when the layer's files were cleaned up.
func (s *Scanner) historyFindings(img *Image) ([]sweep.Finding, bool) {
	m := s.Options.Matcher
	if m == nil || img.Config == nil {
		return nil, false
	}
	var out []sweep.Finding
	judge := s.judge()
	layer := 0
	for n, h := range img.Config.History {
		loc := sweep.Location{Image: img.Name, ImageID: img.ID, CreatedBy: stepText(h.CreatedBy, judge)}
		if !h.EmptyLayer {
			if layer < len(img.Layers) {
				l := layer
				loc.Layer = &l
				loc.LayerDigest = img.Layers[l].Digest
				if loc.LayerDigest == "" {
					loc.LayerDigest = img.Layers[l].DiffID
				}
			}
			layer++
		}
		v, ok := m.InstallLine(h.CreatedBy)
		if !ok {
			continue
		}
		f := sweep.Finding{Severity: sweep.High, Category: CatBuildStep, Collector: collectorName,
			Title:    fmt.Sprintf("image build step %d names a compromised release (%s)", n, v),
			Location: loc,
			Evidence: sweep.Evidence{Version: v, Text: loc.CreatedBy,
				Details: []string{"the Dockerfile step installs, pins or removes that release: it was part of this build, whatever later layers removed"}}}
		if !h.Created.IsZero() {
			t := h.Created.Time.UTC()
			f.Evidence.Time = &t
		}
		out = append(out, f)
	}
	return out, len(out) > 0
}

// containerFindings lists the containers that use an affected image.
func (s *Scanner) containerFindings(sc scope, worst sweep.Severity) {
	img := sc.img
	for _, c := range s.Containers {
		if c.ImageID == "" || !strings.EqualFold(c.ImageID, img.ID) {
			continue
		}
		sev := worst
		detail := "the container runs the image's final filesystem, which holds the findings above"
		if sev == "" {
			sev = sweep.Info
			detail = "the image's findings are only in its history; the container's filesystem does not show them"
		}
		name := strings.TrimPrefix(c.Name, "/")
		f := sweep.Finding{Severity: sev, Category: CatContainer, Collector: collectorName,
			Title:    fmt.Sprintf("container %s (%s) uses affected image %s", name, c.State, img.Name),
			Location: sweep.Location{Image: img.Name, ImageID: img.ID, Object: "container/" + name},
			Evidence: sweep.Evidence{Text: "container " + shortID(c.ID) + " state " + c.State, Details: []string{detail}}}
		sc.finding(&f)
		s.Sink.Finding(f)
	}
}

func merge(base, l sweep.Location) sweep.Location {
	out := base
	out.Path, out.Member, out.Line = l.Path, l.Member, l.Line
	if l.URL != "" {
		out.URL = l.URL
	}
	return out
}

// scope keeps an image's findings, environments and users apart from the
// host's and from other images' in a shared report: image paths are not
// host paths, so environments are named "<image> <path>" (site dirs too,
// so no host path can fall under them), every finding of the image belongs
// to one of them ("<image> /" when a collector named none), and users are
// "<user>@<image>" from the image's own etc/passwd.
type scope struct {
	img   *Image
	homes []sweep.Home
}

func (sc scope) key(p string) string { return sc.img.Name + " " + p }

func (sc scope) user(u string) string {
	if u == "" || strings.HasSuffix(u, "@"+sc.img.Name) {
		return u
	}
	return u + "@" + sc.img.Name
}

func (sc scope) finding(f *sweep.Finding) {
	if f.Environment != "" {
		f.Environment = sc.key(f.Environment)
	} else {
		f.Environment = sc.key("/")
	}
	u := f.User
	if u == "" && f.Location.Path != "" {
		u = sweep.UserOf(sc.homes, f.Location.Path)
		if rest, ok := strings.CutPrefix(f.Location.Path, "/home/"); u == "" && ok {
			u, _, _ = strings.Cut(rest, "/")
		}
	}
	f.User = sc.user(u)
}

func (sc scope) environment(e sweep.Environment) sweep.Environment {
	e.Path = sc.key(e.Path)
	dirs := make([]string, len(e.SiteDirs))
	for i, d := range e.SiteDirs {
		dirs[i] = sc.key(d)
	}
	e.SiteDirs = dirs
	e.User = sc.user(e.User)
	e.Findings = nil // ids change with the image location; the timeline re-derives them
	return e
}

func layerName(l Layer) string {
	switch {
	case l.Digest != "":
		return l.Digest
	case l.DiffID != "":
		return l.DiffID
	}
	return l.Key
}

func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func (s *Scanner) count(images, layers int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.images += images
	s.layers += layers
}

// Stats returns how many images were scanned and distinct layers read.
func (s *Scanner) Stats() (images, layers int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.images, s.layers
}
