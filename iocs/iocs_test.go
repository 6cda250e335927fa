package iocs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuiltinPackValid(t *testing.T) {
	l, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	m, err := Compile(l)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Package("LiteLLM", "1.82.8"); !ok {
		t.Error("litellm 1.82.8 not matched")
	}
	if _, ok := m.File("71e35aef03099cd1f2d6446734273025a163597de93912df321ef118bf135238"); !ok {
		t.Error("litellm_init.pth hash not matched")
	}
	if f, ok := m.RecordHash("sha256=ceNa7wMJnNHy1kRnNCcwJaFjWX3pORLfMh7xGL8TUjg"); !ok || f.Name != "litellm_init.pth" {
		t.Errorf("RECORD hash of litellm_init.pth not matched: %v %v", f, ok)
	}
	if !m.HashWorthy(34628) {
		t.Error("size of litellm_init.pth is not hash-worthy")
	}
	if s, ok := m.Staging("runner_collected_1234.txt"); !ok || s.ID != "staging-runner-collected" {
		t.Error("staging glob not matched")
	}
	for _, a := range l.CI.Actions {
		if a.ID == "action-trivy-action" && len(a.BadSHAs) != 75 {
			t.Errorf("trivy-action SHAs: %d, want 75", len(a.BadSHAs))
		}
	}
}

// oldFormatPack is the built-in pack as it was before packs composed (one
// file, every section): packs in that format still load.
const oldFormatPack = "teampcp-litellm-2026.12.01.yaml"

func TestPackageMatching(t *testing.T) {
	l, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	m, _ := Compile(l)
	tests := []struct {
		name, version string
		want          bool
	}{
		{"litellm", "1.82.7", true},
		{"litellm", "1.82.8", true},
		{"LiteLLM", "1.82.8", true},
		{"litellm", "1.82.8.0", true},
		{"litellm", "v1.82.8", true},
		{"litellm", "1.82.70", false},
		{"litellm", "1.82.7.post1", false},
		{"litellm", "1.82.7-1", false}, // implicit post release
		{"litellm", "1.82.7rc1", false},
		{"litellm", "1.82.7+local", false},
		{"litellm", "1.82.6", false},
		{"litellm_proxy", "1.82.8", false},
		{"litellm-proxy", "1.82.8", false},
		{"telnyx", "4.87.2", true},
		{"Telnyx", "4.87.0", false},
		{"litellm", "garbage", false},
	}
	for _, tt := range tests {
		if _, got := m.Package(tt.name, tt.version); got != tt.want {
			t.Errorf("Package(%q, %q) = %v, want %v", tt.name, tt.version, got, tt.want)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	for in, want := range map[string]string{
		"LiteLLM": "litellm", "litellm_proxy": "litellm-proxy", "Foo.._-Bar": "foo-bar", " x ": "x",
	} {
		if got := NormalizeName(in); got != want {
			t.Errorf("NormalizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestVersionCompare(t *testing.T) {
	order := []string{"1.0.dev1", "1.0a1", "1.0b2", "1.0rc1", "1.0", "1.0.post1", "1.1", "1.82.7", "1.82.8", "1.82.10", "1!0.1"}
	for i := 1; i < len(order); i++ {
		a, err := ParseVersion(order[i-1])
		if err != nil {
			t.Fatal(err)
		}
		b, err := ParseVersion(order[i])
		if err != nil {
			t.Fatal(err)
		}
		if a.Compare(b) >= 0 {
			t.Errorf("%s should sort before %s", order[i-1], order[i])
		}
	}
}

func TestInstallLine(t *testing.T) {
	l, _ := Builtin()
	m, _ := Compile(l)
	tests := []struct {
		line, want string
	}{
		{"Collecting litellm==1.82.8", "1.82.8"},
		{"  Downloading litellm-1.82.8-py3-none-any.whl (9.1 MB)", "1.82.8"},
		{"  Using cached litellm-1.82.7-py3-none-any.whl", "1.82.7"},
		{"Successfully installed httpx-0.27.0 litellm-1.82.8 openai-1.3.0", "1.82.8"},
		{" + litellm==1.82.8", "1.82.8"},
		{"  - Installing litellm (1.82.8)", "1.82.8"},
		{"litellm                 1.82.7", "1.82.7"},
		{"Collecting litellm==1.82.6", ""},
		{"Collecting litellm==1.82.80", ""},
		{"Collecting litellm", ""},
		{"Downloading litellm-1.82.8.tar.gz", "1.82.8"},
		{"notlitellm==1.82.8", ""},
	}
	for _, tt := range tests {
		got, _ := m.InstallLine(tt.line)
		if got != tt.want {
			t.Errorf("InstallLine(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

func TestParseRejectsMalformed(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", oldFormatPack))
	if err != nil {
		t.Fatal(err)
	}
	good := string(b)
	tests := []struct {
		name, from, to, wantField string
	}{
		{"bad version", `versions: ["1.82.7", "1.82.8"]`, `versions: ["1.82.x"]`, "packages[0].versions[0]"},
		{"bad sha", "sha256: 71e35aef03099cd1f2d6446734273025a163597de93912df321ef118bf135238", "sha256: 71e35aef", "files[0].sha256"},
		{"unknown field", "schema_version: 1\n", "schema_version: 1\nbogus: 2\n", "field bogus not found"},
		{"bad severity", "    severity: critical\n    description: \"1.82.8 start-up hook", "    severity: nasty\n    description: \"1.82.8 start-up hook", "files[0].severity"},
		{"bad window ref", "window: litellm-pypi\n", "window: nope\n", "packages[0].window"},
		{"bad regexp", `install_pattern: '(?i)`, `install_pattern: '(?i)(`, "ci.install_pattern"},
		{"no sources", "confidence: single-source, sources: [\"https://github.com/HackingLZ/telnyx_4.87.1_payload/blob/main/ANALYSIS.md\"]}\n  - id: telnyx-client-4872", "confidence: single-source, sources: []}\n  - id: telnyx-client-4872", "files[3].provenance.sources"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(good, tt.from) {
				t.Fatalf("fixture text %q not in pack", tt.from)
			}
			bad := strings.Replace(good, tt.from, tt.to, 1)
			_, err := Parse([]byte(bad), "test.yaml")
			if err == nil {
				t.Fatal("malformed pack accepted")
			}
			if !strings.Contains(err.Error(), tt.wantField) {
				t.Errorf("error %q does not name %q", err, tt.wantField)
			}
		})
	}
}
