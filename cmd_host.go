package main

import (
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/litesweep/litesweep/scan"
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
			crossMountsFlag(), noCrossMountsFlag("verdict INCOMPLETE unless named with --skip"),
			&cli.BoolFlag{Name: "pseudo", Usage: "also walk /proc, /sys, /dev and /run"},
			&cli.StringSliceFlag{Name: "skip", Usage: "do not walk `DIR` (absolute inside the root; repeatable)"},
			&cli.StringFlag{Name: "window", Usage: "exposure window `START..END` (default: the pack's PyPI window)"},
			&cli.IntFlag{Name: "workers", Usage: "`N` directory-reading goroutines (default 4 per CPU)"},
			sizeFlag("max-hash-size", scan.DefaultMaxHashSize, "hash or scan at most `SIZE` of one file (larger files are recorded as skipped)"),
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
	window, err := windowFlag(c)
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
	root, err := rootFlag(c)
	if err != nil {
		return err
	}
	r, err := scan.Run(c.Context, newEnv(c, l, m), scan.HostOptions{Root: root, Skips: skips, Window: window,
		Live: !c.Bool("no-live"), Mounts: mounts, Pseudo: c.Bool("pseudo"), Workers: c.Int("workers"),
		MaxHashSize: sizeValue(c, "max-hash-size"), Images: c.Bool("images"), DockerHost: c.String("docker-host")})
	if err != nil {
		return err
	}
	return emitReport(c, r, failOn)
}
