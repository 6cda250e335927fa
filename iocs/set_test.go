package iocs

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuiltinIsEveryPackFile: every file under packs/ is a built-in pack,
// loaded by default and named in Packs with the SHA-256 of its bytes; the
// primary pack loads first.
func TestBuiltinIsEveryPackFile(t *testing.T) {
	l, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(os.DirFS("."), "packs/*.yaml")
	if err != nil || len(names) < 2 {
		t.Fatalf("pack files: %v %v", names, err)
	}
	if len(l.Packs) != len(names) {
		t.Fatalf("%d packs loaded, %d files", len(l.Packs), len(names))
	}
	if l.Packs[0].From != "builtin:"+strings.TrimPrefix(BuiltinName, "packs/") {
		t.Errorf("first pack %s, want the primary %s", l.Packs[0].From, BuiltinName)
	}
	for _, p := range l.Packs {
		b, err := os.ReadFile(filepath.Join("packs", strings.TrimPrefix(p.From, "builtin:")))
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != p.SHA256 {
			t.Errorf("%s: sha256 %s is not its file's", p.From, p.SHA256)
		}
		if p.ID == "" || p.Version == "" {
			t.Errorf("%s: no id or version", p.From)
		}
	}
	if l.ID != SetID || l.From != "builtin" || l.SHA256 != setDigest(l.Packs) {
		t.Errorf("set identity %s %s %s", l.ID, l.From, l.SHA256)
	}
}

// wavePack is a pack in the wave format: only the sections it needs.
const wavePack = `schema_version: 1
id: test-wave
version: "2026.12.07"
title: "an invented wave"
windows:
  - id: test-wave-window
    title: "invented window"
    start: 2026-06-01T00:00:00Z
    end: 2026-06-02T00:00:00Z
    provenance: {confidence: derived, sources: ["test"]}
packages:
  - id: test-wave-pkg
    ecosystem: pypi
    name: invented-pkg
    versions: ["9.9.9"]
    window: test-wave-window
    severity: critical
    description: "invented"
    provenance: {confidence: derived, sources: ["test"]}
`

