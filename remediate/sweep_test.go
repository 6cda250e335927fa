package remediate_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/scan/live"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// hostSweep runs the host sweep's walk with every host collector (the
// pipeline of `litesweep host`), and the live collector when liveHost,
// and returns the finalised report.
func hostSweep(t *testing.T, m *iocs.Matcher, root string, liveHost bool, skip ...string) *sweep.Report {
	t.Helper()
	rfs, err := sweep.OpenTree(root)
	if err != nil {
		t.Fatal(err)
	}
	homes := sweep.Homes(rfs)
	rfs.Close()
	start, end := m.PackageWindow()
	counters := &sweep.Counters{}
	sink := sweep.NewCollection(counters)
	cs := collectors.Host(collectors.Options{Matcher: m, Homes: homes, Window: sweep.Window{Start: start, End: end}, Now: time.Now})
	skips := map[string]string{}
	for k, v := range sweep.DefaultSkips {
		skips[k] = v
	}
	for _, s := range skip {
		skips[s] = "evidence directory"
	}
	w := &sweep.Walker{Root: root, Skips: skips, Collectors: cs, Sink: sink, Counters: counters}
	if err := w.Walk(context.Background()); err != nil {
		t.Fatal(err)
	}
	if liveHost {
		live.New(m).Collect(context.Background(), sink)
	}
	r := &sweep.Report{Scan: sweep.Scan{Kind: "host", Root: root}}
	r.Findings, r.Errors = sink.Drain()
	r.Learned = sink.Learned()
	r.Finalize()
	return r
}

// plan sweeps root and plans remediation from the report.
func plan(t *testing.T, root string, skip ...string) *remediate.Removal {
	t.Helper()
	return planWith(t, sweeptest.Matcher(t), root, false, skip...)
}

func planWith(t *testing.T, m *iocs.Matcher, root string, liveHost bool, skip ...string) *remediate.Removal {
	t.Helper()
	r := hostSweep(t, m, root, liveHost, skip...)
	rm, err := remediate.FromReport(r, remediate.RemovalOptions{Root: root, Matcher: m, Skip: skip, From: "sweep"})
	if err != nil {
		t.Fatal(err)
	}
	return rm
}

func skipOf(root, ev string) []string {
	if rel, err := filepath.Rel(root, ev); err == nil && !strings.HasPrefix(rel, "..") {
		return []string{"/" + filepath.ToSlash(rel)}
	}
	return nil
}

func homesOf(t *testing.T, root string) []sweep.Home {
	t.Helper()
	rfs, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	defer rfs.Close()
	return sweep.Homes(rfs.FS())
}
