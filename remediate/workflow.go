package remediate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/litesweep/litesweep/fleet"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/escape"
	"github.com/litesweep/litesweep/targets/host"
)

// ExecuteOptions are one remediate run: where, from which finished host
// report, and whether to carry the plan out.
type ExecuteOptions struct {
	Root        string // the report's root (absolute)
	EvidenceDir string // absolute
	Apply       bool
	// Live stops units with systemctl and kills processes (Root is /).
	Live    bool
	Matcher *iocs.Matcher
	// Tool names the program in the manifest.
	Tool string
	// Skip lists tree paths not acted on (the evidence directory).
	Skip []string
	// From is "sweep" or the saved report's file name.
	From string
	// Stream, when set, receives the text log as it happens once the
	// removal starts (the plan before it); otherwise Document.Text holds it.
	Stream io.Writer
	// Log receives the text log when the output is the JSON document.
	Log io.Writer
	// Errors receives one-line failures (stderr).
	Errors io.Writer
	// JSON makes the Document the output and sends the text log to Log.
	JSON bool
}

// Document is remediate's --format json output: the plan, the matching
// processes and, with --apply, what this run did.
type Document struct {
	// Guards are the dead-man switches the sweep found: the plan disarms
	// them before any other step, and says so first.
	Guards      []sweep.Guard `json:"guards,omitempty"`
	Root        string        `json:"root"`
	EvidenceDir string        `json:"evidence_dir"`
	Apply       bool          `json:"apply"`
	Live        bool          `json:"live"`
	Targets     []Target      `json:"targets"`
	Processes   []Proc        `json:"processes"`
	Reinstall   []Reinstall   `json:"reinstall,omitempty"`
	Errors      []string      `json:"errors,omitempty"`
	// Sweep says where the plan comes from and whether that sweep finished.
	Sweep  *SweepState `json:"sweep,omitempty"`
	Result *Outcome    `json:"result,omitempty"`

	// Text is the text log not yet streamed (the output without JSON).
	Text bytes.Buffer `json:"-"`
	// Code is the exit code: 0 done or nothing to do, 1 a plan to apply
	// (dry run) or something refused, changed or failed, ExitIncomplete
	// done but the sweep did not finish, ExitInterrupted.
	Code int `json:"-"`
}

// Outcome counts what an applied run did.
type Outcome struct {
	Moved    int    `json:"moved"`
	Refused  int    `json:"refused"`
	Changed  int    `json:"changed"`
	Gone     int    `json:"gone"`
	Failed   int    `json:"failed"`
	Manifest string `json:"manifest"`
}

