package images

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/litesweep/litesweep/sweep"
)

// RegistryOptions tune a whole-registry sweep.
type RegistryOptions struct {
	RemoteOptions
	// Keychain defaults to the docker config and its credential helpers.
	Keychain authn.Keychain
	// Since skips images whose config says they were created earlier
	// (zero: sweep all). Only the config is fetched for a skipped image.
	Since time.Time
	// Jobs is how many images are resolved and read at once (default 4);
	// each reads its layers one at a time, so it bounds blob downloads too.
	Jobs int
	// PageSize is the n= of catalog and tag list requests (0: the
	// registry's default); pages are followed through their Link headers.
	PageSize int
	// MaxRepos and MaxTags bound what one registry or repository may list.
	MaxRepos, MaxTags int
	// Backoff overrides the client's retry backoff (tests).
	Backoff *remote.Backoff
}

// Registry limits.
const (
	DefaultRegistryJobs = 4
	DefaultMaxRepos     = 100_000
	DefaultMaxTags      = 100_000
)

// RegistryTarget is what --registry names: a whole registry (HOST[:PORT])
// or one repository (HOST[:PORT]/NAMESPACE/REPO).
type RegistryTarget struct {
	Registry name.Registry
	Repo     *name.Repository // nil for the whole registry
}

// String is the target as given, normalised.
func (t RegistryTarget) String() string {
	if t.Repo != nil {
		return t.Repo.Name()
	}
	return t.Registry.Name()
}

// ParseRegistryTarget parses --registry.
func ParseRegistryTarget(s string, insecure bool) (RegistryTarget, error) {
	var opts []name.Option
	if insecure {
		opts = append(opts, name.Insecure)
	}
	opts = append(opts, name.StrictValidation)
	s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://"), "/")
	if !strings.Contains(s, "/") {
		r, err := name.NewRegistry(s, opts...)
		if err != nil {
			return RegistryTarget{}, err
		}
		return RegistryTarget{Registry: r}, nil
	}
	host, _, _ := strings.Cut(s, "/")
	if !strings.ContainsAny(host, ".:") && host != "localhost" {
		return RegistryTarget{}, fmt.Errorf("%q: the first part must be a registry host (e.g. ghcr.io/org/repo)", s)
	}
	if strings.ContainsAny(s, "@") || strings.Contains(s[len(host):], ":") {
		return RegistryTarget{}, fmt.Errorf("%q: name a repository, not a tag or digest (use --remote for one image)", s)
	}
	repo, err := name.NewRepository(s, opts...)
	if err != nil {
		return RegistryTarget{}, err
	}
	return RegistryTarget{Registry: repo.Registry, Repo: &repo}, nil
}

// registryRun is one --registry sweep in progress.
type registryRun struct {
	s      *Scanner
	o      RegistryOptions
	puller *remote.Puller
	ropts  []remote.Option
	host   string
	nopts  []name.Option
	jobs   chan tagJob
	mu     sync.Mutex
	names  []string
}

type tagJob struct {
	ref name.Tag
}

