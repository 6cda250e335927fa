package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/urfave/cli/v2"

	"github.com/litesweep/litesweep/fleet"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/render"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/escape"
)

func mergeCommand() *cli.Command {
	return &cli.Command{
		Name:      "merge",
		Usage:     "merge many JSON reports (hosts, images, GitHub, clusters) into one fleet report",
		ArgsUsage: "REPORT...",
		Description: "Reads the JSON reports written with --format json and writes one fleet report: systems by verdict,\n" +
			"the rotation checklist de-duplicated by credential (with every system it was found on), and all\n" +
			"timelines side by side. Inputs that cannot be used (unreadable, truncated, written by a newer\n" +
			"litesweep, not a report) are listed as skipped with the reason; of two reports of the same system\n" +
			"the newest is the system's state and the earlier ones its history: a system re-swept CLEAN after a\n" +
			"COMPROMISED or EXPOSED report is REMEDIATED, and its credentials stay on the checklist until a report\n" +
			"or a checklist (litesweep rotate --rotated ID --format json, given as an input) marks them rotated.\n" +
			"Reports are read one at a time; the JSON references each system's report by path and SHA-256\n" +
			"(--embed copies them in). --format html writes one self-contained page (no fetches).\n\n" +
			"Exit codes: 1 when a system has a finding at or above --fail-on (or a REMEDIATED system's credentials\n" +
			"are still to rotate), 3 when nothing was found but an\n" +
			"input was skipped or a system's coverage was incomplete, 2 usage error, 0 otherwise." + "\n\n" +
			examples(
				"litesweep merge reports/*.json                   # table: systems by verdict",
				"litesweep merge reports/*.json -f html -o fleet.html",
				"litesweep merge reports/*.json -f json -o fleet.json --fail-on high",
			),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "table", Usage: "report `FORMAT`: " + strings.Join(render.FleetFormats, "|")},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the fleet report to `FILE` (atomically, mode 0600) instead of stdout"},
			&cli.StringFlag{Name: "fail-on", Value: "medium", Usage: "exit 1 when a finding is at or above `SEVERITY`: critical|high|medium|low|info"},
			&cli.BoolFlag{Name: "embed", Usage: "json: copy each system's full report into the fleet report instead of referencing it by path and SHA-256"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress and no closing line on stderr (skipped inputs are still named)"},
			wideFlag(),
		},
		Action: runMerge,
	}
}

// mergeMemoryLimit is merge's soft heap limit unless GOMEMLIMIT says
// otherwise.
const mergeMemoryLimit = 400 << 20

func runMerge(c *cli.Context) error {
	format := strings.ToLower(c.String("format"))
	if !slices.Contains(render.FleetFormats, format) {
		return usagef("unknown --format %q for merge (want one of %s)", c.String("format"), strings.Join(render.FleetFormats, ", "))
	}
	failOn, err := sweep.ParseSeverity(c.String("fail-on"))
	if err != nil {
		return usagef("--fail-on: %v", err)
	}
	if c.NArg() == 0 {
		return usagef("merge needs at least one REPORT (JSON written by litesweep ... --format json)")
	}
	// A merge holds a few kilobytes per system for its whole run; under
	// main's 192 MiB soft limit the collector runs almost without pause
	// once that reaches the limit (10,000 systems), and the cost per system
	// grows with the fleet. Its own limit keeps merge linear and under
	// 500 MB (docs/BENCHMARKS.md).
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(mergeMemoryLimit)
	}
	if err := checkOutput(c); err != nil {
		return err
	}
	out := c.String("output")
	b := &fleet.Builder{Tool: mergeTool()}
	if l, err := iocs.Builtin(); err == nil {
		b.Tool.PackID, b.Tool.PackVersion, b.Tool.PackSHA256, b.Tool.PackFrom = l.ID, l.Version, l.SHA256, l.From
		for _, p := range l.Packs {
			b.Tool.Packs = append(b.Tool.Packs, sweep.PackRef{ID: p.ID, Version: p.Version, SHA256: p.SHA256, From: p.From})
		}
	}
	var read atomic.Int64
	total := c.NArg()
	stop := sweep.Every(progress(c), func() string { return fmt.Sprintf("merged %d/%d reports", read.Load(), total) })
	defer stop()
	for _, p := range c.Args().Slice() {
		read.Add(1)
		if c.Context.Err() != nil {
			return exitCode(sweep.ExitInterrupted)
		}
		if out != "" && sameFile(p, out) {
			b.Skip(p, fleet.SkipNotReport, "this is the --output file of this merge")
			continue
		}
		b.AddFile(p)
	}
	stop()
	f := b.Fleet()
	defer f.Close()
	opts := renderOptions(c)
	opts.Embed = c.Bool("embed")
	if out == "" {
		if err := render.WriteFleet(c.App.Writer, format, f, opts); err != nil {
			return fmt.Errorf("render %s: %w", format, err)
		}
	} else {
		if err := sweep.WriteAtomic(out, func(w io.Writer) error {
			if err := render.WriteFleet(w, format, f, opts); err != nil {
				return fmt.Errorf("render %s: %w", format, err)
			}
			return nil
		}); err != nil {
			return err
		}
	}
	for _, s := range f.Skipped {
		fmt.Fprintf(c.App.ErrWriter, "litesweep merge: skipped %s (%s): %s\n", escape.Text(s.Path), escape.Text(string(s.Kind)), escape.Text(s.Reason))
	}
	code := f.ExitCode(failOn)
	if out != "" && !c.Bool("quiet") {
		fmt.Fprintf(c.App.ErrWriter, "litesweep merge: %d systems, verdict %s; fleet report written to %s\n", len(f.Hosts), escape.Text(string(f.Verdict)), escape.Text(out))
	}
	return exitCode(code)
}

func sameFile(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}

// mergeTool is the fleet report's producer.
func mergeTool() sweep.Tool {
	t := toolIdentity()
	return sweep.Tool{Name: t.Name, Version: t.Version, Commit: t.Commit}
}
