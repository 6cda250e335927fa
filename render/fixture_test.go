package render

import (
	"time"

	"github.com/litesweep/litesweep/collectors/creds"
	"github.com/litesweep/litesweep/collectors/history"
	"github.com/litesweep/litesweep/collectors/lockfile"
	"github.com/litesweep/litesweep/collectors/python"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/targets/ghorg"
	"github.com/litesweep/litesweep/targets/live"
)

func tp(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// syntheticReport is a fixed report exercising every section and location
// kind the markdown and SARIF renderers handle, including hostile text
// (pipes, newlines, backticks, HTML, Markdown emphasis). Its findings have
// the categories, collectors and shapes real collectors emit; the sweeps
// that make them are run for real in sarif_real_test.go.
func syntheticReport() *sweep.Report {
	layer := 3
	visible := true
	srcs := []string{"https://github.com/BerriAI/litellm/issues/24512", "https://github.com/BerriAI/litellm/issues/24521", "https://osv.dev/vulnerability/MAL-2026-2144"}
	r := &sweep.Report{
		Tool: sweep.Tool{Name: "litesweep", Version: "1.2.3", Commit: "abc1234", PackID: "teampcp-litellm-2026-03",
			PackVersion: "2026.11.26", PackSHA256: "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0", PackFrom: "builtin"},
		Scan: sweep.Scan{Kind: "host", Root: "/mnt/disk", Hostname: "web-01",
			Window:  &sweep.Window{Start: *tp("2026-03-24T10:39:00Z"), End: *tp("2026-03-24T16:00:00Z"), Source: "litellm-pypi"},
			Started: *tp("2026-11-26T01:00:00Z"), Finished: *tp("2026-11-26T01:00:07Z")},
		Findings: []sweep.Finding{
			{Severity: sweep.Critical, Category: python.CatStartup, Title: "litellm_init.pth (malicious startup hook)", Collector: python.Name,
				Location:    sweep.Location{Path: "/home/alice/.venv/lib/python3.11/site-packages/litellm_init.pth", Line: 1},
				Evidence:    sweep.Evidence{Size: 34628, SHA256: "71e35aef03099cd1f2d6446734273025a163597de93912df321ef118bf135238", ModTime: tp("2026-03-24T11:02:13Z"), Text: "import os, subprocess, sys; subprocess.Popen([sys.executable, \"-c\", \"import base64; exec(base64.b64decode('aW1wb3J0…'))\"])"},
				Indicator:   &sweep.Indicator{ID: "litellm-init-pth", Kind: "file", Confidence: "confirmed", Sources: srcs[:2]},
				Environment: "/home/alice/.venv", User: "alice"},
			{Severity: sweep.Critical, Category: live.CatProcess, Title: "Running process matches proc-pth-child", Collector: live.NameProcesses,
				Location:  sweep.Location{PID: 4242},
				Evidence:  sweep.Evidence{Time: tp("2026-11-26T00:59:00Z"), Text: "/home/alice/.venv/bin/python -c \"import base64; exec(base64.b64decode('aW1wb3J0…(34000 bytes)\"", Details: []string{"exe: /usr/bin/python3.11", "ppid: 4200"}},
				Indicator: &sweep.Indicator{ID: "proc-pth-child", Kind: "process", Confidence: "confirmed", Sources: srcs[:1]}, User: "alice"},
			{Severity: sweep.Critical, Category: python.CatStartup, Title: "litellm_init.pth in image layer", Collector: python.Name,
				Location:  sweep.Location{Image: "ghcr.io/acme/api:1.4", Layer: &layer, LayerDigest: "sha256:aaaa", CreatedBy: "RUN pip install litellm==1.82.8", Path: "/usr/local/lib/python3.11/site-packages/litellm_init.pth", Visible: &visible},
				Indicator: &sweep.Indicator{ID: "litellm-init-pth", Kind: "file", Confidence: "confirmed", Sources: srcs[:2]}},
			{Severity: sweep.High, Category: history.CatHistory, Title: "pip install \"litellm<script>alert(1)</script>\" | tee *log* `x`", Collector: "history/shell",
				Location: sweep.Location{Path: "/home/bob/.bash_history", Line: 42},
				Evidence: sweep.Evidence{Time: tp("2026-03-24T10:51:00Z"), Text: "pip install -U litellm | tee log\nsecond line"}, User: "bob"},
			{Severity: sweep.High, Category: ghorg.CatWorkflow, Title: "aquasecurity/trivy-action ran at an imposter commit", Collector: ghorg.CollectorName,
				Location: sweep.Location{Repo: "acme/api", RunID: 123456, Job: "scan", Step: "Run trivy", Line: 17, Path: ".github/workflows/scan.yml"},
				Evidence: sweep.Evidence{Time: tp("2026-03-19T18:00:00Z")},
				Indicator: &sweep.Indicator{ID: "trivy-action", Kind: "action", Confidence: "confirmed",
					Sources: []string{"https://github.com/aquasecurity/trivy/security/advisories/GHSA-69fq-xp46-6x23"}}},
			{Severity: sweep.Medium, Category: lockfile.CatLockfile, Title: "requirements.txt allows litellm 1.82.8 (litellm>=1.80)", Collector: "lockfile/manifests",
				Location: sweep.Location{Path: "/srv/ci/requirements.txt", Line: 3}, Evidence: sweep.Evidence{Text: "litellm>=1.80"}},
			{Severity: sweep.Low, Category: live.CatProcess, Title: "300 Python processes running (threshold 256), in a shallow tree", Collector: live.NameProcesses,
				Location: sweep.Location{PID: 77}},
			{Severity: sweep.Critical, Category: live.CatNetwork, Title: "Open connection to 83.142.209.11:443", Collector: live.NameNetwork},
			{Severity: sweep.Info, Category: creds.CatCredential, Title: "AWS credentials (profiles default, prod)", Collector: creds.Name,
				Location: sweep.Location{Path: "/home/alice/.aws/credentials"}, User: "alice", Evidence: sweep.Evidence{Mode: "-rw-------", Owner: "alice"},
				Indicator: &sweep.Indicator{ID: "cred-aws", Kind: "credential"}},
		},
		Environments: []sweep.Environment{
			{Path: "/home/alice/.venv", Kind: "venv", User: "alice", Verdict: sweep.EnvExecuted, Reason: "present: litellm_init.pth; ran: Running process | pid 4242"},
			{Path: "/opt/clean/.venv", Kind: "venv", Verdict: sweep.EnvClean},
			{Path: "/home/bob", Kind: sweep.EnvKindUser, User: "bob", Verdict: sweep.EnvRemoved, Reason: "evidence: pip install in history"},
		},
		Timeline: []sweep.TimelineEvent{
			{Time: *tp("2026-03-19T18:00:00Z"), Event: "aquasecurity/trivy-action ran at an imposter commit at acme/api run 123456"},
			{Time: *tp("2026-03-24T10:51:00Z"), Event: "pip install | tee at /home/bob/.bash_history:42", User: "bob", InWindow: true},
			{Time: *tp("2026-03-24T11:02:13Z"), Event: "litellm_init.pth at /home/alice/.venv/… (mtime)", Environment: "/home/alice/.venv", InWindow: true},
		},
		Rotation: []sweep.RotationItem{
			{ID: "R1", Priority: "P1", Kind: "cloud", Provider: "aws", Title: "AWS access keys", Where: "/home/alice/.aws/credentials",
				Names: []string{"default", "prod"}, User: "alice", Why: "readable by the stealer that ran as alice", ExposedBy: []string{"LS-1"},
				Steps: []string{"Create a new access key", "Deactivate then delete the old key"}, Verify: "aws sts get-caller-identity with the new key"},
			{ID: "R2", Priority: "P2", Kind: "env", Provider: "generic", Title: "OPENAI_API_KEY in a .env | file", Where: "/srv/app/.env", Why: "dotenv files were harvested", Steps: []string{"Revoke and reissue"}},
		},
		Errors: []sweep.Error{
			{Location: sweep.Location{Path: "/home/carol/.cache/pip/http-v2/x/y.body"}, Collector: "cache/pip", Message: "not a zip: unexpected EOF", Kind: sweep.ErrKindError},
			{Location: sweep.Location{Path: "/proc"}, Collector: "walk", Message: "pseudo filesystem", Kind: sweep.ErrKindSkipped},
			{Location: sweep.Location{Repo: "acme/api", RunID: 99}, Collector: "github/logs", Message: "log expired (410)", Kind: sweep.ErrKindUnverified},
		},
		Stats: sweep.Stats{DirsRead: 1200, FilesSeen: 45000, FilesRead: 310, BytesRead: 5 << 20, Skipped: 1, DurationMS: 7000, APICalls: 12},
	}
	r.Finalize()
	for i := range r.Timeline {
		for _, f := range r.Findings {
			if f.Evidence.Time != nil && f.Evidence.Time.Equal(r.Timeline[i].Time) || f.Evidence.ModTime != nil && f.Evidence.ModTime.Equal(r.Timeline[i].Time) {
				r.Timeline[i].Finding = f.ID
			}
		}
	}
	return r
}
