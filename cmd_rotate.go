package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/litesweep/litesweep/fleet"
	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/render"
	"github.com/litesweep/litesweep/scan"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/escape"
)

// rotateCommand builds the credential-rotation checklist.
func rotateCommand() *cli.Command {
	return &cli.Command{
		Name:      "rotate",
		Usage:     "list the credentials to rotate, why, and how: from saved reports or a sweep of --root",
		ArgsUsage: " ",
		Description: "With --report, builds the checklist from saved JSON reports (host, images, github; repeatable).\n" +
			"Otherwise sweeps --root (default /) with every host collector, inventories the credentials the stealer\n" +
			"read (names, never values) and keeps those the findings exposed. --all lists every inventoried\n" +
			"credential even where nothing exposed it. --rotated ID marks an item rotated now (rotated_at in the\n" +
			"JSON); give that JSON checklist to litesweep merge to mark that system's duty done: the fleet item\n" +
			"stays pending until every system holding the credential is marked, unless it is provably the same\n" +
			"credential everywhere (the same key id).\n\n" +
			"Exit codes: 0 nothing to rotate, 1 credentials to rotate, 2 usage error, 3 an input report was skipped." + "\n\n" +
			examples(
				"litesweep rotate -r host.json -r github.json -o rotate.md",
				"litesweep rotate --root /mnt/disk -f csv          # sweep a disk and list what to rotate",
				"litesweep rotate -r host.json --all -f json",
				"litesweep rotate -r host.json --rotated ROT-8F2A19C0D1 -f json -o rotated.json",
			),
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "root", Value: "/", Usage: "sweep the tree at `DIR` (ignored with --report)"},
			&cli.StringSliceFlag{Name: "report", Aliases: []string{"r"}, Usage: "build from the saved JSON report `FILE` (repeatable)"},
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "markdown", Usage: "checklist `FORMAT`: " + strings.Join(render.ChecklistFormats, "|")},
			wideFlag(),
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the checklist to `FILE` (atomically, mode 0600) instead of stdout"},
			&cli.StringSliceFlag{Name: "rotated", Usage: "mark the item `ID` (ROT-..., from this checklist or a fleet report) rotated now (repeatable)"},
			&cli.BoolFlag{Name: "all", Usage: "also list inventoried credentials that no finding exposed"},
			&cli.BoolFlag{Name: "no-live", Usage: "do not read running processes' environment names (implied by --root other than /)"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress on stderr"},
		}, packFlags()...),
		Action: runRotate,
	}
}

