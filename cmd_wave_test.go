package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/litesweep/litesweep/internal/npmreg"
	"github.com/litesweep/litesweep/internal/pyindex"
	"github.com/litesweep/litesweep/sweep"
)

// writeTree writes a file, making its directories.
func writeTree(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, p, b)
}

// wavePackYAML is a wave pack for an invented PyPI package: one YAML file,
// only the sections the wave needs.
const wavePackYAML = `schema_version: 1
id: test-invented-wave
version: "2026.12.07"
title: "an invented wave (test)"
windows:
  - id: invented-wave
    title: "invented wave"
    start: 2026-06-01T00:00:00Z
    end: 2026-06-02T00:00:00Z
    provenance: {confidence: derived, sources: ["test"]}
packages:
  - id: pypi-lsw-invented-pkg
    ecosystem: pypi
    name: lsw-invented-pkg
    versions: ["6.6.6"]
    last_clean: "6.6.5"
    window: invented-wave
    severity: critical
    description: "invented for the test"
    provenance: {confidence: derived, sources: ["test"]}
  - id: npm-lsw-invented-npm
    ecosystem: npm
    name: "@lsw-test/invented-npm"
    versions: ["6.6.6"]
    window: invented-wave
    severity: critical
    description: "invented for the test"
    provenance: {confidence: derived, sources: ["test"]}
`

