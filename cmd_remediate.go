package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/litesweep/litesweep/fleet"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/scan"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/escape"
)

// remediateCommand removes the dropper and its persistence, keeping evidence.
func remediateCommand() *cli.Command {
	return &cli.Command{
		Name:      "remediate",
		Usage:     "plan (default) or --apply the evidence-preserving removal of the .pth, bad packages, persistence and staging files",
		ArgsUsage: " ",
		Description: "Plans from a host sweep's findings and detects nothing itself: it runs the same sweep as litesweep host\n" +
			"(on the live host including running processes), or reads one saved with litesweep host -f json\n" +
			"(--report; its root must be --root, and every file is re-checked before it is moved: a file that is\n" +
			"gone or no longer hashes as the sweep saw it is left alone). A sweep that did not finish is said in the\n" +
			"plan: what was found is still removed.\n\n" +
			"Dry run by default: prints the ordered plan and changes nothing. With --apply it stops and disables\n" +
			"the sysmon unit (systemctl on the live host; under --root it removes the enablement links), kills\n" +
			"the processes the sweep reported (live host only; each re-checked by pid, executable, start time and\n" +
			"indicator right before the kill), then moves every file into --evidence-dir: the manifest\n" +
			"(original path, SHA-256, size, times, owner, mode) is written before anything moves, each file is\n" +
			"copied, synced and verified before the original is removed, and journal.log records each step, so a\n" +
			"re-run after an interruption completes the work. It never runs pip or Python: it prints the reinstall\n" +
			"command for a clean version. It never acts outside --root and is idempotent.\n\n" +
			"Exit codes: 0 done or nothing to do, 1 a plan to apply (dry run) or something was refused, changed or\n" +
			"failed, 2 usage, 3 done (or nothing found) but the sweep did not finish, 130 interrupted." + "\n\n" +
			examples(
				"litesweep remediate                              # dry run: print the plan",
				"litesweep remediate --apply --evidence-dir /var/tmp/ir-evidence",
				"litesweep remediate --root /mnt/disk --apply --evidence-dir /cases/42",
				"litesweep remediate --apply -f json -o remediate.json   # for automation: plan and result as JSON",
				"litesweep host -f json -o host.json && litesweep remediate --report host.json --apply",
			),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "root", Value: "/", Usage: "act on the tree at `DIR` (a mounted disk); the live host when /"},
			&cli.BoolFlag{Name: "apply", Usage: "carry out the plan (default: dry run)"},
			&cli.StringFlag{Name: "report", Usage: "plan from the host sweep saved in `FILE` (litesweep host -f json) instead of sweeping now"},
			&cli.StringFlag{Name: "evidence-dir", Value: "litesweep-evidence", Usage: "move files and write the manifest into `DIR` (created 0700)"},
			crossMountsFlag(), noCrossMountsFlag("so the sweep is incomplete, and the plan says so"),
			&cli.BoolFlag{Name: "no-live", Usage: "no systemctl and no process kills even when --root is /"},
			&cli.StringFlag{Name: "iocs", Usage: "load the IOC pack from `FILE` instead of the built-in one (refused when it lacks whole sections)"},
			&cli.BoolFlag{Name: "iocs-partial", Usage: "accept an --iocs pack that lacks whole sections"},
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "text", Usage: "output `FORMAT`: text (the plan and log for people) or json (plan, processes and result for tools; the log goes to stderr)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the plan and result to `FILE` (atomically, mode 0600) instead of stdout"},
		},
		Action: runRemediate,
	}
}