// Execute plans the removal from a finished host report, prints the plan and,
// with Apply, carries it out (Apply). The returned document holds the
// plan, the result and the exit code.
func Execute(ctx context.Context, r *sweep.Report, o ExecuteOptions) (*Document, error) {
	d, err := FromReport(r, RemovalOptions{Root: o.Root, Matcher: o.Matcher, Skip: o.Skip, From: o.From})
	if err != nil {
		return nil, err
	}
	procs := d.Processes
	if !o.Live {
		procs = nil
	}
	doc := &Document{Guards: r.Guards, Root: o.Root, EvidenceDir: o.EvidenceDir, Apply: o.Apply, Live: o.Live,
		Targets: d.Targets, Processes: procs, Reinstall: d.Reinstall, Errors: d.Errors, Sweep: &d.Sweep}
	// The human plan and log go to the output as text; with JSON they go
	// to Log and the document is the output.
	out := io.Writer(&doc.Text)
	if o.JSON {
		out = o.Log
	}
	done := func(code int) (*Document, error) {
		if code == 0 && !d.Sweep.Complete {
			code = sweep.ExitIncomplete // done, but the sweep did not finish
		}
		doc.Code = code
		if doc.Targets == nil {
			doc.Targets = []Target{}
		}
		if doc.Processes == nil {
			doc.Processes = []Proc{}
		}
		return doc, nil
	}
	printPlan(out, o, d, procs, r.Guards)
	if ctx.Err() != nil {
		fmt.Fprintln(out, "Interrupted: nothing was changed.")
		return done(sweep.ExitInterrupted)
	}
	if !o.Apply {
		if len(d.Targets) > 0 || len(procs) > 0 {
			return done(1)
		}
		return done(0)
	}
	if len(d.Targets) == 0 && len(procs) == 0 {
		if _, err := os.Stat(filepath.Join(o.EvidenceDir, "manifest.json")); errors.Is(err, os.ErrNotExist) {
			fmt.Fprintln(out, "Nothing to do.")
			return done(0)
		}
	}
	if !o.JSON && o.Stream != nil {
		// Stream the apply log as it happens rather than at the end.
		o.Stream.Write(doc.Text.Bytes())
		doc.Text.Reset()
		out = o.Stream
	}
	rootFS, err := sweep.OpenTree(o.Root) // never blocks on a FIFO etc/passwd or etc/hostname
	if err != nil {
		return nil, sweep.Usagef("--root: %v", err)
	}
	homes := sweep.Homes(rootFS)
	hostname := host.Hostname(rootFS, o.Root)
	rootFS.Close()
	ao := ApplyOptions{Root: o.Root, EvidenceDir: o.EvidenceDir, Host: hostname, Tool: o.Tool,
		Live: o.Live, Log: out, Homes: homes}
	if o.Live {
		ao.Runner = ExecRunner{}
		ao.Processes, ao.Matcher = procs, o.Matcher
	}
	res, err := Apply(ctx, d.Targets, d.Reinstall, ao)
	manifest := filepath.Join(o.EvidenceDir, "manifest.json")
	if res != nil {
		fmt.Fprintf(out, "\nApplied: %d moved into %s, %d refused, %d changed since the sweep, %d vanished, %d failed. Manifest: %s\n",
			res.Moved, escape.Text(o.EvidenceDir), res.Refused, res.Changed, res.Gone, res.Failed, escape.Text(manifest))
		printReinstall(out, res.Manifest.Reinstall)
		doc.Result = &Outcome{Moved: res.Moved, Refused: res.Refused, Changed: res.Changed, Gone: res.Gone, Failed: res.Failed,
			Manifest: manifest}
	}
	if err != nil {
		fmt.Fprintf(o.Errors, "litesweep: remediate: %s\n", escape.Text(err.Error()))
		doc.Errors = append(doc.Errors, err.Error())
		return done(1)
	}
	if res.Refused > 0 || res.Failed > 0 || res.Changed > 0 {
		fmt.Fprintf(o.Errors, "litesweep: remediate: %d refused, %d changed since the sweep, %d failed; see above\n", res.Refused, res.Changed, res.Failed)
		return done(1)
	}
	return done(0)
}

func printPlan(w io.Writer, o ExecuteOptions, d *Removal, procs []Proc, guards []sweep.Guard) {
	mode := "dry run: nothing will be changed; add --apply to carry it out"
	if o.Apply {
		mode = "applying"
	}
	fmt.Fprintf(w, "litesweep remediate: plan for %s (%s), from %s\n", escape.Text(o.Root), mode, escape.Text(planSource(d.Sweep.From)))
	for _, g := range guards {
		fmt.Fprintln(w, guardHeader(g, o, d, procs))
	}
	if !d.Sweep.Complete {
		fmt.Fprintf(w, "The sweep did not finish (%s): this plan removes what it found; sweep again afterwards.\n", sweepGap(d.Sweep))
	}
	if len(d.Targets) == 0 && len(procs) == 0 {
		fmt.Fprintln(w, "No dropper, persistence or staging file of the pack was found.")
	}
	step := 0
	var units []string
	for _, t := range d.Targets {
		if t.Kind == KindUnit {
			scope := "user " + escape.Text(t.User)
			if t.System {
				scope = "system"
			}
			if t.Guard != "" {
				scope += ", the dead-man switch: first"
			}
			units = append(units, fmt.Sprintf("%s (%s)", escape.Text(t.Unit), scope))
		}
	}
	if len(units) > 0 {
		step++
		how := "by removing its enablement links under the root"
		if o.Live {
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
			step, escape.Text(filepath.Join(o.EvidenceDir, "manifest.json")), len(d.Targets), escape.Text(o.EvidenceDir))
		for _, t := range d.Targets {
			user := ""
			if t.User != "" {
				user = " [" + escape.Text(t.User) + "]"
			}
			if t.Guard != "" {
				user += " (dead-man switch: first)"
			}
			fmt.Fprintf(w, "   %-16s %s%s\n", t.Kind, escape.Text(t.Path), user)
		}
	}
	if len(d.Reinstall) > 0 {
		step++
		fmt.Fprintf(w, "%d. Reinstall a clean version yourself (litesweep never runs pip or Python):\n", step)
		for _, r := range d.Reinstall {
			fmt.Fprintf(w, "   %s   # %s %s was in %s\n", escape.Text(r.Command), escape.Text(r.Package), escape.Text(r.Version), escape.Text(orSiteDir(r.Env)))
		}
	}
	for _, e := range d.Errors {
		fmt.Fprintf(w, "note: %s\n", escape.Text(fmt.Sprint(e)))
	}
}

