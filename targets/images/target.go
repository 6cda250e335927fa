package images

import (
	"context"
	"fmt"

	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/sweep"
)

// Kind is the images target's report kind: container images, layer by layer.
const Kind sweep.ScanKind = "images"

// Target names the image sources of one images sweep. With no source at
// all, or with Engine, the local engine at DockerHost is swept.
type Target struct {
	Archives  []string // docker save tarballs or tarred OCI layouts
	Layouts   []string // OCI image layout directories
	DataRoots []string // engine stores read without the engine
	Remotes   []string // image references pulled from their registries
	// Registries are swept whole (every repository and tag) with Registry.
	Registries []RegistryTarget
	// Registry holds the registry options: Insecure and Platform also
	// apply to Remotes.
	Registry RegistryOptions
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

func (Target) Kind() sweep.ScanKind             { return Kind }
func (Target) Categories() []sweep.CategoryInfo { return Categories }

// Exposures: none; an image exposes the credential inventory of its layers.
func (Target) Exposures() []sweep.ExposedKind { return nil }

// Sweep reads every layer of every image of the sources once and runs the
// file collectors on each layer.
func (t *Target) Sweep(ctx context.Context, env sweep.TargetEnv, out *sweep.TargetOut) error {
	window := env.PackWindow(t.Window)
	r := out.Report
	r.Scan.Window = &window
	counters := &sweep.Counters{}
	sink := sweep.NewCollection(counters)
	s := NewScanner(env, window, t.MaxHashSize, sink, counters)
	s.Limits.MaxLayerBytes = t.MaxLayerBytes
	stop := sweep.Every(env.Progress, func() string {
		images, layers := s.Stats()
		st := counters.Snapshot()
		return fmt.Sprintf("%d images, %d layers, %d files seen, %d read", images, layers, st.FilesSeen, st.FilesRead)
	})
	var targets []string
	sources := 0
	for _, f := range t.Archives {
		sources++
		for _, img := range s.ScanArchiveFile(ctx, f) {
			targets = append(targets, img.Name)
		}
	}
	for _, d := range t.Layouts {
		sources++
		for _, img := range s.ScanLayout(ctx, d) {
			targets = append(targets, img.Name)
		}
	}
	for _, d := range t.DataRoots {
		sources++
		targets = append(targets, s.ScanDataRoot(ctx, d, t.Only)...)
	}
	for _, ref := range t.Remotes {
		sources++
		targets = append(targets, s.ScanRemote(ctx, ref, RemoteOptions{Insecure: t.Registry.Insecure, Platform: t.Registry.Platform})...)
	}
	for _, rt := range t.Registries {
		sources++
		// The registry (or repository) is the target; each finding names
		// its image reference and manifest digest.
		s.ScanRegistry(ctx, rt, t.Registry)
		targets = append(targets, "registry "+rt.String())
	}
	if sources == 0 || t.Engine {
		host := DockerHost(t.DockerHost)
		// An unreachable engine is recorded in the sink at its address.
		found, _ := s.ScanEngine(ctx, host, t.Only)
		targets = append(targets, found...)
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
	out.Timeline = true
	return nil
}

// NewScanner builds the image scanner with the host collectors.
func NewScanner(env sweep.TargetEnv, window sweep.Window, maxHashSize int64, sink sweep.Sink, counters *sweep.Counters) *Scanner {
	return &Scanner{
		Options: collectors.Options{Matcher: env.Matcher, Window: window, Live: false, MaxHashSize: maxHashSize, Now: env.Now},
		Sink:    sink, Counters: counters,
	}
}
