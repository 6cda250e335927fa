package creds_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/collectors/creds"
	"github.com/litesweep/litesweep/collectors/creds/credtest"
	"github.com/litesweep/litesweep/internal/testenv"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

func pack(t *testing.T) *iocs.Pack {
	t.Helper()
	l, err := iocs.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return l.Pack
}

func sweepTree(t *testing.T, root string, o creds.Options) ([]sweep.Finding, []sweep.Error) {
	t.Helper()
	rfs, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	defer rfs.Close()
	o.Homes = sweep.Homes(rfs.FS())
	return sweeptest.Sweep(t, root, creds.New(o))
}

func TestInventoryNamesOnly(t *testing.T) {
	root := t.TempDir()
	credtest.Plant(t, root, credtest.Canary)
	fs, errs := sweepTree(t, root, creds.Options{Pack: pack(t)})

	byPath := map[string]sweep.Finding{}
	for _, f := range fs {
		if f.Category != creds.CatCredential || f.Severity != sweep.Info || f.Indicator == nil {
			t.Errorf("bad finding shape: %+v", f)
		}
		byPath[f.Location.Path] = f
	}
	tests := []struct {
		path      string
		cred      string
		user      string
		wantNames []string
	}{
		{"/home/alice/.ssh/id_ed25519", "cred-ssh", "alice", []string{"openssh private key"}},
		{"/home/alice/.ssh/config", "cred-ssh", "alice", []string{"host bastion", "identity ~/.ssh/id_ed25519"}},
		{"/home/alice/.ssh/authorized_keys", "cred-ssh", "alice", nil},
		{"/root/.ssh/id_rsa", "cred-ssh", "root", []string{"rsa private key"}},
		{"/home/alice/.git-credentials", "cred-git", "alice", []string{"host https://github.com", "host https://gitlab.example.com"}},
		{"/home/alice/.gitconfig", "cred-git", "alice", []string{"credential https://github.com"}},
		{"/home/alice/.aws/credentials", "cred-aws", "alice", []string{"profile default", "profile prod"}},
		{"/home/alice/.aws/config", "cred-aws", "alice", []string{"profile default", "profile prod", "profile sso-session corp"}},
		{"/home/alice/.config/gcloud/application_default_credentials.json", "cred-gcp", "alice", []string{"type authorized_user"}},
		{"/home/alice/.config/gcloud/configurations/config_default", "cred-gcp", "alice", []string{"account alice@example.com"}},
		{"/home/alice/.config/gcloud/legacy_credentials/sa@demo.iam.gserviceaccount.com/adc.json", "cred-gcp", "alice",
			[]string{"key id 0123456789abcdef0123456789abcdef01234567", "service account sa@demo.iam.gserviceaccount.com", "type service_account"}},
		{"/home/alice/.azure/azureProfile.json", "cred-azure", "alice", []string{"user alice@example.com"}},
		{"/home/alice/.azure/msal_token_cache.json", "cred-azure", "alice", nil},
		{"/home/alice/.kube/config", "cred-kube", "alice", []string{"cluster https://k8s.example.com:6443", "context prod", "user admin"}},
		{"/home/alice/.docker/config.json", "cred-docker", "alice", []string{"registry 123456789012.dkr.ecr.us-east-1.amazonaws.com (credential helper)", "registry ghcr.io", "registry https://index.docker.io"}},
		{"/root/.docker/config.json", "cred-docker", "root", []string{"registry registry.example.com:5000"}},
		{"/home/alice/.npmrc", "cred-npm", "alice", []string{"key _auth", "registry registry.npmjs.org (_authToken)"}},
		{"/home/alice/.pypirc", "cred-pypi", "alice", []string{"profile pypi", "profile testpypi"}},
		{"/home/alice/.netrc", "cred-netrc", "alice", []string{"machine api.example.com", "machine pypi.org"}},
		{"/home/alice/.vault-token", "cred-vault", "alice", nil},
		{"/home/alice/.pgpass", "cred-db", "alice", []string{"role app_rw on db.example.com:5432/app"}},
		{"/home/alice/.my.cnf", "cred-db", "alice", []string{"key client.password", "key client.user"}},
		{"/home/alice/project/.env", "cred-dotenv", "alice", []string{"var DATABASE_URL", "var DEBUG", "var OPENAI_API_KEY"}},
		{"/home/alice/project/.env.production", "cred-dotenv", "alice", []string{"var ANTHROPIC_API_KEY"}},
		{"/home/alice/.bash_history", "cred-history", "alice", []string{"var GITHUB_TOKEN"}},
		{"/home/alice/.bitcoin/wallet.dat", "cred-wallet", "alice", nil},
		{"/etc/ssl/private/server.key", "cred-tls", "root", []string{"private key"}},
		{"/etc/wireguard/wg0.conf", "cred-vpn", "root", []string{"key Interface.PrivateKey", "key Peer.PresharedKey", "key Peer.PublicKey"}},
		{"/etc/redis/redis.conf", "cred-db", "root", []string{"key requirepass"}},
		{"/etc/postfix/sasl_passwd", "cred-mail-ldap", "root", []string{"relay [smtp.example.com]:587"}},
		{"/etc/shadow", "cred-system", "root", []string{"account alice", "account root"}},
		{"/var/run/secrets/kubernetes.io/serviceaccount/token", "cred-kube", "root", nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			f, ok := byPath[tt.path]
			if !ok {
				t.Fatalf("not inventoried")
			}
			if f.Indicator.ID != tt.cred {
				t.Errorf("credential %s, want %s", f.Indicator.ID, tt.cred)
			}
			if f.User != tt.user {
				t.Errorf("user %q, want %q", f.User, tt.user)
			}
			if !slices.Equal(f.Evidence.Details, tt.wantNames) {
				t.Errorf("names %q, want %q", f.Evidence.Details, tt.wantNames)
			}
		})
	}
	for _, p := range []string{"/home/alice/.ssh/id_ed25519.pub", "/home/alice/.ssh/known_hosts",
		"/home/alice/.venv/lib/python3.11/site-packages/pkg/tests/.env", "/etc/passwd"} {
		if _, ok := byPath[p]; ok {
			t.Errorf("%s inventoried, want not", p)
		}
	}
	if len(errs) != 0 {
		t.Errorf("errors: %+v", errs)
	}
	b, _ := json.Marshal(struct {
		F []sweep.Finding
		E []sweep.Error
	}{fs, errs})
	if strings.Contains(string(b), credtest.Canary) || strings.Contains(string(b), "7f3e9b") {
		t.Fatalf("a secret value reached the findings: %s", b)
	}
}

