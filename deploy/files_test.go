package deploy

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// bigReport is a report-sized payload over kubelet's 10 MiB log rotation:
// 12 MiB, random (base64), so a truncated or re-encoded copy cannot pass.
func bigReport(t *testing.T, dir string) (string, []byte) {
	t.Helper()
	raw := make([]byte, 9<<20)
	if _, err := rand.Read(raw); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString(`{"schema_version":"1.0","pad":"`)
	b.WriteString(base64.StdEncoding.EncodeToString(raw))
	b.WriteString("\"}\n")
	p := filepath.Join(dir, "payload.json")
	if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if b.Len() <= 10<<20 {
		t.Fatalf("payload %d bytes: not over 10 MiB", b.Len())
	}
	return p, b.Bytes()
}

// stubBin writes an executable shell script named name into dir.
func stubBin(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
}

// fakeLitesweep writes the payload to the --output file and exits 1
// (findings), as the real binary does with a report.
const fakeLitesweep = `out=""
while [ $# -gt 0 ]; do case "$1" in --output) out=$2; shift ;; esac; shift; done
[ -n "$out" ] || { echo "no --output: the report would go to stdout" >&2; exit 9; }
cp "$PAYLOAD" "$out"
exit 1
`

// TestKubernetesReportsAreFiles runs the DaemonSet's and the Job's
// container scripts (with /reports pointed at a scratch directory and a
// stand-in litesweep that writes a 12 MiB report): the report must be a
// file in the reports volume, byte for byte, and the log a line or two.
func TestKubernetesReportsAreFiles(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	dir := t.TempDir()
	payload, want := bigReport(t, dir)
	for _, tc := range []struct{ file, kind string }{{"kubernetes/daemonset.yaml", "DaemonSet"}, {"kubernetes/kube-job.yaml", "Job"}} {
		var pod any
		for _, d := range yamlDocs(t, tc.file) {
			if d["kind"] == tc.kind {
				pod = dig(d, "spec", "template", "spec")
			}
		}
		c := dig(pod, "containers", 0)
		script, _ := dig(c, "args", 0).(string)
		if !strings.Contains(script, "--output /reports/report.json") || strings.Contains(script, "cat /reports/report.json") || strings.Contains(script, "cat /tmp/report.json") {
			t.Errorf("%s: the script must write the report to /reports/report.json and never print it:\n%s", tc.kind, script)
		}
		mounted := false
		for i := 0; dig(c, "volumeMounts", i) != nil; i++ {
			if dig(c, "volumeMounts", i, "mountPath") == "/reports" {
				name := dig(c, "volumeMounts", i, "name")
				for j := 0; dig(pod, "volumes", j) != nil; j++ {
					if dig(pod, "volumes", j, "name") == name && dig(pod, "volumes", j, "emptyDir") != nil {
						mounted = true
					}
				}
			}
		}
		if !mounted {
			t.Errorf("%s: no volume at /reports", tc.kind)
		}
		if probe, _ := dig(c, "readinessProbe", "exec", "command", 2).(string); probe != "/reports/done" {
			t.Errorf("%s: no readiness probe on the written report", tc.kind)
		}
		run := t.TempDir()
		bin := filepath.Join(run, "bin")
		reports := filepath.Join(run, "reports")
		os.MkdirAll(bin, 0o755)
		os.MkdirAll(reports, 0o755)
		stubBin(t, bin, "litesweep", fakeLitesweep)
		stubBin(t, bin, "sleep", "exit 0\n")
		if tc.kind == "Job" {
			os.WriteFile(filepath.Join(reports, "collected"), nil, 0o600)
		}
		cmd := exec.Command(sh, "-c", strings.ReplaceAll(script, "/reports/", reports+"/"))
		cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "PAYLOAD="+payload)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s script: %v\n%s", tc.kind, err, stderr.String())
		}
		got, err := os.ReadFile(filepath.Join(reports, "report.json"))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: the report file is not the 12 MiB report (%d bytes, %v)", tc.kind, len(got), err)
		}
		if _, err := os.Stat(filepath.Join(reports, "done")); err != nil {
			t.Errorf("%s: no done marker for the readiness probe", tc.kind)
		}
		if stdout.Len() > 200 || !strings.Contains(stdout.String(), "litesweep exit 1") {
			t.Errorf("%s: the log is %d bytes (%q): it must hold a line, not the report", tc.kind, stdout.Len(), stdout.String()[:min(stdout.Len(), 200)])
		}
	}
}

// TestSSMUploadsTheFile runs the SSM document's script with a stand-in
// aws CLI over a directory "bucket" and a stand-in binary that writes a
// 12 MiB report: the checksum is verified, the report uploaded whole.
func TestSSMUploadsTheFile(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil || runtime.GOOS != "linux" {
		t.Skip("needs bash on linux")
	}
	arch := map[string]string{"amd64": "amd64", "arm64": "arm64"}[runtime.GOARCH]
	if arch == "" {
		t.Skipf("no SSM architecture for %s", runtime.GOARCH)
	}
	doc := readSSM(t)
	dir := t.TempDir()
	payload, want := bigReport(t, dir)
	s3 := filepath.Join(dir, "s3")
	prefix := filepath.Join(s3, "bucket", "litesweep")
	os.MkdirAll(prefix, 0o755)
	binName := "litesweep-linux-" + arch
	stub := "#!/bin/sh\n" + fakeLitesweep
	os.WriteFile(filepath.Join(prefix, binName), []byte(stub), 0o755)
	sum := sha256.Sum256([]byte(stub))
	os.WriteFile(filepath.Join(prefix, "SHA256SUMS"), []byte(hex.EncodeToString(sum[:])+"  "+binName+"\n"), 0o644)
	bin := filepath.Join(dir, "bin")
	os.MkdirAll(bin, 0o755)
	// aws s3 cp [options] SRC DST, with s3://B/K mapped to $S3/B/K.
	stubBin(t, bin, "aws", `[ "$1 $2" = "s3 cp" ] || exit 64
shift 2
while [ $# -gt 2 ]; do shift; done
src=$1 dst=$2
case "$src" in s3://*) src="$S3/${src#s3://}" ;; esac
case "$dst" in s3://*) dst="$S3/${dst#s3://}"; mkdir -p "$(dirname "$dst")" ;; esac
exec cp "$src" "$dst"
`)
	script := strings.Join(doc.MainSteps[0].Inputs.RunCommand, "\n")
	for k, v := range map[string]string{"S3Bucket": "bucket", "S3Prefix": "litesweep", "SweepTimeoutSeconds": "60", "CommandTimeoutSeconds": "120", "ExtraArgs": ""} {
		script = strings.ReplaceAll(script, "{{ "+k+" }}", v)
	}
	cmd := exec.Command(bash, "-c", script)
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "PAYLOAD="+payload, "S3="+s3)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("SSM script: %v\n%s", err, out.String())
	}
	up, _ := filepath.Glob(filepath.Join(prefix, "reports", "*.json"))
	if len(up) != 1 {
		t.Fatalf("uploaded reports %v\n%s", up, out.String())
	}
	got, _ := os.ReadFile(up[0])
	if !bytes.Equal(got, want) || !strings.Contains(out.String(), "findings (exit 1); report s3://bucket/litesweep/reports/") {
		t.Errorf("uploaded %d bytes of the 12 MiB report; output %q", len(got), out.String())
	}
}
