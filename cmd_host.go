package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/iocs"
	livestate "github.com/litesweep/litesweep/scan/live"
	"github.com/litesweep/litesweep/sweep"
)

func hostCommand() *cli.Command {
	return &cli.Command{
		Name:  "host",
		Usage: "sweep this machine, or a mounted disk with --root, for the litellm/TeamPCP compromise",
		Description: "Walks the filesystem once and checks every Python environment (site-packages, .pth hooks,\n" +
			"RECORD hashes), persistence and staging files, package caches, lockfiles, shell history and, on the\n" +
			"live host, running processes. It never executes, imports or pip-shows anything it finds." + "\n\n" +
			examples(
				"litesweep host                                   # this machine: every user, every local filesystem",
				"litesweep host --root /mnt/evidence --no-live    # a disk image mounted read-only",
				"litesweep host -f json -o /var/tmp/host.json -q  # for a fleet run; merge the files later",
				"litesweep host --images                          # also every local Docker image",
				"litesweep host --skip /srv/backups --fail-on high",
			),
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "root", Value: "/", Usage: "sweep the tree at `DIR` as a mounted disk; paths in the report are relative to it"},
			mountFlags()[0], mountFlags()[1],
			&cli.BoolFlag{Name: "pseudo", Usage: "also walk /proc, /sys, /dev and /run"},
			&cli.StringSliceFlag{Name: "skip", Usage: "do not walk `DIR` (absolute inside the root; repeatable)"},
			&cli.StringFlag{Name: "window", Usage: "exposure window `START..END` (default: the pack's PyPI window)"},
			&cli.IntFlag{Name: "workers", Usage: "`N` directory-reading goroutines (default 4 per CPU)"},
			&cli.Int64Flag{Name: "max-hash-size", Value: collectors.DefaultMaxHashSize, Usage: "hash or scan at most `BYTES` of one file (larger files are recorded as skipped)"},
			&cli.BoolFlag{Name: "no-live", Usage: "do not inspect running processes, connections and units (implied by --root other than /)"},
			&cli.BoolFlag{Name: "images", Usage: "also sweep every image of the local Docker engine, layer by layer, as litesweep images does"},
			&cli.StringFlag{Name: "docker-host", Usage: "engine address `URI` for --images (default $DOCKER_HOST, else unix:///var/run/docker.sock)"},
		}, reportFlags()...),
		Action: runHost,
	}
}

func runHost(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("host takes no arguments (got %q); use --root DIR", c.Args().First())
	}
	failOn, l, m, err := reportSetup(c)
	if err != nil {
		return err
	}
	window, err := sweepWindow(c, l, m)
	if err != nil {
		return err
	}
	mounts, err := mountPolicy(c)
	if err != nil {
		return err
	}
	skips := map[string]string{}
	for p, why := range sweep.DefaultSkips {
		if c.Bool("pseudo") && (p == "/proc" || p == "/sys" || p == "/dev" || p == "/run") {
			continue
		}
		skips[p] = why
	}
	for _, s := range c.StringSlice("skip") {
		if !strings.HasPrefix(s, "/") {
			return usagef("--skip %q must be absolute inside the root", s)
		}
		skips[filepath.ToSlash(filepath.Clean(s))] = "--skip"
	}
	r, err := sweepHostTree(c, l, m, hostOptions{root: c.String("root"), skips: skips, window: window,
		live: !c.Bool("no-live"), mounts: mounts, pseudo: c.Bool("pseudo"), workers: c.Int("workers"),
		maxHashSize: c.Int64("max-hash-size"), images: c.Bool("images")})
	if err != nil {
		return err
	}
	addRotation(r, l) // the rotation checklist, when COMPROMISED or EXPOSED
	return emitReport(c, r, failOn)
}

// mountFlags choose which filesystems below the root are walked.
func mountFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "cross-mounts", Usage: "also walk network and remote filesystems (NFS, SMB, sshfs and other FUSE) mounted below the root; local ones are always walked"},
		&cli.BoolFlag{Name: "no-cross-mounts", Usage: "stay on the root's filesystem; local filesystems mounted below it are then listed as not checked (verdict INCOMPLETE unless named with --skip)"},
	}
}

