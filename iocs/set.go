package iocs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Source is the text of one pack and where it came from ("builtin:NAME"
// for an embedded pack, else the file as the user named it).
type Source struct {
	From string
	Data []byte
}

// PackRef identifies one pack of a loaded set, as a report records it.
type PackRef struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	SHA256  string `json:"sha256"`
	From    string `json:"from"`
	// Replaces lists the indicator ids this pack redefined that an
	// earlier pack of the set also defined (the later definition wins).
	Replaces []string `json:"replaces,omitempty"`
}

// SetOptions say which packs a sweep uses.
type SetOptions struct {
	LoadOptions
	// Files are packs added after the built-in ones (--iocs, repeatable).
	Files []string
	// Only drops the built-in packs (--iocs-only): the set is Files alone.
	Only bool
	// Read reads a file named in Files (nil: os.ReadFile). A command
	// passes the one opener for files the user named (sweep.ReadInputLimit),
	// which never blocks on a FIFO and bounds the size.
	Read func(path string) ([]byte, error)
}

// BuiltinSources returns the embedded packs in load order: the incident's
// primary pack (BuiltinName) first, then the others by file name. Every
// file under packs/ is a built-in pack: a new wave is one more file.
func BuiltinSources() ([]Source, error) {
	names, err := fs.Glob(packFS, "packs/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("list builtin packs: %w", err)
	}
	sort.SliceStable(names, func(i, j int) bool {
		if (names[i] == BuiltinName) != (names[j] == BuiltinName) {
			return names[i] == BuiltinName
		}
		return names[i] < names[j]
	})
	out := make([]Source, 0, len(names))
	for _, n := range names {
		b, err := packFS.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("read builtin pack %s: %w", n, err)
		}
		out = append(out, Source{From: "builtin:" + strings.TrimPrefix(n, "packs/"), Data: b})
	}
	return out, nil
}

// LoadSet reads the packs a sweep uses: the built-in ones (unless
// o.Only) followed by o.Files, composed into one Loaded.
func LoadSet(o SetOptions) (*Loaded, error) {
	var srcs []Source
	if !o.Only {
		b, err := BuiltinSources()
		if err != nil {
			return nil, err
		}
		srcs = b
	} else if len(o.Files) == 0 {
		return nil, fmt.Errorf("--iocs-only needs at least one --iocs FILE")
	}
	read := o.Read
	if read == nil {
		read = os.ReadFile
	}
	for _, f := range o.Files {
		b, err := read(f)
		if err != nil {
			return nil, fmt.Errorf("read IOC pack: %w", err)
		}
		srcs = append(srcs, Source{From: f, Data: b})
	}
	return Compose(srcs, o.LoadOptions)
}

