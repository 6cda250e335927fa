package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// TestLearnedReportAndFragment: a host sweep learns the hash of a .pth an
// affected release's RECORD lists (a variant the built-in pack does not
// know), reports a renamed copy in another environment as critical, lists
// the hash in the report, and `iocs --from-report` prints it as a pack
// fragment that validates inside the built-in pack.
func TestLearnedReportAndFragment(t *testing.T) {
	pth := []byte("import os, subprocess, sys; import base64; exec(base64.b64decode('aW1wb3J0IHRpbWU='))\n")
	sum := sha256.Sum256(pth)
	sp := "home/alice/a/.venv/lib/python3.11/site-packages"
	root := sweeptest.MkTree(t, map[string][]byte{
		"etc/passwd": []byte("root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n"),
		sp + "/litellm-1.82.8.dist-info/METADATA": []byte("Metadata-Version: 2.1\nName: litellm\nVersion: 1.82.8\n\n"),
		sp + "/litellm-1.82.8.dist-info/RECORD": []byte(fmt.Sprintf("litellm_init.pth,sha256=%s,%d\nlitellm-1.82.8.dist-info/RECORD,,\n",
			base64.RawURLEncoding.EncodeToString(sum[:]), len(pth))),
		sp + "/litellm_init.pth":                              pth,
		"srv/other/.venv/lib/python3.12/site-packages/zz.pth": pth,
	})
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := runArgs(context.Background(), "host", "--root", root, "--no-live", "--format", "json", "--output", out, "--quiet")
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r sweep.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	hexsum := hex.EncodeToString(sum[:])
	if len(r.Learned) != 1 || r.Learned[0].SHA256 != hexsum || r.Learned[0].Location.Path != "/"+sp+"/litellm_init.pth" {
		t.Fatalf("learned %+v", r.Learned)
	}
	found := false
	for _, f := range r.Findings {
		if f.Location.Path == "/srv/other/.venv/lib/python3.12/site-packages/zz.pth" && f.Severity == sweep.Critical && f.Category == "payload-copy" {
			found = true
		}
	}
	if !found {
		t.Errorf("renamed copy not critical: %+v", r.Findings)
	}

	code, frag, stderr := runArgs(context.Background(), "iocs", "--from-report", out)
	if code != 0 {
		t.Fatalf("iocs --from-report: exit %d: %s", code, stderr)
	}
	if !strings.Contains(frag, "sha256: "+hexsum) || !strings.Contains(frag, "id: learned-"+hexsum[:12]) {
		t.Fatalf("fragment:\n%s", frag)
	}
	var fr struct {
		Files []iocs.FileIOC `yaml:"files"`
	}
	if err := yaml.Unmarshal([]byte(frag), &fr); err != nil {
		t.Fatal(err)
	}
	l, err := iocs.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	p := *l.Pack
	p.Files = append(append([]iocs.FileIOC(nil), p.Files...), fr.Files...)
	if err := p.Validate(); err != nil {
		t.Fatalf("fragment does not validate in the built-in pack: %v", err)
	}
	if code, _, stderr := runArgs(context.Background(), "iocs", "--from-report", filepath.Join(root, "nope.json")); code != 2 || !strings.Contains(stderr, "nope.json") {
		t.Errorf("missing report: exit %d %s", code, stderr)
	}
}

// TestPartialPackFlag: a pack lacking sections is refused naming them;
// with --iocs-partial the sweep runs, the report lists what was missing
// and the verdict is INCOMPLETE, not CLEAN.
func TestPartialPackFlag(t *testing.T) {
	pack := filepath.Join(t.TempDir(), "partial.yaml")
	l, err := iocs.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	p := *l.Pack
	p.Persistence, p.Credentials, p.Guards = nil, nil, nil // a guard names persistence entries
	b, err := yaml.Marshal(&p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pack, b, 0o600); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	code, _, stderr := runArgs(context.Background(), "host", "--root", empty, "--no-live", "--iocs-only", "--iocs", pack, "--format", "json")
	if code != 2 || !strings.Contains(stderr, "persistence (persistence paths)") || !strings.Contains(stderr, "credentials (credential targets)") {
		t.Fatalf("partial pack: exit %d: %s", code, stderr)
	}
	code, out, stderr := runArgs(context.Background(), "host", "--root", empty, "--no-live", "--iocs-only", "--iocs", pack, "--iocs-partial", "--format", "json")
	if code != 3 {
		t.Fatalf("--iocs-partial: exit %d: %s", code, stderr)
	}
	var r sweep.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Verdict != sweep.Incomplete || strings.Join(r.Tool.PackPartial, ", ") != "persistence (persistence paths), credentials (credential targets)" {
		t.Errorf("verdict %s, partial %q", r.Verdict, r.Tool.PackPartial)
	}
}

// TestWindowsDiskTelnyxStartup: `host --root` on a mounted Windows disk
// with telnyx 4.87.2's Startup persistence is COMPROMISED.
func TestWindowsDiskTelnyxStartup(t *testing.T) {
	startup := "Users/alice/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup/"
	root := sweeptest.MkTree(t, map[string][]byte{
		"Windows/System32/drivers/etc/hosts": []byte("127.0.0.1 localhost\r\n"),
		startup + "msbuild.exe":              append([]byte("MZ\x90\x00"), make([]byte, 60)...),
		startup + "msbuild.exe.lock":         []byte("1774600000"),
		startup + "desktop.ini":              []byte("[.ShellClassInfo]\r\n"),
	})
	code, out, stderr := runArgs(context.Background(), "host", "--root", root, "--no-live", "--format", "json")
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r sweep.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Verdict != sweep.Compromised || r.Summary["critical"] != 2 {
		t.Errorf("verdict %s summary %v", r.Verdict, r.Summary)
	}
}