// guardHeader is the plan's line for a dead-man switch the sweep found,
// said before anything else: what it does, and that this plan disarms it
// before any other step (or, when it can reach none of it, that the
// responder must first).
func guardHeader(g sweep.Guard, o ExecuteOptions, d *Removal, procs []Proc) string {
	state := "present"
	if g.Running {
		state = "RUNNING"
	}
	on := ""
	if g.Host != "" {
		on = " on " + g.Host
	}
	files, units := 0, 0
	for _, t := range d.Targets {
		if t.Guard == g.ID {
			files++
			if t.Kind == KindUnit {
				units++
			}
		}
	}
	kills := 0
	for _, p := range procs {
		if gi, ok := o.Matcher.GuardOf(p.Indicator); ok && gi.ID == g.ID {
			kills++
		}
	}
	s := fmt.Sprintf("DEAD-MAN SWITCH %s %s%s: it %s. ", escape.Text(g.Name), state, escape.Text(on), escape.Text(g.Effect))
	if files+kills == 0 {
		return s + fmt.Sprintf("This plan reaches none of it: disarm it by hand first (rotation item %s) and revoke nothing it watches until then.", escape.Text(g.Item))
	}
	var what []string
	if units > 0 {
		what = append(what, fmt.Sprintf("%d %s stopped and disabled", units, plural(units, "unit", "units")))
	}
	if kills > 0 {
		what = append(what, fmt.Sprintf("%d %s killed", kills, plural(kills, "process", "processes")))
	}
	if files > 0 {
		what = append(what, fmt.Sprintf("%d %s moved aside", files, plural(files, "file", "files")))
	}
	s += "This plan disarms it first, before any other step (" + strings.Join(what, ", ") + ")"
	if g.Running && !o.Live {
		s += "; it was seen running, and this run stops no process (--no-live or --root): stop it on the live system first"
	}
	return s + fmt.Sprintf("; revoke nothing it watches until that is done (rotation item %s).", escape.Text(g.Item))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func planSource(from string) string {
	if from == "sweep" {
		return "a host sweep run now"
	}
	return "the host report " + from
}

func sweepGap(s SweepState) string {
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

func orSiteDir(s string) string {
	if s == "" {
		return "a site directory"
	}
	return s
}

func printReinstall(w io.Writer, rs []Reinstall) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintln(w, "\nReinstall a clean version (run these yourself, after rotating credentials; litesweep never runs pip or Python):")
	for _, r := range rs {
		fmt.Fprintf(w, "  %s\n", escape.Text(r.Command))
	}
}

// ReadHostReport reads the one host report of root saved in file (litesweep
// host -f json) that a remediate run plans from.
func ReadHostReport(file, root string) (*sweep.Report, error) {
	rs, _, err := fleet.ReadFile(file)
	if err != nil {
		return nil, sweep.Usagef("--report %s: %v", file, err)
	}
	if len(rs) != 1 || rs[0].Scan.Kind != host.Kind {
		return nil, sweep.Usagef("--report %s: not one host report (litesweep host -f json)", file)
	}
	r := rs[0]
	if filepath.Clean(r.Scan.Root) != root {
		return nil, sweep.Usagef("--report %s swept root %q, not --root %q: sweep this root, or pass --root %s", file, r.Scan.Root, root, r.Scan.Root)
	}
	return r, nil
}

// CheckEvidenceDir fails fast when the evidence directory could not take
// the manifest: it must be a writable directory or creatable in one.
func CheckEvidenceDir(dir string) error {
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return errors.New("not a directory")
		}
		return sweep.CheckWritable(filepath.Join(dir, "manifest.json"))
	}
	return sweep.CheckWritable(dir)
}
