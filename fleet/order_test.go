package fleet_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/fleet"
	"github.com/litesweep/litesweep/render"
	"github.com/litesweep/litesweep/sweep"
)

// input is one merge input: a report, or the bytes of a checklist.
type input struct {
	name      string
	report    *sweep.Report
	checklist []byte
}

func mergeInputs(t *testing.T, ins []input) *fleet.Fleet {
	t.Helper()
	b := &fleet.Builder{Tool: tool, Now: func() time.Time { return winEnd }}
	for _, in := range ins {
		if in.report != nil {
			cp := *in.report
			b.AddReport(in.name, &cp)
		} else {
			b.AddReader(in.name, bytes.NewReader(in.checklist))
		}
	}
	return b.Fleet()
}

func fleetJSON(t *testing.T, f *fleet.Fleet) string {
	t.Helper()
	var buf bytes.Buffer
	if err := render.FleetJSON(&buf, f); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// permutations calls fn with every order of n items (Heap's algorithm).
func permutations(n int, fn func(order []int)) {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	c := make([]int, n)
	fn(p)
	for i := 0; i < n; {
		if c[i] < i {
			if i%2 == 0 {
				p[0], p[i] = p[i], p[0]
			} else {
				p[c[i]], p[i] = p[i], p[c[i]]
			}
			fn(p)
			c[i]++
			i = 0
		} else {
			c[i] = 0
			i++
		}
	}
}

func credItem(host, where string, names []string, ids ...string) sweep.RotationItem {
	return sweep.RotationItem{ID: "ROT-" + strings.ToUpper(host), Priority: "P1", Kind: "aws", Provider: "aws", Title: "AWS credentials",
		Where: where, Names: names, Host: host, User: "deploy", Why: "readable by the stealer on an exposed host", ExposedBy: ids,
		Steps: []string{"aws iam create-access-key", "aws iam delete-access-key"}, Verify: "aws sts get-caller-identity fails with the old key"}
}

// orderInputs: two reports of one host with identical start and end times
// (one COMPROMISED, one CLEAN), three systems holding one credential
// path, a checklist marking one of them rotated, and a GitHub report.
func orderInputs(t *testing.T) []input {
	fin := time.Date(2026, 3, 24, 15, 0, 0, 0, time.UTC)
	crit := []sweep.Finding{{Severity: sweep.Critical, Category: "startup-hook", Title: "malicious .pth", Collector: "python/environments",
		Location: sweep.Location{Path: "/v/site-packages/litellm_init.pth"}, Evidence: sweep.Evidence{Time: at(11, 0)}}}
	high := []sweep.Finding{{Severity: sweep.High, Category: "python-package", Title: "litellm 1.82.8 installed", Collector: "python/environments",
		Location: sweep.Location{Path: "/v/site-packages/litellm-1.82.8.dist-info/METADATA"}, Evidence: sweep.Evidence{Time: at(11, 0)}}}
	where := "/home/deploy/.aws/credentials"
	names := []string{"profile default"}
	var ins []input
	r := hostReport("host", "web-01", fin, crit, []sweep.RotationItem{credItem("web-01", where, names, "LS-A")}, nil)
	ins = append(ins, input{name: "web-01-a.json", report: r})
	ins = append(ins, input{name: "web-01-b.json", report: hostReport("host", "web-01", fin, nil, nil, nil)})
	ins = append(ins, input{name: "web-02.json", report: hostReport("host", "web-02", fin, high, []sweep.RotationItem{credItem("web-02", where, names, "LS-B")}, nil)})
	ins = append(ins, input{name: "web-03.json", report: hostReport("host", "web-03", fin.Add(-time.Hour), high, []sweep.RotationItem{credItem("web-03", where, names, "LS-B")}, nil)})
	rotated := fin.Add(time.Hour)
	it := credItem("web-02", where, names, "LS-B")
	it.RotatedAt = &rotated
	cl, err := json.Marshal(map[string]any{"schema_version": "1.0", "generated": rotated, "items": []sweep.RotationItem{it}})
	if err != nil {
		t.Fatal(err)
	}
	ins = append(ins, input{name: "rotated-web-02.json", checklist: cl})
	return ins
}

// TestMergeOrderIndependent: the merge is a function of its inputs, not of
// their order: every permutation renders the same fleet JSON.
func TestMergeOrderIndependent(t *testing.T) {
	ins := orderInputs(t)
	want := ""
	n := 0
	permutations(len(ins), func(order []int) {
		n++
		perm := make([]input, len(ins))
		names := make([]string, len(ins))
		for i, o := range order {
			perm[i] = ins[o]
			names[i] = ins[o].name
		}
		got := fleetJSON(t, mergeInputs(t, perm))
		if want == "" {
			want = got
			return
		}
		if got != want {
			t.Fatalf("order %v gives a different fleet:\n%s\nwant:\n%s", names, got, want)
		}
	})
	if n != 120 {
		t.Fatalf("%d permutations, want 120", n)
	}
	f := mergeInputs(t, ins)
	for _, h := range f.Hosts {
		if h.Name == "web-01" && h.Verdict != sweep.Compromised {
			t.Errorf("web-01 with a COMPROMISED and a CLEAN report at the same time is %s, want COMPROMISED (a tie never hides a bad report)", h.Verdict)
		}
	}
}

// TestRotationPerSystem: one system's rotated mark closes that system's
// duty only; the item stays pending until every system's is.
func TestRotationPerSystem(t *testing.T) {
	f := mergeInputs(t, orderInputs(t))
	if len(f.Rotation) != 1 {
		t.Fatalf("%d rotation items, want one credential path across systems", len(f.Rotation))
	}
	r := f.Rotation[0]
	if r.Status != fleet.RotationPending || r.Pending != 2 || len(r.Systems) != 3 || r.Shared != "" {
		t.Fatalf("item %s pending %d systems %d shared %q, want pending 2 of 3", r.Status, r.Pending, len(r.Systems), r.Shared)
	}
	got := map[string]string{}
	for _, s := range r.Systems {
		got[s.Host] = s.Status
		if s.ID != "ROT-"+strings.ToUpper(s.Host) {
			t.Errorf("%s: id %s, want its own report's item id", s.Host, s.ID)
		}
	}
	if fmt.Sprint(got) != "map[web-01:pending web-02:rotated web-03:pending]" {
		t.Errorf("per-system status %v", got)
	}
	if f.PendingRotation() != 1 {
		t.Errorf("PendingRotation %d, want 1 (the item is not done)", f.PendingRotation())
	}
}

// TestRotationShared: a credential with the same key id on every system is
// one credential: one system's rotated mark closes it everywhere.
func TestRotationShared(t *testing.T) {
	ins := orderInputs(t)
	names := []string{"profile default", sweep.KeyIDName("access", "AKIAIOSFODNN7EXAMPLE")}
	for i := range ins {
		if ins[i].report != nil {
			cp := *ins[i].report
			cp.Rotation = nil
			for _, it := range ins[i].report.Rotation {
				it.Names = names
				cp.Rotation = append(cp.Rotation, it)
			}
			ins[i].report = &cp
			continue
		}
		var cl struct {
			SchemaVersion string               `json:"schema_version"`
			Items         []sweep.RotationItem `json:"items"`
		}
		if err := json.Unmarshal(ins[i].checklist, &cl); err != nil {
			t.Fatal(err)
		}
		cl.Items[0].Names = names
		ins[i].checklist, _ = json.Marshal(cl)
	}
	f := mergeInputs(t, ins)
	if len(f.Rotation) != 1 {
		t.Fatalf("%d items", len(f.Rotation))
	}
	r := f.Rotation[0]
	if r.Shared == "" || !strings.Contains(r.Shared, "AKIAIOSFODNN7EXAMPLE") || r.Status != fleet.RotationDone || r.Pending != 0 {
		t.Fatalf("shared %q status %s pending %d, want one rotation to close the shared key everywhere", r.Shared, r.Status, r.Pending)
	}
}
