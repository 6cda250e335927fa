package ghorg

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

type wantHit struct {
	indicator string
	sev       sweep.Severity
	version   string
	step      string
	text      string // substring of the kept line
}

func TestScanLogFixtures(t *testing.T) {
	m := sweeptest.Matcher(t)
	cases := []struct {
		file  string
		want  []wantHit
		perms []string
	}{
		{file: "pip-litellm-1.82.8.log", perms: []string{"Contents: write", "Metadata: read", "Packages: write"}, want: []wantHit{
			{"ci-install-line", sweep.High, "1.82.8", "Run pip install -r requirements.txt", "Downloading litellm-1.82.8-py3-none-any.whl.metadata"},
			{"ci-install-line", sweep.High, "1.82.8", "Run pip install -r requirements.txt", "Downloading litellm-1.82.8-py3-none-any.whl"},
			{"ci-install-line", sweep.High, "1.82.8", "Run pip install -r requirements.txt", "Successfully installed litellm-1.82.8"},
		}},
		{file: "uv-litellm-1.82.7.log", want: []wantHit{
			{"ci-install-line", sweep.High, "1.82.7", "Run uv pip install --system -r requirements.txt", "+ litellm==1.82.7"},
		}},
		{file: "poetry-litellm-1.82.8.log", want: []wantHit{
			{"ci-install-line", sweep.High, "1.82.8", "Run poetry install --no-interaction --no-root", "Installing litellm (1.82.8)"},
		}},
		{file: "trivy-action-imposter.log", want: []wantHit{
			{"action-trivy-action", sweep.Critical, "", "Set up job", "aquasecurity/trivy-action@0.28.0' (SHA:c5967f85626795f647d4bf6eb67227f9b79e02f5)"},
			{"action-setup-trivy", sweep.Critical, "", "Run aquasecurity/setup-trivy@v0.2.2", "(SHA:8afa9b9f9183b4e00c46e2b82d34047e3c177bd0)"},
			{"log-trivy-0694", sweep.Critical, "", "Run aquasecurity/setup-trivy@v0.2.2", "0.69.4"},
			{"log-trivy-0694", sweep.Critical, "", "Run aquasecurity/setup-trivy@v0.2.2", "0.69.4"},
			{"log-orphan-curl", sweep.High, "", "Post job cleanup", "Terminate orphan process"},
		}},
		{file: "kics-in-window.log", want: []wantHit{
			{"action-kics", sweep.Critical, "", "Set up job", "Checkmarx/kics-github-action@v2.1.3"},
		}},
		{file: "clean.log"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "logs", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			res, err := ScanLog(f, 0, nil, m)
			if err != nil {
				t.Fatal(err)
			}
			if res.Truncated {
				t.Error("truncated")
			}
			if len(res.Hits) != len(tc.want) {
				for _, h := range res.Hits {
					t.Logf("hit: %s %s line %d step %q: %s", h.Indicator.ID, h.Severity, h.Line, h.Step, h.Text)
				}
				t.Fatalf("got %d hits, want %d", len(res.Hits), len(tc.want))
			}
			for i, w := range tc.want {
				h := res.Hits[i]
				if h.Indicator.ID != w.indicator || h.Severity != w.sev || h.Version != w.version || h.Step != w.step || !strings.Contains(h.Text, w.text) {
					t.Errorf("hit %d = {%s %s %q step %q %q}, want %+v", i, h.Indicator.ID, h.Severity, h.Version, h.Step, h.Text, w)
				}
				if h.Time == nil || h.Time.Year() != 2026 || h.Line <= 0 {
					t.Errorf("hit %d: time %v line %d", i, h.Time, h.Line)
				}
				if strings.HasPrefix(h.Text, "2026-") {
					t.Errorf("hit %d: timestamp prefix kept: %q", i, h.Text)
				}
			}
			if tc.perms != nil && strings.Join(res.TokenPerms, ",") != strings.Join(tc.perms, ",") {
				t.Errorf("token perms %q, want %q", res.TokenPerms, tc.perms)
			}
		})
	}
}

