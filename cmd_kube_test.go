package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/targets/kube/kubefake"
)

const kubeToken = "CANARY-kube-bearer-token-51c2"

func TestKubeCommand(t *testing.T) {
	srv := kubefake.New(kubeToken)
	defer srv.Close()
	dir := t.TempDir()
	kc, err := srv.WriteKubeconfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", kc)
	outputs := map[string]string{}
	for _, format := range []string{"json", "table", "html", "markdown", "sarif"} {
		out := filepath.Join(dir, "kube."+format)
		code, stdout, stderr := runCLI(t, "kube", "--format", format, "--output", out)
		if format == "markdown" || format == "sarif" {
			// Owned by other renderers; checked when they exist.
			if code == 2 && strings.Contains(stderr, "not available") {
				continue
			}
		}
		if code != 1 {
			t.Fatalf("%s: exit %d, want 1\n%s%s", format, code, stdout, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		outputs[format] = string(b) + stdout + stderr
	}
	for format, s := range outputs {
		for _, canary := range []string{kubefake.Canary, kubeToken} {
			if strings.Contains(s, canary) {
				t.Errorf("%s output contains a secret (%q)", format, canary)
			}
		}
	}
	var r sweep.Report
	if err := json.Unmarshal([]byte(strings.SplitN(outputs["json"], "\nlitesweep:", 2)[0]), &r); err != nil {
		t.Fatal(err)
	}
	if r.Scan.Kind != "kube" || r.Verdict != sweep.Compromised || len(r.Rotation) != 3 || r.Stats.APICalls == 0 {
		t.Errorf("report: kind %s verdict %s rotation %d api %d", r.Scan.Kind, r.Verdict, len(r.Rotation), r.Stats.APICalls)
	}
	found := false
	for _, f := range r.Findings {
		found = found || f.Title == "node worker-1 ran a pod that mounted its root: sweep the node with litesweep host"
	}
	if !found || !strings.Contains(outputs["table"], "CRITICAL (3)") {
		t.Errorf("the node finding or the critical findings are missing:\n%s", outputs["table"])
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"kube", "--context", "staging"}, "exec credential plugin aws, which litesweep does not run"},
		{[]string{"kube", "--kubeconfig", filepath.Join(dir, "missing")}, "read kubeconfig"},
		{[]string{"kube", "--service-account", "litellm"}, "want NAMESPACE/NAME"},
		{[]string{"kube", "extra"}, "takes no arguments"},
	} {
		code, _, stderr := runCLI(t, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
	// --token-file replaces an exec plugin's credentials.
	tf := filepath.Join(dir, "token")
	os.WriteFile(tf, []byte(kubeToken+"\n"), 0o600)
	code, _, stderr := runCLI(t, "kube", "--context", "prod", "--token-file", tf, "--format", "json", "--fail-on", "critical", "-o", filepath.Join(dir, "x.json"))
	if code != 1 || strings.Contains(stderr, kubeToken) {
		t.Errorf("--token-file: exit %d %s", code, stderr)
	}
}
