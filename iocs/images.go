package iocs

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
)

// ImageRef is an image reference as a registry client resolves it: the
// repository in full (the registry host, Docker Hub as docker.io, and
// library/ for an official image's short name), the tag ("latest" when a
// reference names neither tag nor digest) and the digest.
type ImageRef struct {
	// Repository is registry/path: docker.io/library/ubuntu,
	// ghcr.io/aquasecurity/trivy, localhost:5000/team/app.
	Repository string
	// Tag is the tag the reference names ("" for a digest-only reference).
	Tag string
	// Digest is "sha256:<hex>" when the reference pins one.
	Digest string
}

// Registry is the repository's registry host.
func (r ImageRef) Registry() string {
	host, _, _ := strings.Cut(r.Repository, "/")
	return host
}

// Path is the repository's path on its registry (aquasec/trivy).
func (r ImageRef) Path() string {
	_, p, _ := strings.Cut(r.Repository, "/")
	return p
}

// String is the reference in full: repository[:tag][@digest].
func (r ImageRef) String() string {
	s := r.Repository
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest
	}
	return s
}

// ErrNotImageRef marks text that is not an image reference (a build
// argument such as ${BASE}, a stage name, upper-case letters a registry
// refuses).
var ErrNotImageRef = errors.New("not an image reference")

// ParseImageRef parses an image reference by the distribution reference
// rules (go-containerregistry's name.ParseReference): a first component
// with a dot or a colon, or "localhost", is a registry, otherwise the
// registry is Docker Hub; a Docker Hub name of one component is an
// official image under library/; no tag and no digest means "latest";
// "repo:tag@digest" keeps both (the digest is what is pulled). Docker
// Hub's spellings (index.docker.io, registry-1.docker.io, docker.io) are
// one registry, docker.io. It is the one parser of image references
// (images, pods, compose files, Dockerfiles, manifests).
func ParseImageRef(s string) (ImageRef, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, "${} \t\"'") {
		return ImageRef{}, fmt.Errorf("%w: %q", ErrNotImageRef, s)
	}
	r, err := name.ParseReference(s, name.WeakValidation)
	if err != nil {
		return ImageRef{}, fmt.Errorf("%w: %v", ErrNotImageRef, err)
	}
	out := ImageRef{Repository: normalRegistry(r.Context().RegistryStr()) + "/" + r.Context().RepositoryStr()}
	switch x := r.(type) {
	case name.Tag:
		out.Tag = x.TagStr()
	case name.Digest:
		out.Digest = x.DigestStr()
		// name.Digest drops a tag written before the digest; keep it.
		if before, _, ok := strings.Cut(s, "@"); ok {
			if t, err := name.NewTag(before, name.WeakValidation); err == nil && hasExplicitTag(before) {
				out.Tag = t.TagStr()
			}
		}
	}
	return out, nil
}

// hasExplicitTag reports whether a reference without digest writes a tag
// (a colon after the last slash; a registry port is before it).
func hasExplicitTag(s string) bool {
	i := strings.LastIndexByte(s, ':')
	return i > strings.LastIndexByte(s, '/')
}

// normalRegistry names Docker Hub one way.
func normalRegistry(host string) string {
	switch strings.ToLower(host) {
	case name.DefaultRegistry, "docker.io", "registry-1.docker.io", "registry.hub.docker.com":
		return "docker.io"
	}
	return strings.ToLower(host)
}

// ImageEvidence is what a sweep knows about one image: the references it
// carries (its tags, a pod's image, a compose file's image: line), the
// distribution digests it is known by (its manifest's, the index it was
// reached through, a RepoDigest, a pod's imageID), and when its tag was
// resolved or the image built, when known.
type ImageEvidence struct {
	Refs    []ImageRef
	Digests []string
	// Resolved is when a tag was resolved to this image (a pod's start:
	// the kubelet pulled it then); zero when unknown.
	Resolved time.Time
	// Built is the image config's creation time; zero when unknown. An
	// image is built shortly before it is published, so a build up to a
	// day before a window counts as inside it.
	Built time.Time
}