// TestScanLogStepFromJobSteps names the step from the job's step times when
// they identify one step.
func TestScanLogStepFromJobSteps(t *testing.T) {
	m := sweeptest.Matcher(t)
	f, err := os.Open(filepath.Join("testdata", "logs", "uv-litellm-1.82.7.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	day := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	steps := []StepSpan{
		{1, "Set up job", day("2026-03-24T12:30:01Z"), day("2026-03-24T12:30:04Z")},
		{2, "Install deps", day("2026-03-24T12:30:05Z"), day("2026-03-24T12:30:09Z")},
	}
	res, err := ScanLog(f, 0, steps, m)
	if err != nil || len(res.Hits) != 1 {
		t.Fatalf("hits %d err %v", len(res.Hits), err)
	}
	if res.Hits[0].Step != "Install deps" {
		t.Fatalf("step %q", res.Hits[0].Step)
	}
}

// hugeLog produces n bytes of runner output without holding them.
type hugeLog struct{ n, off int64 }

func (h *hugeLog) Read(p []byte) (int, error) {
	if h.off >= h.n {
		return 0, io.EOF
	}
	line := []byte("2026-03-24T11:02:04.5000000Z building wheel for something-else ... done\n")
	k := 0
	for k < len(p) && h.off < h.n {
		c := copy(p[k:min(len(p), k+int(h.n-h.off))], line[h.off%int64(len(line)):])
		k += c
		h.off += int64(c)
	}
	return k, nil
}

// TestScanLogCapAndLongLines: a log far larger than the cap is not read
// past it and is marked truncated; a line longer than the line buffer is
// matched on its start and does not break the stream.
func TestScanLogCapAndLongLines(t *testing.T) {
	m := sweeptest.Matcher(t)
	src := &hugeLog{n: 2 << 30} // 2 GiB
	res, err := ScanLog(src, 8<<20, nil, m)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Truncated || src.off > 8<<20+maxLineBytes+1 {
		t.Fatalf("truncated=%v read=%d", res.Truncated, src.off)
	}
	long := "2026-03-24T11:02:04.5000000Z Successfully installed litellm-1.82.8 " + strings.Repeat("x", 300<<10) + "\n" +
		"2026-03-24T11:02:05.5000000Z  + litellm==1.82.7\n"
	res, err = ScanLog(strings.NewReader(long), 0, nil, m)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 2 || res.Hits[1].Line != 2 || len(res.Hits[0].Text) > maxTextBytes+4 {
		t.Fatalf("hits %+v", res.Hits)
	}
}

// TestScanLogInline covers single lines: a C2 domain is reported once
// (pack string and CI log string agree), colour codes are removed, and
// near misses are not reported.
func TestScanLogInline(t *testing.T) {
	m := sweeptest.Matcher(t)
	for _, tc := range []struct {
		line, indicator, text string
		sev                   sweep.Severity
	}{
		{"Connecting to models.litellm.cloud (models.litellm.cloud)|46.151.182.203|:443... connected.", "log-exfil-domain", "models.litellm.cloud", sweep.Critical},
		{"\x1b[36;1m + litellm==1.82.8\x1b[0m", "ci-install-line", "+ litellm==1.82.8", sweep.High},
		{"Download action repository 'Checkmarx/ast-github-action@2.3.28' (SHA:1111111111111111111111111111111111111111)", "action-ast", "ast-github-action@2.3.28", sweep.Critical},
		{"git push origin HEAD:refs/heads/tpcp-docs", "log-tpcp-docs", "tpcp-docs", sweep.Critical},
		// Digests come from the pack's images section (one fact, one place).
		{"Digest: sha256:27f446230c60bbf0b70e008db798bd4f33b7826f9f76f756606f5417100beef3", "image-trivy-0694", "sha256:27f44623", sweep.Critical},
		{"Status: Downloaded newer image for aquasec/trivy@sha256:dd8beb3b40df080b3fd7f9a0f5a1b02f3692f65c68980f46da8328ce8bb788ef", "image-trivy-0695", "sha256:dd8beb3b", sweep.Critical},
		{"Digest: sha256:17f446230c60bbf0b70e008db798bd4f33b7826f9f76f756606f5417100beef3", "", "", ""},
		{"Successfully installed litellm-1.82.80", "", "", ""},
		{"Collecting litellm==1.82.6", "", "", ""},
		{"Download action repository 'Checkmarx/ast-github-action@2.3.28' (SHA:1111111111111111111111111111111111111111) at 2026-05-01", "", "", ""},
	} {
		ts := "2026-03-23T14:00:00.0000000Z "
		if tc.indicator == "" && strings.Contains(tc.line, "2026-05-01") {
			ts = "2026-05-01T14:00:00.0000000Z " // outside the AST window
		}
		res, err := ScanLog(strings.NewReader(ts+tc.line+"\n"), 0, nil, m)
		if err != nil {
			t.Fatal(err)
		}
		if tc.indicator == "" {
			if len(res.Hits) != 0 {
				t.Errorf("%q: unexpected %s", tc.line, res.Hits[0].Indicator.ID)
			}
			continue
		}
		if len(res.Hits) == 1 && strings.ContainsRune(res.Hits[0].Text, 0x1b) {
			t.Errorf("%q: escape codes kept", tc.line)
		}
		if len(res.Hits) != 1 || res.Hits[0].Indicator.ID != tc.indicator || res.Hits[0].Severity != tc.sev || !strings.Contains(res.Hits[0].Text, tc.text) {
			for _, h := range res.Hits {
				t.Logf("hit %s %s %q", h.Indicator.ID, h.Severity, h.Text)
			}
			t.Errorf("%q: %d hits", tc.line, len(res.Hits))
		}
	}
}

// BenchmarkScanLog measures streaming throughput on runner output.
func BenchmarkScanLog(b *testing.B) {
	m := sweeptest.Matcher(b)
	const size = 64 << 20
	b.SetBytes(size)
	for i := 0; i < b.N; i++ {
		res, err := ScanLog(&hugeLog{n: size}, size, nil, m)
		if err != nil || res.Truncated || len(res.Hits) != 0 {
			b.Fatalf("res %+v err %v", res, err)
		}
	}
}

// TestScanLogEveryBadCommit: every imposter commit of every pack entry is
// found on a download line at any time, with or without a timestamp (the
// list is read from the packs: a wave that adds commits is tested too),
// whichever ref name the run used; a hijacked tag on an undated line with
// an unknown commit is a medium finding (it cannot be placed outside the
// window), and on a dated line outside the window nothing.
func TestScanLogEveryBadCommit(t *testing.T) {
	m := sweeptest.Matcher(t)
	n := 0
	for _, a := range m.Pack().CI.Actions {
		for _, sha := range a.BadSHAs {
			for _, ts := range []string{"", "2027-01-01T00:00:00.0000000Z "} {
				line := ts + "Download action repository '" + a.Repo + "@v9.9.9' (SHA:" + sha + ")\n"
				res, err := ScanLog(strings.NewReader(line), 0, nil, m)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Hits) != 1 || res.Hits[0].Indicator.ID != a.ID || res.Hits[0].Severity != sweep.Critical {
					t.Errorf("%s@%s (timestamp %q): hits %+v", a.Repo, sha, ts, res.Hits)
				}
				n++
			}
		}
	}
	if n < 2*(75+7+3) {
		t.Errorf("only %d imposter-commit lines checked: the packs lost commits", n)
	}
	const unknown = "1111111111111111111111111111111111111111"
	undated := "Download action repository 'aquasecurity/setup-trivy@v0.2.2' (SHA:" + unknown + ")\n"
	res, err := ScanLog(strings.NewReader(undated), 0, nil, m)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 1 || res.Hits[0].Severity != sweep.Medium || !strings.Contains(res.Hits[0].Title, "without a timestamp") {
		t.Errorf("undated hijacked tag: %+v", res.Hits)
	}
	res, err = ScanLog(strings.NewReader("2026-05-01T00:00:00.0000000Z "+undated), 0, nil, m)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 0 {
		t.Errorf("hijacked tag outside the window: %+v", res.Hits)
	}
}