func TestComposeWavePack(t *testing.T) {
	dir := t.TempDir()
	wave := filepath.Join(dir, "wave.yaml")
	if err := os.WriteFile(wave, []byte(wavePack), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := LoadSet(SetOptions{Files: []string{wave}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Compile(l)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Package("Invented_Pkg", "9.9.9"); !ok {
		t.Error("the added pack's package is not matched")
	}
	if _, ok := m.Package("litellm", "1.82.8"); !ok {
		t.Error("the built-in packs were dropped by --iocs")
	}
	last := l.Packs[len(l.Packs)-1]
	if last.ID != "test-wave" || last.From != wave || !strings.HasSuffix(l.From, " + "+wave) {
		t.Errorf("added pack %+v, set from %q", last, l.From)
	}
	// --iocs-only with a wave pack alone lacks whole sections.
	_, err = LoadSet(SetOptions{Files: []string{wave}, Only: true})
	if !errors.Is(err, ErrPartial) || !strings.Contains(err.Error(), "credentials (credential targets)") {
		t.Fatalf("a wave pack alone: %v", err)
	}
	l, err = LoadSet(SetOptions{Files: []string{wave}, Only: true, LoadOptions: LoadOptions{AllowPartial: true}})
	if err != nil || len(l.Packs) != 1 || l.ID != "test-wave" || l.From != wave || len(l.Partial) == 0 {
		t.Fatalf("--iocs-only --iocs-partial: %v %+v", err, l)
	}
	if _, err := LoadSet(SetOptions{Only: true}); err == nil {
		t.Error("--iocs-only without a pack accepted")
	}
}

// TestOldFormatPack: the one-file pack of before still loads alone, and
// added to the built-in packs it replaces the entries it redefines.
func TestOldFormatPack(t *testing.T) {
	old := filepath.Join("testdata", oldFormatPack)
	l, err := LoadSet(SetOptions{Files: []string{old}, Only: true})
	if err != nil {
		t.Fatal(err)
	}
	if l.ID != "teampcp-litellm-2026-03" || l.Version != "2026.12.01" || len(l.Partial) != 0 {
		t.Errorf("old pack alone: %s %s %v", l.ID, l.Version, l.Partial)
	}
	b, err := os.ReadFile(old)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(b); l.SHA256 != hex.EncodeToString(sum[:]) {
		t.Error("a pack alone is not identified by its own SHA-256")
	}
	l, err = LoadSet(SetOptions{Files: []string{old}})
	if err != nil {
		t.Fatal(err)
	}
	// it has the primary built-in pack's id, so it replaces that pack whole
	for _, p := range l.Packs {
		if p.From == "builtin:litellm-2026-03.yaml" {
			t.Errorf("the built-in pack with the same id was kept: %+v", l.Packs)
		}
	}
	last := l.Packs[len(l.Packs)-1]
	if last.From != old || len(last.Replaces) == 0 {
		t.Errorf("old pack added: %+v", last)
	}
	if _, err := Compile(l); err != nil {
		t.Fatal(err)
	}
}

func TestComposeConflicts(t *testing.T) {
	other := strings.Replace(wavePack, "id: test-wave\n", "id: test-wave-2\n", 1)
	// the same indicator id in another section is an error naming both
	bad := strings.Replace(other, "id: test-wave-pkg", "id: test-wave-window", 1)
	bad = strings.Replace(bad, "  - id: test-wave-window\n    title", "  - id: other-window\n    title", 1)
	bad = strings.Replace(bad, "window: test-wave-window\n    severity", "window: other-window\n    severity", 1)
	_, err := Compose([]Source{{"a.yaml", []byte(wavePack)}, {"b.yaml", []byte(bad)}}, LoadOptions{AllowPartial: true})
	if err == nil || !strings.Contains(err.Error(), "b.yaml") || !strings.Contains(err.Error(), "Windows") || !strings.Contains(err.Error(), "Packages") {
		t.Errorf("id in two sections: %v", err)
	}
	// the same id in the same section: the later pack's entry wins
	later := strings.Replace(other, `versions: ["9.9.9"]`, `versions: ["9.9.8"]`, 1)
	l, err := Compose([]Source{{"a.yaml", []byte(wavePack)}, {"b.yaml", []byte(later)}}, LoadOptions{AllowPartial: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Packages) != 1 || l.Packages[0].Versions[0] != "9.9.8" || strings.Join(l.Packs[1].Replaces, ",") != "test-wave-pkg,test-wave-window" {
		t.Errorf("later entry: %+v %+v", l.Packages, l.Packs)
	}
	// a reference may name a window of another pack of the set
	ref := strings.Replace(other, "  - id: test-wave-window\n", "  - id: unused-window\n", 1)
	ref = strings.Replace(ref, "id: test-wave-pkg", "id: pkg-2", 1)
	if _, err := Compose([]Source{{"a.yaml", []byte(wavePack)}, {"b.yaml", []byte(ref)}}, LoadOptions{AllowPartial: true}); err != nil {
		t.Errorf("cross-pack window reference: %v", err)
	}
	// alone, the same reference is an error
	if _, err := Compose([]Source{{"b.yaml", []byte(ref)}}, LoadOptions{AllowPartial: true}); err == nil || !strings.Contains(err.Error(), "names no window") {
		t.Errorf("dangling window reference: %v", err)
	}
}

// TestMergeCoversEveryField: every field of Pack has a merge rule, so a
// field added later (a new indicator kind) composes without a change here.
func TestMergeCoversEveryField(t *testing.T) {
	l, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mergeInto(&Pack{}, l.Pack, map[string]string{}); err != nil {
		t.Fatal(err)
	}
}
