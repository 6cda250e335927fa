package images

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/litesweep/litesweep/sweep"
)

// RemoteOptions tune registry access; the zero value uses the docker config
// credentials (authn.DefaultKeychain) and the default transport.
type RemoteOptions struct {
	Transport http.RoundTripper
	Insecure  bool // allow plain http (tests, local registries)
	Platform  *v1.Platform
}

// ScanRemote pulls one reference from its registry through
// go-containerregistry (credentials from ~/.docker/config.json and its
// helpers) and scans its layers as streams, never to disk. A multi-platform
// index resolves to the requested platform (default linux/amd64).
func (s *Scanner) ScanRemote(ctx context.Context, ref string, o RemoteOptions) []string {
	loc := sweep.Location{URL: ref}
	var nopts []name.Option
	if o.Insecure {
		nopts = append(nopts, name.Insecure)
	}
	r, err := name.ParseReference(ref, nopts...)
	if err != nil {
		s.sourceError(loc, fmt.Errorf("--remote %q: %w", ref, err))
		return nil
	}
	ropts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}
	if o.Transport != nil {
		ropts = append(ropts, remote.WithTransport(o.Transport))
	}
	if o.Platform != nil {
		ropts = append(ropts, remote.WithPlatform(*o.Platform))
	}
	img := &Image{Name: r.String(), Names: []string{r.String()}, Source: "remote " + r.Context().RegistryStr()}
	ri, err := remote.Image(r, ropts...)
	if err != nil {
		img.Err = fmt.Errorf("pull: %w", err)
		s.ScanImage(ctx, img)
		return []string{img.Name}
	}
	if d, ok := r.(name.Digest); ok {
		img.Digests = append(img.Digests, d.DigestStr())
	}
	if h, err := ri.Digest(); err == nil && !slices.Contains(img.Digests, h.String()) {
		img.Digests = append(img.Digests, h.String())
	}
	if !s.scanV1Image(ctx, img, v1.Descriptor{}, ri) {
		return nil
	}
	return []string{img.Name}
}
