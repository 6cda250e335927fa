package render

import (
	"strings"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/targets/host"
	"github.com/litesweep/litesweep/targets/images"
	"github.com/litesweep/litesweep/targets/kube"
)

// Step is one thing to do after a sweep: a command to run as written, or
// an action for a person (Command empty), with why.
type Step struct {
	Command string
	Why     string
}

// NextSteps are what the verdict of r asks for now, in order, with the
// exact commands: the last lines of the table, so that the last screen of
// a sweep says what to do. Order follows "do no harm": isolate before
// anything else, rotate from the report, then the evidence-preserving
// removal (remediate plans first; --apply moves aside, never deletes).
func NextSteps(r *sweep.Report, o Options) []Step {
	root := ""
	if r.Scan.Kind == host.Kind && r.Scan.Root != "" && r.Scan.Root != "/" {
		root = " --root " + ShellWord(r.Scan.Root)
	}
	rotate := "litesweep rotate" + root + " -o checklist.md"
	if r.Scan.Kind != host.Kind {
		rotate = "litesweep rotate -r REPORT.json -o checklist.md"
	}
	rotateWhy := "every credential it held, in the order to rotate them (names, never values)"
	if r.Scan.Kind != host.Kind {
		rotateWhy = "REPORT.json: this sweep again with -f json -o REPORT.json"
	}
	switch r.Verdict {
	case sweep.Compromised:
		steps := []Step{}
		switch r.Scan.Kind {
		case host.Kind:
			if root == "" {
				steps = append(steps, Step{Why: "Isolate this machine now: off the network, left running (memory is evidence)."})
			} else {
				steps = append(steps, Step{Why: "Isolate the machine this disk came from; keep the disk read-only."})
			}
		case images.Kind:
			steps = append(steps, Step{Why: "Stop the containers listed; isolate the hosts that ran them."})
		case kube.Kind:
			steps = append(steps, Step{Why: "Cordon and isolate the nodes listed; sweep each with litesweep host."})
		default:
			steps = append(steps, Step{Why: "Isolate the systems listed."})
		}
		steps = append(steps, Step{Command: rotate, Why: rotateWhy})
		if r.Scan.Kind == host.Kind {
			steps = append(steps, Step{Command: "litesweep remediate" + root, Why: "the plan: moves aside, never deletes; then --apply --evidence-dir DIR"})
		}
		return steps
	case sweep.Exposed:
		steps := []Step{{Command: rotate, Why: rotateWhy}}
		if r.Scan.Kind == host.Kind {
			steps = append(steps, Step{Command: "litesweep remediate" + root, Why: "the plan for what was installed; then --apply --evidence-dir DIR"})
		}
		return steps
	case sweep.AtRisk:
		return []Step{{Why: "Pin a clean version in the files listed above before the next install."},
			{Command: "litesweep " + string(r.Scan.Kind) + root, Why: "again after the fix"}}
	case sweep.Incomplete:
		return []Step{{Why: "Give access to what could not be checked (listed above: run as root, mount it, fix the token)."},
			{Command: "litesweep " + string(r.Scan.Kind) + root, Why: "again; only then can it say CLEAN"}}
	}
	if o.Output == "" {
		return []Step{{Command: "litesweep " + string(r.Scan.Kind) + root + " -f json -o " + string(r.Scan.Kind) + ".json", Why: "keep the evidence of this clean sweep"}}
	}
	return nil
}

// ShellWord quotes s for a POSIX shell when it needs quoting (the next
// commands a rendering prints are copied as written).
func ShellWord(s string) string {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '/' || c == '.' || c == '-' || c == '_' || c == ':' || c == '@' || c == '+') {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}