func runRemediate(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("remediate takes no arguments (got %q)", c.Args().First())
	}
	format := strings.ToLower(c.String("format"))
	if format != "text" && format != "json" {
		return usagef("unknown --format %q (want text or json)", c.String("format"))
	}
	if err := checkOutput(c); err != nil {
		return err
	}
	l, m, err := loadPack(c)
	if err != nil {
		return err
	}
	root, err := rootFlag(c)
	if err != nil {
		return err
	}
	evidence, err := filepath.Abs(c.String("evidence-dir"))
	if err != nil {
		return usagef("--evidence-dir: %v", err)
	}
	if c.Bool("apply") {
		if err := checkEvidenceDir(evidence); err != nil {
			return usagef("--evidence-dir %s: %v", c.String("evidence-dir"), err)
		}
	}
	live := root == "/" && !c.Bool("no-live")
	var skip []string
	if rel, err := filepath.Rel(root, evidence); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
		if rel == "." {
			return usagef("--evidence-dir must not be the root itself")
		}
		skip = append(skip, "/"+filepath.ToSlash(rel))
	}
	mounts, err := mountPolicy(c)
	if err != nil {
		return err
	}
	r, from, err := remediateSweep(c, l, m, root, live, skip, mounts)
	if err != nil {
		return err
	}
	d, err := remediate.FromReport(r, remediate.RemovalOptions{Root: root, Matcher: m, Skip: skip, From: from})
	if err != nil {
		return err
	}
	procs := d.Processes
	if !live {
		procs = nil
	}
	// The human plan and log go to stdout (or --output) as text; with
	// --format json they go to stderr and the JSON document is the output.
	var text bytes.Buffer
	out := io.Writer(&text)
	if format == "json" {
		out = c.App.ErrWriter
	}
	doc := remediateDoc{Root: root, EvidenceDir: evidence, Apply: c.Bool("apply"), Live: live,
		Targets: d.Targets, Processes: procs, Reinstall: d.Reinstall, Errors: d.Errors, Sweep: &d.Sweep}
	finish := func(code int) error {
		if code == 0 && !d.Sweep.Complete {
			code = sweep.ExitIncomplete // done, but the sweep did not finish
		}
		if err := writeRemediate(c, format, &text, &doc); err != nil {
			return err
		}
		if code == 0 {
			return nil
		}
		return exitCode(code)
	}
	printPlan(out, root, evidence, live, c.Bool("apply"), d, procs)
	if c.Context.Err() != nil {
		fmt.Fprintln(out, "Interrupted: nothing was changed.")
		return finish(sweep.ExitInterrupted)
	}
	if !c.Bool("apply") {
		if len(d.Targets) > 0 || len(procs) > 0 {
			return finish(1)
		}
		return finish(0)
	}
	if len(d.Targets) == 0 && len(procs) == 0 {
		if _, err := os.Stat(filepath.Join(evidence, "manifest.json")); errors.Is(err, os.ErrNotExist) {
			fmt.Fprintln(out, "Nothing to do.")
			return finish(0)
		}
	}
	if format == "text" && c.String("output") == "" {
		// Stream the apply log as it happens rather than at the end.
		c.App.Writer.Write(text.Bytes())
		text.Reset()
		out = c.App.Writer
	}
	rootFS, err := sweep.OpenTree(root) // never blocks on a FIFO etc/passwd or etc/hostname
	if err != nil {
		return usagef("--root: %v", err)
	}
	homes := sweep.Homes(rootFS)
	host := scan.Hostname(rootFS, root)
	rootFS.Close()
	o := remediate.ApplyOptions{Root: root, EvidenceDir: evidence, Host: host, Tool: "litesweep " + toolIdentity().Version,
		Live: live, Log: out, Homes: homes}
	if live {
		o.Runner = remediate.ExecRunner{}
		o.Processes, o.Matcher = procs, m
	}
	res, err := remediate.Apply(c.Context, d.Targets, d.Reinstall, o)
	if res != nil {
		fmt.Fprintf(out, "\nApplied: %d moved into %s, %d refused, %d changed since the sweep, %d vanished, %d failed. Manifest: %s\n",
			res.Moved, escape.Text(evidence), res.Refused, res.Changed, res.Gone, res.Failed, escape.Text(filepath.Join(evidence, "manifest.json")))
		printReinstall(out, res.Manifest.Reinstall, l)
		doc.Result = &remediateResult{Moved: res.Moved, Refused: res.Refused, Changed: res.Changed, Gone: res.Gone, Failed: res.Failed,
			Manifest: filepath.Join(evidence, "manifest.json")}
	}
	if err != nil {
		fmt.Fprintf(c.App.ErrWriter, "litesweep: remediate: %s\n", escape.Text(err.Error()))
		doc.Errors = append(doc.Errors, err.Error())
		return finish(1)
	}
	if res.Refused > 0 || res.Failed > 0 || res.Changed > 0 {
		fmt.Fprintf(c.App.ErrWriter, "litesweep: remediate: %d refused, %d changed since the sweep, %d failed; see above\n", res.Refused, res.Changed, res.Failed)
		return finish(1)
	}
	return finish(0)
}