// TestNewWaveIsOneFile: a new wave is one YAML file, no Go change. With
// the wave pack added by --iocs, the invented package is found installed
// on a host, in its pip cache, a lockfile and shell history, in an image
// layer, an SBOM and a mirror, and the invented npm package installed and
// locked on the host, in the SBOM and on an npm registry; without it,
// nowhere (the built-in packs do not know them).
func TestNewWaveIsOneFile(t *testing.T) {
	dir := t.TempDir()
	wave := filepath.Join(dir, "wave.yaml")
	writeTestFile(t, wave, []byte(wavePackYAML))
	w := pyindex.Wheel{Name: "lsw-invented-pkg", Version: "6.6.6", Files: []pyindex.File{{Path: "lsw_invented_pkg/__init__.py", Data: []byte("x = 1\n")}}}
	whl, err := w.Build()
	if err != nil {
		t.Fatal(err)
	}
	const pkg = "lsw-invented-pkg"
	found := func(r sweep.Report) map[sweep.Category]bool {
		cats := map[sweep.Category]bool{}
		for _, f := range r.Findings {
			if f.Indicator != nil && (f.Indicator.ID == "pypi-lsw-invented-pkg" || f.Indicator.ID == "npm-lsw-invented-npm") || strings.Contains(strings.ToLower(f.Title+f.Evidence.Package+f.Evidence.Text), "invented") {
				cats[f.Category] = true
			}
		}
		return cats
	}

	// A host: installed, cached, pinned, and installed from a shell.
	root := t.TempDir()
	site := "home/alice/.venv/lib/python3.11/site-packages/"
	writeTree(t, filepath.Join(root, "etc/passwd"), []byte("root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/bash\n"))
	writeTree(t, filepath.Join(root, site+w.DistInfo()+"/METADATA"), w.MetadataText())
	writeTree(t, filepath.Join(root, site+w.DistInfo()+"/RECORD"), []byte("lsw_invented_pkg/__init__.py,,\n"+w.DistInfo()+"/METADATA,,\n"+w.DistInfo()+"/RECORD,,\n"))
	writeTree(t, filepath.Join(root, site+"lsw_invented_pkg/__init__.py"), []byte("x = 1\n"))
	writeTree(t, filepath.Join(root, "home/alice/.cache/pip/wheels/ab/cd/ef/"+w.Filename()), whl)
	writeTree(t, filepath.Join(root, "home/alice/proj/requirements.txt"), []byte(pkg+"==6.6.6\n"))
	writeTree(t, filepath.Join(root, "home/alice/.bash_history"), []byte("pip install "+pkg+"==6.6.6\n"))
	// npm: installed in a project's node_modules, pinned by its lockfile.
	const npmPkg = "@lsw-test/invented-npm"
	writeTree(t, filepath.Join(root, "home/alice/web/node_modules/"+npmPkg+"/package.json"), []byte(`{"name":"`+npmPkg+`","version":"6.6.6"}`))
	writeTree(t, filepath.Join(root, "home/alice/web/package.json"), []byte(`{"name":"web","version":"1.0.0","dependencies":{"`+npmPkg+`":"6.6.6"}}`))
	writeTree(t, filepath.Join(root, "home/alice/web/package-lock.json"), []byte(`{"name":"web","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"web","version":"1.0.0","dependencies":{"`+npmPkg+`":"6.6.6"}},"node_modules/`+npmPkg+`":{"version":"6.6.6","resolved":"https://registry.npmjs.org/`+npmPkg+`/-/invented-npm-6.6.6.tgz"}}}`))

	// An image: the package installed in a layer.
	di := w.DistInfo() + "/"
	img, err := mutate.Append(empty.Image, mutate.Addendum{Layer: tarLayer(t, [][2]string{
		{testSite + "lsw_invented_pkg/__init__.py", "x = 1\n"},
		{testSite + di + "METADATA", string(w.MetadataText())},
		{testSite + di + "RECORD", "lsw_invented_pkg/__init__.py,,\n" + di + "METADATA,,\n" + di + "RECORD,,\n"},
	}), History: v1.History{CreatedBy: "RUN pip install " + pkg}})
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(dir, "img.tar")
	tag, _ := name.NewTag("team/wave:1.0")
	if err := tarball.WriteToFile(archive, tag, img); err != nil {
		t.Fatal(err)
	}

	// An SBOM naming it by purl.
	bom := filepath.Join(dir, "app.cdx.json")
	writeTestFile(t, bom, []byte(`{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[{"type":"library","name":"`+pkg+`","version":"6.6.6","purl":"pkg:pypi/`+pkg+`@6.6.6"},{"type":"library","name":"invented-npm","group":"@lsw-test","version":"6.6.6","purl":"pkg:npm/%40lsw-test/invented-npm@6.6.6"}]}`))

	// A mirror serving it (PEP 503 simple index).
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/simple/" + pkg + "/":
			rw.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(rw, `<html><body><a href="../../files/%s">%s</a></body></html>`, w.Filename(), w.Filename())
		case "/files/" + w.Filename():
			rw.Write(whl)
		default:
			http.NotFound(rw, r)
		}
	}))
	defer srv.Close()

	// An npm registry serving the invented npm package.
	npmMirror := npmreg.New(t, npmreg.Package{Name: npmPkg, Version: "6.6.5"}, npmreg.Package{Name: npmPkg, Version: "6.6.6"})

	type target struct {
		name string
		args []string
		want []sweep.Category
	}
	targets := []target{
		{"host", []string{"host", "--root", root, "--no-live"}, []sweep.Category{"python-package", "cache", "lockfile", "history", "npm-package", "npm-lockfile"}},
		{"image layer", []string{"images", "--archive", archive}, []sweep.Category{"python-package"}},
		{"sbom", []string{"sbom", bom}, nil},
		{"mirror", []string{"mirror", "--index-url", srv.URL + "/simple/", "--registry", npmMirror.URL()}, nil},
	}
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			// Without the wave pack, the built-in packs find nothing.
			_, out, errs := runArgs(context.Background(), append(tg.args, "-f", "json")...)
			if got := found(decodeReport(t, out)); len(got) != 0 {
				t.Fatalf("the built-in packs already find the invented package: %v\n%s", got, errs)
			}
			_, out, errs = runArgs(context.Background(), append(tg.args, "-f", "json", "--iocs", wave)...)
			r := decodeReport(t, out)
			got := found(r)
			if len(got) == 0 {
				t.Fatalf("the wave pack's package is not found: %s\n%s", errs, out)
			}
			for _, c := range tg.want {
				if !got[c] {
					t.Errorf("no %s finding for the invented package (got %v)", c, got)
				}
			}
			if tg.name == "host" || tg.name == "sbom" || tg.name == "mirror" {
				npm := false
				for _, f := range r.Findings {
					npm = npm || f.Indicator != nil && f.Indicator.ID == "npm-lsw-invented-npm"
				}
				if !npm {
					t.Errorf("the wave pack's npm package is not found")
				}
			}
			if last := r.Tool.Packs[len(r.Tool.Packs)-1]; last.ID != "test-invented-wave" || last.From != wave {
				t.Errorf("report does not name the wave pack: %+v", r.Tool.Packs)
			}
		})
	}
}
