package main

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/render"
	"github.com/litesweep/litesweep/scan"
	"github.com/litesweep/litesweep/sweep"
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
			"the pack's units (systemctl on the live host; under --root it removes the enablement links), kills\n" +
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
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "root", Value: "/", Usage: "act on the tree at `DIR` (a mounted disk); the live host when /"},
			&cli.BoolFlag{Name: "apply", Usage: "carry out the plan (default: dry run)"},
			&cli.StringFlag{Name: "report", Usage: "plan from the host sweep saved in `FILE` (litesweep host -f json) instead of sweeping now"},
			&cli.StringFlag{Name: "evidence-dir", Value: "litesweep-evidence", Usage: "move files and write the manifest into `DIR` (created 0700)"},
			crossMountsFlag(), noCrossMountsFlag("so the sweep is incomplete, and the plan says so"),
			&cli.BoolFlag{Name: "no-live", Usage: "no systemctl and no process kills even when --root is /"},
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "text", Usage: "output `FORMAT`: text (the plan and log for people) or json (plan, processes and result for tools; the log goes to stderr)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the plan and result to `FILE` (atomically, mode 0600) instead of stdout"},
		}, packFlags()...),
		Action: runRemediate,
	}
}

func runRemediate(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("remediate takes no arguments (got %q)", c.Args().First())
	}
	format := strings.ToLower(c.String("format"))
	if !slices.Contains(render.FormatsFor(render.DocRemediation), format) {
		return usagef("unknown --format %q (want %s)", c.String("format"), strings.Join(render.FormatsFor(render.DocRemediation), " or "))
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
		if err := remediate.CheckEvidenceDir(evidence); err != nil {
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
	o := remediate.ExecuteOptions{Root: root, EvidenceDir: evidence, Apply: c.Bool("apply"), Live: live, Matcher: m,
		Tool: "litesweep " + version, Skip: skip, From: from, JSON: format == "json", Log: c.App.ErrWriter, Errors: c.App.ErrWriter}
	if c.String("output") == "" {
		o.Stream = c.App.Writer
	}
	doc, err := remediate.Execute(c.Context, r, o)
	if err != nil {
		return err
	}
	var data bytes.Buffer
	if err := render.Output(&data, render.DocRemediation, format, doc, render.Options{}); err != nil {
		return err
	}
	if out := c.String("output"); out != "" {
		err = sweep.WriteFileAtomic(out, data.Bytes())
	} else {
		_, err = c.App.Writer.Write(data.Bytes())
	}
	if err != nil || doc.Code == 0 {
		return err
	}
	return exitCode(doc.Code)
}

// remediateSweep runs the host sweep remediation plans from (as litesweep
// host; on the live host with the live collector), or reads the host
// report --report names. Either report is finished.
func remediateSweep(c *cli.Context, l *iocs.Loaded, m *iocs.Matcher, root string, live bool, skip []string, mounts sweep.MountPolicy) (*sweep.Report, string, error) {
	if p := c.String("report"); p != "" {
		r, err := remediate.ReadHostReport(p, root)
		return r, p, err
	}
	skips := map[string]string{}
	for k, v := range sweep.DefaultSkips {
		skips[k] = v
	}
	for _, s := range skip {
		skips[s] = "evidence directory"
	}
	r, err := scan.Run(c.Context, newEnv(c, l, m), scan.HostOptions{Root: root, Skips: skips, Live: live, Mounts: mounts})
	if err != nil {
		return nil, "", err
	}
	return r, "sweep", nil
}
