package scan

import (
	"context"
	"fmt"

	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/targets/images"
)

// ImagesOptions name the image sources of one images sweep. With no source
// at all, or with Engine, the local engine at DockerHost is swept.
type ImagesOptions struct {
	Archives  []string // docker save tarballs or tarred OCI layouts
	Layouts   []string // OCI image layout directories
	DataRoots []string // engine stores read without the engine
	Remotes   []string // image references pulled from their registries
	// Registries are swept whole (every repository and tag) with Registry.
	Registries []images.RegistryTarget
	// Registry holds the registry options: Insecure and Platform also
	// apply to Remotes.
	Registry images.RegistryOptions
	// Engine sweeps the local engine even when other sources are named.
	Engine     bool
	DockerHost string
	// Only narrows engine and data-root scans to these names, ids or id prefixes.
	Only []string
	// Window grades timestamps (nil: the pack's package window).
	Window        *sweep.Window
	MaxHashSize   int64 // per wanted file (0: default)
	MaxLayerBytes int64 // per decompressed layer (0: default)
}

// Images reads every layer of every image of the sources once, runs the
// file collectors on each layer, and returns the finished report.
func Images(ctx context.Context, env Env, o ImagesOptions) (*sweep.Report, error) {
	if err := env.check(); err != nil {
		return nil, err
	}
	window := packWindow(env, o.Window)
	r := newReport(env, sweep.KindImages)
	r.Scan.Window = &window
	counters := &sweep.Counters{}
	sink := sweep.NewCollection(counters)
	s := newImageScanner(env, window, o.MaxHashSize, sink, counters)
	s.Limits.MaxLayerBytes = o.MaxLayerBytes
	stop := Every(env.Progress, func() string {
		images, layers := s.Stats()
		st := counters.Snapshot()
		return fmt.Sprintf("%d images, %d layers, %d files seen, %d read", images, layers, st.FilesSeen, st.FilesRead)
	})
	var targets []string
	sources := 0
	for _, f := range o.Archives {
		sources++
		for _, img := range s.ScanArchiveFile(ctx, f) {
			if img.NotPlatform == "" {
				targets = append(targets, img.Name)
			}
		}
	}
	for _, d := range o.Layouts {
		sources++
		for _, img := range s.ScanLayout(ctx, d) {
			if img.NotPlatform == "" {
				targets = append(targets, img.Name)
			}
		}
	}
	for _, d := range o.DataRoots {
		sources++
		targets = append(targets, s.ScanDataRoot(ctx, d, o.Only)...)
	}
	for _, ref := range o.Remotes {
		sources++
		targets = append(targets, s.ScanRemote(ctx, ref, images.RemoteOptions{Insecure: o.Registry.Insecure, Platform: o.Registry.Platform})...)
	}
	for _, t := range o.Registries {
		sources++
		// The registry (or repository) is the target; each finding names
		// its image reference and manifest digest.
		s.ScanRegistry(ctx, t, o.Registry)
		targets = append(targets, "registry "+t.String())
	}
	if sources == 0 || o.Engine {
		host := images.DockerHost(o.DockerHost)
		// An unreachable engine is recorded in the sink at its address.
		t, _ := s.ScanEngine(ctx, host, o.Only)
		targets = append(targets, t...)
		r.Scan.Root = host
	}
	stop()
	r.Scan.Targets = targets
	r.Findings, r.Errors = sink.Drain()
	r.Environments = sink.Environments()
	r.Learned = sink.Learned()
	r.Stats = counters.Snapshot()
	r.Stats.Images, r.Stats.Layers = s.Stats()
	// Per-image environments and users ("<image> <path>", "<user>@<image>"),
	// the timeline, and the rotation checklist, as for a host.
	return finish(ctx, env, r, finishing{timeline: true}), nil
}

// newImageScanner builds the image scanner with the host collectors.
func newImageScanner(env Env, window sweep.Window, maxHashSize int64, sink sweep.Sink, counters *sweep.Counters) *images.Scanner {
	return &images.Scanner{
		Options: collectors.Options{Matcher: env.Matcher, Window: window, Live: false, MaxHashSize: maxHashSize, Now: env.clock()},
		Sink:    sink, Counters: counters,
	}
}