// ImageHit is a bad image the evidence matches.
type ImageHit struct {
	Image *ImageIOC
	// Severity is the entry's for a digest; high for a tag that named
	// only the bad image, or a restored tag resolved inside the window;
	// medium for a restored tag with no time (it named the bad image only
	// during the window), and for a bad tag whose digest is not one the
	// sources published (a re-push or a rebuild under the bad name).
	Severity string
	// By is "digest" or "tag".
	By string
	// Ref is the reference that matched (for a digest, the first one of
	// the evidence, if any).
	Ref ImageRef
	// Digest is the matched published digest (By == "digest").
	Digest *ImageDigest
	// Mirror is set when the repository is one of the entry's under
	// another registry (a mirror or pull-through cache: the same path).
	Mirror bool
	// Why says what the match rests on, in words.
	Why string
}

// buildSlack is how long before a window an image may have been built.
const buildSlack = 24 * time.Hour

// imageIndex is the compiled images section.
type imageIndex struct {
	digests map[string]imageDigestHit // sha256:hex -> entry and digest
	repos   map[string][]*ImageIOC    // full repository -> entries
	paths   map[string][]*ImageIOC    // repository path -> entries (mirrors)
	hosts   map[string]bool           // registries of the entries' repositories
	order   []string                  // digests in pack order
}

type imageDigestHit struct {
	im *ImageIOC
	d  *ImageDigest
}

func compileImages(p *Pack) imageIndex {
	ix := imageIndex{digests: map[string]imageDigestHit{}, repos: map[string][]*ImageIOC{}, paths: map[string][]*ImageIOC{}, hosts: map[string]bool{}}
	for i := range p.Images {
		im := &p.Images[i]
		for j := range im.Digests {
			d := &im.Digests[j]
			k := strings.ToLower(d.Digest)
			if _, ok := ix.digests[k]; !ok {
				ix.digests[k] = imageDigestHit{im, d}
				ix.order = append(ix.order, k)
			}
		}
		for _, r := range im.Repositories {
			ref, err := ParseImageRef(r)
			if err != nil {
				continue
			}
			ix.repos[ref.Repository] = append(ix.repos[ref.Repository], im)
			ix.paths[ref.Path()] = append(ix.paths[ref.Path()], im)
			ix.hosts[ref.Registry()] = true
		}
	}
	return ix
}

// ImageDigest returns the bad image a distribution digest ("sha256:…")
// belongs to.
func (m *Matcher) ImageDigest(digest string) (*ImageIOC, *ImageDigest, bool) {
	h, ok := m.images.digests[strings.ToLower(strings.TrimSpace(digest))]
	return h.im, h.d, ok
}

// ImageNeedles are strings a file that names a pack image must contain:
// the last component of each repository's path (trivy, kics), and
// "sha256:" when the pack publishes digests (a reference that pins a
// digest writes it so). Readers test them before parsing a file.
func (m *Matcher) ImageNeedles() []string {
	var out []string
	seen := map[string]bool{}
	for p := range m.images.paths {
		if b := p[strings.LastIndexByte(p, '/')+1:]; !seen[b] {
			seen[b] = true
			out = append(out, b)
		}
	}
	sort.Strings(out)
	if len(m.images.order) > 0 {
		out = append(out, "sha256:")
	}
	return out
}

// ImageDigests lists every published bad-image digest, in pack order.
func (m *Matcher) ImageDigests() []string { return append([]string(nil), m.images.order...) }

// entriesFor returns the entries whose repository the reference names,
// and whether it names it under another registry (a mirror: same path,
// a registry none of the entries' repositories is on).
func (m *Matcher) entriesFor(r ImageRef) ([]*ImageIOC, bool) {
	if es := m.images.repos[r.Repository]; len(es) > 0 {
		return es, false
	}
	if m.images.hosts[r.Registry()] {
		return nil, false // another repository of a public registry: a different project
	}
	p := r.Path()
	for {
		if es := m.images.paths[p]; len(es) > 0 {
			return es, true
		}
		_, rest, ok := strings.Cut(p, "/")
		if !ok || !strings.Contains(rest, "/") {
			return nil, false // a mirror keeps at least owner/name
		}
		p = rest
	}
}

