package iocs

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/internal/testenv"
)

// semverCases are ranges as package.json and lockfiles write them, with
// versions on each side of every bound. TestSemverAgainstNode checks each
// expectation against node-semver itself (the module npm resolves with).
var semverCases = []struct {
	rng, ver string
	want     bool
}{
	{"^1.2.3", "1.2.3", true}, {"^1.2.3", "1.9.9", true}, {"^1.2.3", "2.0.0", false}, {"^1.2.3", "1.2.2", false},
	{"^1.2.3", "1.3.0-beta.1", false}, {"^1.2.3-beta.2", "1.2.3-beta.3", true}, {"^1.2.3-beta.2", "1.2.4-beta.3", false},
	{"^0.2.3", "0.2.9", true}, {"^0.2.3", "0.3.0", false}, {"^0.0.3", "0.0.3", true}, {"^0.0.3", "0.0.4", false},
	{"^1.x", "1.9.0", true}, {"^0.x", "0.9.0", true}, {"^0.0.x", "0.0.9", true}, {"^0.0.x", "0.1.0", false}, {"^1.2.x", "1.9.0", true},
	{"~1.2.3", "1.2.9", true}, {"~1.2.3", "1.3.0", false}, {"~1.2", "1.2.0", true}, {"~1", "1.9.9", true}, {"~1", "2.0.0", false},
	{"~>1.2.3", "1.2.4", true}, {"~ 1.2.3", "1.2.4", true},
	{"1.2.3", "1.2.3", true}, {"1.2.3", "1.2.4", false}, {"=1.2.3", "1.2.3", true}, {"v1.2.3", "1.2.3", true},
	{"1.x", "1.0.0", true}, {"1.x", "2.0.0", false}, {"1.2.*", "1.2.7", true}, {"1.2", "1.2.7", true}, {"1", "1.7.0", true},
	{"*", "3.0.0", true}, {"", "3.0.0", true}, {"x", "0.0.1", true}, {"*", "3.0.0-rc.1", false},
	{">1.2", "1.3.0", true}, {">1.2", "1.2.9", false}, {">=1.2", "1.2.0", true}, {"<1.2", "1.1.9", true}, {"<1.2", "1.2.0-rc.1", false},
	{"<=1.2", "1.2.9", true}, {"<=1.2", "1.3.0", false}, {">1", "2.0.0", true}, {">1", "1.9.9", false}, {"<=1", "1.9.9", true},
	{">= 1.2.3 < 2", "1.5.0", true}, {">=1.2.3 <2", "2.0.0", false}, {">=1.2.3 <2.0.0", "1.99.0", true},
	{"1.2.3 - 2.3.4", "2.3.4", true}, {"1.2.3 - 2.3.4", "2.3.5", false}, {"1.2 - 2.3", "2.3.9", true}, {"1.2 - 2.3", "2.4.0", false},
	{"1.2.3 - 2", "2.9.9", true}, {"1 - 2", "1.0.0", true},
	{"^1.0.0 || ^2.0.0", "2.5.0", true}, {"^1.0.0 || ^2.0.0", "3.0.0", false}, {"1.2.7 || >=1.2.9 <2.0.0", "1.2.8", false},
	{">=1.0.0-alpha", "1.0.0-beta", true}, {">=1.0.0-alpha", "1.0.1-beta", false}, {"<2.0.0", "2.0.0-alpha", false},
	{"1.0.0-alpha.1", "1.0.0-alpha.1", true}, {">1.0.0-alpha.1", "1.0.0-alpha.beta", true}, {">1.0.0-alpha.10", "1.0.0-alpha.9", false},
	{">=1.2.3", "1.2.3+build.5", true}, {"1.2.3+build", "1.2.3", true},
}

func TestSemverRange(t *testing.T) {
	for _, tc := range semverCases {
		r, err := ParseSemverRange(tc.rng)
		if err != nil {
			t.Errorf("ParseSemverRange(%q): %v", tc.rng, err)
			continue
		}
		if got := r.Contains(tc.ver); got != tc.want {
			t.Errorf("%q contains %q = %v, want %v", tc.rng, tc.ver, got, tc.want)
		}
	}
	for _, bad := range []string{"latest", "next", "file:../x", "github:a/b", "1.2.3.4", "^", "01.2.3", ">=1.2.3 foo"} {
		if _, err := ParseSemverRange(bad); err == nil {
			t.Errorf("ParseSemverRange(%q) accepted it; npm takes it for a tag or another spec", bad)
		}
	}
}

