package image

import (
	"context"
	"fmt"
	"io"
	"net/http"

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
	if h, err := ri.ConfigName(); err == nil {
		img.ID = h.String()
	}
	cfg, err := ri.ConfigFile()
	if err != nil {
		img.Err = fmt.Errorf("config: %w", err)
		s.ScanImage(ctx, img)
		return []string{img.Name}
	}
	img.Config = cfg
	ls, err := ri.Layers()
	if err != nil {
		img.Err = fmt.Errorf("layers: %w", err)
		s.ScanImage(ctx, img)
		return []string{img.Name}
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
	return []string{img.Name}
}
