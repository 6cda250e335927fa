package fleet_test

import (
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/collectors/payloads"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/fleet"
)

// TestLearnedAcrossFleet: a hash host A learned by context makes host B's
// file with the same hash (reported there only as a suspicious .pth)
// critical in the merged report, with the learned link.
func TestLearnedAcrossFleet(t *testing.T) {
	sha := strings.Repeat("ab", 32)
	fin := time.Date(2026, 3, 25, 9, 0, 0, 0, time.UTC)
	a := &sweep.Report{Scan: sweep.Scan{Kind: "host", Hostname: "a", Finished: fin},
		Findings: []sweep.Finding{{Severity: sweep.Critical, Category: "startup-hook", Title: "malicious .pth start-up hook litellm_init.pth",
			Location: sweep.Location{Path: "/venv/site-packages/litellm_init.pth"}, Evidence: sweep.Evidence{SHA256: sha}}},
		Learned: []sweep.Learned{{SHA256: sha, Size: 90, Name: "litellm_init.pth", Kind: "pth",
			Location: sweep.Location{Path: "/venv/site-packages/litellm_init.pth"}, Reason: "listed in the RECORD of litellm 1.82.8 (affected release)"}}}
	b := &sweep.Report{Scan: sweep.Scan{Kind: "host", Hostname: "b", Finished: fin},
		Findings: []sweep.Finding{{Severity: sweep.High, Category: "startup-hook", Title: "suspicious .pth start-up hook zz.pth: executed line spawns a process",
			Location: sweep.Location{Path: "/srv/site-packages/zz.pth"}, Evidence: sweep.Evidence{SHA256: sha}}}}
	c := &sweep.Report{Scan: sweep.Scan{Kind: "host", Hostname: "c", Finished: fin},
		Findings: []sweep.Finding{{Severity: sweep.Low, Category: "startup-hook", Title: "unrecognised executed line",
			Location: sweep.Location{Path: "/x/site-packages/other.pth"}, Evidence: sweep.Evidence{SHA256: strings.Repeat("cd", 32)}}}}
	for _, r := range []*sweep.Report{a, b, c} {
		r.Finalize()
	}
	bl := &fleet.Builder{}
	bl.AddReport("a.json", a)
	bl.AddReport("b.json", b)
	bl.AddReport("c.json", c)
	f := bl.Fleet()
	got := map[string]sweep.Verdict{}
	for _, h := range f.Hosts {
		got[h.Name] = h.Verdict
	}
	if got["a"] != sweep.Compromised || got["b"] != sweep.Compromised || got["c"] != sweep.Clean {
		t.Fatalf("verdicts %v", got)
	}
	if len(f.Learned) != 1 || f.Learned[0].Host != "a" {
		t.Errorf("fleet learned %+v", f.Learned)
	}
	n := 0
	for i := range f.Hosts {
		h := &f.Hosts[i]
		var fs []sweep.Finding
		f.Findings(h, func(x *sweep.Finding) error { fs = append(fs, *x); return nil })
		for _, x := range fs {
			if x.Category == payloads.CatCopy {
				n++
				if h.Name != "b" || x.Severity != sweep.Critical || !strings.Contains(strings.Join(x.Evidence.Details, "\n"), "learned on a from /venv/site-packages/litellm_init.pth") {
					t.Errorf("copy finding on %s: %+v", h.Name, x)
				}
			}
		}
	}
	if n != 1 {
		t.Errorf("%d copy findings, want 1", n)
	}
}
