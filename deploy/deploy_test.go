package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/litesweep/litesweep/internal/testenv"
)

func need(t *testing.T, bin string) string {
	t.Helper()
	p, err := exec.LookPath(bin)
	if err == nil {
		return p
	}
	testenv.SkipOrFail(t, bin+" is not installed (Debian ansible)")
	return ""
}

// TestAnsiblePlaybook runs deploy/ansible/sweep.yml with Debian's
// ansible-playbook against three local "hosts" (each sweeping its own
// root; web-c's report is over 10 MiB), then checks the fetched reports
// and the merged fleet report.
func TestAnsiblePlaybook(t *testing.T) {
	playbook := need(t, "ansible-playbook")
	if runtime.GOOS != "linux" {
		t.Skip("the playbook copies the linux binary")
	}
	dir := t.TempDir()
	dist := filepath.Join(dir, "dist")
	arch := map[string]string{"amd64": "amd64", "arm64": "arm64"}[runtime.GOARCH]
	if arch == "" {
		t.Skipf("no release build for %s", runtime.GOARCH)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-X main.version=ansible-test",
		"-o", filepath.Join(dist, "litesweep-linux-"+arch), "..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var inv strings.Builder
	inv.WriteString("[sweep]\n")
	hosts := []string{"web-a", "web-b", "web-c"}
	for _, h := range hosts {
		root := filepath.Join(dir, "roots", h)
		if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "etc", "hostname"), []byte(h+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if h == "web-b" {
			// A FIFO behind names the sweep wants to read: the fail-closed
			// walk must not hang on it, and the play must finish either way
			// (litesweep_timeout stops a stuck sweep with a partial report).
			site := filepath.Join(root, "usr", "lib", "python3.11", "site-packages")
			home := filepath.Join(root, "home", "alice")
			for _, d := range []string{site, home} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			for _, p := range []string{filepath.Join(site, "litellm_init.pth"), filepath.Join(home, ".bash_history")} {
				if err := syscall.Mkfifo(p, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		if h == "web-c" {
			// A busy host: its report is over 10 MiB (kubelet's log
			// rotation size), and travels as a file all the same.
			plantBigHistory(t, root)
		}
		// Each inventory host is this machine: each gets its own scratch
		// directory, or one host's clean-up races the other's (as two real
		// machines never would).
		inv.WriteString(h + " ansible_connection=local litesweep_root=" + root + " litesweep_remote_dir=" + filepath.Join(dir, "remote", h) + "\n")
	}
	inv.WriteString("[all:vars]\n")
	if py, err := exec.LookPath("/usr/bin/python3"); err == nil {
		inv.WriteString("ansible_python_interpreter=" + py + "\n")
	}
	invPath := filepath.Join(dir, "inventory.ini")
	if err := os.WriteFile(invPath, []byte(inv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	reports := filepath.Join(dir, "reports")
	vars, _ := json.Marshal(map[string]any{
		"litesweep_become":      os.Geteuid() != 0, // as root already; a fresh CI machine has no sudo
		"litesweep_dist_dir":    dist,
		"litesweep_reports_dir": reports,
		"litesweep_timeout":     60,
	})
	cmd := exec.CommandContext(ctx, playbook, "-i", invPath, "-e", string(vars), "ansible/sweep.yml")
	cmd.Env = append(os.Environ(), "ANSIBLE_NOCOLOR=1", "ANSIBLE_HOST_KEY_CHECKING=False", "ANSIBLE_RETRY_FILES_ENABLED=False",
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(dir, "ansible-local"), "ANSIBLE_REMOTE_TEMP="+filepath.Join(dir, "ansible-remote"),
		"ANSIBLE_HOME="+filepath.Join(dir, "ansible-home"), "ANSIBLE_ASYNC_DIR="+filepath.Join(dir, "ansible-async"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("ansible-playbook: %v\n%s", err, out.String())
	}
	t.Logf("ansible-playbook took %s", time.Since(start).Round(time.Millisecond))
	for _, want := range []string{"web-a: litesweep exit", "web-b: litesweep exit", "web-c: litesweep exit", "3 reports merged"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("playbook output lacks %q:\n%s", want, out.String())
		}
	}
	// A sweep that found something is a result: no red failure for it.
	for _, noise := range []string{"ASYNC FAILED", "FAILED!", "fatal:"} {
		if strings.Contains(out.String(), noise) {
			t.Errorf("playbook output shows %q for a normal result:\n%s", noise, out.String())
		}
	}
	for _, f := range []string{"web-a.json", "web-b.json", "web-c.json", "fleet.json", "fleet.html"} {
		fi, err := os.Stat(filepath.Join(reports, f))
		if err != nil {
			t.Fatalf("%s: %v\n%s", f, err, out.String())
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, fi.Mode().Perm())
		}
	}
	var webC struct {
		Verdict  string `json:"verdict"`
		Findings []any  `json:"findings"`
	}
	if data, err := os.ReadFile(filepath.Join(reports, "web-c.json")); err != nil || len(data) <= 10<<20 || json.Unmarshal(data, &webC) != nil || webC.Verdict != "AT-RISK" {
		t.Errorf("web-c's fetched report: %d bytes, verdict %q, %d findings (%v): want a whole report over 10 MiB", len(data), webC.Verdict, len(webC.Findings), err)
	}
	var webB struct {
		Verdict string `json:"verdict"`
	}
	if data, err := os.ReadFile(filepath.Join(reports, "web-b.json")); err != nil || json.Unmarshal(data, &webB) != nil || webB.Verdict == "" || webB.Verdict == "CLEAN" {
		t.Errorf("web-b (a FIFO behind litellm_init.pth and .bash_history) has verdict %q, want anything but CLEAN (%v)", webB.Verdict, err)
	}
	var fleet struct {
		Kind  string `json:"kind"`
		Hosts []struct {
			Name string `json:"name"`
			Tool struct {
				Version string `json:"version"`
			} `json:"tool"`
			Scan struct {
				Root string `json:"root"`
			} `json:"scan"`
		} `json:"hosts"`
		Skipped []any `json:"skipped"`
	}
	data, _ := os.ReadFile(filepath.Join(reports, "fleet.json"))
	if err := json.Unmarshal(data, &fleet); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, h := range fleet.Hosts {
		names = append(names, h.Name)
		if h.Tool.Version != "ansible-test" || !strings.HasPrefix(h.Scan.Root, filepath.Join(dir, "roots")) {
			t.Errorf("host %s: version %q root %q", h.Name, h.Tool.Version, h.Scan.Root)
		}
	}
	slices.Sort(names)
	if fleet.Kind != "fleet" || !slices.Equal(names, hosts) || len(fleet.Skipped) != 0 {
		t.Errorf("fleet: kind %q hosts %v skipped %v", fleet.Kind, names, fleet.Skipped)
	}
	for _, h := range hosts {
		if _, err := os.Stat(filepath.Join(dir, "remote", h)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the playbook left its scratch directory on %s: %v", h, err)
		}
	}
}

// plantBigHistory gives 65 users a shell history of 200 distinct installs
// of an affected release each: 13,000 findings, a report of about 14 MB.
func plantBigHistory(t *testing.T, root string) {
	t.Helper()
	var b strings.Builder
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&b, "pip install litellm==1.82.8 --target /srv/app%d\n", i)
	}
	for u := 0; u < 65; u++ {
		home := filepath.Join(root, "home", fmt.Sprintf("u%02d", u))
		if err := os.MkdirAll(home, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(home, ".bash_history"), []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func yamlDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	var docs []map[string]any
	for {
		var d map[string]any
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if d != nil {
			docs = append(docs, d)
		}
	}
}

// dig walks maps and lists: dig(x, "spec", "template", 0, "name").
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func TestKubernetesManifests(t *testing.T) {
	kinds := map[string]map[string]any{}
	for _, file := range []string{"kubernetes/daemonset.yaml", "kubernetes/kube-job.yaml"} {
		for _, d := range yamlDocs(t, file) {
			kind, _ := d["kind"].(string)
			name, _ := dig(d, "metadata", "name").(string)
			if d["apiVersion"] == nil || kind == "" || name == "" {
				t.Errorf("%s: object without apiVersion/kind/metadata.name: %v", file, d)
			}
			kinds[kind+"/"+name] = d
		}
	}
	ds := kinds["DaemonSet/litesweep-node"]
	if ds == nil {
		t.Fatalf("no DaemonSet litesweep-node: %v", kinds)
	}
	pod := dig(ds, "spec", "template", "spec")
	c := dig(pod, "containers", 0)
	if dig(pod, "volumes", 0, "hostPath", "path") != "/" || dig(c, "volumeMounts", 0, "mountPath") != "/host" || dig(c, "volumeMounts", 0, "readOnly") != true {
		t.Errorf("the DaemonSet must mount the node's / read-only at /host")
	}
	if dig(c, "securityContext", "privileged") != false || dig(c, "securityContext", "readOnlyRootFilesystem") != true {
		t.Errorf("the DaemonSet container must not be privileged and must have a read-only root")
	}
	if dig(pod, "automountServiceAccountToken") != false {
		t.Errorf("the node sweep needs no API token")
	}
	if s, _ := dig(c, "args", 0).(string); !strings.Contains(s, "litesweep host --root /host") || !strings.Contains(s, "--format json") ||
		!strings.Contains(s, "timeout -s TERM") || !strings.Contains(s, "130") {
		t.Errorf("DaemonSet command %q", s)
	}
	job := kinds["Job/litesweep-kube"]
	if d, _ := dig(job, "spec", "activeDeadlineSeconds").(int); d <= 0 {
		t.Errorf("the Job has no activeDeadlineSeconds: a stuck sweep would run for ever")
	}
	if s, _ := dig(job, "spec", "template", "spec", "containers", 0, "args", 0).(string); !strings.Contains(s, "litesweep kube --in-cluster --format json") {
		t.Errorf("Job command %q", s)
	}
	// The Job's role is read-only apart from access reviews.
	role := kinds["ClusterRole/litesweep-kube"]
	rules, _ := role["rules"].([]any)
	for _, r := range rules {
		for _, v := range dig(r, "verbs").([]any) {
			if v != "get" && v != "list" && !(v == "create" && dig(r, "resources", 0) == "subjectaccessreviews") {
				t.Errorf("ClusterRole grants %v on %v", v, dig(r, "resources"))
			}
		}
	}
	// The shell wrappers parse.
	if sh, err := exec.LookPath("sh"); err == nil {
		for name, obj := range map[string]any{"DaemonSet": pod, "Job": dig(job, "spec", "template", "spec")} {
			s, _ := dig(obj, "containers", 0, "args", 0).(string)
			if out, err := exec.Command(sh, "-n", "-c", s).CombinedOutput(); err != nil {
				t.Errorf("%s script: %v %s", name, err, out)
			}
		}
	}
}

// ssmDocument is the part of the SSM Command document the tests read.
type ssmDocument struct {
	SchemaVersion string                    `json:"schemaVersion"`
	Description   string                    `json:"description"`
	Parameters    map[string]map[string]any `json:"parameters"`
	MainSteps     []struct {
		Action string `json:"action"`
		Name   string `json:"name"`
		Inputs struct {
			RunCommand []string `json:"runCommand"`
		} `json:"inputs"`
	} `json:"mainSteps"`
}

func readSSM(t *testing.T) ssmDocument {
	t.Helper()
	data, err := os.ReadFile("aws/litesweep-ssm.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc ssmDocument
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestSSMDocument(t *testing.T) {
	doc := readSSM(t)
	if doc.SchemaVersion != "2.2" || len(doc.MainSteps) != 1 || doc.MainSteps[0].Action != "aws:runShellScript" {
		t.Fatalf("document: %+v", doc)
	}
	script := strings.Join(doc.MainSteps[0].Inputs.RunCommand, "\n")
	for _, want := range []string{"sha256sum -c", "host --format json --output", "s3://$bucket/$prefix/reports/", "timeout --preserve-status --signal=TERM"} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %q", want)
		}
	}
	// Every {{ Parameter }} used is declared, and the script is valid bash
	// once SSM substitutes them.
	for p := range doc.Parameters {
		script = strings.ReplaceAll(script, "{{ "+p+" }}", "x")
	}
	if strings.Contains(script, "{{") {
		t.Errorf("script uses an undeclared parameter")
	}
	if bash, err := exec.LookPath("bash"); err == nil {
		if out, err := exec.Command(bash, "-n", "-c", script).CombinedOutput(); err != nil {
			t.Errorf("bash -n: %v %s", err, out)
		}
	}
}

func TestPlaybookParses(t *testing.T) {
	data, _ := os.ReadFile("ansible/sweep.yml")
	var plays []map[string]any
	if err := yaml.Unmarshal(data, &plays); err != nil || len(plays) != 2 {
		t.Fatalf("playbook: %v (%d plays)", err, len(plays))
	}
	if p, err := exec.LookPath("ansible-playbook"); err == nil {
		out, err := exec.Command(p, "--syntax-check", "-i", "localhost,", "ansible/sweep.yml").CombinedOutput()
		if err != nil {
			t.Errorf("ansible-playbook --syntax-check: %v\n%s", err, out)
		}
	}
}

// TestRecipesWalkEveryLocalFilesystem: litesweep walks every local
// filesystem below the root by default; no recipe may turn that off (a
// fleet run would then report /home, /var, /srv on their own disks as
// not checked), and the DaemonSet must see the host's submounts.
func TestRecipesWalkEveryLocalFilesystem(t *testing.T) {
	files, err := filepath.Glob("*/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 4 {
		t.Fatalf("recipes not found: %v", files)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "--no-cross-mounts") {
			t.Errorf("%s passes --no-cross-mounts: filesystems mounted below the root would go unchecked", f)
		}
	}
	data, err := os.ReadFile("kubernetes/daemonset.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// A hostPath volume is a recursive bind: the host's own mounts (a
	// separate /home or /var) appear below /host, where the walk enters them.
	if !strings.Contains(string(data), "path: /\n") || !strings.Contains(string(data), "--root /host") {
		t.Errorf("the DaemonSet must mount the host's / at /host and sweep --root /host")
	}
}
