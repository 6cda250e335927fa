package payloads_test

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/collectors/payloads"
	"github.com/litesweep/litesweep/collectors/persistence"
	"github.com/litesweep/litesweep/collectors/python"
	"github.com/litesweep/litesweep/internal/pyindex"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

func unpack(t *testing.T, root, site string, w pyindex.Wheel) {
	t.Helper()
	b, err := w.Build()
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		r, _ := f.Open()
		d, _ := io.ReadAll(r)
		r.Close()
		sweeptest.WriteFile(t, root, site+"/"+f.Name, d)
	}
	sweeptest.WriteFile(t, root, site+"/"+w.DistInfo()+"/INSTALLER", []byte("pip\n"))
}

// TestLearnedCopies: payload variants the pack does not know (a .pth and
// proxy_server.py shipped by an affected release, a sysmon.py at the
// persistence path) are learned, and renamed byte-identical copies in
// other environments and directories are critical with the learned link.
func TestLearnedCopies(t *testing.T) {
	fx := pyindex.Litellm()
	m := fx.TestMatcher(t)
	variantPth := []byte("import os, subprocess, sys; import base64; exec(base64.b64decode('aW1wb3J0IG9z'))\n")
	variantProxy := []byte(strings.Replace(pyindex.TamperedProxyServer, "cGFzcw==", "cGFzcyAj", 1))
	variantSysmon := []byte("# sysmon.py (litesweep fixture variant)\nimport time\nwhile True:\n    time.sleep(3000)\n")
	bad := fx.Bad8
	bad.Files = []pyindex.File{
		{Path: "litellm/__init__.py", Data: []byte("")},
		{Path: "litellm/proxy/__init__.py", Data: []byte("")},
		{Path: "litellm/proxy/proxy_server.py", Data: variantProxy},
		{Path: "litellm_init.pth", Data: variantPth},
	}
	root := t.TempDir()
	sweeptest.WriteFile(t, root, "etc/passwd", []byte("root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/bash\n"))
	spA := "home/alice/a/.venv/lib/python3.11/site-packages"
	unpack(t, root, spA, bad)
	spB := "home/bob/b/.venv/lib/python3.12/site-packages"
	unpack(t, root, spB, fx.Clean)
	sweeptest.WriteFiles(t, root, map[string][]byte{
		spB + "/zz_telemetry.pth":                  variantPth,    // renamed copy, other env
		"home/bob/notes/helper.py":                 variantProxy,  // renamed module copy
		"home/alice/.config/sysmon/sysmon.py":      variantSysmon, // persistence path: learned
		"opt/monitor/agent.py":                     variantSysmon, // renamed copy
		"home/bob/Downloads/harmless.py":           []byte("print('same size as nothing')\n"),
		"home/bob/Downloads/same-size-variant.pth": append(bytes.Repeat([]byte("#"), len(variantPth)-1), '\n'),
		"home/bob/readme.txt":                      variantPth, // not a Python file: not a candidate
	})
	homes := sweep.Homes(os.DirFS(root))
	cs := []sweep.Collector{
		python.New(python.Options{Matcher: m, Homes: homes}),
		persistence.New(persistence.Options{Matcher: m, Homes: homes}),
		payloads.New(payloads.Options{Homes: homes}),
	}
	sink := sweeptest.Walk(t, &sweep.Walker{Root: root, Collectors: cs, Skips: sweep.DefaultSkips})
	findings, errs := sink.Drain()
	for _, e := range errs {
		t.Errorf("error: %+v", e)
	}
	var got []string
	for _, f := range findings {
		if f.Category == payloads.CatCopy {
			got = append(got, string(f.Severity)+"|"+f.Location.Path+"|"+f.Indicator.ID+"|"+f.User)
		}
	}
	sort.Strings(got)
	sha := pyindex.SHA256
	want := []string{
		"critical|/home/bob/b/.venv/lib/python3.12/site-packages/zz_telemetry.pth|" + sweep.LearnedID(sha(variantPth)) + "|bob",
		"critical|/home/bob/notes/helper.py|" + sweep.LearnedID(sha(variantProxy)) + "|bob",
		"critical|/opt/monitor/agent.py|" + sweep.LearnedID(sha(variantSysmon)) + "|",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		for _, f := range findings {
			t.Logf("%s %s %s %q %v", f.Severity, f.Category, f.Location.Path, f.Title, f.Evidence.Details)
		}
		t.Fatalf("copies:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range findings {
		if f.Location.Path == "/"+spB+"/zz_telemetry.pth" && f.Category == payloads.CatCopy {
			if !slices.Contains(f.Evidence.Details, "SHA-256 equals the payload learned in this sweep from /"+spA+"/litellm_init.pth (litellm_init.pth): listed in the RECORD of litellm 1.82.8 (affected release)") {
				t.Errorf("learned link: %q", f.Evidence.Details)
			}
		}
	}
	var learned []string
	for _, l := range sink.Learned() {
		learned = append(learned, l.Kind+"|"+l.Location.Path+"|"+l.Reason)
	}
	sort.Strings(learned)
	wantL := []string{
		"persistence-script|/home/alice/.config/sysmon/sysmon.py|at persistence path ~/.config/sysmon/sysmon.py (indicator sysmon-script)",
		"pth|/" + spA + "/litellm_init.pth|listed in the RECORD of litellm 1.82.8 (affected release)",
		"tampered-module|/" + spA + "/litellm/proxy/proxy_server.py|listed with this hash in the RECORD of litellm 1.82.8 (affected release)",
	}
	if strings.Join(learned, "\n") != strings.Join(wantL, "\n") {
		t.Errorf("learned:\n%s\nwant:\n%s", strings.Join(learned, "\n"), strings.Join(wantL, "\n"))
	}
}

// TestRegisteredLast: the copy matcher's Finish must run after every
// collector that learns.
func TestRegisteredLast(t *testing.T) {
	cs := collectors.Host(collectors.Options{Matcher: sweeptest.Matcher(t)})
	if cs[len(cs)-1].Name() != payloads.Name {
		t.Fatalf("last host collector is %s, want %s", cs[len(cs)-1].Name(), payloads.Name)
	}
}

// TestLearnedBesideAffectedRelease: a litellm_init.pth that no RECORD lists
// but that sits beside an affected release's dist-info is learned too
// (here its hash is the pack's, which the learned entry records), and a
// renamed copy in another directory is critical.
func TestLearnedBesideAffectedRelease(t *testing.T) {
	fx := pyindex.Litellm()
	m := fx.TestMatcher(t)
	root := t.TempDir()
	sp := "opt/app/venv/lib/python3.11/site-packages"
	unpack(t, root, sp, fx.Bad8Orph)
	sweeptest.WriteFiles(t, root, map[string][]byte{
		"opt/app/venv/pyvenv.cfg":     []byte("home = /usr/bin\n"),
		"var/tmp/cache/startup.pth":   fx.Pth,
		"var/tmp/cache/unrelated.pth": []byte("import sys\n"),
		"var/tmp/cache/same-size.py":  bytes.Repeat([]byte("#"), len(fx.Pth)),
	})
	homes := sweep.Homes(os.DirFS(root))
	sink := sweeptest.Walk(t, &sweep.Walker{Root: root, Skips: sweep.DefaultSkips, Collectors: []sweep.Collector{
		python.New(python.Options{Matcher: m, Homes: homes}), payloads.New(payloads.Options{Homes: homes})}})
	findings, _ := sink.Drain()
	var copies []string
	for _, f := range findings {
		if f.Category == payloads.CatCopy {
			copies = append(copies, f.Location.Path+"|"+strings.Join(f.Evidence.Details, "|"))
		}
	}
	if len(copies) != 1 || !strings.HasPrefix(copies[0], "/var/tmp/cache/startup.pth|") || !strings.Contains(copies[0], "the pack knows this hash as litellm-init-pth") ||
		!strings.Contains(copies[0], "named litellm_init.pth beside litellm-1.82.8.dist-info (affected release)") {
		t.Fatalf("copies: %q", copies)
	}
	var learned []string
	for _, l := range sink.Learned() {
		learned = append(learned, l.Name+"|"+l.PackIndicator)
	}
	sort.Strings(learned)
	if strings.Join(learned, " ") != "litellm_init.pth|litellm-init-pth proxy_server.py|litellm-proxy-server-1827" {
		t.Errorf("learned %q", learned)
	}
}
