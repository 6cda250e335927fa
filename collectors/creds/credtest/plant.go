// Package credtest plants a tree of realistic credential files whose every
// secret value is a canary string, for tests that prove no value reaches a
// report, a log or an output format.
package credtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Canary is the secret value planted in every credential by default.
const Canary = "CANARY-7f3e9b"

// Plant writes the credential tree below root for users root and alice
// (uid 1000), with every secret value set to canary, and returns the tree
// paths it planted.
func Plant(t testing.TB, root, canary string) []string {
	t.Helper()
	c := canary
	files := map[string]string{
		"/etc/passwd":                      "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\n",
		"/etc/shadow":                      "root:$6$salt$" + c + ":19000:0:99999:7:::\nalice:$y$j9T$" + c + ":19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n",
		"/home/alice/.ssh/id_ed25519":      "-----BEGIN OPENSSH PRIVATE KEY-----\n" + c + "\n" + c + "\n-----END OPENSSH PRIVATE KEY-----\n",
		"/home/alice/.ssh/id_ed25519.pub":  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI alice@laptop\n",
		"/home/alice/.ssh/known_hosts":     "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n",
		"/home/alice/.ssh/config":          "Host bastion\n  HostName bastion.example.com\n  IdentityFile ~/.ssh/id_ed25519\n",
		"/home/alice/.ssh/authorized_keys": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI " + c + "\n",
		"/home/alice/.git-credentials":     "https://alice:" + c + "@github.com\nhttps://oauth2:" + c + "@gitlab.example.com/group\n" + c + "\n",
		"/home/alice/.gitconfig":           "[user]\n\tname = Alice\n[credential \"https://github.com\"]\n\thelper = store\n",
		"/home/alice/.aws/credentials":     "[default]\naws_access_key_id = AKIA" + c + "\naws_secret_access_key = " + c + "\n\n[prod]\naws_access_key_id = AKIA" + c + "\naws_secret_access_key = " + c + "\naws_session_token = " + c + "\n",
		"/home/alice/.aws/config":          "[default]\nregion = eu-west-1\n[profile prod]\nregion = us-east-1\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n",
		"/home/alice/.config/gcloud/application_default_credentials.json":                        `{"type":"authorized_user","client_id":"` + c + `.apps.googleusercontent.com","client_secret":"` + c + `","refresh_token":"` + c + `"}`,
		"/home/alice/.config/gcloud/configurations/config_default":                               "[core]\naccount = alice@example.com\nproject = demo\n",
		"/home/alice/.config/gcloud/legacy_credentials/sa@demo.iam.gserviceaccount.com/adc.json": `{"type":"service_account","client_email":"sa@demo.iam.gserviceaccount.com","private_key_id":"0123456789abcdef0123456789abcdef01234567","private_key":"-----BEGIN PRIVATE KEY-----\n` + c + `\n-----END PRIVATE KEY-----\n"}`,
		"/home/alice/.azure/azureProfile.json":                                                   "\ufeff" + `{"subscriptions":[{"id":"00000000-0000-0000-0000-000000000000","name":"Prod","user":{"name":"alice@example.com","type":"user"}}]}`,
		"/home/alice/.azure/msal_token_cache.json":                                               `{"RefreshToken":{"x":{"secret":"` + c + `"}}}`,
		"/home/alice/.kube/config":                                                               "apiVersion: v1\nkind: Config\ncurrent-context: prod\nclusters:\n- name: prod-cluster\n  cluster:\n    server: https://k8s.example.com:6443\n    certificate-authority-data: " + c + "\ncontexts:\n- name: prod\n  context: {cluster: prod-cluster, user: admin}\nusers:\n- name: admin\n  user:\n    token: " + c + "\n    client-key-data: " + c + "\n",
		"/home/alice/.docker/config.json":                                                        `{"auths":{"ghcr.io":{"auth":"` + c + `"},"https://index.docker.io/v1/":{"auth":"` + c + `","identitytoken":"` + c + `"}},"credHelpers":{"123456789012.dkr.ecr.us-east-1.amazonaws.com":"ecr-login"}}`,
		"/home/alice/.npmrc":                                                                     "//registry.npmjs.org/:_authToken=" + c + "\nregistry=https://registry.npmjs.org/\n_auth=" + c + "\n",
		"/home/alice/.pypirc":                                                                    "[distutils]\nindex-servers =\n  pypi\n  testpypi\n\n[pypi]\nusername = __token__\npassword = " + c + "\n\n[testpypi]\nrepository = https://test.pypi.org/legacy/\npassword = " + c + "\n",
		"/home/alice/.netrc":                                                                     "machine api.example.com login alice password " + c + "\nmachine pypi.org\n  login __token__\n  password " + c + "\n",
		"/home/alice/.vault-token":                                                               c + "\n",
		"/home/alice/.pgpass":                                                                    "db.example.com:5432:app:app_rw:" + c + "\n",
		"/home/alice/.my.cnf":                                                                    "[client]\nuser = app\npassword = " + c + "\n",
		"/home/alice/project/.env":                                                               "# app settings\nOPENAI_API_KEY=" + c + "\nexport DATABASE_URL=postgres://app:" + c + "@db.example.com/app\n" + c + "\nDEBUG=1\n",
		"/home/alice/project/.env.production":                                                    "ANTHROPIC_API_KEY=\"" + c + "\"\n",
		"/home/alice/.bash_history":                                                              "export GITHUB_TOKEN=" + c + "\ncurl -H 'Authorization: token " + c + "' https://api.github.com/user\n",
		"/home/alice/.bitcoin/wallet.dat":                                                        c,
		"/root/.docker/config.json":                                                              `{"auths":{"registry.example.com:5000":{"auth":"` + c + `"}}}`,
		"/root/.ssh/id_rsa":                                                                      "-----BEGIN RSA PRIVATE KEY-----\n" + c + "\n-----END RSA PRIVATE KEY-----\n",
		"/etc/ssl/private/server.key":                                                            "-----BEGIN PRIVATE KEY-----\n" + c + "\n-----END PRIVATE KEY-----\n",
		"/etc/wireguard/wg0.conf":                                                                "[Interface]\nPrivateKey = " + c + "\n[Peer]\nPublicKey = abc\nPresharedKey = " + c + "\n",
		"/etc/redis/redis.conf":                                                                  "port 6379\nrequirepass " + c + "\n",
		"/etc/postfix/sasl_passwd":                                                               "[smtp.example.com]:587 relay@example.com:" + c + "\n",
		"/var/run/secrets/kubernetes.io/serviceaccount/token":                                    "eyJhbGciOi" + c,
		"/var/run/secrets/kubernetes.io/serviceaccount/namespace":                                "default",
		// Not credentials: library fixtures are not inventoried.
		"/home/alice/.venv/lib/python3.11/site-packages/pkg/tests/.env": "FIXTURE_KEY=" + c + "\n",
	}
	var out []string
	for p, body := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o600)
		if strings.HasSuffix(p, ".pub") || p == "/etc/passwd" {
			mode = 0o644
		}
		if err := os.WriteFile(full, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}
