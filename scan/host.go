package scan

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/targets/images"
	"github.com/litesweep/litesweep/targets/live"
)

// HostOptions are what one host sweep needs, however it was asked for
// (litesweep host, rotate, remediate).
type HostOptions struct {
	// Root is the tree to sweep: / for this machine, or a mounted disk.
	Root string
	// Skips are absolute paths inside the root not walked, with the reason
	// (nil: sweep.DefaultSkips).
	Skips map[string]string
	// Window grades timestamps (nil: the pack's package window).
	Window *sweep.Window
	// Live inspects processes, connections and units; only when Root is /.
	Live bool
	// Mounts chooses which filesystems below the root are walked.
	Mounts sweep.MountPolicy
	// Pseudo also walks /proc, /sys, /dev and /run.
	Pseudo bool
	// Workers is the number of directory-reading goroutines (0: default).
	Workers int
	// MaxHashSize caps the bytes of one file hashed or scanned (0: default).
	MaxHashSize int64
	// Images also sweeps every image of the local engine at DockerHost.
	Images     bool
	DockerHost string
}

// Host walks the tree once with every host collector, adds the local
// engine's images and the live host's processes, connections and units when
// asked, and returns the finished report with its timeline and, when
// COMPROMISED or EXPOSED, its rotation plan. Interrupted by ctx, it returns
// the partial report.
func Host(ctx context.Context, env Env, o HostOptions) (*sweep.Report, error) {
	if err := env.check(); err != nil {
		return nil, err
	}
	root, err := filepath.Abs(o.Root)
	if err != nil {
		return nil, usagef("root %q: %w", o.Root, err)
	}
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return nil, usagef("root %q is not a directory", o.Root)
	}
	skips := o.Skips
	if skips == nil {
		skips = sweep.DefaultSkips
	}
	window := packWindow(env, o.Window)
	onHost := root == "/" && o.Live
	r := newReport(env, sweep.KindHost)
	r.Scan.Root = root
	r.Scan.Window = &window
	rootFS, err := sweep.OpenTree(root) // never blocks on a FIFO etc/passwd or etc/hostname
	if err != nil {
		return nil, usagef("root %q: %w", o.Root, err)
	}
	defer rootFS.Close()
	r.Scan.Hostname = Hostname(rootFS, root)
	homes := sweep.Homes(rootFS)

	counters := &sweep.Counters{}
	sink := sweep.NewCollection(counters)
	cs := collectors.Host(collectors.Options{Matcher: env.Matcher, Homes: homes, Window: window, Live: onHost,
		MaxHashSize: o.MaxHashSize, Now: env.clock()})
	if err := collectors.Validate(cs); err != nil {
		return nil, err
	}
	w := &sweep.Walker{Root: root, Workers: o.Workers, Skips: skips, Mounts: o.Mounts, Pseudo: o.Pseudo,
		Collectors: cs, Sink: sink, Counters: counters}
	stop := Every(env.Progress, func() string {
		s := counters.Snapshot()
		return fmt.Sprintf("%d dirs, %d files seen, %d read, %d errors", s.DirsRead, s.FilesSeen, s.FilesRead, s.Errors)
	})
	walkErr := w.Walk(ctx)
	stop()
	if walkErr != nil && ctx.Err() == nil {
		return nil, walkErr
	}
	var nImages, nLayers int64
	if o.Images && ctx.Err() == nil {
		// The local engine's images, into the same sink (host --images).
		s := newImageScanner(env, window, o.MaxHashSize, sink, counters)
		// An unreachable engine is recorded in the sink at its address.
		r.Scan.Targets, _ = s.ScanEngine(ctx, images.DockerHost(o.DockerHost), nil)
		nImages, nLayers = s.Stats()
	}
	if onHost && ctx.Err() == nil {
		// Running processes, connections to C2 addresses, backdoor units.
		live.New(env.Matcher).Collect(ctx, sink)
	}
	r.Findings, r.Errors = sink.Drain()
	r.Environments = sink.Environments()
	r.Learned = sink.Learned()
	r.Stats = counters.Snapshot()
	r.Stats.Images, r.Stats.Layers = nImages, nLayers
	return finish(ctx, env, r, finishing{timeline: true, homes: homes}), nil
}

// Hostname names the swept system: the live host's name when root is /,
// else the tree's etc/hostname ("" when neither is known).
func Hostname(fsys fs.FS, root string) string {
	if root == "/" {
		if h, err := os.Hostname(); err == nil {
			return h
		}
	}
	if b, err := sweep.ReadFileLimit(fsys, "etc/hostname", 255); err == nil {
		if h := strings.TrimSpace(string(b)); h != "" {
			return h
		}
	}
	return ""
}