// ScanRegistry sweeps every tag of every repository of a registry (listed
// with the catalog API, paginated) or of one repository, resolving each tag
// to its image or, for an index, to every platform's image (or the one of
// o.Platform). Each distinct layer digest is read once across the whole
// registry (the Scanner's layer cache), the config first (o.Since). It
// returns the names of the images swept.
func (s *Scanner) ScanRegistry(ctx context.Context, t RegistryTarget, o RegistryOptions) []string {
	if o.Jobs <= 0 {
		o.Jobs = DefaultRegistryJobs
	}
	if o.MaxRepos <= 0 {
		o.MaxRepos = DefaultMaxRepos
	}
	if o.MaxTags <= 0 {
		o.MaxTags = DefaultMaxTags
	}
	kc := o.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	ropts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(kc), remote.WithUserAgent("litesweep")}
	if o.Transport != nil {
		ropts = append(ropts, remote.WithTransport(o.Transport))
	} else if dt, ok := remote.DefaultTransport.(*http.Transport); ok {
		// A registry that accepts a request and never answers must not
		// hang the sweep: headers within two minutes (bodies stream).
		t := dt.Clone()
		t.ResponseHeaderTimeout = 2 * time.Minute
		ropts = append(ropts, remote.WithTransport(t))
	}
	if o.PageSize > 0 {
		ropts = append(ropts, remote.WithPageSize(o.PageSize))
	}
	if o.Backoff != nil {
		ropts = append(ropts, remote.WithRetryBackoff(*o.Backoff))
	}
	run := &registryRun{s: s, o: o, host: t.Registry.Name(), jobs: make(chan tagJob), nopts: []name.Option{name.StrictValidation}}
	if o.Insecure {
		run.nopts = append(run.nopts, name.Insecure)
	}
	p, err := remote.NewPuller(ropts...)
	if err != nil {
		s.sourceError(sweep.Location{URL: t.String()}, fmt.Errorf("registry %s: %w", t, err))
		return nil
	}
	run.puller = p
	run.ropts = append(ropts, remote.Reuse(p))

	var wg sync.WaitGroup
	for range o.Jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range run.jobs {
				run.tag(ctx, j.ref)
			}
		}()
	}
	if t.Repo != nil {
		run.repo(ctx, *t.Repo)
	} else {
		run.catalog(ctx, t.Registry)
	}
	close(run.jobs)
	wg.Wait()
	return run.names
}

func (r *registryRun) errorAt(loc sweep.Location, err error) {
	r.s.Sink.Error(sweep.Error{Location: loc, Collector: collectorName, Message: err.Error()})
}

// catalog lists every repository, page by page, and sweeps each.
func (r *registryRun) catalog(ctx context.Context, reg name.Registry) {
	loc := sweep.Location{URL: reg.Name()}
	c, err := r.puller.Catalogger(ctx, reg)
	if err != nil {
		r.errorAt(loc, fmt.Errorf("registry %s: catalog (/v2/_catalog) not listed: %w (registries without a catalog, such as Docker Hub or GHCR, take --registry HOST/NAMESPACE/REPO)", reg.Name(), err))
		return
	}
	seen := map[string]bool{}
	for c.HasNext() {
		if ctx.Err() != nil {
			r.errorAt(loc, fmt.Errorf("registry %s: catalog not finished: interrupted", reg.Name()))
			return
		}
		page, err := c.Next(ctx)
		if err != nil {
			r.errorAt(loc, fmt.Errorf("registry %s: catalog page not read after %d repositories: %w", reg.Name(), len(seen), err))
			return
		}
		for _, rn := range page.Repos {
			if seen[rn] {
				continue
			}
			if len(seen) >= r.o.MaxRepos {
				r.errorAt(loc, fmt.Errorf("registry %s: more than %d repositories listed; the rest were not swept", reg.Name(), r.o.MaxRepos))
				return
			}
			seen[rn] = true
			repo, err := name.NewRepository(reg.Name()+"/"+rn, r.nopts...)
			if err != nil {
				r.errorAt(loc, fmt.Errorf("registry %s: catalog lists an unusable repository name %q: %v", reg.Name(), printable([]byte(rn), 200), err))
				continue
			}
			r.repo(ctx, repo)
		}
		if len(page.Repos) == 0 {
			break
		}
	}
}