func runRotate(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("rotate takes no arguments (got %q); use --report FILE or --root DIR", c.Args().First())
	}
	format := strings.ToLower(c.String("format"))
	if !slices.Contains(render.ChecklistFormats, format) {
		if slices.Contains(render.Formats, format) {
			return usagef("--format %s does not fit a rotation checklist (a list of credentials to rotate, not findings); want one of %s", format, strings.Join(render.ChecklistFormats, ", "))
		}
		return usagef("unknown --format %q (want one of %s)", c.String("format"), strings.Join(render.ChecklistFormats, ", "))
	}
	if err := checkOutput(c); err != nil {
		return err
	}
	l, m, err := loadPack(c)
	if err != nil {
		return err
	}
	cl := &remediate.Checklist{Generated: time.Now().UTC()}
	var reports []*sweep.Report
	skipped := 0
	if files := c.StringSlice("report"); len(files) > 0 {
		for _, f := range files {
			rs, _, err := fleet.ReadFile(f)
			if err != nil {
				skipped++
				fmt.Fprintf(c.App.ErrWriter, "litesweep: skipping report %s: %s\n", escape.Text(f), escape.Text(err.Error()))
				cl.Notes = append(cl.Notes, fmt.Sprintf("skipped %s: %v", filepath.Base(f), err))
				continue
			}
			for _, r := range rs {
				reports = append(reports, r)
				cl.Sources = append(cl.Sources, source(filepath.Base(f), r))
			}
		}
		if len(reports) == 0 {
			return usagef("no usable report among %d given", len(files))
		}
	} else {
		// The same sweep as litesweep host over --root: findings and the
		// credential inventory.
		root, err := rootFlag(c)
		if err != nil {
			return err
		}
		r, err := scan.Run(c.Context, newEnv(c, l, m), scan.HostOptions{Root: root, Live: !c.Bool("no-live")})
		if err != nil {
			return err
		}
		reports = append(reports, r)
		cl.Sources = append(cl.Sources, source("sweep of "+r.Scan.Root, r))
		if r.Scan.Interrupted {
			cl.Notes = append(cl.Notes, "the sweep was interrupted: this checklist holds only what was found until then")
		}
	}
	cl.Inventoried = remediate.Inventoried(reports)
	cl.Items = scan.Plan(reports, l.Pack, c.Bool("all"))
	cl.Guards = remediate.Guards(reports, l.Pack)
	if err := markRotated(cl.Items, c.StringSlice("rotated"), cl.Generated); err != nil {
		return err
	}
	if len(cl.Items) == 0 && cl.Inventoried > 0 && !c.Bool("all") {
		cl.Notes = append(cl.Notes, strconv.Itoa(cl.Inventoried)+" credentials were inventoried but no finding exposed them; use --all to list them")
	}
	o := renderOptions(c)
	o.Rerun = rotateRerun(c)
	var buf bytes.Buffer
	if err := render.Output(&buf, render.DocChecklist, format, cl, o); err != nil {
		return err
	}
	if out := c.String("output"); out != "" {
		if err := sweep.WriteFileAtomic(out, buf.Bytes()); err != nil {
			return err
		}
	} else if _, err := c.App.Writer.Write(buf.Bytes()); err != nil {
		return err
	}
	switch {
	case c.Context.Err() != nil:
		return exitCode(sweep.ExitInterrupted)
	case skipped > 0:
		return exitCode(sweep.ExitIncomplete)
	case len(cl.Items) > 0:
		return exitCode(sweep.ExitFindings)
	}
	return nil
}

// markRotated sets RotatedAt on the items named by ids: an item's own id or
// the fleet id of its credential (fleet.RotationID). Unknown ids are a
// usage error, so a typo is not taken for a rotation.
func markRotated(items []sweep.RotationItem, ids []string, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[strings.ToUpper(strings.TrimSpace(id))] = false
	}
	for i := range items {
		it := &items[i]
		for _, id := range []string{it.ID, fleet.RotationID(*it)} {
			if _, ok := want[id]; ok {
				want[id] = true
				t := now
				it.RotatedAt = &t
			}
		}
	}
	var unknown []string
	for id, found := range want {
		if !found {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return usagef("--rotated: no item %s in this checklist", strings.Join(unknown, ", "))
	}
	return nil
}

// rotateRerun is the rotate command that builds this checklist again
// from the same inputs (without format and output): the table's and the
// page's next steps add --rotated to it.
func rotateRerun(c *cli.Context) string {
	args := []string{"litesweep", "rotate"}
	if files := c.StringSlice("report"); len(files) > 0 {
		for _, f := range files {
			args = append(args, "-r", render.ShellWord(f))
		}
	} else {
		if root := c.String("root"); root != "/" {
			args = append(args, "--root", render.ShellWord(root))
		}
		if c.Bool("no-live") {
			args = append(args, "--no-live")
		}
	}
	if c.Bool("iocs-only") {
		args = append(args, "--iocs-only")
	}
	for _, f := range c.StringSlice("iocs") {
		args = append(args, "--iocs", render.ShellWord(f))
	}
	if c.Bool("all") {
		args = append(args, "--all")
	}
	return strings.Join(args, " ")
}

func source(from string, r *sweep.Report) remediate.Source {
	host := r.Scan.Hostname
	if host == "" {
		host = r.Scan.Root
	}
	if host == "" && len(r.Scan.Targets) > 0 {
		host = strings.Join(r.Scan.Targets, ", ")
	}
	root := ""
	if r.Scan.Root != "/" {
		root = r.Scan.Root
	}
	return remediate.Source{From: from, Kind: string(r.Scan.Kind), Host: host, Root: root, Verdict: string(r.Verdict), Findings: len(r.Findings)}
}