// remediateDoc is remediate's --format json output: the plan, the matching
// processes and, with --apply, what this run did.
type remediateDoc struct {
	Root        string                `json:"root"`
	EvidenceDir string                `json:"evidence_dir"`
	Apply       bool                  `json:"apply"`
	Live        bool                  `json:"live"`
	Targets     []remediate.Target    `json:"targets"`
	Processes   []remediate.Proc      `json:"processes"`
	Reinstall   []remediate.Reinstall `json:"reinstall,omitempty"`
	Errors      []string              `json:"errors,omitempty"`
	// Sweep says where the plan comes from and whether that sweep finished.
	Sweep  *remediate.SweepState `json:"sweep,omitempty"`
	Result *remediateResult      `json:"result,omitempty"`
}

type remediateResult struct {
	Moved    int    `json:"moved"`
	Refused  int    `json:"refused"`
	Changed  int    `json:"changed"`
	Gone     int    `json:"gone"`
	Failed   int    `json:"failed"`
	Manifest string `json:"manifest"`
}

// writeRemediate writes the text log or the JSON document to --output
// (atomic, 0600) or stdout.
func writeRemediate(c *cli.Context, format string, text *bytes.Buffer, doc *remediateDoc) error {
	data := text.Bytes()
	if format == "json" {
		if doc.Targets == nil {
			doc.Targets = []remediate.Target{}
		}
		if doc.Processes == nil {
			doc.Processes = []remediate.Proc{}
		}
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return err
		}
		data = append(b, '\n')
	}
	if out := c.String("output"); out != "" {
		return sweep.WriteFileAtomic(out, data)
	}
	_, err := c.App.Writer.Write(data)
	return err
}

func printPlan(w io.Writer, root, evidence string, live, apply bool, d *remediate.Removal, procs []remediate.Proc) {
	mode := "dry run: nothing will be changed; add --apply to carry it out"
	if apply {
		mode = "applying"
	}
	fmt.Fprintf(w, "litesweep remediate: plan for %s (%s), from %s\n", escape.Text(root), mode, escape.Text(planSource(d.Sweep.From)))
	if !d.Sweep.Complete {
		fmt.Fprintf(w, "The sweep did not finish (%s): this plan removes what it found; sweep again afterwards.\n", sweepGap(d.Sweep))
	}
	if len(d.Targets) == 0 && len(procs) == 0 {
		fmt.Fprintln(w, "No dropper, persistence or staging file of the pack was found.")
	}
	step := 0
	var units []string
	for _, t := range d.Targets {
		if t.Kind == remediate.KindUnit {
			scope := "user " + escape.Text(t.User)
			if t.System {
				scope = "system"
			}
			units = append(units, fmt.Sprintf("%s (%s)", escape.Text(t.Unit), scope))
		}
	}
	if len(units) > 0 {
		step++
		how := "by removing its enablement links under the root"
		if live {
			how = "with systemctl stop + disable, then by removing its enablement links"
		}
		fmt.Fprintf(w, "%d. Stop and disable %s, %s.\n", step, strings.Join(units, ", "), how)
	}
	if len(procs) > 0 {
		step++
		fmt.Fprintf(w, "%d. Kill %d processes:\n", step, len(procs))
		for _, p := range procs {
			fmt.Fprintf(w, "   pid %d %s (%s: %s)\n", p.PID, escape.Text(p.Exe), escape.Text(p.Indicator), escape.Text(p.Reason))
		}
	}
	if len(d.Targets) > 0 {
		step++
		fmt.Fprintf(w, "%d. Write %s, then move %d files into %s (copy, fsync, verify SHA-256, remove original):\n",
			step, escape.Text(filepath.Join(evidence, "manifest.json")), len(d.Targets), escape.Text(evidence))
		for _, t := range d.Targets {
			user := ""
			if t.User != "" {
				user = " [" + escape.Text(t.User) + "]"
			}
			fmt.Fprintf(w, "   %-16s %s%s\n", t.Kind, escape.Text(t.Path), user)
		}
	}
	if len(d.Reinstall) > 0 {
		step++
		fmt.Fprintf(w, "%d. Reinstall a clean version yourself (litesweep never runs pip or Python):\n", step)
		for _, r := range d.Reinstall {
			fmt.Fprintf(w, "   %s   # %s %s was in %s\n", escape.Text(r.Command), escape.Text(r.Package), escape.Text(r.Version), escape.Text(orRoot(r.Env)))
		}
	}
	for _, e := range d.Errors {
		fmt.Fprintf(w, "note: %s\n", escape.Text(fmt.Sprint(e)))
	}
}