// mountPolicy reads --cross-mounts and --no-cross-mounts.
func mountPolicy(c *cli.Context) (sweep.MountPolicy, error) {
	switch {
	case c.Bool("cross-mounts") && c.Bool("no-cross-mounts"):
		return 0, usagef("--cross-mounts and --no-cross-mounts contradict each other")
	case c.Bool("cross-mounts"):
		return sweep.MountsAll, nil
	case c.Bool("no-cross-mounts"):
		return sweep.MountsNone, nil
	}
	return sweep.MountsLocal, nil
}

// hostOptions are what one host sweep needs, however it was asked for.
type hostOptions struct {
	root        string
	skips       map[string]string
	window      sweep.Window
	live        bool // inspect processes, connections and units (only when root is /)
	mounts      sweep.MountPolicy
	pseudo      bool // also walk pseudo filesystems
	workers     int
	maxHashSize int64
	images      bool // also sweep the local engine's images
}

// sweepHostTree walks the tree once with every host collector, adds live
// state and images when asked, and builds the timeline. Used by host and
// rotate; the caller finalises and renders.
func sweepHostTree(c *cli.Context, l *iocs.Loaded, m *iocs.Matcher, o hostOptions) (*sweep.Report, error) {
	root, err := filepath.Abs(o.root)
	if err != nil {
		return nil, usagef("--root: %v", err)
	}
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return nil, usagef("--root %q is not a directory", o.root)
	}
	live := root == "/" && o.live
	r := newReport("host", l)
	r.Scan.Root = root
	r.Scan.Window = &o.window
	rootFS, err := sweep.OpenTree(root) // never blocks on a FIFO etc/passwd or etc/hostname
	if err != nil {
		return nil, usagef("--root: %v", err)
	}
	defer rootFS.Close()
	r.Scan.Hostname = hostname(rootFS, root)
	homes := sweep.Homes(rootFS)

	counters := &sweep.Counters{}
	sink := sweep.NewCollection(counters)
	cs := collectors.Host(collectors.Options{Matcher: m, Homes: homes, Window: o.window, Live: live,
		MaxHashSize: o.maxHashSize, Now: time.Now})
	if err := collectors.Validate(cs); err != nil {
		return nil, err
	}
	w := &sweep.Walker{Root: root, Workers: o.workers, Skips: o.skips, Mounts: o.mounts, Pseudo: o.pseudo,
		Collectors: cs, Sink: sink, Counters: counters}
	stop := startProgress(c, func() string {
		s := counters.Snapshot()
		return fmt.Sprintf("%d dirs, %d files seen, %d read, %d errors", s.DirsRead, s.FilesSeen, s.FilesRead, s.Errors)
	})
	walkErr := w.Walk(c.Context)
	stop()
	if walkErr != nil && c.Context.Err() == nil {
		return nil, walkErr
	}
	var imageCount, layerCount int64
	if o.images && c.Context.Err() == nil {
		r.Scan.Targets, imageCount, layerCount = scanEngineImages(c.Context, c, m, o.window, sink, counters)
	}
	if live && c.Context.Err() == nil {
		// Running processes, connections to C2 addresses, backdoor units.
		livestate.New(m).Collect(c.Context, sink)
	}
	r.Findings, r.Errors = sink.Drain()
	r.Environments = sink.Environments()
	r.Learned = sink.Learned()
	r.Stats = counters.Snapshot()
	r.Stats.Images, r.Stats.Layers = imageCount, layerCount
	sweep.BuildTimeline(r, homes) // timeline, per-environment and per-user verdicts
	r.Scan.Finished = time.Now().UTC()
	r.Scan.Interrupted = c.Context.Err() != nil
	return r, nil
}

// hostname names the swept system: the live host's name, or the mounted
// root's etc/hostname.
func hostname(fsys fs.FS, root string) string {
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
