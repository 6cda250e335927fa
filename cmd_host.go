package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/litesweep/litesweep/collectors"
	livestate "github.com/litesweep/litesweep/collectors/live"
	"github.com/litesweep/litesweep/sweep"
)

func hostCommand() *cli.Command {
	return &cli.Command{
		Name:  "host",
		Usage: "sweep this machine, or a mounted disk with --root, for the litellm/TeamPCP compromise",
		Description: "Walks the filesystem once and checks every Python environment (site-packages, .pth hooks,\n" +
			"RECORD hashes), persistence and staging files, package caches, lockfiles, shell history and, on the\n" +
			"live host, running processes. It never executes, imports or pip-shows anything it finds.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "root", Value: "/", Usage: "sweep the tree at `DIR` as a mounted disk; paths in the report are relative to it"},
			&cli.BoolFlag{Name: "cross-mounts", Usage: "descend into other filesystems mounted below the root"},
			&cli.BoolFlag{Name: "pseudo", Usage: "also walk /proc, /sys, /dev and /run"},
			&cli.StringSliceFlag{Name: "skip", Usage: "do not walk `DIR` (absolute inside the root; repeatable)"},
			&cli.StringFlag{Name: "window", Usage: "exposure window `START..END` (default: the pack's PyPI window)"},
			&cli.IntFlag{Name: "workers", Usage: "directory-reading goroutines (default 4 per CPU)"},
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
	root, err := filepath.Abs(c.String("root"))
	if err != nil {
		return usagef("--root: %v", err)
	}
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return usagef("--root %q is not a directory", c.String("root"))
	}
	window := sweep.Window{Source: "pack"}
	if s := c.String("window"); s != "" {
		w, err := parseWindow(s)
		if err != nil {
			return err
		}
		window = *w
	} else {
		window.Start, window.End = m.PackageWindow()
		for _, pk := range l.Packages {
			if pk.Window != "" {
				window.Source = pk.Window
				break
			}
		}
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
	live := root == "/" && !c.Bool("no-live")

	r := newReport("host", l)
	r.Scan.Root = root
	r.Scan.Window = &window
	rootFS, err := os.OpenRoot(root)
	if err != nil {
		return usagef("--root: %v", err)
	}
	defer rootFS.Close()
	r.Scan.Hostname = hostname(rootFS.FS(), root)
	homes := sweep.Homes(rootFS.FS())

	counters := &sweep.Counters{}
	sink := sweep.NewCollection(counters)
	opts := collectors.Options{Matcher: m, Homes: homes, Window: window, Live: live,
		MaxHashSize: c.Int64("max-hash-size"), Now: time.Now}
	cs := collectors.Host(opts)
	if err := collectors.Validate(cs); err != nil {
		return err
	}
	w := &sweep.Walker{Root: root, Workers: c.Int("workers"), Skips: skips, CrossMounts: c.Bool("cross-mounts"),
		Collectors: cs, Sink: sink, Counters: counters}
	if pw := progressWriter(c); pw != nil {
		w.Progress = func(s sweep.Stats) { progress(pw, s) }
	}
	walkErr := w.Walk(c.Context)
	if pw := progressWriter(c); pw != nil {
		fmt.Fprint(pw, "\r\033[K")
	}
	if walkErr != nil && c.Context.Err() == nil {
		return walkErr
	}
	var imageCount, layerCount int64
	if c.Bool("images") && c.Context.Err() == nil {
		r.Scan.Targets, imageCount, layerCount = scanEngineImages(c.Context, c, m, window, sink, counters)
	}
	if live && c.Context.Err() == nil {
		// Running processes, connections to C2 addresses, backdoor units.
		livestate.New(m).Collect(c.Context, sink)
	}
	r.Findings, r.Errors = sink.Drain()
	r.Environments = sink.Environments()
	r.Stats = counters.Snapshot()
	r.Stats.Images, r.Stats.Layers = imageCount, layerCount
	sweep.BuildTimeline(r, homes) // timeline, per-environment and per-user verdicts
	r.Scan.Finished = time.Now().UTC()
	addRotation(r, l) // the rotation checklist, when COMPROMISED or EXPOSED
	return emitReport(c, r, failOn)
}

// hostname names the swept system: the live host's name, or the mounted
// root's etc/hostname.
func hostname(fsys fs.FS, root string) string {
	if root == "/" {
		if h, err := os.Hostname(); err == nil {
			return h
		}
	}
	if b, err := fs.ReadFile(fsys, "etc/hostname"); err == nil && len(b) < 256 {
		if h := strings.TrimSpace(string(b)); h != "" {
			return h
		}
	}
	return ""
}

func progress(w io.Writer, s sweep.Stats) {
	fmt.Fprintf(w, "\r\033[Klitesweep: %d dirs, %d files seen, %d read, %d errors", s.DirsRead, s.FilesSeen, s.FilesRead, s.Errors)
}
