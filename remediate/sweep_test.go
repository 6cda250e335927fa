package remediate_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/scan"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
	"github.com/litesweep/litesweep/targets/live"
)

// hostSweep runs the host sweep (scan.Host, the pipeline of litesweep
// host), with the live collector when liveHost, as remediate does.
func hostSweep(t *testing.T, m *iocs.Matcher, root string, liveHost bool, skip ...string) *sweep.Report {
	t.Helper()
	skips := map[string]string{}
	for k, v := range sweep.DefaultSkips {
		skips[k] = v
	}
	for _, s := range skip {
		skips[s] = "evidence directory"
	}
	r, err := scan.Run(context.Background(), scan.Env{Pack: m.Pack(), Matcher: m, Tool: scan.Tool{Name: "litesweep", Version: "test"}},
		scan.HostOptions{Root: root, Skips: skips})
	if err != nil {
		t.Fatal(err)
	}
	if liveHost {
		// scan.Host adds the live collector only when the root is "/";
		// the tests sweep a temporary root and the running host's
		// processes, as a live sweep of "/" does.
		sink := sweep.NewCollection(nil)
		live.New(m).Collect(context.Background(), sink)
		fs, errs := sink.Drain()
		r.Findings = append(r.Findings, fs...)
		r.Errors = append(r.Errors, errs...)
		r.Finalize()
	}
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
