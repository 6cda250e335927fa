package iocs

import "testing"

func TestParseActionUse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ActionUse
		ok   bool
	}{
		{"aquasecurity/trivy-action@0.28.0", ActionUse{Repo: "aquasecurity/trivy-action", Ref: "0.28.0"}, true},
		{"  Checkmarx/KICS-github-action@v2.1.3 ", ActionUse{Repo: "Checkmarx/KICS-github-action", Ref: "v2.1.3"}, true},
		{"octo/repo/sub/dir@main", ActionUse{Repo: "octo/repo", Path: "sub/dir", Ref: "main"}, true},
		{"octo/repo/.github/workflows/build.yml@v1", ActionUse{Repo: "octo/repo", Path: ".github/workflows/build.yml", Ref: "v1"}, true},
		{"./.github/actions/local", ActionUse{}, false},
		{"../shared/action", ActionUse{}, false},
		{"docker://aquasec/trivy:0.69.4", ActionUse{}, false},
		{"aquasecurity/trivy-action", ActionUse{}, false}, // no ref: GitHub refuses it
		{"aquasecurity/trivy-action@", ActionUse{}, false},
		{"trivy-action@0.28.0", ActionUse{}, false}, // no owner
		{"/trivy-action@0.28.0", ActionUse{}, false},
		{"owner/@v1", ActionUse{}, false},
	} {
		got, ok := ParseActionUse(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseActionUse(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestIsCommitSHA(t *testing.T) {
	for ref, want := range map[string]bool{
		"0e22ec8d1e0dda3c62bf4beffcd4a8a5db1abda1": true,
		"0E22EC8D1E0DDA3C62BF4BEFFCD4A8A5DB1ABDA1": true,
		"0e22ec8d": false, // abbreviated: GitHub refuses it, a name at most
		"0e22ec8d1e0dda3c62bf4beffcd4a8a5db1abda":   false,
		"0e22ec8d1e0dda3c62bf4beffcd4a8a5db1abda1a": false,
		"0e22ec8d1e0dda3c62bf4beffcd4a8a5db1abdg1":  false,
		"v2.1.3": false,
	} {
		if got := IsCommitSHA(ref); got != want {
			t.Errorf("IsCommitSHA(%q) = %v", ref, got)
		}
	}
}

// TestMatcherAction judges references against the built-in packs: the
// one matcher the GitHub sweep and the checkout collector share.
func TestMatcherAction(t *testing.T) {
	m := builtinMatcher(t)
	for _, tc := range []struct {
		repo, ref string
		id        string // first hit's entry, "" = none
		kind      ActionHitKind
		sev       string
	}{
		// Imposter commits, whatever the case of owner, name and SHA.
		{"Checkmarx/kics-github-action", "0e22ec8d1e0dda3c62bf4beffcd4a8a5db1abda1", "action-kics", ActionBadCommit, "critical"},
		{"checkmarx/KICS-GITHUB-ACTION", "45F3749467A6017CB4FB749054B498D149DD5924", "action-kics", ActionBadCommit, "critical"},
		{"aquasecurity/setup-trivy", "f4436225d8a5fd1715d3c2290d8a50643e726031", "action-setup-trivy", ActionBadCommit, "critical"},
		{"aquasecurity/trivy-action/sub", "ddb9da4475c1cef7d5389062bdfdfbdbd1394648", "action-trivy-action", ActionBadCommit, "critical"},
		// Hijacked tags: at risk.
		{"Checkmarx/kics-github-action", "v2.1.3", "action-kics", ActionBadRef, "medium"},
		{"checkmarx/kics-github-action", "V1", "action-kics", ActionBadRef, "medium"},
		{"aquasecurity/trivy-action", "0.28.0", "action-trivy-action", ActionBadRef, "medium"},
		{"aquasecurity/setup-trivy", "v0.2.3", "action-setup-trivy", ActionBadRef, "medium"},
		{"Checkmarx/ast-github-action", "2.3.28", "action-ast", ActionBadRef, "medium"},
		{"Checkmarx/ast-github-action", "v2.3.36", "action-ast-2026-04", ActionBadRef, "medium"},
		// Decoys: a safe tag, a clean commit of an action whose every tag
		// was hijacked, an abbreviated bad commit (GitHub refuses it), a
		// tag of KICS that did not exist in the window, a branch, another
		// action at a bad action's tag, an unknown owner.
		{"aquasecurity/trivy-action", "0.35.0", "", 0, ""},
		{"aquasecurity/trivy-action", "v0.28.0", "", 0, ""},                                     // re-created at the clean commit after the window
		{"aquasecurity/trivy-action", "v0.34.2", "action-trivy-action", ActionBadRef, "medium"}, // not restored (ghscan)
		{"aquasecurity/trivy-action", "57a97c7e7821a5776cebc9bb87c984fa69cba8f1", "", 0, ""},
		{"aquasecurity/trivy-action", "1111111111111111111111111111111111111111", "", 0, ""},
		{"Checkmarx/kics-github-action", "0e22ec8d", "", 0, ""},
		{"Checkmarx/kics-github-action", "v2.1.21", "", 0, ""},
		{"Checkmarx/kics-github-action", "main", "", 0, ""},
		{"Checkmarx/ast-github-action", "2.3.27", "", 0, ""},
		{"actions/checkout", "v2.1.3", "", 0, ""},
		{"actions/checkout", "0e22ec8d1e0dda3c62bf4beffcd4a8a5db1abda1", "", 0, ""},
		{"evil-checkmarx/kics-github-action", "v2.1.3", "", 0, ""},
		{"kics-github-action", "v2.1.3", "", 0, ""},
	} {
		hs := m.Action(tc.repo, tc.ref)
		if tc.id == "" {
			if len(hs) > 0 {
				t.Errorf("%s@%s: %s, want no hit", tc.repo, tc.ref, hs[0].Action.ID)
			}
			continue
		}
		if len(hs) == 0 {
			t.Errorf("%s@%s: no hit, want %s", tc.repo, tc.ref, tc.id)
			continue
		}
		if h := hs[0]; h.Action.ID != tc.id || h.Kind != tc.kind || h.Severity() != tc.sev {
			t.Errorf("%s@%s: %s kind %d %s, want %s kind %d %s", tc.repo, tc.ref, h.Action.ID, h.Kind, h.Severity(), tc.id, tc.kind, tc.sev)
		}
	}
}
