package iocs

import (
	"reflect"
	"strings"
	"testing"
)

// TestReleasesAnswerAsPackageEntries: the compact table of record releases
// must answer every matcher question exactly as the same releases appended
// to the pack's package entries did (the way they were held before): the
// pack's entries first, then the releases in the order added, by version
// list, canonical version, range, "introduced: 0", and for names the pack
// tracks too.
func TestReleasesAnswerAsPackageEntries(t *testing.T) {
	base, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var packPy, packNPM *PackageIOC
	for i := range base.Packages {
		pk := &base.Packages[i]
		if pk.Ecosystem == "pypi" && packPy == nil && len(pk.Versions) > 0 {
			packPy = pk
		}
		if pk.Ecosystem == "npm" && packNPM == nil && len(pk.Versions) > 0 {
			packNPM = pk
		}
	}
	rng := func(ev ...RangeEvent) VersionRange { return VersionRange{Events: ev} }
	intro := func(v string) RangeEvent { return RangeEvent{Introduced: v} }
	records := []PackageIOC{
		{ID: "MAL-1", Ecosystem: "pypi", Name: "Rel_Test.Pkg", Versions: []string{"1.0.0", "2.0"}, Aliases: []string{"GHSA-1"}},
		{ID: "MAL-2", Ecosystem: "pypi", Name: "rel-test-pkg", Ranges: []VersionRange{rng(intro("1.5"), RangeEvent{Fixed: "1.7"})}},
		{ID: "MAL-3", Ecosystem: "pypi", Name: "rel.every", Ranges: []VersionRange{rng(intro("0"))}},
		{ID: "MAL-4", Ecosystem: "pypi", Name: "rel-bad-range", Versions: []string{"3"}, Ranges: []VersionRange{rng(intro("0"), intro("not a version"))}},
		{ID: "MAL-5", Ecosystem: "pypi", Name: strings.ToUpper(packPy.Name), Versions: []string{"9.9.9", packPy.Versions[0]}},
		{ID: "MAL-6", Ecosystem: "pypi", Name: "rel-empty", Ranges: []VersionRange{{Events: []RangeEvent{}}}},
		{ID: "MAL-7", Ecosystem: "npm", Name: "@rel/scoped", Versions: []string{"1.3.0"}, Ranges: []VersionRange{rng(intro("1.2.0"), RangeEvent{Fixed: "1.2.5"})}},
		{ID: "MAL-8", Ecosystem: "npm", Name: packNPM.Name, Ranges: []VersionRange{rng(intro("0"))}},
		{ID: "MAL-9", Ecosystem: "npm", Name: "rel-last", Ranges: []VersionRange{rng(intro("1.0.0"), RangeEvent{LastAffected: "2.0.0"}), rng(intro("3.0.0"), RangeEvent{Limit: "3.1.0"})}},
		{ID: "MAL-10", Ecosystem: "npm", Name: "@rel/scoped", Versions: []string{"1.2.4", "v1.4.0"}},
		{ID: "MAL-11", Ecosystem: "pypi", Name: "rel.every", Versions: []string{"0.1"}},
	}
	tmpl := PackageIOC{Severity: "high", Description: "d", Provenance: Provenance{Sources: []string{"src"}, Confidence: SingleSource, Note: "n"}}

	asEntries, _ := Builtin()
	asTable, _ := Builtin()
	asTable.Releases = &Releases{}
	src := asTable.Releases.Source(tmpl)
	for _, r := range records {
		pk := tmpl
		pk.ID, pk.Ecosystem, pk.Name, pk.Versions, pk.Aliases, pk.Ranges = r.ID, r.Ecosystem, r.Name, r.Versions, r.Aliases, r.Ranges
		asEntries.Packages = append(asEntries.Packages, pk)
		if err := asTable.Releases.Add(src, r); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(asTable.AllPackages(), asEntries.Packages) {
		t.Fatalf("AllPackages differs from the entries")
	}
	want, err := Compile(asEntries)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Compile(asTable)
	if err != nil {
		t.Fatal(err)
	}
	same := func(what string, a, b any) {
		t.Helper()
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s:\n got %+v\nwant %+v", what, a, b)
		}
	}
	names := []string{"untracked", packPy.Name, packNPM.Name}
	for _, r := range records {
		names = append(names, r.Name, strings.ToUpper(r.Name), strings.ReplaceAll(r.Name, "-", "_"))
	}
	versions := []string{"0", "0.1", "1", "1.0", "1.0.0", "1.2.0", "1.2.3", "1.2.4", "1.2.5", "1.3.0", "v1.4.0", "1.4.0", "1.5", "1.6", "1.7",
		"2.0", "2.0.0", "2.0.1", "3", "3.0.5", "3.1.0", "9.9.9", packPy.Versions[0], packNPM.Versions[0], "garbage!"}
	specs := []string{"", ">=1", "<2", "==1.0.0", "~=1.5"}
	npmSpecs := []string{"", "^1.2.0", "latest", "1.x", ">=2"}
	for _, eco := range []Ecosystem{PyPI, NPM} {
		same("NamesIn "+eco.ID(), got.NamesIn(eco), want.NamesIn(eco))
		for _, n := range names {
			g, gok := got.TrackedIn(eco, n)
			w, wok := want.TrackedIn(eco, n)
			same("TrackedIn "+n, deref(g, gok), deref(w, wok))
			g, gok = got.EveryVersion(eco, n)
			w, wok = want.EveryVersion(eco, n)
			same("EveryVersion "+n, deref(g, gok), deref(w, wok))
			var ge, we []PackageIOC
			for _, pk := range got.entries(key(eco, n)) {
				ge = append(ge, *pk)
			}
			for _, pk := range want.entries(key(eco, n)) {
				we = append(we, *pk)
			}
			same("entries "+n, ge, we)
			for _, v := range versions {
				g, gok := got.Release(eco, n, v)
				w, wok := want.Release(eco, n, v)
				same("Release "+eco.ID()+" "+n+" "+v, deref(g, gok), deref(w, wok))
			}
			if eco == PyPI {
				for _, s := range specs {
					spec, err := ParseSpecifier(s)
					if err != nil {
						t.Fatal(err)
					}
					same("AdmittedBad "+n+s, got.AdmittedBad(n, spec), want.AdmittedBad(n, spec))
				}
				continue
			}
			for _, s := range npmSpecs {
				sp := ParseNPMDep(n, s)
				gb, gt, gev, gok := got.AdmittedNPM(sp)
				wb, wt, wev, wok := want.AdmittedNPM(sp)
				same("AdmittedNPM "+n+" "+s, []any{gb, gt, gev, gok}, []any{wb, wt, wev, wok})
			}
		}
	}
	// Questions hit every kind of answer, so the comparison cannot pass
	// by both sides saying nothing.
	for _, c := range []struct{ name, version, id string }{
		{"rel_test_pkg", "1", "MAL-1"}, {"rel-test-pkg", "1.6", "MAL-2"}, {"REL-EVERY", "0.1", "MAL-11"},
		{"rel-every", "7", "MAL-3"}, {"rel-every", "garbage!", "MAL-3"}, {packPy.Name, packPy.Versions[0], packPy.ID},
		{packPy.Name, "9.9.9", "MAL-5"}, {"rel-bad-range", "3", "MAL-4"},
	} {
		if pk, ok := got.Release(PyPI, c.name, c.version); !ok || pk.ID != c.id {
			t.Errorf("Release(pypi, %s, %s) = %+v, want %s", c.name, c.version, pk, c.id)
		}
	}
	if _, ok := got.Release(PyPI, "rel-bad-range", "4"); ok {
		t.Errorf("a range that does not compile is not every version")
	}
	for _, c := range []struct{ name, version, id string }{
		{"@rel/scoped", "1.2.3", "MAL-7"}, {"@rel/scoped", "1.2.4", "MAL-10"}, {"@rel/scoped", "1.4.0", "MAL-10"}, {"rel-last", "2.0.0", "MAL-9"},
		{"rel-last", "3.0.5", "MAL-9"}, {packNPM.Name, "0.0.1", "MAL-8"},
	} {
		if pk, ok := got.Release(NPM, c.name, c.version); !ok || pk.ID != c.id {
			t.Errorf("Release(npm, %s, %s) = %+v, want %s", c.name, c.version, pk, c.id)
		}
	}
	if pk, _ := got.Release(NPM, "@rel/scoped", "1.2.3"); pk != got.entries(key(NPM, "@rel/scoped"))[0] {
		t.Errorf("a release's entry is built once")
	}
}

func deref(pk *PackageIOC, ok bool) any {
	if pk == nil {
		return ok
	}
	return []any{*pk, ok}
}
