// Package targets is the one registry of targets: every kind of thing
// litesweep sweeps, each a sweep.Target plugin in a package below this
// one. scan.Run drives them; the kinds the planner, the catalogue, merge
// and rotate know are derived from All, never listed by hand.
package targets

import (
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/targets/ghorg"
	"github.com/litesweep/litesweep/targets/host"
	"github.com/litesweep/litesweep/targets/images"
	"github.com/litesweep/litesweep/targets/kube"
	"github.com/litesweep/litesweep/targets/mirror"
	"github.com/litesweep/litesweep/targets/sbom"
)

// All is every target, in the order the commands list them. The values
// are unconfigured: they declare the target (kind, categories, exposure
// kinds); scan.Run sweeps configured ones.
func All() []sweep.Target {
	return []sweep.Target{&host.Target{}, &images.Target{}, &ghorg.Target{}, &kube.Target{}, &sbom.Target{}, &mirror.Target{}}
}

// Lookup is the target of kind k.
func Lookup(k sweep.ScanKind) (sweep.Target, bool) {
	for _, t := range All() {
		if t.Kind() == k {
			return t, true
		}
	}
	return nil, false
}

// Kinds are the kinds of every target, in order.
func Kinds() []sweep.ScanKind {
	var out []sweep.ScanKind
	for _, t := range All() {
		out = append(out, t.Kind())
	}
	return out
}

// Exposing are the kinds whose reports name what they exposed in exposure
// findings (the target declares exposure kinds) rather than exposing the
// credential inventory of the systems they swept: what the rotation
// planner is told (remediate.PlanOptions.Exposing).
func Exposing() []sweep.ScanKind {
	var out []sweep.ScanKind
	for _, t := range All() {
		if len(t.Exposures()) > 0 {
			out = append(out, t.Kind())
		}
	}
	return out
}
