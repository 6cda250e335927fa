package images

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/sweep"
)

// zipOf is a zip archive (an egg, or a zipapp when prefix is a #! line).
func zipOf(t testing.TB, prefix string, files map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString(prefix)
	zw := zip.NewWriter(&buf)
	zw.SetOffset(int64(len(prefix)))
	for n, b := range files {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(b))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestInstallFormsInLayer: a zipped egg on sys.path and a zipapp vendoring
// the bad release, in an image layer, are the installed release (the
// buffered files are read as zips in memory).
func TestInstallFormsInLayer(t *testing.T) {
	egg := zipOf(t, "", map[string]string{"EGG-INFO/PKG-INFO": metadata("litellm", "1.82.8"), "litellm/__init__.py": ""})
	pyz := zipOf(t, "#!/usr/bin/env python3\n", map[string]string{"__main__.py": "print(1)\n",
		"litellm-1.82.8.dist-info/METADATA": metadata("litellm", "1.82.8"), "litellm/__init__.py": ""})
	s, sink := newTestScanner(t)
	s.NewCollectors = nil // the real collectors
	scanV1(t, s, "forms:1", buildImage(t, step{"RUN setup.py install", layerOf(t,
		member{name: site + "easy-install.pth", body: "./litellm-1.82.8-py3.11.egg\n"},
		member{name: site + "litellm-1.82.8-py3.11.egg", body: egg},
		member{name: "opt/tools/tool.pyz", body: pyz})}))
	fs, es := sink.Drain()
	for p, form := range map[string]string{"/" + site + "litellm-1.82.8-py3.11.egg": "zipped egg on sys.path", "/opt/tools/tool.pyz": "vendored in the zipapp tool.pyz"} {
		got := findingsAt(fs, "forms:1", p)
		if len(got) != 1 || got[0].Severity != sweep.Critical || !strings.Contains(got[0].Title, "litellm 1.82.8 installed (affected release): "+form) {
			t.Errorf("%s: %+v", p, got)
		}
	}
	if len(es) != 0 {
		t.Errorf("errors: %+v", es)
	}
}
