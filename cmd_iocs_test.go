package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/iocs"
)

// TestIOCsSummaryShowsPersistenceAndGuards: litesweep iocs shows, in both
// its formats, what makes each persistence entry evidence (a launchd or
// task label, a hook's file format, the markers its content must carry)
// and the pack's dead-man switches, before anything else, with what they
// do, what finds them, what they watch and every disarm step. A pack given
// with --iocs is text from outside: it reaches the terminal escaped.
func TestIOCsSummaryShowsPersistenceAndGuards(t *testing.T) {
	l, err := iocs.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	p := l.Pack
	if len(p.Guards) == 0 {
		t.Fatal("the built-in packs declare no guard")
	}
	code, out, errs := runArgs(context.Background(), "iocs")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	g, win := strings.Index(out, "Dead-man switches ("), strings.Index(out, "\nWindows:")
	if g < 0 || g > win {
		t.Errorf("the guards are not listed before the windows (%d, %d)", g, win)
	}
	for _, gd := range p.Guards {
		want := []string{gd.Name + " (" + gd.ID + ")", "it " + gd.Effect, "found by: " + strings.Join(gd.Indicators, ", "), "watches: " + strings.Join(gd.Guards, ", ")}
		for i, st := range gd.Disarm {
			want = append(want, strconv.Itoa(i+1)+". "+st)
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("the summary lacks %q of guard %s", w, gd.ID)
			}
		}
	}
	var labels, formats, markers int
	for _, pe := range p.Persistence {
		line := "  " + pe.Kind
		if !strings.Contains(out, line+strings.Repeat(" ", max(1, 10-len(pe.Kind)))+pe.Path+" [") {
			t.Errorf("the summary lacks %s %s", pe.Kind, pe.Path)
		}
		if pe.Label != "" {
			labels++
			if !strings.Contains(out, "label "+pe.Label) {
				t.Errorf("the summary lacks the label of %s", pe.ID)
			}
		}
		if pe.Format != "" {
			formats++
			if !strings.Contains(out, "format "+pe.Format) {
				t.Errorf("the summary lacks the format of %s", pe.ID)
			}
		}
		for _, m := range pe.Markers {
			markers++
			if !strings.Contains(out, strconv.Quote(m)) {
				t.Errorf("the summary lacks the marker %q of %s", m, pe.ID)
			}
		}
	}
	if labels == 0 || formats == 0 || markers == 0 {
		t.Errorf("the built-in packs have %d labels, %d formats, %d markers: the test checks nothing", labels, formats, markers)
	}
	// Bad binaries: the size that decides whether one is opened and the
	// strings found inside it.
	var sizes, binMarkers int
	for _, f := range p.Files {
		if f.Size > 0 {
			sizes++
			if !strings.Contains(out, strconv.FormatInt(f.Size, 10)+" bytes") {
				t.Errorf("the summary lacks the size of %s", f.ID)
			}
		}
		for _, m := range f.Markers {
			binMarkers++
			if !strings.Contains(out, "holding "+strconv.Quote(m)) {
				t.Errorf("the summary lacks the marker %q of %s", m, f.ID)
			}
		}
	}
	if sizes == 0 || binMarkers == 0 {
		t.Errorf("the built-in packs have %d binary sizes, %d binary markers: the test checks nothing", sizes, binMarkers)
	}

	// JSON: the same fields, by their names.
	code, js, errs := runArgs(context.Background(), "iocs", "-f", "json")
	if code != 0 {
		t.Fatalf("json: exit %d: %s", code, errs)
	}
	var back iocs.Loaded
	if err := json.Unmarshal([]byte(js), &back); err != nil {
		t.Fatal(err)
	}
	if back.Pack == nil || len(back.Pack.Guards) != len(p.Guards) || back.Pack.Guards[0].Effect != p.Guards[0].Effect {
		t.Errorf("json guards: %+v", back.Pack)
	}
	for _, k := range []string{`"label": `, `"format": `, `"markers": [`, `"guards": [`, `"disarm": [`} {
		if !strings.Contains(js, k) {
			t.Errorf("json lacks %s", k)
		}
	}

	// A hostile label in an added pack is escaped.
	hostile := filepath.Join(t.TempDir(), "hostile.yaml")
	if err := os.WriteFile(hostile, []byte(`schema_version: 1
id: hostile
version: "1"
title: t
persistence:
  - id: evil-agent
    path: "~/Library/LaunchAgents/evil.plist"
    kind: launchd
    label: "com.evil\e[2J\u202e"
    severity: high
    description: d
    provenance: {confidence: derived, sources: ["https://example.invalid/x"]}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runArgs(context.Background(), "iocs", "--iocs", hostile)
	if code != 0 || !strings.Contains(out, "label com.evil") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.ContainsAny(out, "\x1b\u202e") {
		t.Error("a control character of an added pack reached the terminal")
	}
}
