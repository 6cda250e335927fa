package mirror

// .npmrc credentials, as the npm CLI reads and sends them: the ini text
// (the `ini` package npm uses: key=value lines, ; and # comments, quoted
// values, keys after a [section] header belong to that section and are not
// npm's), ${VAR} substitution in keys and values (@npmcli/config
// env-replace: ${VAR?} is empty when unset, \${VAR} is literal), and the
// credential of a request URL chosen as npm-registry-fetch's auth.js does:
// walk //host[:port]/path up one segment or slash at a time and take the
// first key carrying auth (_authToken, then _auth, then username with
// _password, then certfile with keyfile); a URL without one, on the
// registry's host, gets the registry URL's own credential. The header is
// "Bearer <_authToken>" or "Basic <_auth>" (username:_password, the
// password base64 as npm stores it). Keys not nerfed to a registry
// (a bare _authToken) are not used: npm 9+ refuses them.

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/litesweep/litesweep/sweep"
)

// maxNpmrc caps the .npmrc read.
const maxNpmrc = 1 << 20

// Npmrc holds the registry-scoped credential keys of one .npmrc.
type Npmrc struct {
	// Path names the file in located errors.
	Path string
	keys map[string]npmrcValue // "//host/path/:_authToken" → value
}

// npmrcValue is one key's value and the line it came from; Unset names
// the ${VAR} left unresolved in the key or the value ("" when none).
type npmrcValue struct {
	Value string
	Line  int
	Unset string
}

// NpmrcAuth is the credential npm sends to one URL.
type NpmrcAuth struct {
	// Header is the Authorization header value ("" when none is sent).
	Header string
	// Key is the nerfed key that decided it (//host/path/:_authToken) and
	// Line its line; Problem says why no header is sent although a key
	// matched (an unset variable, a client certificate).
	Key     string
	Line    int
	Problem string
}

// ReadNpmrc reads an .npmrc through the input opener (bounded; a FIFO or
// device is refused); a missing file is an empty Npmrc. lookup resolves
// ${VAR} (os.LookupEnv).
func ReadNpmrc(path string, lookup func(string) (string, bool)) (*Npmrc, error) {
	b, err := sweep.ReadInputLimit(path, maxNpmrc)
	if os.IsNotExist(err) {
		return &Npmrc{Path: path}, nil
	}
	if err != nil {
		return nil, err
	}
	n := ParseNpmrc(b, lookup)
	n.Path = path
	return n, nil
}

// iniSection is the ini package's section header line.
var iniSection = regexp.MustCompile(`^\[[^\]]*\]\s*$`)

// envExpr is env-replace.js's pattern: an optional run of backslashes,
// ${NAME} or ${NAME?}.
var envExpr = regexp.MustCompile(`(\\*)\$\{([^${}?]+)(\?)?\}`)

// envReplace substitutes ${VAR} as npm does and returns the first
// variable left unresolved ("" when none).
func envReplace(s string, lookup func(string) (string, bool)) (string, string) {
	unset := ""
	out := envExpr.ReplaceAllStringFunc(s, func(m string) string {
		g := envExpr.FindStringSubmatch(m)
		esc, name, opt := g[1], g[2], g[3]
		if len(esc)%2 == 1 { // an escaped ${: literal, half the backslashes consumed
			return m[(len(esc)+1)/2:]
		}
		val, ok := lookup(name)
		if !ok {
			if opt == "?" {
				val = ""
			} else {
				val = "${" + name + "}"
				if unset == "" {
					unset = name
				}
			}
		}
		return esc[len(esc)/2:] + val
	})
	return out, unset
}

// iniUnsafe is the ini package's value (and key) reading: trimmed, a
// quoted value JSON-decoded, else cut at the first unescaped ; or #.
func iniUnsafe(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
		if v[0] == '\'' {
			v = v[1 : len(v)-1]
		}
		var s string
		if json.Unmarshal([]byte(v), &s) == nil {
			return s
		}
		return v
	}
	var b strings.Builder
	esc := false
	for _, c := range v {
		switch {
		case esc:
			if !strings.ContainsRune(`\;#`, c) {
				b.WriteByte('\\')
			}
			b.WriteRune(c)
			esc = false
		case c == ';' || c == '#':
			return strings.TrimSpace(b.String())
		case c == '\\':
			esc = true
		default:
			b.WriteRune(c)
		}
	}
	if esc {
		b.WriteByte('\\')
	}
	return strings.TrimSpace(b.String())
}