func planSource(from string) string {
	if from == "sweep" {
		return "a host sweep run now"
	}
	return "the host report " + from
}

func sweepGap(s remediate.SweepState) string {
	var why []string
	if s.Interrupted {
		why = append(why, "interrupted")
	}
	if s.Unchecked > 0 {
		what := "locations"
		if s.Unchecked == 1 {
			what = "location"
		}
		why = append(why, fmt.Sprintf("%d %s could not be checked (litesweep host lists them)", s.Unchecked, what))
	}
	if len(why) == 0 {
		why = append(why, "incomplete coverage")
	}
	return strings.Join(why, ", ")
}

// remediateSweep runs the host sweep remediation plans from (scan.Host, as
// litesweep host; on the live host with the live collector), or reads the
// host report --report names. Either report is finished.
func remediateSweep(c *cli.Context, l *iocs.Loaded, m *iocs.Matcher, root string, live bool, skip []string, mounts sweep.MountPolicy) (*sweep.Report, string, error) {
	if p := c.String("report"); p != "" {
		rs, _, err := fleet.ReadFile(p)
		if err != nil {
			return nil, "", usagef("--report %s: %v", p, err)
		}
		if len(rs) != 1 || rs[0].Scan.Kind != sweep.KindHost {
			return nil, "", usagef("--report %s: not one host report (litesweep host -f json)", p)
		}
		r := rs[0]
		if filepath.Clean(r.Scan.Root) != root {
			return nil, "", usagef("--report %s swept root %q, not --root %q: sweep this root, or pass --root %s", p, r.Scan.Root, root, r.Scan.Root)
		}
		return r, p, nil
	}
	skips := map[string]string{}
	for k, v := range sweep.DefaultSkips {
		skips[k] = v
	}
	for _, s := range skip {
		skips[s] = "evidence directory"
	}
	r, err := scan.Host(c.Context, newEnv(c, l, m), scan.HostOptions{Root: root, Skips: skips, Live: live, Mounts: mounts})
	if err != nil {
		return nil, "", err
	}
	return r, "sweep", nil
}

func orRoot(s string) string {
	if s == "" {
		return "a site directory"
	}
	return s
}

func printReinstall(w io.Writer, rs []remediate.Reinstall, l *iocs.Loaded) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintln(w, "\nReinstall a clean version (run these yourself, after rotating credentials; litesweep never runs pip or Python):")
	for _, r := range rs {
		fmt.Fprintf(w, "  %s\n", escape.Text(r.Command))
	}
	_ = l
}

// checkEvidenceDir fails fast when --evidence-dir could not take the
// manifest: it must be a writable directory or creatable in one.
func checkEvidenceDir(dir string) error {
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return errors.New("not a directory")
		}
		return sweep.CheckWritable(filepath.Join(dir, "manifest.json"))
	}
	return sweep.CheckWritable(dir)
}
