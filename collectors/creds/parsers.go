package creds

import (
	"bufio"
	"bytes"
	"encoding/json"
	"path"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/litesweep/litesweep/sweep"
)

// A parser returns the non-secret names in a credential file: profile,
// context, account, host and variable names. It must never return a value
// that authenticates (a key, token, password or hash), and it must drop
// every line it does not recognise.
type parser func(b []byte) []string

var (
	hostRe    = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]{0,251})(:[0-9]{1,5})?$`)
	varRe     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]{0,127}$`)
	sectionRe = regexp.MustCompile(`^[A-Za-z0-9 _.@:/+-]{1,128}$`)
	pathRe    = regexp.MustCompile(`^[A-Za-z0-9_.@:/+~%-]{1,256}$`)
	emailRe   = regexp.MustCompile(`^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,190}$`)
)

// parserFor picks the parser by path; nil means "presence only": the file
// is not read at all (keys, wallets, token files). Shell histories are read
// for the names of the variables they set, never a value.
func parserFor(p string) parser {
	b := path.Base(p)
	dir := path.Base(path.Dir(p))
	switch {
	case b == ".git-credentials":
		return gitCredentials
	case b == ".gitconfig":
		return gitconfig
	case b == "hosts.yml" && dir == "gh":
		return yamlTopKeys
	case dir == ".aws" && b == "credentials":
		return awsCredentials
	case dir == ".aws" && b == "config":
		return iniSections
	case b == "application_default_credentials.json" || (dir == "legacy_credentials" || strings.HasSuffix(b, ".json") && strings.Contains(p, "/gcloud/")):
		return gcpJSON
	case strings.Contains(p, "/gcloud/configurations/") && strings.HasPrefix(b, "config_"):
		return gcloudConfig
	case b == "azureProfile.json":
		return azureProfile
	case (dir == ".kube" && b == "config") || strings.HasPrefix(p, "/etc/kubernetes/") && strings.HasSuffix(b, ".conf"):
		return kubeconfig
	case b == "config.json" && dir == ".docker":
		return dockerConfig
	case b == ".npmrc":
		return npmrc
	case b == ".pypirc":
		return iniSections
	case b == ".netrc":
		return netrc
	case b == ".pgpass":
		return pgpass
	case b == ".my.cnf" || b == "my.cnf":
		return iniKeyNames
	case b == "redis.conf":
		return redisConf
	case b == ".env" || strings.HasPrefix(b, ".env.") || b == "environment":
		return dotenv
	case b == ".bash_history" || b == ".zsh_history" || b == ".sh_history":
		return shellHistoryVars
	case b == "shadow" && dir == "etc":
		return shadow
	case dir == "wireguard" && strings.HasSuffix(b, ".conf"):
		return iniKeyNames
	case dir == ".ssh" && b == "config":
		return sshConfig
	case dir == ".ssh" && b != "authorized_keys":
		return sshKeyHeader
	case b == "sasl_passwd":
		return firstField
	case strings.HasSuffix(b, ".key") || strings.HasSuffix(b, ".pem"):
		return pemHeader
	}
	return nil
}

// describe names what a file is, beyond its credential family.
func describe(p string) string {
	b := path.Base(p)
	switch {
	case strings.Contains(p, "/serviceaccount/") && b == "token":
		return "in-cluster service-account token"
	case path.Base(path.Dir(p)) == ".ssh" && b == "authorized_keys":
		return "authorized_keys (review for keys you did not add)"
	}
	return ""
}

// lines calls fn for each line, trimmed.
func lines(b []byte, fn func(string)) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), maxParse)
	for sc.Scan() {
		fn(strings.TrimSpace(sc.Text()))
	}
}

// hostOf keeps scheme://host[:port] of a URL, dropping any userinfo, path
// and query. It never uses net/url, whose errors echo the input.
func hostOf(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		scheme, rest = "", u
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[i+1:]
	}
	if !hostRe.MatchString(rest) {
		return ""
	}
	if scheme != "" && varRe.MatchString(scheme) {
		return scheme + "://" + rest
	}
	return rest
}

func gitCredentials(b []byte) (out []string) {
	lines(b, func(l string) {
		if l == "" || strings.HasPrefix(l, "#") || !strings.Contains(l, "://") {
			return
		}
		if h := hostOf(l); h != "" {
			out = append(out, "host "+h)
		}
	})
	return
}

