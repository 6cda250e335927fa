package images

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// TestNPMAndExtensionsInLayers: the npm and editor-extension collectors
// run on image layers as on hosts, with nothing image-specific: a global
// install, a project's lockfile and an extension in the layers are
// found, a clean namesake and a same-named PyPI project at npm's bad
// version are not.
func TestNPMAndExtensionsInLayers(t *testing.T) {
	m := sweeptest.MatcherFromYAML(t, `
schema_version: 1
id: t
version: "1"
title: t
packages:
  - {id: npm-left, ecosystem: npm, name: tpcp-fixture-left, versions: ["2.0.1"], severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: ext-assist, ecosystem: vscode, name: tpcpfixture.dev-assist, versions: ["1.7.0"], severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: pypi-left, ecosystem: pypi, name: tpcp-fixture-left, versions: ["2.0.0"], severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
`)
	img := buildImage(t,
		step{"ADD rootfs.tar /", baseLayer(t)},
		step{"RUN npm install -g tpcp-fixture-left@2.0.1", layerOf(t,
			member{name: "usr/local/lib/node_modules/tpcp-fixture-left/package.json", body: `{"name":"tpcp-fixture-left","version":"2.0.1"}`})},
		step{"COPY app /app", layerOf(t,
			member{name: "app/package.json", body: `{"name":"app","dependencies":{"tpcp-fixture-left":"^2.0.0"}}`},
			member{name: "app/package-lock.json", body: `{"name":"app","lockfileVersion":3,"packages":{"":{"dependencies":{"tpcp-fixture-left":"^2.0.0"}},"node_modules/tpcp-fixture-left":{"version":"2.0.1"}}}`},
			member{name: "app/node_modules/tpcp-fixture-left/package.json", body: `{"name":"tpcp-fixture-left","version":"2.0.0"}`},
			member{name: site + "tpcp_fixture_left-2.0.1.dist-info/METADATA", body: metadata("tpcp-fixture-left", "2.0.1")},
			member{name: site + "tpcp_fixture_left-2.0.1.dist-info/RECORD", body: "tpcp_fixture_left-2.0.1.dist-info/METADATA,,\n"},
		)},
		step{"RUN code-server --install-extension", layerOf(t,
			member{name: "home/app/.local/share/code-server/extensions/tpcpfixture.dev-assist-1.7.0/package.json", body: `{"publisher":"tpcpfixture","name":"dev-assist","version":"1.7.0","engines":{"vscode":"^1.80.0"}}`})},
	)
	sink := sweep.NewCollection(nil)
	s := &Scanner{Options: collectors.Options{Matcher: m}, Sink: sink}
	scanV1(t, s, "app:1", img)
	fs, es := sink.Drain()
	var got []string
	for _, f := range fs {
		layer := -1
		if f.Location.Layer != nil {
			layer = *f.Location.Layer
		}
		got = append(got, fmt.Sprintf("%s %s layer %d %s: %s", f.Severity, f.Category, layer, f.Location.Path, f.Title))
	}
	sort.Strings(got)
	want := []string{
		"critical editor-extension layer 3 /home/app/.local/share/code-server/extensions/tpcpfixture.dev-assist-1.7.0/package.json: editor extension tpcpfixture.dev-assist 1.7.0 installed (affected release)",
		"critical npm-package layer 1 /usr/local/lib/node_modules/tpcp-fixture-left/package.json: tpcp-fixture-left 2.0.1 installed (npm) (affected release)",
		"high npm-lockfile layer 2 /app/package-lock.json: package-lock.json locks tpcp-fixture-left 2.0.1",
		"info npm-package layer 2 /app/node_modules/tpcp-fixture-left/package.json: tpcp-fixture-left 2.0.0 installed (npm) (not an affected release)",
		// The PyPI project of the same name at npm's bad version: clean.
		"info python-package layer 2 /usr/local/lib/python3.11/site-packages/tpcp_fixture_left-2.0.1.dist-info/METADATA: tpcp-fixture-left 2.0.1 installed (not an affected release)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") || len(es) != 0 {
		t.Errorf("got:\n%s\nwant:\n%s\nerrors: %+v", strings.Join(got, "\n"), strings.Join(want, "\n"), es)
	}
}