// ParseNpmrc parses .npmrc text, keeping the keys scoped to a registry
// (//host/path:field); the last of duplicate keys wins, as in npm.
func ParseNpmrc(b []byte, lookup func(string) (string, bool)) *Npmrc {
	n := &Npmrc{keys: map[string]npmrcValue{}}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), maxNpmrc)
	line := 0
	inSection := false
	for sc.Scan() {
		line++
		l := strings.TrimSuffix(sc.Text(), "\r")
		t := strings.TrimSpace(l)
		if t == "" || t[0] == ';' || t[0] == '#' {
			continue
		}
		if iniSection.MatchString(l) {
			inSection = true // keys below belong to the section, not npm's config
			continue
		}
		if inSection {
			continue
		}
		k, v, hasValue := strings.Cut(l, "=")
		key := iniUnsafe(k)
		if strings.HasSuffix(key, "[]") || !hasValue {
			continue
		}
		key, unsetK := envReplace(key, lookup)
		if !strings.HasPrefix(key, "//") {
			continue
		}
		val, unsetV := envReplace(strings.TrimSpace(iniUnsafe(v)), lookup)
		unset := unsetK
		if unset == "" {
			unset = unsetV
		}
		n.keys[key] = npmrcValue{Value: val, Line: line, Unset: unset}
	}
	return n
}

// get is a key's value when npm would count it as set (a non-empty
// string that is not the ini's true/false/null).
func (n *Npmrc) get(key string) (npmrcValue, bool) {
	v, ok := n.keys[key]
	if !ok || v.Value == "" || v.Value == "false" || v.Value == "null" {
		return v, false
	}
	return v, true
}

// hasAuth is auth.js's hasAuth: which field of regKey carries auth.
func (n *Npmrc) hasAuth(regKey string) string {
	if _, ok := n.get(regKey + ":_authToken"); ok {
		return "_authToken"
	}
	if _, ok := n.get(regKey + ":_auth"); ok {
		return "_auth"
	}
	_, u := n.get(regKey + ":username")
	_, p := n.get(regKey + ":_password")
	if u && p {
		return "username"
	}
	_, c := n.get(regKey + ":certfile")
	_, k := n.get(regKey + ":keyfile")
	if c && k {
		return "certfile"
	}
	return ""
}

// nerfHost is WHATWG URL's host: lower case, the scheme's default port
// dropped.
func nerfHost(u *url.URL) string {
	h := strings.ToLower(u.Hostname())
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	if p := u.Port(); p != "" && !(u.Scheme == "https" && p == "443") && !(u.Scheme == "http" && p == "80") {
		h += ":" + p
	}
	return h
}

// regFromURI walks //host/path up to the longest key carrying auth.
func (n *Npmrc) regFromURI(u *url.URL) (string, string) {
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	regKey := "//" + nerfHost(u) + p
	for len(regKey) > 2 {
		if f := n.hasAuth(regKey); f != "" {
			return regKey, f
		}
		// walk up: drop the last segment, or the trailing slash
		if strings.HasSuffix(regKey, "/") {
			regKey = regKey[:len(regKey)-1]
		} else {
			regKey = regKey[:strings.LastIndex(regKey, "/")+1]
		}
	}
	return "", ""
}

// Auth is the credential npm sends with a request for u when registry is
// its registry setting (auth.js getAuth).
func (n *Npmrc) Auth(u, registry *url.URL) NpmrcAuth {
	if n == nil || len(n.keys) == 0 {
		return NpmrcAuth{}
	}
	regKey, field := n.regFromURI(u)
	if regKey == "" {
		if registry != nil && *u != *registry && nerfHost(u) == nerfHost(registry) {
			return n.Auth(registry, nil)
		}
		return NpmrcAuth{}
	}
	a := NpmrcAuth{Key: regKey + ":" + field}
	v, _ := n.get(a.Key)
	a.Line = v.Line
	switch field {
	case "_authToken":
		if v.Unset == "" {
			a.Header = "Bearer " + v.Value
		}
	case "_auth":
		if v.Unset == "" {
			a.Header = "Basic " + v.Value
		}
	case "username":
		pw, _ := n.get(regKey + ":_password")
		if v.Unset == "" && pw.Unset != "" {
			v, a.Key = pw, regKey+":_password"
			a.Line = pw.Line
		}
		if v.Unset == "" {
			a.Header = "Basic " + base64.StdEncoding.EncodeToString([]byte(v.Value+":"+string(nodeBase64(pw.Value))))
		}
	case "certfile":
		a.Problem = "a client certificate (certfile/keyfile), which litesweep does not send"
	}
	if v.Unset != "" {
		a.Problem = fmt.Sprintf("${%s} is not set", v.Unset)
	}
	return a
}

// nodeBase64 decodes as Buffer.from(s, 'base64'): both alphabets, other
// characters skipped, decoding stops at padding, a partial group kept.
func nodeBase64(s string) []byte {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == '=':
			goto done
		case c == '-':
			b.WriteByte('+')
		case c == '_':
			b.WriteByte('/')
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			b.WriteRune(c)
		}
	}
done:
	t := b.String()
	if len(t)%4 == 1 {
		t = t[:len(t)-1]
	}
	out, err := base64.RawStdEncoding.DecodeString(t)
	if err != nil {
		return nil
	}
	return out
}
