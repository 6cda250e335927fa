package installcmd

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/internal/testenv"
)

// TestParseNPMAgainstNpm checks ParseNPM against npm's own argument parser
// (npm-package-arg, as shipped with the installed npm): a registry request
// (version, range, tag, alias) has the name and spec npm reads; every other
// type (git, remote, file, directory) is not a registry request.
func TestParseNPMAgainstNpm(t *testing.T) {
	node := testenv.LookPath(t, "node", "npm's argument parser runs on node")
	npm := testenv.LookPath(t, "npm", "npm's argument parser is npm-package-arg")
	real, err := filepath.EvalSymlinks(npm)
	if err != nil {
		t.Fatal(err)
	}
	npmDir := filepath.Dir(filepath.Dir(real)) // .../npm/bin/npm-cli.js
	args := []string{"left-pad", "left-pad@1.3.0", "@scope/pkg", "@scope/pkg@^2.1.0", "pkg@latest", "pkg@next",
		"pkg@>=1.0.0 <2", "pkg@1.x", "pkg@~1.2", "pkg@1.2.3 - 2.0.0", "pkg@^1 || ^2", "alias@npm:real@1.2.3",
		"alias@npm:@s/real", "user/repo", "github:user/repo", "git+https://h/r.git", "./local", "../up",
		"pkg-1.0.0.tgz", "pkg@file:../x", "pkg@https://h/pkg.tgz", "pkg@git+ssh://h/r.git#v1", "https://h/p.tgz",
		"Mixed.Case_name@2", "@s/p@npm:q@1"}
	script := `let npa; try { npa = require(require.resolve("npm-package-arg", {paths: [process.argv[1]]})) } catch (e) { npa = require("npm-package-arg") }
const out = []
for (const a of JSON.parse(process.argv[2])) {
  let r; try { r = npa(a) } catch (e) { out.push("-"); continue }
  if (r.type === "alias") r = r.subSpec
  if (r.type !== "version" && r.type !== "range" && r.type !== "tag") { out.push("-"); continue }
  out.push(r.name + "|" + r.type + "|" + r.rawSpec)
}
console.log(JSON.stringify(out))`
	in, _ := json.Marshal(args)
	b, err := exec.Command(node, "-e", script, npmDir, string(in)).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, b)
	}
	var want []string
	if err := json.Unmarshal(b, &want); err != nil || len(want) != len(args) {
		t.Fatalf("node output %q: %v", b, err)
	}
	for i, a := range args {
		r, ok := ParseNPM(a)
		got := "-"
		if ok {
			got = r.Name + "|" + r.Spec
			if r.Tag {
				got = r.Name + "|<tag>"
			}
		}
		// What npm installs: a range or version as written ("*", "" and the
		// tag "latest" admit the newest release: our Spec ""); another tag
		// names whatever it pointed at.
		w := want[i]
		if name, rest, ok := strings.Cut(w, "|"); ok {
			typ, raw, _ := strings.Cut(rest, "|")
			switch {
			case raw == "*" || raw == "" || typ == "tag" && raw == "latest":
				w = name + "|"
			case typ == "tag":
				w = name + "|<tag>"
			default:
				w = name + "|" + raw
			}
		}
		if got != w {
			t.Errorf("%q: got %q, npm reads %q", a, got, want[i])
		}
	}
}
