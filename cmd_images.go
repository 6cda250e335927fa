package main

import (
	"context"
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/urfave/cli/v2"

	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/scan/images"
	"github.com/litesweep/litesweep/sweep"
)

func imagesCommand() *cli.Command {
	return &cli.Command{
		Name:      "images",
		Usage:     "sweep container images layer by layer (local engine, docker save tarballs, OCI layouts, engine data roots, registries)",
		ArgsUsage: "[IMAGE...]",
		Description: "Reads every layer of every image once, as a stream, and runs the host collectors on each layer's\n" +
			"files. A finding names the image, the layer and the Dockerfile step that added it, and says whether\n" +
			"the file is visible in the final image (critical) or only in its history (high: it shipped, and\n" +
			"anything present during that build may have leaked). Containers using an affected image are listed.\n" +
			"With no source flag, every image of the local engine is scanned; IMAGE names, IDs or ID prefixes\n" +
			"narrow the engine and data-root scans.\n\n" +
			"--registry sweeps a whole registry: repositories from the catalog API, every tag, every platform of an\n" +
			"index (or --platform), each distinct layer digest downloaded and read once however many images share\n" +
			"it, the config first (--since skips old images after their config alone). Repositories or tags that\n" +
			"cannot be listed or resolved are named in the report.\n\n" +
			examples(
				"litesweep images                                 # every image of the local engine",
				"litesweep images python:3.12-slim myapp:latest   # some of them",
				"litesweep images --archive app.tar --oci-layout ./layout",
				"litesweep images --remote registry.example.com/team/app:1.4",
				"litesweep images --registry registry.internal:5000 --since 2026-03-01 -f json -o registry.json",
				"litesweep images --registry ghcr.io/acme/api --platform linux/amd64",
				"litesweep images --data-root /mnt/disk/var/lib/docker   # a dead host's engine store",
			),
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "docker-host", Usage: "engine address `URI` (default $DOCKER_HOST, else " + images.DefaultDockerHost + ")"},
			&cli.StringSliceFlag{Name: "archive", Usage: "scan a `FILE` written by docker save (legacy or OCI flavour), or a tarred OCI layout (repeatable)"},
			&cli.StringSliceFlag{Name: "oci-layout", Usage: "scan an OCI image layout `DIR` (repeatable)"},
			&cli.StringSliceFlag{Name: "data-root", Usage: "scan an engine store `DIR` without the engine: a Docker data root, a containerd root or a containers/storage root, or a mounted host root holding them (repeatable)"},
			&cli.StringSliceFlag{Name: "remote", Usage: "pull and scan `REF` from its registry with the docker config's credentials (repeatable)"},
			&cli.StringSliceFlag{Name: "registry", Usage: "sweep every tag of every repository of the registry `HOST[:PORT]` (catalog API), or of one repository HOST/NAMESPACE/REPO (registries without a catalog: Docker Hub, GHCR); repeatable"},
			&cli.BoolFlag{Name: "insecure-registry", Usage: "allow plain-HTTP registries for --remote and --registry"},
			&cli.StringFlag{Name: "platform", Usage: "for --remote and --registry indexes, sweep only `OS/ARCH[/VARIANT]` (default: --registry sweeps every platform, --remote linux/amd64)"},
			&cli.StringFlag{Name: "since", Usage: "--registry: skip images whose config says they were created before `DATE` (YYYY-MM-DD or RFC 3339)"},
			&cli.IntFlag{Name: "jobs", Value: images.DefaultRegistryJobs, Usage: "--registry: resolve and read `N` images at once (bounds parallel blob downloads)"},
			&cli.StringFlag{Name: "window", Usage: "exposure window `START..END` (default: the pack's PyPI window)"},
			&cli.Int64Flag{Name: "max-hash-size", Value: collectors.DefaultMaxHashSize, Usage: "buffer, hash or scan at most `BYTES` of one wanted file"},
			&cli.Int64Flag{Name: "max-layer-size", Value: images.DefaultMaxLayerBytes, Usage: "read at most `BYTES` of one decompressed layer (decompression bombs)"},
		}, reportFlags()...),
		Action: runImages,
	}
}

