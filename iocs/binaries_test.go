package iocs

import (
	"slices"
	"strings"
	"testing"
)

// TestBinaryEntriesValidated: a binary entry is evidence only by its hash
// or its markers (a name alone is the legitimate tool's), markers belong
// to binaries, and a marker is long enough not to occur by chance.
func TestBinaryEntriesValidated(t *testing.T) {
	prov := Provenance{Confidence: Derived, Sources: []string{"https://example.invalid/src"}}
	sha := strings.Repeat("ab", 32)
	base := func(fi FileIOC) *Pack {
		fi.ID, fi.Severity, fi.Provenance, fi.Description = "f1", "high", prov, "d"
		return &Pack{SchemaVersion: SchemaVersion, ID: "t", Version: "1", Title: "t",
			Packages: []PackageIOC{{ID: "pkg", Ecosystem: "pypi", Name: "x", Versions: []string{"1.0"}, Severity: "high", Provenance: prov}},
			Files:    []FileIOC{fi}}
	}
	tests := []struct {
		name string
		fi   FileIOC
		want string // "" = valid
	}{
		{"hash", FileIOC{Kind: "binary", Name: "tool", SHA256: sha}, ""},
		{"marker", FileIOC{Kind: "binary", Name: "tool.exe", Markers: []string{"typosquat"}}, ""},
		{"name alone", FileIOC{Kind: "binary", Name: "tool"}, "needs sha256 or markers"},
		{"path as name", FileIOC{Kind: "binary", Name: "bin/tool", SHA256: sha}, "files[0].name"},
		{"marker on a script", FileIOC{Kind: "persistence-script", Name: "x.py", SHA256: sha, Markers: []string{"typosquat"}}, "only a binary"},
		{"short marker", FileIOC{Kind: "binary", Name: "tool", Markers: []string{"abc"}}, "files[0].markers[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := base(tt.fi).Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("valid entry refused: %v", err)
			case tt.want != "" && err == nil:
				t.Fatal("invalid entry accepted")
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("error %q does not name %q", err, tt.want)
			}
		})
	}
}

// TestBinariesByName: the built-in set's bad binaries by name; a Windows
// executable's name compares without case, any other exactly.
func TestBinariesByName(t *testing.T) {
	l, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	m, err := Compile(l)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(base string) []string {
		var out []string
		for _, f := range m.Binaries(base) {
			out = append(out, f.ID)
		}
		return out
	}
	for _, tc := range []struct {
		base string
		want string // an id among the answers ("" = none)
	}{
		{"trivy", "trivy-0694-typosquat-marker"},
		{"trivy", "trivy-0694-raw-linux-32bit"},
		{"Trivy", ""},
		{"trivy.txt", ""},
		{"TRIVY.EXE", "trivy-0694-raw-windows-64bit"},
		{"MSBuild.exe", "telnyx-msbuild-exe"},
		{"msbuild", ""},
		{"trivy_0.69.4_Linux-64bit.tar.gz", "trivy-0694-06"},
		{"entrypoint.sh", ""}, // kind other: not a binary
	} {
		got := ids(tc.base)
		if (tc.want == "") != (len(got) == 0) || (tc.want != "" && !slices.Contains(got, tc.want)) {
			t.Errorf("Binaries(%q) = %q, want %q", tc.base, got, tc.want)
		}
	}
	if m.MaxBinaryMarker() != len("aquasecurtiy") {
		t.Errorf("longest marker %d", m.MaxBinaryMarker())
	}
}
