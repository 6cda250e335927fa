package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/sweep"
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
			"credential even where nothing exposed it.\n\n" +
			"Exit codes: 0 nothing to rotate, 1 credentials to rotate, 2 usage error, 3 an input report was skipped.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "root", Value: "/", Usage: "sweep the tree at `DIR` (ignored with --report)"},
			&cli.StringSliceFlag{Name: "report", Aliases: []string{"r"}, Usage: "build from the saved JSON report `FILE` (repeatable)"},
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "markdown", Usage: "checklist format: markdown|csv|json"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the checklist to `FILE` (atomically, mode 0600) instead of stdout"},
			&cli.BoolFlag{Name: "all", Usage: "also list inventoried credentials that no finding exposed"},
			&cli.BoolFlag{Name: "no-live", Usage: "do not read running processes' environment names (implied by --root other than /)"},
			&cli.StringFlag{Name: "iocs", Usage: "load the IOC pack from `FILE` instead of the built-in one"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress on stderr"},
		},
		Action: runRotate,
	}
}

func runRotate(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("rotate takes no arguments (got %q); use --report FILE or --root DIR", c.Args().First())
	}
	format := strings.ToLower(c.String("format"))
	if !slices.Contains(remediate.ChecklistFormats, format) {
		return usagef("unknown --format %q (want one of %s)", c.String("format"), strings.Join(remediate.ChecklistFormats, ", "))
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
			r, err := readReport(f)
			if err != nil {
				skipped++
				fmt.Fprintf(c.App.ErrWriter, "litesweep: skipping %v\n", err)
				cl.Notes = append(cl.Notes, fmt.Sprintf("skipped %s: %v", filepath.Base(f), err))
				continue
			}
			reports = append(reports, r)
			cl.Sources = append(cl.Sources, source(filepath.Base(f), r))
		}
		if len(reports) == 0 {
			return usagef("no usable report among %d given", len(files))
		}
	} else {
		r, err := sweepForRotation(c, l, m)
		if err != nil {
			return err
		}
		reports = append(reports, r)
		cl.Sources = append(cl.Sources, source("sweep of "+r.Scan.Root, r))
		if r.Scan.Interrupted {
			cl.Notes = append(cl.Notes, "the sweep was interrupted: this checklist holds only what was found until then")
		}
	}
	for _, r := range reports {
		for _, f := range r.Findings {
			if f.Category == remediate.CredentialCategory {
				cl.Inventoried++
			}
		}
	}
	cl.Items = remediate.PlanAll(reports, l.Pack, remediate.PlanOptions{All: c.Bool("all")})
	if len(cl.Items) == 0 && cl.Inventoried > 0 && !c.Bool("all") {
		cl.Notes = append(cl.Notes, strconv.Itoa(cl.Inventoried)+" credentials were inventoried but no finding exposed them; use --all to list them")
	}
	var buf bytes.Buffer
	if err := remediate.WriteChecklist(&buf, format, cl); err != nil {
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

func source(from string, r *sweep.Report) remediate.Source {
	host := r.Scan.Hostname
	if host == "" {
		host = r.Scan.Root
	}
	if host == "" && len(r.Scan.Targets) > 0 {
		host = strings.Join(r.Scan.Targets, ", ")
	}
	return remediate.Source{From: from, Kind: r.Scan.Kind, Host: host, Verdict: string(r.Verdict), Findings: len(r.Findings)}
}

// maxReportSize caps a saved report read by rotate.
const maxReportSize = 512 << 20

// readReport reads a saved JSON report, refusing a newer schema major
// version and saying where a truncated or malformed file breaks.
func readReport(path string) (*sweep.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", path, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxReportSize+1))
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", path, err)
	}
	if len(b) > maxReportSize {
		return nil, fmt.Errorf("report %s: larger than %d bytes", path, maxReportSize)
	}
	var r sweep.Report
	if err := json.Unmarshal(b, &r); err != nil {
		var se *json.SyntaxError
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "unexpected end of JSON input"):
			return nil, fmt.Errorf("report %s: truncated JSON (ends after %d bytes)", path, len(b))
		case errors.As(err, &se):
			return nil, fmt.Errorf("report %s: malformed JSON at byte %d: %v", path, se.Offset, err)
		}
		return nil, fmt.Errorf("report %s: not a litesweep report: %w", path, err)
	}
	if r.SchemaVersion == "" {
		return nil, fmt.Errorf("report %s: no schema_version: not a litesweep report", path)
	}
	major := func(v string) int { n, _ := strconv.Atoi(strings.SplitN(v, ".", 2)[0]); return n }
	if major(r.SchemaVersion) > major(sweep.ReportSchemaVersion) {
		return nil, fmt.Errorf("report %s: schema version %s is newer than this build reads (%s); use a newer litesweep", path, r.SchemaVersion, sweep.ReportSchemaVersion)
	}
	return &r, nil
}

// sweepForRotation runs the host collectors over --root and returns the
// finalised report (findings and credential inventory).
func sweepForRotation(c *cli.Context, l *iocs.Loaded, m *iocs.Matcher) (*sweep.Report, error) {
	root, err := filepath.Abs(c.String("root"))
	if err != nil {
		return nil, usagef("--root: %v", err)
	}
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return nil, usagef("--root %q is not a directory", c.String("root"))
	}
	rootFS, err := os.OpenRoot(root)
	if err != nil {
		return nil, usagef("--root: %v", err)
	}
	defer rootFS.Close()
	r := newReport("host", l)
	r.Scan.Root = root
	r.Scan.Hostname = hostname(rootFS.FS(), root)
	window := sweep.Window{Source: "pack"}
	window.Start, window.End = m.PackageWindow()
	r.Scan.Window = &window
	counters := &sweep.Counters{}
	sink := sweep.NewCollection(counters)
	cs := collectors.Host(collectors.Options{Matcher: m, Homes: sweep.Homes(rootFS.FS()), Window: window,
		Live: root == "/" && !c.Bool("no-live"), Now: time.Now})
	if err := collectors.Validate(cs); err != nil {
		return nil, err
	}
	w := &sweep.Walker{Root: root, Skips: sweep.DefaultSkips, Collectors: cs, Sink: sink, Counters: counters}
	if pw := progressWriter(c); pw != nil {
		w.Progress = func(s sweep.Stats) { progress(pw, s) }
		defer fmt.Fprint(pw, "\r\033[K")
	}
	if err := w.Walk(c.Context); err != nil && c.Context.Err() == nil {
		return nil, err
	}
	r.Findings, r.Errors = sink.Drain()
	r.Environments = sink.Environments()
	r.Stats = counters.Snapshot()
	r.Scan.Finished = time.Now().UTC()
	r.Scan.Interrupted = c.Context.Err() != nil
	r.Finalize()
	return r, nil
}

// addRotation puts the rotation checklist into a host report whose verdict
// is COMPROMISED or EXPOSED (called by `litesweep host` before emitting).
func addRotation(r *sweep.Report, l *iocs.Loaded) {
	r.Finalize()
	if r.Verdict == sweep.Compromised || r.Verdict == sweep.Exposed {
		r.Rotation = remediate.Plan(r, l.Pack)
	}
}
