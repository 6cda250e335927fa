package fleet_test

import (
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/fleet"
	"github.com/litesweep/litesweep/sweep"
)

// TestLearnedAcrossFleet: a hash host A learned by context, found on host
// B's file (reported there only as a suspicious .pth), is one fleet
// observation naming B; merge adds no finding to B and leaves every
// system's verdict its own report's.
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
	if got["a"] != sweep.Compromised || got["b"] != sweep.Exposed || got["c"] != sweep.Clean {
		t.Fatalf("verdicts %v: each system's verdict is its own report's", got)
	}
	if len(f.Learned) != 1 || f.Learned[0].Host != "a" {
		t.Errorf("fleet learned %+v", f.Learned)
	}
	if len(f.Observations) != 1 || f.Observations[0].LearnedOn != "a" || strings.Join(f.Observations[0].Systems, ",") != "b" {
		t.Errorf("observations %+v, want one: learned on a, seen on b", f.Observations)
	}
	for i := range f.Hosts {
		h := &f.Hosts[i]
		n := 0
		f.Findings(h, func(x *sweep.Finding) error { n++; return nil })
		if n != 1 || h.Shown() != 1 || h.Summary[string(sweep.Critical)]+h.Summary[string(sweep.High)]+h.Summary[string(sweep.Low)] != 1 {
			t.Errorf("%s: %d findings (shown %d, summary %v), want its report's one", h.Name, n, h.Shown(), h.Summary)
		}
	}
}

// TestSingleReportFleetAddsNothing: a report whose learned payload is also
// one of its own findings (the .pth matched against itself) renders as a
// fleet of one with exactly its own findings and summary.
func TestSingleReportFleetAddsNothing(t *testing.T) {
	sha := strings.Repeat("ef", 32)
	r := &sweep.Report{Scan: sweep.Scan{Kind: "host", Hostname: "a", Finished: time.Date(2026, 3, 25, 9, 0, 0, 0, time.UTC)},
		Findings: []sweep.Finding{
			{Severity: sweep.Critical, Category: "startup-hook", Title: "malicious .pth", Location: sweep.Location{Path: "/v/site-packages/litellm_init.pth"}, Evidence: sweep.Evidence{SHA256: sha}},
			{Severity: sweep.High, Category: "python-package", Title: "litellm 1.82.8 installed", Location: sweep.Location{Path: "/v/site-packages/litellm-1.82.8.dist-info/RECORD", Line: 3}, Evidence: sweep.Evidence{SHA256: sha}},
		},
		Learned: []sweep.Learned{{SHA256: sha, Name: "litellm_init.pth", Kind: "pth", Location: sweep.Location{Path: "/v/site-packages/litellm_init.pth"}, Reason: "in a RECORD"}}}
	r.Finalize()
	f := fleet.FromReport(r)
	h := &f.Hosts[0]
	if h.Verdict != r.Verdict || h.Shown() != len(r.Findings) || len(f.Observations) != 0 {
		t.Fatalf("fleet of one: verdict %s shown %d observations %d; report: %s, %d findings", h.Verdict, h.Shown(), len(f.Observations), r.Verdict, len(r.Findings))
	}
	for k, v := range r.Summary {
		if h.Summary[k] != v || f.Summary[k] != v {
			t.Errorf("summary[%s]: report %d, host %d, fleet %d", k, v, h.Summary[k], f.Summary[k])
		}
	}
}
