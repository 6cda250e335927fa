package scan

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/targets/ghorg/ghfake"
	"github.com/litesweep/litesweep/targets/kube/kubefake"
)

// TestEveryTargetReturnsAFinishedReport runs each API and document target
// against its fake (or a real document) and checks that the report comes
// back finished: finalised, its verdict decided, its interruption taken
// from ctx, and a rotation checklist exactly when COMPROMISED or EXPOSED.
func TestEveryTargetReturnsAFinishedReport(t *testing.T) {
	const ghToken = "ghp_scanTestToken00000000000000000000"
	gh := ghfake.New(ghToken)
	t.Cleanup(gh.Close)
	if err := ghfake.Scenario(gh, filepath.Join("..", "targets", "ghorg", "testdata", "logs")); err != nil {
		t.Fatal(err)
	}
	kf := kubefake.New("kube-token-for-scan-tests")
	t.Cleanup(kf.Close)
	kc, err := kf.WriteKubeconfig(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	index := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/simple/litellm/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<html><body><a href="../../files/litellm-1.82.8-py3-none-any.whl">litellm-1.82.8-py3-none-any.whl</a></body></html>`)
	}))
	t.Cleanup(index.Close)

	for _, tc := range []struct {
		kind    string
		run     func(ctx context.Context, env Env) (*sweep.Report, error)
		verdict sweep.Verdict
	}{
		{"github", func(ctx context.Context, env Env) (*sweep.Report, error) {
			return Run(ctx, env, GitHubOptions{Orgs: []string{"acme"}, APIURL: gh.API.URL, Token: ghToken, Concurrency: 2})
		}, sweep.Compromised},
		{"kube", func(ctx context.Context, env Env) (*sweep.Report, error) {
			return Run(ctx, env, KubeOptions{Kubeconfig: kc})
		}, sweep.Compromised},
		{"sbom", func(ctx context.Context, env Env) (*sweep.Report, error) {
			return Run(ctx, env, SBOMOptions{Files: []string{filepath.Join("..", "targets", "sbom", "testdata", "made-by-library", "app.cdx.json")}})
		}, sweep.Exposed},
		{"mirror", func(ctx context.Context, env Env) (*sweep.Report, error) {
			return Run(ctx, env, MirrorOptions{IndexURLs: []string{index.URL + "/simple/"}, Timeout: 10 * time.Second})
		}, sweep.AtRisk},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			env := testEnv(t)
			r, err := tc.run(context.Background(), env)
			if err != nil {
				t.Fatal(err)
			}
			assertFinished(t, env, r)
			if string(r.Scan.Kind) != tc.kind || r.Scan.Interrupted || len(r.Findings) == 0 {
				t.Errorf("kind %s, interrupted %v, %d findings", r.Scan.Kind, r.Scan.Interrupted, len(r.Findings))
			}
			if r.Verdict != tc.verdict {
				t.Errorf("verdict %s, want %s", r.Verdict, tc.verdict)
			}
			// A checklist exactly when COMPROMISED or EXPOSED.
			if exposed := r.Verdict == sweep.Compromised || r.Verdict == sweep.Exposed; exposed != (len(r.Rotation) > 0) {
				t.Errorf("verdict %s with %d rotation items", r.Verdict, len(r.Rotation))
			}

			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			r, err = tc.run(ctx, env)
			if err != nil {
				t.Fatal(err)
			}
			assertFinished(t, env, r)
			if !r.Scan.Interrupted {
				t.Error("a cancelled sweep's report is not marked interrupted")
			}
		})
	}
}