// Compose decodes and validates each source strictly and merges them, in
// order, into one Loaded:
//   - a later pack with the same pack id replaces the earlier one whole
//     (an edited copy of a built-in pack, given with --iocs, supersedes it);
//   - an indicator whose id an earlier pack of the set also defines, in
//     the same section, replaces that entry (PackRef.Replaces says which);
//     the same id in two different sections is an error;
//   - references (a package's or action's window) resolve across the set;
//   - the sections every collector relies on (Sections) are required of
//     the set, not of each pack: a wave pack holds only what it needs.
func Compose(srcs []Source, o LoadOptions) (*Loaded, error) {
	if len(srcs) == 0 {
		return nil, fmt.Errorf("no IOC pack")
	}
	type part struct {
		src  Source
		pack *Pack
		doc  *yaml.Node
	}
	var parts []part
	for _, s := range srcs {
		p, doc, err := decode(s.Data, s.From)
		if err != nil {
			return nil, err
		}
		if !holdsIndicators(reflect.ValueOf(p).Elem()) {
			return nil, fmt.Errorf("IOC pack %s: invalid pack:\n  %s holds no indicators", s.From, p.ID)
		}
		for i := range parts {
			if parts[i].pack != nil && parts[i].pack.ID == p.ID {
				parts[i].pack = nil // replaced whole by the later pack
			}
		}
		parts = append(parts, part{s, p, doc})
	}
	windows := map[string]bool{}
	for _, pt := range parts {
		if pt.pack == nil {
			continue
		}
		for _, w := range pt.pack.Windows {
			windows[w.ID] = true
		}
	}
	l := &Loaded{Pack: &Pack{}}
	owner := map[string]string{} // indicator id -> section path
	var froms []string
	for _, pt := range parts {
		if pt.pack == nil {
			continue
		}
		if err := pt.pack.validateIn(pt.doc, windows); err != nil {
			return nil, fmt.Errorf("IOC pack %s: %w", pt.src.From, err)
		}
		sum := sha256.Sum256(pt.src.Data)
		ref := PackRef{ID: pt.pack.ID, Version: pt.pack.Version, SHA256: hex.EncodeToString(sum[:]), From: pt.src.From}
		replaced, err := mergeInto(l.Pack, pt.pack, owner)
		if err != nil {
			return nil, fmt.Errorf("IOC pack %s: %w", pt.src.From, err)
		}
		ref.Replaces = replaced
		l.Packs = append(l.Packs, ref)
		l.parts = append(l.parts, pt.pack)
		froms = append(froms, pt.src.From)
	}
	if len(l.Pack.Packages) == 0 {
		return nil, fmt.Errorf("IOC pack %s: invalid pack:\n  packages: at least one package is required", strings.Join(froms, ", "))
	}
	for _, g := range l.Pack.Guards {
		for _, id := range g.Indicators {
			if sec, ok := owner[id]; !ok || sec == "Guards" {
				return nil, fmt.Errorf("IOC pack %s: invalid pack:\n  guard %s names indicator %q, which no pack of the set defines", strings.Join(froms, ", "), g.ID, id)
			}
		}
	}
	first := l.parts[0]
	if len(l.parts) == 1 {
		l.SHA256, l.From = l.Packs[0].SHA256, l.Packs[0].From
		if strings.HasPrefix(l.From, "builtin:") {
			l.From = "builtin"
		}
	} else {
		l.Pack.ID, l.Pack.Title, l.Pack.Summary = SetID, setTitle(l.parts), first.Summary
		l.SHA256, l.From = setDigest(l.Packs), setFrom(l.Packs)
	}
	l.Pack.SchemaVersion = SchemaVersion
	l.Pack.Version = newest(l.Packs)
	if miss := l.Pack.Missing(); len(miss) > 0 {
		if !o.AllowPartial {
			return nil, fmt.Errorf("%w %s: it lacks whole sections, which would silently halve what a sweep finds: %s; "+
				"complete it, or pass --iocs-partial to sweep with it anyway (the report then says the pack was partial)",
				ErrPartial, strings.Join(froms, ", "), strings.Join(miss, ", "))
		}
		l.Partial = miss
	}
	return l, nil
}

// SetID is the pack id a report carries for a set of more than one pack
// (the packs themselves are in Loaded.Packs / sweep.Tool.Packs).
const SetID = "litesweep-packs"

func setTitle(ps []*Pack) string {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return fmt.Sprintf("%d IOC packs: %s", len(ps), strings.Join(ids, ", "))
}

