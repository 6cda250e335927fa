// Package historytest generates shell-history command lines that carry a
// credential next to an install of an affected litellm version, for tests
// that prove no credential from a history line reaches any output.
package historytest

import (
	"fmt"
	"strings"
)

// Line is one generated history entry.
type Line struct {
	Cmd    string // the command (may span lines with a continuation)
	Canary string // the secret it carries, unique to the line
	Pkg    string // the affected package it installs
}

// Shell is sh/bash/zsh/fish syntax; PowerShell is PSReadLine's.
type Dialect int

const (
	Shell Dialect = iota
	PowerShell
)

// credForms are credential-carrying commands; {C} is the secret.
var credForms = map[Dialect][]string{
	Shell: {
		"docker login -u me -p {C} registry.example.com",
		"docker login --password={C} ghcr.io",
		"podman login -p{C} quay.io",
		"helm registry login -u u --password {C} reg.example.com",
		"oras login -p '{C}' r.example.com",
		"echo {C} | docker login --password-stdin -u me reg.example.com",
		"docker login --password-stdin <<< {C}",
		`printf '%s' "{C}" | gh auth login --with-token`,
		"gh auth login --with-token <<< '{C}'",
		"aws configure set aws_secret_access_key {C}",
		"aws configure set aws_access_key_id AKIA{C}",
		"gcloud auth activate-service-account --key-file=/tmp/{C}.json",
		"az login --service-principal -u app -p {C} --tenant t",
		"npm config set //registry.npmjs.org/:_authToken {C}",
		"npm set //r.example.com/:_authToken={C}",
		"twine upload -u __token__ -p {C} dist/*",
		"poetry config pypi-token.pypi {C}",
		"poetry config http-basic.corp user {C}",
		"psql postgres://admin:{C}@db.example.com:5432/app",
		"mysql -uroot -p{C} app",
		"PGPASSWORD={C} psql -h db -U app",
		"vault login {C}",
		"vault login -method=userpass username=u password={C}",
		"VAULT_TOKEN={C} vault kv get secret/x",
		"git clone https://user:{C}@github.com/o/r.git",
		"export OPENAI_API_KEY={C}",
		"env ANTHROPIC_API_KEY={C} python app.py",
		"docker run -e HF_TOKEN={C} img",
		`curl -H "Authorization: Bearer {C}" https://api.example.com`,
		"curl -u admin:{C} https://x.example.com",
		"sshpass -p {C} ssh host",
		"mycli --token {C}",
		"mycli --api-key={C}",
		"mycli -a {C}",
		"export TOKEN=$(echo {C})",
		"TOKEN=`echo {C}` ./deploy.sh",
		"redis-cli -a {C} ping",
		"kubectl create secret generic s --from-literal=password={C}",
		"echo '[pypi]\\npassword = {C}' > ~/.pypirc",
		`cat <<< "{C}" | docker login --password-stdin`,
		"echo \"$(echo {C})\"",
		`mycli --password "{C} with spaces"`,
	},
	PowerShell: {
		`$env:OPENAI_API_KEY = "{C}"`,
		"$env:GITHUB_TOKEN='{C}'",
		"docker login -u me -p {C} registry.example.com",
		"$sec = ConvertTo-SecureString '{C}' -AsPlainText -Force",
		"az login -u a@b.c -p {C}",
		"echo {C} | docker login --password-stdin",
		"git clone https://u:{C}@dev.azure.com/o/r",
		`Invoke-RestMethod -Headers @{Authorization="Bearer {C}"} https://api.example.com`,
		"$p = $({C})",
		"mycli --token={C}",
	},
}

// installs are installs of affected versions; {C} may appear in a source URL.
var installs = []struct{ cmd, pkg string }{
	{"pip install litellm==1.82.8", "litellm"},
	{`pip3 install "litellm==1.82.7"`, "litellm"},
	{"python3 -m pip install -U litellm==1.82.8", "litellm"},
	{"uv pip install litellm==1.82.8", "litellm"},
	{"uv add litellm==1.82.7", "litellm"},
	{"poetry add litellm@1.82.8", "litellm"},
	{"pipx install litellm==1.82.8", "litellm"},
	{"conda install -c conda-forge litellm=1.82.8", "litellm"},
	{"pdm add litellm==1.82.8", "litellm"},
	{"pip install --index-url https://u:{C}@mirror.example.com/simple litellm==1.82.8", "litellm"},
	{"pip install -i https://{C}@pypi.example.com/s litellm==1.82.7", "litellm"},
	{"pip install --extra-index-url https://pypi.fury.io/{C}/org/ litellm==1.82.8", "litellm"},
	{"pip install --index-url=https://x:{C}@h.example.com/simple litellm==1.82.8", "litellm"},
}

// joiners put a credential command A and an install I on one entry.
var joiners = map[Dialect][]string{
	Shell:      {"A && I", "A; I", "A | I", "A \\\n&& I", "(A) && I", "I && A", "A && (cd x && I)", "X=$(A) I", "I; A", "{ A; I; }", "A || I", "A & I"},
	PowerShell: {"A; I", "A && I", "A `\n; I", "I; A", "A | I", "$(A); I"},
}

// Lines returns every credential form joined with an install, each line
// with its own canary made by canary(i).
func Lines(d Dialect, canary func(i int) string) []Line {
	var out []Line
	forms, js := credForms[d], joiners[d]
	n := 0
	for i, form := range forms {
		for k, j := range js {
			if (i+k)%2 == 1 && len(forms)*len(js) > 200 {
				continue // keep each history file under the collector's per-file cap
			}
			c := canary(n)
			in := installs[(i*7+k)%len(installs)]
			a := strings.ReplaceAll(form, "{C}", c)
			ic := strings.ReplaceAll(in.cmd, "{C}", c)
			cmd := strings.NewReplacer("A", a, "I", ic).Replace(j)
			out = append(out, Line{Cmd: cmd, Canary: c, Pkg: in.pkg})
			n++
		}
	}
	return out
}

// Canary returns the canary of line i with the given prefix; every canary
// contains the prefix, so a test can search for the prefix alone.
func Canary(prefix string) func(int) string {
	return func(i int) string { return fmt.Sprintf("%s-%04d", prefix, i) }
}