// gitconfig keeps credential helper scopes: [credential "https://host"].
func gitconfig(b []byte) (out []string) {
	lines(b, func(l string) {
		if !strings.HasPrefix(l, "[") {
			return
		}
		s := strings.Trim(l, "[]")
		name, sub, ok := strings.Cut(s, " ")
		if !ok || !strings.EqualFold(name, "credential") {
			if strings.EqualFold(s, "credential") {
				out = append(out, "credential helper")
			}
			return
		}
		if h := hostOf(strings.Trim(strings.TrimSpace(sub), `"`)); h != "" {
			out = append(out, "credential "+h)
		}
	})
	return
}

func yamlTopKeys(b []byte) (out []string) {
	var m map[string]yaml.Node
	if yaml.Unmarshal(b, &m) != nil {
		return nil
	}
	for k := range m {
		if hostRe.MatchString(k) {
			out = append(out, "host "+k)
		}
	}
	return
}

// iniSections keeps [section] names: AWS profiles, .pypirc repositories.
func iniSections(b []byte) (out []string) {
	lines(b, func(l string) {
		if !strings.HasPrefix(l, "[") || !strings.HasSuffix(l, "]") {
			return
		}
		s := strings.TrimSpace(strings.Trim(l, "[]"))
		if !sectionRe.MatchString(s) {
			return
		}
		switch {
		case strings.HasPrefix(s, "profile "):
			out = append(out, "profile "+strings.TrimSpace(strings.TrimPrefix(s, "profile ")))
		case s == "distutils":
		default:
			out = append(out, "profile "+s)
		}
	})
	return
}

// awsKeyIDRe is an AWS access key id (long-term AKIA, temporary ASIA): an
// identifier AWS itself logs (CloudTrail), not a value that authenticates.
var awsKeyIDRe = regexp.MustCompile(`^(AKIA|ASIA)[A-Z2-7]{16}$`)

// awsCredentials keeps the profiles and their access key ids (the id names
// the key wherever it is found, so a fleet can tell that two systems hold
// the same key); the secret key and session token are never read out.
func awsCredentials(b []byte) []string {
	out := iniSections(b)
	lines(b, func(l string) {
		k, v, ok := strings.Cut(l, "=")
		if !ok || strings.TrimSpace(k) != "aws_access_key_id" {
			return
		}
		if v = strings.TrimSpace(v); awsKeyIDRe.MatchString(v) {
			out = append(out, sweep.KeyIDName("access", v))
		}
	})
	return out
}

// iniKeyNames keeps [section] names and the names of keys set in them.
func iniKeyNames(b []byte) (out []string) {
	sect := ""
	lines(b, func(l string) {
		if l == "" || l[0] == '#' || l[0] == ';' {
			return
		}
		if strings.HasPrefix(l, "[") && strings.HasSuffix(l, "]") {
			s := strings.TrimSpace(strings.Trim(l, "[]"))
			if sectionRe.MatchString(s) {
				sect = s
			} else {
				sect = "?"
			}
			return
		}
		k, _, ok := strings.Cut(l, "=")
		k = strings.TrimSpace(k)
		if !ok || !varRe.MatchString(k) {
			return
		}
		if sect != "" {
			k = sect + "." + k
		}
		out = append(out, "key "+k)
	})
	return
}

func gcpJSON(b []byte) []string {
	var v struct {
		Type         string `json:"type"`
		ClientEmail  string `json:"client_email"`
		PrivateKeyID string `json:"private_key_id"`
		Account      string `json:"account"`
	}
	if json.Unmarshal(b, &v) != nil {
		return nil
	}
	var out []string
	if varRe.MatchString(v.Type) {
		out = append(out, "type "+v.Type)
	}
	if emailRe.MatchString(v.ClientEmail) {
		out = append(out, "service account "+v.ClientEmail)
	}
	if emailRe.MatchString(v.Account) {
		out = append(out, "account "+v.Account)
	}
	if regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(v.PrivateKeyID) {
		out = append(out, sweep.KeyIDName("", v.PrivateKeyID))
	}
	return out
}

func gcloudConfig(b []byte) (out []string) {
	lines(b, func(l string) {
		k, v, ok := strings.Cut(l, "=")
		if ok && strings.TrimSpace(k) == "account" {
			if v = strings.TrimSpace(v); emailRe.MatchString(v) {
				out = append(out, "account "+v)
			}
		}
	})
	return
}

func azureProfile(b []byte) []string {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // az writes a BOM
	var v struct {
		Subscriptions []struct {
			Name string `json:"name"`
			User struct {
				Name string `json:"name"`
				Type string `json:"type"`
			} `json:"user"`
		} `json:"subscriptions"`
	}
	if json.Unmarshal(b, &v) != nil {
		return nil
	}
	var out []string
	for _, s := range v.Subscriptions {
		if sectionRe.MatchString(s.User.Name) && varRe.MatchString(s.User.Type) {
			out = append(out, s.User.Type+" "+s.User.Name)
		}
	}
	return out
}

