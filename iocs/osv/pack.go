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

// AddTo loads each path (see Load) and adds the releases its records list
// to the set's table of record releases (iocs.Releases: the matcher
// answers from it after the packs' own entries), recording what each
// source held in l.Records. The records' bytes are never kept; each
// release is a few strings in the table.
func AddTo(ctx context.Context, l *iocs.Loaded, paths []string, o Options) error {
	if l.Releases == nil {
		l.Releases = &iocs.Releases{}
	}
	t := l.Releases
	for _, p := range paths {
		src := t.Source(iocs.PackageIOC{Severity: Severity, Description: Description,
			Provenance: iocs.Provenance{Sources: []string{p}, Confidence: iocs.SingleSource,
				Note: "OSV malicious-package record"}})
		o := o
		o.expect = t.Grow
		var addErr error
		s, err := Load(ctx, p, o, func(r Record) {
			if err := t.Add(src, entry(r)); err != nil && addErr == nil {
				addErr = err
			}
		})
		if err == nil {
			err = addErr
		}
		if err != nil {
			return err
		}
		l.Records = append(l.Records, *s)
	}
	return nil
}

// entry is the package entry a record's affected package stands for,
// without what the source's template gives.
func entry(r Record) iocs.PackageIOC {
	pk := iocs.PackageIOC{ID: r.ID, Ecosystem: r.Ecosystem, Name: r.Name, Versions: r.Versions, Aliases: r.Aliases}
	for _, rg := range r.Ranges {
		vr := iocs.VersionRange{Events: make([]iocs.RangeEvent, len(rg.Events))}
		for i, e := range rg.Events {
			vr.Events[i] = iocs.RangeEvent{Introduced: e.Introduced, Fixed: e.Fixed, LastAffected: e.LastAffected, Limit: e.Limit}
		}
		pk.Ranges = append(pk.Ranges, vr)
	}
	return pk
}
