package remediate

import (
	"fmt"
	"slices"
	"testing"

	"github.com/litesweep/litesweep/collectors/creds"
	"github.com/litesweep/litesweep/collectors/lockfile"
	"github.com/litesweep/litesweep/sweep"
)

func TestTriggerIDsAndAppendUnique(t *testing.T) {
	for _, tc := range []struct {
		name string
		ids  []string
		want []string
	}{
		{"empty", nil, nil},
		{"blank ids dropped", []string{"", ""}, nil},
		{"sorted unique", []string{"LS-B", "LS-A", "LS-B", "", "LS-C", "LS-A"}, []string{"LS-A", "LS-B", "LS-C"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var fs []sweep.Finding
			for _, id := range tc.ids {
				fs = append(fs, sweep.Finding{ID: id})
			}
			if got := triggerIDs(fs); !slices.Equal(got, tc.want) {
				t.Errorf("triggerIDs = %v, want %v", got, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		a, b, want []string
	}{
		{nil, nil, nil},
		{[]string{"x"}, nil, []string{"x"}},
		{[]string{"x", "y"}, []string{"y", "z", "z", "x", "w"}, []string{"x", "y", "z", "w"}},
		{nil, []string{"b", "a", "b"}, []string{"b", "a"}},
	} {
		if got := appendUnique(slices.Clone(tc.a), tc.b...); !slices.Equal(got, tc.want) {
			t.Errorf("appendUnique(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// BenchmarkPlanManyTriggers: planning a host with n exposing findings and
// a credential inventory should grow linearly with n (it was quadratic).
func BenchmarkPlanManyTriggers(b *testing.B) {
	for _, n := range []int{5000, 50000} {
		r := &sweep.Report{Scan: sweep.Scan{Kind: "host", Hostname: "h"}}
		for i := 0; i < n; i++ {
			r.Findings = append(r.Findings, sweep.Finding{Severity: sweep.High, Category: lockfile.CatLockfile, Title: "requirements pins litellm 1.82.8",
				Location: sweep.Location{Path: fmt.Sprintf("/repo/svc-%05d/requirements.txt", i), Line: 4}, User: "ci"})
		}
		for i := 0; i < 20; i++ {
			r.Findings = append(r.Findings, sweep.Finding{Severity: sweep.Info, Category: creds.CatCredential, Title: "cred",
				Location: sweep.Location{Path: fmt.Sprintf("/home/ci/.cred-%d", i)}, User: "ci", Indicator: &sweep.Indicator{ID: "cred-aws"}})
		}
		r.Finalize()
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				Plan(r, nil, PlanOptions{})
			}
		})
	}
}