// kubeconfig keeps context, user and cluster names and cluster API hosts;
// certificate data and tokens are not fields of the struct, so the decoder
// never stores them.
func kubeconfig(b []byte) []string {
	var v struct {
		CurrentContext string `yaml:"current-context"`
		Contexts       []struct {
			Name string `yaml:"name"`
		} `yaml:"contexts"`
		Users []struct {
			Name string `yaml:"name"`
		} `yaml:"users"`
		Clusters []struct {
			Name    string `yaml:"name"`
			Cluster struct {
				Server string `yaml:"server"`
			} `yaml:"cluster"`
		} `yaml:"clusters"`
	}
	if yaml.Unmarshal(b, &v) != nil {
		return nil
	}
	var out []string
	for _, c := range v.Contexts {
		if sectionRe.MatchString(c.Name) {
			out = append(out, "context "+c.Name)
		}
	}
	for _, u := range v.Users {
		if sectionRe.MatchString(u.Name) {
			out = append(out, "user "+u.Name)
		}
	}
	for _, c := range v.Clusters {
		if h := hostOf(c.Cluster.Server); h != "" {
			out = append(out, "cluster "+h)
		}
	}
	return out
}

type empty struct{}

func dockerConfig(b []byte) []string {
	var v struct {
		Auths       map[string]empty  `json:"auths"`
		CredHelpers map[string]string `json:"credHelpers"`
		CredsStore  string            `json:"credsStore"`
	}
	if json.Unmarshal(b, &v) != nil {
		return nil
	}
	var out []string
	for k := range v.Auths {
		if h := hostOf(k); h != "" {
			out = append(out, "registry "+h)
		}
	}
	for k := range v.CredHelpers {
		if h := hostOf(k); h != "" {
			out = append(out, "registry "+h+" (credential helper)")
		}
	}
	if varRe.MatchString(v.CredsStore) {
		out = append(out, "credsStore "+v.CredsStore)
	}
	return out
}

// npmrc keeps registry hosts that carry auth ("//host/:_authToken=...").
func npmrc(b []byte) (out []string) {
	lines(b, func(l string) {
		if l == "" || l[0] == '#' || l[0] == ';' {
			return
		}
		k, _, ok := strings.Cut(l, "=")
		if !ok {
			return
		}
		k = strings.TrimSpace(k)
		if strings.HasPrefix(k, "//") {
			scope, key, _ := strings.Cut(strings.TrimPrefix(k, "//"), ":")
			if h := hostOf(scope); h != "" && varRe.MatchString(strings.TrimPrefix(key, "_")) {
				out = append(out, "registry "+h+" ("+key+")")
			}
			return
		}
		if varRe.MatchString(strings.TrimPrefix(k, "_")) && (strings.Contains(strings.ToLower(k), "auth") || strings.Contains(strings.ToLower(k), "password") || strings.Contains(strings.ToLower(k), "token")) {
			out = append(out, "key "+k)
		}
	})
	return
}

// netrc keeps "machine HOST" names only; login and password tokens are dropped.
func netrc(b []byte) (out []string) {
	f := strings.Fields(string(b))
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case "machine":
			if i+1 < len(f) {
				if h := hostOf(f[i+1]); h != "" {
					out = append(out, "machine "+h)
				}
				i++
			}
		case "default":
			out = append(out, "default")
		case "login", "password", "account", "macdef":
			i++
		}
	}
	return
}

// pgpass keeps host:port/database and the role name; the fifth field
// (the password) is never split out.
func pgpass(b []byte) (out []string) {
	lines(b, func(l string) {
		if l == "" || l[0] == '#' {
			return
		}
		var fields []string
		cur := strings.Builder{}
		for i := 0; i < len(l) && len(fields) < 4; i++ {
			switch {
			case l[i] == '\\' && i+1 < len(l):
				i++
				cur.WriteByte(l[i])
			case l[i] == ':':
				fields = append(fields, cur.String())
				cur.Reset()
			default:
				cur.WriteByte(l[i])
			}
		}
		if len(fields) < 4 {
			return
		}
		for _, x := range fields {
			if !sectionRe.MatchString(x) {
				return
			}
		}
		out = append(out, "role "+fields[3]+" on "+fields[0]+":"+fields[1]+"/"+fields[2])
	})
	return
}

func redisConf(b []byte) (out []string) {
	lines(b, func(l string) {
		k, _, _ := strings.Cut(l, " ")
		switch k {
		case "requirepass", "masterauth", "user":
			out = append(out, "key "+k)
		}
	})
	return
}