// Images matches what a sweep knows about an image against the pack's bad
// images (the one rule for images, registries, pods, compose files,
// Dockerfiles and manifests). A published digest is the bad image
// whatever names it; a tag is judged by the entry's tags (see ImageHit).
// Each entry is reported at most once, the strongest match first.
func (m *Matcher) Images(ev ImageEvidence) []ImageHit {
	if len(m.pack.Images) == 0 {
		return nil
	}
	var out []ImageHit
	seen := map[*ImageIOC]bool{}
	var first ImageRef
	if len(ev.Refs) > 0 {
		first = ev.Refs[0]
	}
	known := map[string]bool{}
	digests := append([]string(nil), ev.Digests...)
	for _, r := range ev.Refs {
		if r.Digest != "" {
			digests = append(digests, r.Digest)
		}
	}
	for _, d := range digests {
		d = strings.ToLower(strings.TrimSpace(d))
		known[d] = true
		h, ok := m.images.digests[d]
		if !ok || seen[h.im] {
			continue
		}
		seen[h.im] = true
		ref := first
		for _, r := range ev.Refs {
			if strings.EqualFold(r.Digest, d) {
				ref = r
			}
		}
		out = append(out, ImageHit{Image: h.im, Severity: h.im.Severity, By: "digest", Ref: ref, Digest: h.d,
			Why: fmt.Sprintf("its digest %s is the published digest of %s %s (%s)", d, h.im.Repositories[0], strings.Join(h.d.Tags, ", "), h.d.Platform)})
	}
	for _, r := range ev.Refs {
		if r.Tag == "" {
			continue
		}
		es, mirror := m.entriesFor(r)
		for _, im := range es {
			if seen[im] {
				continue
			}
			if h, ok := m.tagHit(im, r, known, ev); ok {
				seen[im] = true
				h.Mirror = mirror
				out = append(out, h)
			}
		}
	}
	return out
}

// tagHit judges a reference's tag against one entry; known are the
// digests the image is known by.
func (m *Matcher) tagHit(im *ImageIOC, r ImageRef, known map[string]bool, ev ImageEvidence) (ImageHit, bool) {
	bad := containsFold(im.Tags, r.Tag)
	restored := containsFold(im.RestoredTags, r.Tag)
	if !bad && !restored {
		return ImageHit{}, false
	}
	// Does a known digest contradict the name? Only when the entry
	// publishes digests for this tag: then a pull from the vendor's
	// registry would have given one of them.
	published := false
	for _, d := range im.Digests {
		if containsFold(d.Tags, r.Tag) || restored {
			published = true
		}
	}
	contradicted := published && len(known) > 0
	h := ImageHit{Image: im, By: "tag", Ref: r}
	if bad {
		if contradicted {
			h.Severity = "medium"
			h.Why = fmt.Sprintf("the tag %s named only the bad release, but the image's digest is not one the sources published: a re-push or a rebuild under that name; its layers decide", r.Tag)
			return h, true
		}
		h.Severity = "high"
		h.Why = fmt.Sprintf("the tag %s named only the bad release (the vendor never published a clean image under it)", r.Tag)
		return h, true
	}
	if contradicted {
		return ImageHit{}, false // a restored tag at a digest that is not the bad one: the clean image
	}
	w, ok := m.windows[im.Window]
	if !ok {
		return ImageHit{}, false
	}
	span := fmt.Sprintf("%s – %s UTC", w.Start.UTC().Format("2006-01-02 15:04"), w.End.UTC().Format("2006-01-02 15:04"))
	switch {
	case !ev.Resolved.IsZero() && w.Contains(ev.Resolved):
		h.Severity = "high"
		h.Why = fmt.Sprintf("the tag %s pointed to the bad image during %s, and it was resolved at %s, inside that window", r.Tag, span, ev.Resolved.UTC().Format(time.RFC3339))
	case ev.Resolved.IsZero() && !ev.Built.IsZero() && !ev.Built.Before(w.Start.Add(-buildSlack)) && !ev.Built.After(w.End):
		h.Severity = "high"
		h.Why = fmt.Sprintf("the tag %s pointed to the bad image during %s, and this image was built at %s, just before or inside that window", r.Tag, span, ev.Built.UTC().Format(time.RFC3339))
	case ev.Resolved.IsZero() && ev.Built.IsZero():
		h.Severity = "medium"
		h.Why = fmt.Sprintf("the tag %s pointed to the bad image only during %s (clean images before and after): whatever resolved it then got the bad image; when it was resolved here is unknown", r.Tag, span)
	default:
		return ImageHit{}, false // resolved or built outside the window: the clean image
	}
	return h, true
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
