package osv

import (
	"context"

	"github.com/litesweep/litesweep/iocs"
)

// Severity is what an OSV malicious-package record makes an installed,
// cached or pinned release: the record says the release holds malicious
// code, not that it ran here. The campaign packs' stronger evidence (a
// running start-up hook, persistence) is graded by their own entries,
// which load first and win where both name a release.
const Severity = "high"

// Description is the package entries' shared description.
const Description = "a release an OSV malicious-package record lists as malicious code"

// Indicators loads each path (see Load) and returns the package entries
// its records give, in load order, with what each source held. Entries
// share their strings where they can: a 100,000-record export is held in
// a few tens of megabytes.
func Indicators(ctx context.Context, paths []string, o Options) ([]iocs.PackageIOC, []*Source, error) {
	var out []iocs.PackageIOC
	var srcs []*Source
	for _, p := range paths {
		sources := []string{p}
		src, err := Load(ctx, p, o, func(r Record) {
			out = append(out, entry(r, sources))
		})
		if err != nil {
			return nil, nil, err
		}
		srcs = append(srcs, src)
	}
	return out, srcs, nil
}

func entry(r Record, sources []string) iocs.PackageIOC {
	pk := iocs.PackageIOC{
		ID: r.ID, Ecosystem: r.Ecosystem, Name: r.Name, Versions: r.Versions, Aliases: r.Aliases,
		Severity: Severity, Description: Description,
		Provenance: iocs.Provenance{Sources: sources, Confidence: iocs.SingleSource,
			Note: "OSV malicious-package record"},
	}
	for _, rg := range r.Ranges {
		vr := iocs.VersionRange{Events: make([]iocs.RangeEvent, len(rg.Events))}
		for i, e := range rg.Events {
			vr.Events[i] = iocs.RangeEvent{Introduced: e.Introduced, Fixed: e.Fixed, LastAffected: e.LastAffected, Limit: e.Limit}
		}
		pk.Ranges = append(pk.Ranges, vr)
	}
	return pk
}
