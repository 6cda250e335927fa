package osv

import (
	"context"
	"slices"

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

// AddTo loads each path (see Load) and appends the package entries its
// records give to the pack's packages, after the packs' own (their entries
// answer first), recording what each source held in l.Records. Entries go
// straight into the pack, sized up front for a zip export, and share their
// strings where they can: the records' bytes are never kept.
func AddTo(ctx context.Context, l *iocs.Loaded, paths []string, o Options) error {
	for _, p := range paths {
		sources := []string{p}
		o := o
		o.expect = func(n int) { l.Packages = slices.Grow(l.Packages, n) }
		src, err := Load(ctx, p, o, func(r Record) {
			l.Packages = append(l.Packages, entry(r, sources))
		})
		if err != nil {
			return err
		}
		l.Records = append(l.Records, *src)
	}
	return nil
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