// TestSemverAgainstNode asks node-semver, as npm ships it, the same
// questions: the table's expectations are what npm does.
func TestSemverAgainstNode(t *testing.T) {
	node := testenv.LookPath(t, "node", "node-semver checks npm's range semantics")
	npm := testenv.LookPath(t, "npm", "node-semver ships with npm")
	real, err := filepath.EvalSymlinks(npm)
	if err != nil {
		t.Fatal(err)
	}
	// npm from its own tarball bundles semver; Debian's npm uses /usr/share/nodejs.
	paths := []string{filepath.Join(filepath.Dir(filepath.Dir(real)), "node_modules"), "/usr/share/nodejs"}
	type q struct {
		R string `json:"r"`
		V string `json:"v"`
	}
	var qs []q
	for _, tc := range semverCases {
		qs = append(qs, q{tc.rng, tc.ver})
	}
	in, _ := json.Marshal(qs)
	cmd := exec.Command(node, "-e", `const s=require('semver');const q=JSON.parse(require('fs').readFileSync(0,'utf8'));
console.log(JSON.stringify(q.map(x=>[s.satisfies(x.v,x.r,{loose:true}), s.validRange(x.r,{loose:true})!==null])))`)
	cmd.Env = append(os.Environ(), "NODE_PATH="+strings.Join(paths, ":"))
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.CombinedOutput()
	if err != nil {
		testenv.SkipOrFail(t, "node cannot load semver: "+err.Error()+": "+string(out))
	}
	var got [][2]bool
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(semverCases) {
		t.Fatalf("node output %q: %v", out, err)
	}
	for i, tc := range semverCases {
		if got[i][0] != tc.want || !got[i][1] {
			t.Errorf("node-semver: satisfies(%q, %q) = %v (valid range %v); the table says %v", tc.ver, tc.rng, got[i][0], got[i][1], tc.want)
		}
	}
}

func TestParseSemver(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"1.2.3", "1.2.3"}, {"v1.2.3", "1.2.3"}, {"=1.2.3", "1.2.3"}, {" 1.2.3 ", "1.2.3"},
		{"1.2.3-beta.1", "1.2.3-beta.1"}, {"1.2.3+sha.5", "1.2.3"}, {"1.2.3-rc.1+b", "1.2.3-rc.1"},
	} {
		v, err := ParseSemver(tc.in)
		if err != nil || v.String() != tc.want {
			t.Errorf("ParseSemver(%q) = %q, %v; want %q", tc.in, v, err, tc.want)
		}
	}
	for _, bad := range []string{"1.2", "1.2.3.4", "01.2.3", "1.2.3-", "1.2.3-01", "latest", ""} {
		if _, err := ParseSemver(bad); err == nil {
			t.Errorf("ParseSemver(%q) accepted", bad)
		}
	}
	order := []string{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.10.0", "2.0.0"}
	for i := 1; i < len(order); i++ {
		if compareSemverStrings(order[i-1], order[i]) >= 0 || compareSemverStrings(order[i], order[i-1]) <= 0 {
			t.Errorf("%s < %s does not hold", order[i-1], order[i])
		}
	}
}

func TestParseNPMSpec(t *testing.T) {
	for _, tc := range []struct {
		in                string
		name, alias, spec string
		registry          bool
	}{
		{"left-pad", "left-pad", "", "", true},
		{"left-pad@^1.3.0", "left-pad", "", "^1.3.0", true},
		{"@s/x@1.2.3", "@s/x", "", "1.2.3", true},
		{"@s/x", "@s/x", "", "", true},
		{"y@npm:@s/x@~1.2", "@s/x", "y", "~1.2", true},
		{"x@latest", "x", "", "latest", true},
		{"x@github:a/b", "x", "", "github:a/b", false},
		{"x@file:../x", "x", "", "file:../x", false},
		{"./local", "./local", "", "", false},
	} {
		s := ParseNPMSpec(tc.in)
		if s.Name != tc.name || s.Alias != tc.alias || s.Spec != tc.spec || s.Registry != tc.registry {
			t.Errorf("ParseNPMSpec(%q) = %+v", tc.in, s)
		}
	}
}