func runImages(c *cli.Context) error {
	failOn, l, m, err := reportSetup(c)
	if err != nil {
		return err
	}
	window, err := sweepWindow(c, l, m)
	if err != nil {
		return err
	}
	r := newReport("images", l)
	r.Scan.Window = &window
	counters := &sweep.Counters{}
	sink := sweep.NewCollection(counters)
	s := newImageScanner(c, m, window, sink, counters)
	s.Limits.MaxLayerBytes = c.Int64("max-layer-size")

	ctx := c.Context
	stop := startProgress(c, func() string {
		images, layers := s.Stats()
		st := counters.Snapshot()
		return fmt.Sprintf("%d images, %d layers, %d files seen, %d read", images, layers, st.FilesSeen, st.FilesRead)
	})
	var regOpts images.RegistryOptions
	var targetsReg []images.RegistryTarget
	if regs := c.StringSlice("registry"); len(regs) > 0 || c.IsSet("platform") || c.IsSet("since") {
		if regOpts, targetsReg, err = registryFlags(c, regs); err != nil {
			return err
		}
	}
	only := c.Args().Slice()
	var targets []string
	sources := 0
	for _, f := range c.StringSlice("archive") {
		sources++
		for _, img := range s.ScanArchiveFile(ctx, f) {
			targets = append(targets, img.Name)
		}
	}
	for _, d := range c.StringSlice("oci-layout") {
		sources++
		for _, img := range s.ScanLayout(ctx, d) {
			targets = append(targets, img.Name)
		}
	}
	for _, d := range c.StringSlice("data-root") {
		sources++
		targets = append(targets, s.ScanDataRoot(ctx, d, only)...)
	}
	for _, ref := range c.StringSlice("remote") {
		sources++
		targets = append(targets, s.ScanRemote(ctx, ref, images.RemoteOptions{Insecure: c.Bool("insecure-registry"), Platform: regOpts.Platform})...)
	}
	for _, t := range targetsReg {
		sources++
		// The registry (or repository) is the target; each finding names
		// its image reference and manifest digest.
		s.ScanRegistry(ctx, t, regOpts)
		targets = append(targets, "registry "+t.String())
	}
	host := images.DockerHost(c.String("docker-host"))
	if sources == 0 || c.IsSet("docker-host") {
		t, _ := s.ScanEngine(ctx, host, only)
		targets = append(targets, t...)
		r.Scan.Root = host
	}
	stop()
	r.Scan.Targets = targets
	finishImageReport(r, l, s, sink, counters)
	return emitReport(c, r, failOn)
}

// registryFlags checks --registry, --platform, --since and --jobs.
func registryFlags(c *cli.Context, regs []string) (images.RegistryOptions, []images.RegistryTarget, error) {
	o := images.RegistryOptions{RemoteOptions: images.RemoteOptions{Insecure: c.Bool("insecure-registry")}, Jobs: c.Int("jobs")}
	if p := c.String("platform"); p != "" {
		pl, err := v1.ParsePlatform(p)
		if err != nil || pl.OS == "" || pl.Architecture == "" {
			return o, nil, usagef("--platform %q: want OS/ARCH[/VARIANT], e.g. linux/arm64", p)
		}
		o.Platform = pl
	}
	if d := c.String("since"); d != "" {
		t, err := parseTime(d)
		if err != nil {
			return o, nil, usagef("--since: %v", err)
		}
		o.Since = t
	}
	if o.Jobs < 1 || o.Jobs > 64 {
		return o, nil, usagef("--jobs %d: want 1..64", o.Jobs)
	}
	var out []images.RegistryTarget
	for _, r := range regs {
		t, err := images.ParseRegistryTarget(r, o.Insecure)
		if err != nil {
			return o, nil, usagef("--registry: %v", err)
		}
		out = append(out, t)
	}
	return o, out, nil
}

// newImageScanner builds the image scanner with the host collectors.
func newImageScanner(c *cli.Context, m *iocs.Matcher, window sweep.Window, sink sweep.Sink, counters *sweep.Counters) *images.Scanner {
	return &images.Scanner{
		Options: collectors.Options{Matcher: m, Window: window, Live: false, MaxHashSize: c.Int64("max-hash-size"), Now: time.Now},
		Sink:    sink, Counters: counters,
	}
}

func finishImageReport(r *sweep.Report, l *iocs.Loaded, s *images.Scanner, sink *sweep.Collection, counters *sweep.Counters) {
	r.Findings, r.Errors = sink.Drain()
	r.Environments = sink.Environments()
	r.Learned = sink.Learned()
	r.Stats = counters.Snapshot()
	r.Stats.Images, r.Stats.Layers = s.Stats()
	// Per-image environments and users ("<image> <path>", "<user>@<image>"),
	// the timeline, and the rotation checklist, as for a host.
	sweep.BuildTimeline(r, nil)
	r.Scan.Finished = time.Now().UTC()
	addRotation(r, l)
}

// sweepWindow is --window or the pack's package window.
func sweepWindow(c *cli.Context, l *iocs.Loaded, m *iocs.Matcher) (sweep.Window, error) {
	window := sweep.Window{Source: "pack"}
	if s := c.String("window"); s != "" {
		w, err := parseWindow(s)
		if err != nil {
			return window, err
		}
		return *w, nil
	}
	window.Start, window.End = m.PackageWindow()
	for _, pk := range l.Packages {
		if pk.Window != "" {
			window.Source = pk.Window
			break
		}
	}
	return window, nil
}

// scanEngineImages folds the local engine's images into another sweep
// (`litesweep host --images`).
func scanEngineImages(ctx context.Context, c *cli.Context, m *iocs.Matcher, window sweep.Window, sink sweep.Sink, counters *sweep.Counters) (targets []string, nImages, nLayers int64) {
	s := newImageScanner(c, m, window, sink, counters)
	host := images.DockerHost(c.String("docker-host"))
	t, err := s.ScanEngine(ctx, host, nil)
	if err != nil {
		// Recorded in the sink as an error at the engine address.
		_ = fmt.Sprint(err)
	}
	nImages, nLayers = s.Stats()
	return t, nImages, nLayers
}