// repo lists a repository's tags, page by page, and queues each.
func (r *registryRun) repo(ctx context.Context, repo name.Repository) {
	loc := sweep.Location{Image: repo.Name()}
	l, err := r.puller.Lister(ctx, repo)
	if err != nil {
		r.errorAt(loc, fmt.Errorf("repository %s: tags not listed: %w", repo.Name(), err))
		return
	}
	seen := map[string]bool{}
	for l.HasNext() {
		if ctx.Err() != nil {
			r.errorAt(loc, fmt.Errorf("repository %s: tags not all swept: interrupted", repo.Name()))
			return
		}
		page, err := l.Next(ctx)
		if err != nil {
			r.errorAt(loc, fmt.Errorf("repository %s: tag list page not read after %d tags: %w", repo.Name(), len(seen), err))
			return
		}
		for _, tag := range page.Tags {
			if seen[tag] {
				continue
			}
			if len(seen) >= r.o.MaxTags {
				r.errorAt(loc, fmt.Errorf("repository %s: more than %d tags listed; the rest were not swept", repo.Name(), r.o.MaxTags))
				return
			}
			seen[tag] = true
			t, err := name.NewTag(repo.Name()+":"+tag, r.nopts...)
			if err != nil {
				r.errorAt(loc, fmt.Errorf("repository %s lists an unusable tag %q: %v", repo.Name(), printable([]byte(tag), 200), err))
				continue
			}
			select {
			case r.jobs <- tagJob{ref: t}:
			case <-ctx.Done():
				r.errorAt(loc, fmt.Errorf("repository %s: tags not all swept: interrupted", repo.Name()))
				return
			}
		}
		if len(page.Tags) == 0 {
			break
		}
	}
	if len(seen) == 0 {
		r.s.Sink.Error(sweep.Error{Location: loc, Collector: collectorName, Kind: sweep.ErrKindSkipped, Message: "repository " + repo.Name() + " has no tags (untagged manifests are not listed by the registry API)"})
	}
}

// tag resolves one tag and sweeps its image or its index's images.
func (r *registryRun) tag(ctx context.Context, ref name.Tag) {
	loc := sweep.Location{Image: ref.Name()}
	if ctx.Err() != nil {
		r.errorAt(loc, errors.New("tag not swept: interrupted"))
		return
	}
	desc, err := remote.Get(ref, r.ropts...)
	if err != nil {
		r.errorAt(loc, fmt.Errorf("tag %s not resolved: %w", ref.Name(), err))
		return
	}
	r.descriptor(ctx, ref, desc.Descriptor, func() (v1.ImageIndex, error) { return desc.ImageIndex() }, func() (v1.Image, error) { return desc.Image() }, "", nil, 0)
}

// descriptor sweeps an image, or every (matching) image of an index;
// parents are the digests of the indexes above it.
func (r *registryRun) descriptor(ctx context.Context, ref name.Tag, d v1.Descriptor, index func() (v1.ImageIndex, error), image func() (v1.Image, error), platform string, parents []string, depth int) {
	loc := sweep.Location{Image: ref.Name() + "@" + d.Digest.String()}
	digests := append(append([]string(nil), parents...), d.Digest.String())
	switch {
	case d.MediaType.IsIndex():
		if depth > 2 {
			r.errorAt(loc, fmt.Errorf("index nested more than 2 deep: not followed"))
			return
		}
		idx, err := index()
		if err != nil {
			r.errorAt(loc, fmt.Errorf("index of %s not read: %w", ref.Name(), err))
			return
		}
		im, err := idx.IndexManifest()
		if err != nil {
			r.errorAt(loc, fmt.Errorf("index of %s not read: %w", ref.Name(), err))
			return
		}
		matched := 0
		for _, m := range im.Manifests {
			m := m
			plat := "unknown platform"
			if m.Platform != nil {
				plat = m.Platform.String()
			}
			mloc := sweep.Location{Image: ref.Name() + "@" + m.Digest.String()}
			if !m.MediaType.IsIndex() && !m.MediaType.IsImage() {
				r.s.Sink.Error(sweep.Error{Location: mloc, Collector: collectorName, Kind: sweep.ErrKindSkipped,
					Message: fmt.Sprintf("index entry of media type %q is not an image: not swept", printable([]byte(m.MediaType), 100))})
				continue
			}
			if r.o.Platform != nil && m.MediaType.IsImage() {
				if m.Platform == nil || !m.Platform.Satisfies(*r.o.Platform) {
					continue
				}
			}
			matched++
			digest := m.Digest
			r.descriptor(ctx, ref, m,
				func() (v1.ImageIndex, error) { return idx.ImageIndex(digest) },
				func() (v1.Image, error) { return idx.Image(digest) }, plat, digests, depth+1)
		}
		if matched == 0 {
			what := "no image"
			if r.o.Platform != nil {
				what = "no image for platform " + r.o.Platform.String()
			}
			r.s.Sink.Error(sweep.Error{Location: loc, Collector: collectorName, Kind: sweep.ErrKindSkipped, Message: "index of " + ref.Name() + " has " + what})
		}
	case d.MediaType.IsImage() || d.MediaType == "":
		img, err := image()
		if err != nil {
			r.errorAt(loc, fmt.Errorf("image %s not read: %w", ref.Name(), err))
			return
		}
		r.image(ctx, ref, d, img, platform, digests)
	default:
		r.s.Sink.Error(sweep.Error{Location: loc, Collector: collectorName, Kind: sweep.ErrKindSkipped,
			Message: fmt.Sprintf("%s is a %q manifest, not an image: not swept", ref.Name(), printable([]byte(d.MediaType), 100))})
	}
}

