// Package host is the host target: one parallel walk of a live host or a
// mounted disk with every file collector, the local engine's images when
// asked, and on the live host its processes, connections and units.
package host

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

// Kind is the host target's report kind: a live host or a mounted disk.
const Kind sweep.ScanKind = "host"

// Target is one host sweep, however it was asked for (litesweep host,
// rotate, remediate).
type Target struct {
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

func (Target) Kind() sweep.ScanKind { return Kind }

// Categories: the file collectors declare theirs; the host adds the live
// inspection's.
func (Target) Categories() []sweep.CategoryInfo { return live.Categories }

// Exposures: none; a host exposes its own credential inventory.
func (Target) Exposures() []sweep.ExposedKind { return nil }

// Sweep walks the tree once with every host collector, adds the local
// engine's images and the live host's processes, connections and units when
// asked. Interrupted by ctx, it leaves the partial report.
func (t *Target) Sweep(ctx context.Context, env sweep.TargetEnv, out *sweep.TargetOut) error {
	root, err := filepath.Abs(t.Root)
	if err != nil {
		return sweep.Usagef("root %q: %w", t.Root, err)
	}
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return sweep.Usagef("root %q is not a directory", t.Root)
	}
	skips := t.Skips
	if skips == nil {
		skips = sweep.DefaultSkips
	}
	window := env.PackWindow(t.Window)
	onHost := root == "/" && t.Live
	r := out.Report
	r.Scan.Root = root
	r.Scan.Window = &window
	rootFS, err := sweep.OpenTree(root) // never blocks on a FIFO etc/passwd or etc/hostname
	if err != nil {
		return sweep.Usagef("root %q: %w", t.Root, err)
	}
	defer rootFS.Close()
	r.Scan.Hostname = Hostname(rootFS, root)
	homes := sweep.Homes(rootFS)

	counters := &sweep.Counters{}
	sink := sweep.NewCollection(counters)
	cs := collectors.Host(collectors.Options{Matcher: env.Matcher, Homes: homes, Window: window, Live: onHost,
		MaxHashSize: t.MaxHashSize, Now: env.Now})
	if err := collectors.Validate(cs); err != nil {
		return err
	}
	w := &sweep.Walker{Root: root, Workers: t.Workers, Skips: skips, Mounts: t.Mounts, Pseudo: t.Pseudo,
		Collectors: cs, Sink: sink, Counters: counters}
	stop := sweep.Every(env.Progress, func() string {
		s := counters.Snapshot()
		return fmt.Sprintf("%d dirs, %d files seen, %d read, %d errors", s.DirsRead, s.FilesSeen, s.FilesRead, s.Errors)
	})
	walkErr := w.Walk(ctx)
	stop()
	if walkErr != nil && ctx.Err() == nil {
		return walkErr
	}
	var nImages, nLayers int64
	if t.Images && ctx.Err() == nil {
		// The local engine's images, into the same sink (host --images).
		s := images.NewScanner(env, window, t.MaxHashSize, sink, counters)
		// An unreachable engine is recorded in the sink at its address.
		r.Scan.Targets, _ = s.ScanEngine(ctx, images.DockerHost(t.DockerHost), nil)
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
	out.Timeline, out.Homes = true, homes
	return nil
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