// setDigest is the SHA-256 of the set: of each pack's id, version and
// SHA-256, one line each, in load order.
func setDigest(rs []PackRef) string {
	h := sha256.New()
	for _, r := range rs {
		fmt.Fprintf(h, "%s %s %s\n", r.ID, r.Version, r.SHA256)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// setFrom is "builtin", or "builtin + FILE ..." / "FILE + FILE".
func setFrom(rs []PackRef) string {
	var out []string
	builtin := false
	for _, r := range rs {
		if strings.HasPrefix(r.From, "builtin:") {
			if !builtin {
				out = append(out, "builtin")
			}
			builtin = true
			continue
		}
		out = append(out, r.From)
	}
	return strings.Join(out, " + ")
}

// newest is the highest pack version of the set (versions are dates,
// "2026.12.01", and compare as strings).
func newest(rs []PackRef) string {
	v := ""
	for _, r := range rs {
		if r.Version > v {
			v = r.Version
		}
	}
	return v
}

// holdsIndicators reports whether any list of the pack (or of a nested
// section, such as ci) has an entry, or ci.install_pattern is set.
func holdsIndicators(v reflect.Value) bool {
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		switch {
		case f.Kind() == reflect.Slice && v.Type().Field(i).Name != "Advisories" && f.Len() > 0:
			return true
		case f.Kind() == reflect.Struct && f.Type() != reflect.TypeOf(Provenance{}) && holdsIndicators(f):
			return true
		case v.Type().Field(i).Name == "InstallPattern" && f.String() != "":
			return true
		}
	}
	return false
}

// mergeInto appends src's indicators to dst. Every slice field of Pack
// (and of its nested structs) whose elements have an ID is merged by id;
// string slices are unioned; the first non-empty scalar wins. Pack fields
// added later merge without a change here (TestMergeCoversEveryField).
func mergeInto(dst, src *Pack, owner map[string]string) ([]string, error) {
	var replaced []string
	err := mergeValue(reflect.ValueOf(dst).Elem(), reflect.ValueOf(src).Elem(), "", owner, &replaced)
	return replaced, err
}

func mergeValue(dst, src reflect.Value, path string, owner map[string]string, replaced *[]string) error {
	t := dst.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := path + f.Name
		d, s := dst.Field(i), src.Field(i)
		switch {
		case f.Type == reflect.TypeOf(Provenance{}):
			if d.FieldByName("Confidence").String() == "" {
				d.Set(s)
			}
		case f.Type.Kind() == reflect.Struct:
			if err := mergeValue(d, s, name+".", owner, replaced); err != nil {
				return err
			}
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.String:
			seen := map[string]bool{}
			for j := 0; j < d.Len(); j++ {
				seen[d.Index(j).String()] = true
			}
			for j := 0; j < s.Len(); j++ {
				if v := s.Index(j).String(); !seen[v] {
					seen[v] = true
					d.Set(reflect.Append(d, s.Index(j)))
				}
			}
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct:
			if _, ok := f.Type.Elem().FieldByName("ID"); !ok {
				d.Set(reflect.AppendSlice(d, s))
				continue
			}
			at := map[string]int{}
			for j := 0; j < d.Len(); j++ {
				at[d.Index(j).FieldByName("ID").String()] = j
			}
			for j := 0; j < s.Len(); j++ {
				e := s.Index(j)
				id := e.FieldByName("ID").String()
				if sec, ok := owner[id]; ok && sec != name {
					return fmt.Errorf("indicator id %q is in %s and, in an earlier pack, in %s", id, name, sec)
				}
				owner[id] = name
				if k, ok := at[id]; ok {
					d.Index(k).Set(e)
					*replaced = append(*replaced, id)
					continue
				}
				at[id] = d.Len()
				d.Set(reflect.Append(d, e))
			}
		case f.Type.Kind() == reflect.String || f.Type.Kind() == reflect.Int:
			if d.IsZero() {
				d.Set(s)
			}
		default:
			return fmt.Errorf("pack field %s (%s) has no merge rule", name, f.Type)
		}
	}
	return nil
}

// Replace returns srcs with each old string replaced by its new one, given
// as old, new pairs as for strings.NewReplacer; each old must occur exactly
// once across all the sources (so a caller notices when the packs change
// under it). Tests use it to put a harmless fixture's hash or a loopback
// address where a real indicator stands.
func Replace(srcs []Source, oldnew ...string) ([]Source, error) {
	if len(oldnew)%2 != 0 {
		return nil, fmt.Errorf("replace: odd number of old, new strings (%d)", len(oldnew))
	}
	out := make([]Source, len(srcs))
	copy(out, srcs)
	for i := 0; i < len(oldnew); i += 2 {
		n, at := 0, -1
		for j, s := range out {
			if c := strings.Count(string(s.Data), oldnew[i]); c > 0 {
				n, at = n+c, j
			}
		}
		if n != 1 {
			return nil, fmt.Errorf("the packs hold %q %d times, want exactly once", oldnew[i], n)
		}
		out[at].Data = []byte(strings.Replace(string(out[at].Data), oldnew[i], oldnew[i+1], 1))
	}
	return out, nil
}

// Renamed returns srcs with From set to prefix + the base name of each.
func Renamed(srcs []Source, prefix string) []Source {
	out := make([]Source, len(srcs))
	for i, s := range srcs {
		name := s.From[strings.LastIndexAny(s.From, ":/")+1:]
		out[i] = Source{From: prefix + name, Data: s.Data}
	}
	return out
}
