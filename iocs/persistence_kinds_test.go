package iocs

import (
	"strings"
	"testing"
)

// TestPersistenceKindsValidated: every path form, kind, hook format,
// label and marker of a persistence entry is checked, with the field
// named.
func TestPersistenceKindsValidated(t *testing.T) {
	prov := Provenance{Confidence: Derived, Sources: []string{"https://example.invalid/src"}}
	base := func(pi PathIOC) *Pack {
		pi.ID, pi.Severity, pi.Provenance = "p1", "critical", prov
		return &Pack{SchemaVersion: SchemaVersion, ID: "t", Version: "1", Title: "t",
			Packages:    []PackageIOC{{ID: "pkg", Ecosystem: "pypi", Name: "x", Versions: []string{"1.0"}, Severity: "high", Provenance: prov}},
			Persistence: []PathIOC{pi}}
	}
	tests := []struct {
		name string
		pi   PathIOC
		want string // "" = valid
	}{
		{"home script", PathIOC{Path: "~/.local/bin/x.sh", Kind: "script"}, ""},
		{"relative hook", PathIOC{Path: ".claude/settings.json", Kind: "hook", Format: "claude-settings", Markers: []string{"setup.mjs"}}, ""},
		{"globbed dropper", PathIOC{Path: "/tmp/*.pyz", Kind: "dropper"}, ""},
		{"launchd label", PathIOC{Path: "~/Library/LaunchAgents/a.plist", Kind: "launchd", Label: "a"}, ""},
		{"unknown kind", PathIOC{Path: "/x", Kind: "cronjob"}, "persistence[0].kind"},
		{"hook without format", PathIOC{Path: ".vscode/tasks.json", Kind: "hook"}, "persistence[0].format"},
		{"format on a script", PathIOC{Path: "/x", Kind: "script", Format: "vscode-tasks"}, "only a hook has a format"},
		{"label on a unit", PathIOC{Path: "/etc/systemd/system/a.service", Kind: "unit", Label: "a"}, "persistence[0].label"},
		{"dot-dot", PathIOC{Path: "../etc/passwd", Kind: "state"}, "persistence[0].path"},
		{"unclean", PathIOC{Path: "~/a//b", Kind: "state"}, "persistence[0].path"},
		{"glob in a directory", PathIOC{Path: "/tmp/*/x.pyz", Kind: "dropper"}, "only the base name"},
		{"bad glob", PathIOC{Path: "/tmp/[x.pyz", Kind: "dropper"}, "bad glob"},
		{"empty marker", PathIOC{Path: "/x.service", Kind: "unit", Markers: []string{" "}}, "persistence[0].markers[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := base(tt.pi).Validate()
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