// image sweeps one resolved image: config first (--since), then layers.
func (r *registryRun) image(ctx context.Context, ref name.Tag, d v1.Descriptor, ri v1.Image, platform string, digests []string) {
	nm := ref.Name() + "@" + d.Digest.String()
	src := "registry " + r.host
	if platform != "" {
		src += " (" + platform + ")"
	}
	img := &Image{Name: nm, Names: []string{nm, ref.Name()}, Digests: digests, Source: src}
	if r.o.Since.IsZero() {
		if !r.s.scanV1Image(ctx, img, d, ri) {
			return
		}
	} else {
		cfg, err := ri.ConfigFile()
		if err == nil && !cfg.Created.IsZero() && cfg.Created.Time.Before(r.o.Since) {
			// Its layers are not read, but its name and digests are known:
			// a bad image is reported whatever its age.
			img.Config = cfg
			r.s.reportBadImage(img)
			r.s.Sink.Error(sweep.Error{Location: sweep.Location{Image: nm}, Collector: collectorName, Kind: sweep.ErrKindSkipped,
				Message: fmt.Sprintf("created %s, before --since %s: layers not read", cfg.Created.UTC().Format(time.RFC3339), r.o.Since.UTC().Format(time.RFC3339))})
			return
		}
		if !r.s.scanV1Image(ctx, img, d, ri) {
			return
		}
	}
	r.mu.Lock()
	r.names = append(r.names, nm)
	r.mu.Unlock()
}

// scanV1Image fills img from a go-containerregistry image (config first,
// then the layer list; blobs are fetched only when a layer is read, once
// per digest across the Scanner) and scans it. d is the descriptor that led
// to it (zero for a manifest reached by tag). It reports false when the
// manifest is not a platform image (an attestation, signature or SBOM
// referrer: recorded, not read).
func (s *Scanner) scanV1Image(ctx context.Context, img *Image, d v1.Descriptor, ri v1.Image) bool {
	if m, err := ri.Manifest(); err == nil {
		if k := artefactKind(d, m); k != "" {
			img.NotPlatform = k
			s.ScanImage(ctx, img)
			return false
		}
	}
	if h, err := ri.ConfigName(); err == nil {
		img.ID = h.String()
	}
	cfg, err := ri.ConfigFile()
	if err != nil {
		img.Err = fmt.Errorf("config: %w", err)
		s.ScanImage(ctx, img)
		return true
	}
	img.Config = cfg
	ls, err := ri.Layers()
	if err != nil {
		img.Err = fmt.Errorf("layers: %w", err)
		s.ScanImage(ctx, img)
		return true
	}
	for i, l := range ls {
		d, err := l.Digest()
		if err != nil {
			img.Err = fmt.Errorf("layer %d: %w", i, err)
			break
		}
		l := l
		ly := Layer{Key: d.String(), Digest: d.String(), Open: func(context.Context) (io.ReadCloser, error) { return l.Compressed() }}
		if i < len(cfg.RootFS.DiffIDs) {
			ly.DiffID = cfg.RootFS.DiffIDs[i].String()
		}
		img.Layers = append(img.Layers, ly)
	}
	s.ScanImage(ctx, img)
	return true
}
