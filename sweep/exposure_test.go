package sweep

import (
	"encoding/json"
	"testing"
)

// TestExposedKindReadsOlderNames: the kinds older reports wrote (named for
// GitHub Actions) read as today's forge-neutral kinds; today's and unknown
// kinds read as written, and writing uses today's names.
func TestExposedKindReadsOlderNames(t *testing.T) {
	for in, want := range map[string]ExposedKind{
		"actions-secret": ExposedCISecret, "all-actions-secrets": ExposedAllCISecrets, "actions-variable": ExposedCIVariable,
		"workflow-literal": ExposedCILiteral, "github-token": ExposedCIJobToken,
		"ci-secret": ExposedCISecret, "ci-job-token": ExposedCIJobToken, "kubernetes-secrets": ExposedKubeSecrets,
		"service-account-token": ExposedServiceAccountToken, "some-future-kind": "some-future-kind",
	} {
		var c ExposedCredential
		if err := json.Unmarshal([]byte(`{"kind":"`+in+`","name":"X"}`), &c); err != nil {
			t.Fatal(err)
		}
		if c.Kind != want {
			t.Errorf("%s read as %s, want %s", in, c.Kind, want)
		}
		b, _ := json.Marshal(c)
		if wantJSON := `{"kind":"` + string(want) + `","name":"X"}`; string(b) != wantJSON {
			t.Errorf("%s written as %s, want %s", in, b, wantJSON)
		}
	}
}