// TestProcessEnvironmentNames starts a real process with secrets in its
// environment and reads its /proc/<pid>/environ: names only.
func TestProcessEnvironmentNames(t *testing.T) {
	if _, err := os.Stat("/proc/self/environ"); err != nil {
		testenv.SkipOrFail(t, "no /proc on this system")
	}
	cmd := exec.Command("sleep", "30")
	cmd.Env = []string{"PATH=/usr/bin:/bin", "OPENAI_API_KEY=" + credtest.Canary, "AWS_SECRET_ACCESS_KEY=" + credtest.Canary,
		"AWS_ACCESS_KEY_ID=AKIA" + credtest.Canary, "HOME=/nonexistent", "GITHUB_TOKEN=" + credtest.Canary}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	pid := cmd.Process.Pid
	// The environ is readable once exec has finished.
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile("/proc/" + itoa(pid) + "/cmdline")
		if strings.HasPrefix(string(b), "sleep") || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	fs, errs := sweepTree(t, t.TempDir(), creds.Options{Pack: pack(t), Live: true, PIDFilter: func(p int) bool { return p == pid }})
	got := map[string][]string{}
	for _, f := range fs {
		if f.Location.PID != int32(pid) {
			t.Errorf("finding for another pid: %+v", f)
		}
		got[f.Indicator.ID] = f.Evidence.Details
		if !strings.Contains(f.Title, "(sleep)") {
			t.Errorf("title %q lacks the command name", f.Title)
		}
	}
	want := map[string][]string{
		"cred-aws":            {"var AWS_ACCESS_KEY_ID", "var AWS_SECRET_ACCESS_KEY"},
		"cred-env":            {"var OPENAI_API_KEY"},
		"cred-github-actions": {"var GITHUB_TOKEN"},
	}
	for k, v := range want {
		if !slices.Equal(got[k], v) {
			t.Errorf("%s: names %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got credentials %v, want %v", got, want)
	}
	b, _ := json.Marshal(struct {
		F []sweep.Finding
		E []sweep.Error
	}{fs, errs})
	if strings.Contains(string(b), credtest.Canary) {
		t.Fatalf("a secret value reached the findings: %s", b)
	}
}

func TestProcessScanOnlyLive(t *testing.T) {
	fs, _ := sweepTree(t, t.TempDir(), creds.Options{Pack: pack(t), Live: false})
	for _, f := range fs {
		if f.Location.PID != 0 {
			t.Fatalf("process scanned without Live: %+v", f)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
