package iocs

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Releases is a compact table of the package releases external records
// list (OSV malicious-package records, --osv): one short string and a few
// integers per affected package instead of a PackageIOC and the matcher's
// map keys, so a 100,000-record export fits in tens of bytes a record.
// The matcher answers from it after the pack's own entries, exactly as if
// each release were a package entry appended after them, in the order
// added; the entry a question hits is built then, once.
type Releases struct {
	tmpl   []PackageIOC     // per source: severity, description, provenance
	rels   []release        // in the order added
	byName map[string]int32 // ecosystem \x00 normalised name -> the first release naming it
	firsts []int32          // the first release of each name, in the order added

	mu    sync.Mutex
	built map[int32]*PackageIOC
}

// release is one affected package of one record. Its strings live in one
// string, blob: the name key first (the byName key is its prefix, not a
// copy), then uvarint-length-prefixed fields (see Add).
type release struct {
	blob   string
	keyLen uint16
	src    uint16
	next   int32 // the next release naming the package, or -1
	every  bool  // one of its ranges holds every version
	canon  bool  // its versions' canonical forms differ from the versions and are kept
}

// Source starts a source of releases: each of its entries is tmpl (its
// severity, description and provenance) with the record's id, aliases,
// package, versions and ranges. It returns the source's number for Add.
func (t *Releases) Source(tmpl PackageIOC) int {
	t.tmpl = append(t.tmpl, tmpl)
	return len(t.tmpl) - 1
}

// Grow makes room for n more releases.
func (t *Releases) Grow(n int) {
	if n > 0 && cap(t.rels)-len(t.rels) < n {
		rels := make([]release, len(t.rels), len(t.rels)+n)
		copy(rels, t.rels)
		t.rels = rels
	}
}

// Len is how many releases the table holds.
func (t *Releases) Len() int {
	if t == nil {
		return 0
	}
	return len(t.rels)
}

// Add records one release of source src: the package entry pk's ID,
// Ecosystem, Name, Versions, Aliases and Ranges (its other fields come
// from the source's template).
func (t *Releases) Add(src int, pk PackageIOC) error {
	eco, ok := EcosystemByID(pk.Ecosystem)
	if !ok {
		return fmt.Errorf("%s: ecosystem %q is not supported", pk.ID, pk.Ecosystem)
	}
	if src < 0 || src >= len(t.tmpl) || len(t.rels) >= 1<<31-1 {
		return fmt.Errorf("%s: no such source %d", pk.ID, src)
	}
	k := key(eco, pk.Name)
	if len(k) > 1<<16-1 {
		return fmt.Errorf("%s: a package name of %d bytes", pk.ID, len(pk.Name))
	}
	r := release{keyLen: uint16(len(k)), src: uint16(src), next: -1}
	var canon []string
	for i, v := range pk.Versions {
		c := normalizeIn(eco, v)
		if c != v && canon == nil {
			canon = append(make([]string, 0, len(pk.Versions)), pk.Versions[:i]...)
		}
		if canon != nil {
			canon = append(canon, c)
		}
	}
	r.canon = canon != nil
	for _, rg := range pk.Ranges {
		if c, ok := compileRange(eco, rg); ok && c.every {
			r.every = true
		}
	}
	b := make([]byte, 0, len(k)+len(pk.ID)+len(pk.Name)+16*(1+len(pk.Aliases)+2*len(pk.Versions)))
	b = append(b, k...)
	b = appendStr(b, pk.ID)
	b = appendStr(b, pk.Name)
	b = appendStrs(b, pk.Aliases)
	b = appendStrs(b, pk.Versions)
	if r.canon {
		b = appendStrs(b, canon)
	}
	b = binary.AppendUvarint(b, uint64(len(pk.Ranges)))
	for _, rg := range pk.Ranges {
		b = binary.AppendUvarint(b, uint64(len(rg.Events)))
		for _, e := range rg.Events {
			b = appendStr(b, e.Introduced)
			b = appendStr(b, e.Fixed)
			b = appendStr(b, e.LastAffected)
			b = appendStr(b, e.Limit)
		}
	}
	r.blob = string(b)
	i := int32(len(t.rels))
	t.rels = append(t.rels, r)
	if t.byName == nil {
		t.byName = map[string]int32{}
	}
	first, seen := t.byName[r.blob[:r.keyLen]]
	if !seen {
		t.byName[r.blob[:r.keyLen]] = i
		t.firsts = append(t.firsts, i)
		return nil
	}
	for t.rels[first].next >= 0 {
		first = t.rels[first].next
	}
	t.rels[first].next = i
	return nil
}

