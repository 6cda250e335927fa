package extensions

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/sweep/sweeptest"
)

const testPack = `
schema_version: 1
id: test-ext
version: "1"
title: test
packages:
  - {id: ext-assist, ecosystem: vscode, name: tpcpfixture.dev-assist, versions: ["1.7.0"], last_clean: "1.6.9", severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: npm-assist, ecosystem: npm, name: dev-assist, versions: ["1.7.1"], severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
`

func extManifest(publisher, name, version string) string {
	return fmt.Sprintf(`{"name": %q, "displayName": "Fixture", "publisher": %q, "version": %q, "engines": {"vscode": "^1.80.0"}, "main": "./out/extension.js"}`, name, publisher, version)
}

// extensionsJSON is the registry as VS Code writes it.
func extensionsJSON(home, editor string, ids ...[2]string) string {
	var parts []string
	for _, iv := range ids {
		dir := iv[0] + "-" + iv[1]
		parts = append(parts, fmt.Sprintf(`{"identifier":{"id":%q,"uuid":"0b0ed1d3-4a0c-4c3b-9c8f-000000000000"},"version":%q,"location":{"$mid":1,"fsPath":"%s/%s/extensions/%s","path":"%s/%s/extensions/%s","scheme":"file"},"relativeLocation":%q,"metadata":{"installedTimestamp":1776800000000,"pinned":false,"source":"gallery","targetPlatform":"undefined","updated":false,"isPreReleaseVersion":false,"preRelease":false}}`,
			iv[0], iv[1], home, editor, dir, home, editor, dir, dir))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// TestExtensions: the documented layout of each editor (VS Code desktop
// and Server, Insiders, Cursor, Windsurf, VSCodium; a Windows and a macOS
// home), with decoys: the adjacent clean version, an npm package of the
// same base name at the npm bad version, a builtin extension directory.
func TestExtensions(t *testing.T) {
	files := map[string]string{
		"home/a/.vscode/extensions/tpcpfixture.dev-assist-1.7.0/package.json":                  extManifest("TpcpFixture", "dev-assist", "1.7.0"),
		"home/a/.vscode/extensions/extensions.json":                                            extensionsJSON("/home/a", ".vscode", [2]string{"tpcpfixture.dev-assist", "1.7.0"}),
		"home/a/.vscode-server/extensions/tpcpfixture.dev-assist-1.7.0-linux-x64/package.json": extManifest("tpcpfixture", "dev-assist", "1.7.0"),
		"home/a/.vscode-insiders/extensions/tpcpfixture.dev-assist-1.6.9/package.json":         extManifest("tpcpfixture", "dev-assist", "1.6.9"),
		"home/a/.cursor/extensions/tpcpfixture.dev-assist-1.7.1/package.json":                  extManifest("tpcpfixture", "dev-assist", "1.7.1"),
		"home/a/.windsurf/extensions/extensions.json":                                          extensionsJSON("/home/a", ".windsurf", [2]string{"tpcpfixture.dev-assist", "1.7.0"}, [2]string{"other.thing", "1.7.0"}),
		"home/a/.vscode-oss/extensions/tpcpfixture.dev-assist-1.7.0-universal/package.json":    extManifest("tpcpfixture", "dev-assist", "1.7.0"),
		"Users/b/.vscode/extensions/tpcpfixture.dev-assist-1.7.0/package.json":                 extManifest("tpcpfixture", "dev-assist", "1.7.0"),
		"Users/c/AppData/Local/x/.vscode/extensions/tpcpfixture.dev-assist-1.7.0/package.json": extManifest("tpcpfixture", "dev-assist", "1.7.0"),
		"home/a/.vscode/extensions/other.dev-assist-1.7.0/package.json":                        extManifest("other", "dev-assist", "1.7.0"),
		"home/a/proj/node_modules/dev-assist/package.json":                                     `{"name":"dev-assist","version":"1.7.0"}`,
		"usr/share/code/resources/app/extensions/dev-assist/package.json":                      extManifest("tpcpfixture", "dev-assist", "1.7.0"),
		"home/a/.cursor/extensions/tpcpfixture.dev-assist-2.0.0/package.json":                  `{"publisher": "tpcpfixture", "name": "dev-assist", "version": 2`,
		"home/a/.vscode/extensions/tpcpfixture.dev-assist-1.7.0/node_modules/dep/package.json": `{"name":"dep","version":"1.0.0"}`,
	}
	root := sweeptest.MkTree(t, files)
	m := sweeptest.MatcherFromYAML(t, testPack)
	fs, es := sweeptest.Sweep(t, root, New(Options{Matcher: m}))
	var got []string
	for _, f := range fs {
		got = append(got, fmt.Sprintf("%s %s %s: %s", f.Severity, f.Category, strings.TrimPrefix(f.Location.Path, "/"), f.Title))
	}
	for _, e := range es {
		got = append(got, fmt.Sprintf("error %s: %s", strings.TrimPrefix(e.Location.Path, "/"), e.Message))
	}
	sort.Strings(got)
	want := []string{
		"critical editor-extension Users/b/.vscode/extensions/tpcpfixture.dev-assist-1.7.0/package.json: editor extension tpcpfixture.dev-assist 1.7.0 installed (affected release)",
		"critical editor-extension Users/c/AppData/Local/x/.vscode/extensions/tpcpfixture.dev-assist-1.7.0/package.json: editor extension tpcpfixture.dev-assist 1.7.0 installed (affected release)",
		"critical editor-extension home/a/.vscode-oss/extensions/tpcpfixture.dev-assist-1.7.0-universal/package.json: editor extension tpcpfixture.dev-assist 1.7.0 installed (affected release)",
		"critical editor-extension home/a/.vscode-server/extensions/tpcpfixture.dev-assist-1.7.0-linux-x64/package.json: editor extension tpcpfixture.dev-assist 1.7.0 installed (affected release)",
		"critical editor-extension home/a/.vscode/extensions/tpcpfixture.dev-assist-1.7.0/package.json: editor extension tpcpfixture.dev-assist 1.7.0 installed (affected release)",
		"critical editor-extension home/a/.windsurf/extensions/extensions.json: editor extension tpcpfixture.dev-assist 1.7.0 registered in extensions.json (affected release)",
		"error home/a/.cursor/extensions/tpcpfixture.dev-assist-2.0.0/package.json: an extension's package.json that names a tracked extension does not parse (syntax error at byte 63): which extension is installed here is not known",
		"info editor-extension home/a/.cursor/extensions/tpcpfixture.dev-assist-1.7.1/package.json: editor extension tpcpfixture.dev-assist 1.7.1 installed (not an affected release)",
		"info editor-extension home/a/.vscode-insiders/extensions/tpcpfixture.dev-assist-1.6.9/package.json: editor extension tpcpfixture.dev-assist 1.6.9 installed (not an affected release)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