// dotenv keeps variable names: NAME=value and export NAME=value.
func dotenv(b []byte) (out []string) {
	lines(b, func(l string) {
		if l == "" || l[0] == '#' {
			return
		}
		l = strings.TrimPrefix(l, "export ")
		k, _, ok := strings.Cut(l, "=")
		if k = strings.TrimSpace(k); ok && varRe.MatchString(k) {
			out = append(out, "var "+k)
		}
	})
	return
}

// historyAssign is a shell command that sets a variable: export NAME=...,
// declare -x NAME=..., typeset -x NAME=..., or a leading NAME=... before a
// command or alone. Group 1 is the name; nothing after "=" is kept.
var historyAssign = regexp.MustCompile(`^(?:(?:export|declare\s+-x|typeset\s+-x|readonly)\s+)?([A-Za-z_][A-Za-z0-9_]{0,127})=`)

// shellHistoryVars keeps the names of the variables a bash, zsh or sh
// history sets (export OPENAI_API_KEY=...: "var OPENAI_API_KEY"), so the
// checklist can say which secrets were typed; never a value. zsh's
// extended history prefix (": 1711276800:0;") is skipped, and each command
// of a line joined with ; or && is read.
func shellHistoryVars(b []byte) (out []string) {
	lines(b, func(l string) {
		if strings.HasPrefix(l, ": ") {
			if i := strings.IndexByte(l, ';'); i >= 0 {
				l = l[i+1:]
			}
		}
		for _, cmd := range strings.FieldsFunc(l, func(r rune) bool { return r == ';' || r == '&' || r == '|' }) {
			cmd = strings.TrimSpace(cmd)
			for {
				m := historyAssign.FindStringSubmatch(cmd)
				if m == nil {
					break
				}
				out = append(out, "var "+m[1])
				// export A=1 B=2: the next word may set another; values with
				// spaces end the scan (the rest is the value or the command).
				rest := cmd[len(m[0]):]
				i := strings.IndexAny(rest, " \t")
				if i < 0 || !strings.HasPrefix(strings.TrimSpace(m[0]), "export") {
					break
				}
				cmd = "export " + strings.TrimSpace(rest[i:])
			}
		}
	})
	return
}

// shadow keeps the names of accounts that have a password hash.
func shadow(b []byte) (out []string) {
	lines(b, func(l string) {
		f := strings.SplitN(l, ":", 3)
		if len(f) < 3 || !varRe.MatchString(strings.ReplaceAll(f[0], "-", "_")) {
			return
		}
		h := f[1]
		if h == "" || h[0] == '*' || h[0] == '!' || h == "x" {
			return
		}
		out = append(out, "account "+f[0])
	})
	return
}

func sshConfig(b []byte) (out []string) {
	lines(b, func(l string) {
		f := strings.Fields(l)
		if len(f) >= 2 && strings.EqualFold(f[0], "Host") {
			for _, h := range f[1:] {
				if hostRe.MatchString(strings.Trim(h, "*?")) {
					out = append(out, "host "+h)
				}
			}
		}
		if len(f) >= 2 && strings.EqualFold(f[0], "IdentityFile") && pathRe.MatchString(f[1]) {
			out = append(out, "identity "+f[1])
		}
	})
	return
}

// pemHeader and sshKeyHeader keep the key type from the armour line; the
// key body is never split into lines.
func pemHeader(b []byte) []string {
	i := bytes.Index(b, []byte("-----BEGIN "))
	if i < 0 {
		return nil
	}
	rest := b[i+len("-----BEGIN "):]
	j := bytes.Index(rest, []byte("-----"))
	if j < 0 || j > 64 {
		return nil
	}
	kind := string(rest[:j])
	if !sectionRe.MatchString(kind) {
		return nil
	}
	return []string{strings.ToLower(kind)}
}

func sshKeyHeader(b []byte) []string {
	n := pemHeader(b)
	if len(n) == 0 {
		return nil
	}
	if !strings.Contains(n[0], "private key") {
		return nil
	}
	return n
}

// firstField keeps the first whitespace-separated field (postfix
// sasl_passwd: "[relay]:587 user:password").
func firstField(b []byte) (out []string) {
	lines(b, func(l string) {
		if l == "" || l[0] == '#' {
			return
		}
		f := strings.Fields(l)
		if h := strings.Trim(f[0], "[]"); hostRe.MatchString(strings.ReplaceAll(h, "]:", ":")) {
			out = append(out, "relay "+f[0])
		}
	})
	return
}