func appendStr(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendStrs(b []byte, ss []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ss)))
	for _, s := range ss {
		b = appendStr(b, s)
	}
	return b
}

// fields reads a release's blob after its key.
type fields struct {
	s string
	i int
}

// n reads a uvarint (as binary.AppendUvarint wrote it).
func (f *fields) n() int {
	v, shift := 0, 0
	for {
		c := f.s[f.i]
		f.i++
		v |= int(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
		shift += 7
	}
}

func (f *fields) str() string {
	n := f.n()
	s := f.s[f.i : f.i+n]
	f.i += n
	return s
}

func (f *fields) strs() []string {
	n := f.n()
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = f.str()
	}
	return out
}

func (f *fields) skipStrs() {
	for n := f.n(); n > 0; n-- {
		f.str()
	}
}

// versions calls yield with each canonical version of release i until it
// returns true.
func (t *Releases) versions(i int32, yield func(canonical string) bool) bool {
	r := &t.rels[i]
	f := fields{s: r.blob, i: int(r.keyLen)}
	f.str() // id
	f.str() // name
	f.skipStrs()
	if r.canon {
		f.skipStrs()
	}
	for n := f.n(); n > 0; n-- {
		if yield(f.str()) {
			return true
		}
	}
	return false
}

// entry returns release i as a package entry, built on first use.
func (t *Releases) entry(i int32) *PackageIOC {
	t.mu.Lock()
	defer t.mu.Unlock()
	if pk := t.built[i]; pk != nil {
		return pk
	}
	pk := t.build(i)
	if t.built == nil {
		t.built = map[int32]*PackageIOC{}
	}
	t.built[i] = &pk
	return &pk
}

// build returns release i as the package entry it stands for.
func (t *Releases) build(i int32) PackageIOC {
	r := &t.rels[i]
	pk := t.tmpl[r.src]
	f := fields{s: r.blob, i: int(r.keyLen)}
	pk.ID = f.str()
	pk.Name = f.str()
	pk.Ecosystem = r.blob[:strings.IndexByte(r.blob, 0)]
	pk.Aliases = f.strs()
	pk.Versions = f.strs()
	if r.canon {
		f.skipStrs()
	}
	if n := f.n(); n > 0 {
		pk.Ranges = make([]VersionRange, n)
		for j := range pk.Ranges {
			ev := make([]RangeEvent, f.n())
			for k := range ev {
				ev[k] = RangeEvent{Introduced: f.str(), Fixed: f.str(), LastAffected: f.str(), Limit: f.str()}
			}
			pk.Ranges[j].Events = ev
		}
	}
	return pk
}

// Entries returns every release as the package entry it stands for, in
// the order added.
func (t *Releases) Entries() []PackageIOC {
	if t == nil {
		return nil
	}
	out := make([]PackageIOC, len(t.rels))
	for i := range out {
		out[i] = t.build(int32(i))
	}
	return out
}

// named returns the first release naming a package (by name key), or -1.
func (t *Releases) named(n string) int32 {
	if t == nil {
		return -1
	}
	if i, ok := t.byName[n]; ok {
		return i
	}
	return -1
}

// AllPackages returns the pack's package entries, then the records'
// releases as package entries (built anew, in the order added): what
// Packages held when every record was an entry of its own.
func (l *Loaded) AllPackages() []PackageIOC {
	if l.Releases.Len() == 0 {
		return l.Packages
	}
	return append(slices.Clip(l.Packages), l.Releases.Entries()...)
}

// MarshalJSON writes the set with the records' releases as package
// entries after the pack's own (AllPackages).
func (l *Loaded) MarshalJSON() ([]byte, error) {
	type plain Loaded // without this method
	if l.Releases.Len() == 0 {
		return json.Marshal((*plain)(l))
	}
	p := *l.Pack
	p.Packages = l.AllPackages()
	c := plain(*l)
	c.Pack = &p
	return json.Marshal(&c)
}
