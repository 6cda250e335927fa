package live

import (
	"fmt"
	"regexp"
	"strings"
)

// Redacted replaces a secret value in evidence.
const Redacted = "[REDACTED]"

// maxArg is how much of one argument is kept in evidence; the .pth child's
// argument is the whole 34 KB base64 stage, of which the start identifies it.
const maxArg = 160

var (
	// secretFlag matches an option whose value is a secret: --password X,
	// --token=X, openssl's -pass X, --api-key, --client-secret, ...
	secretFlag = regexp.MustCompile(`(?i)^--?[a-z0-9_.-]*(pass|passwd|password|passphrase|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credentials?|auth|cookie|session)$`)
	// userFlag takes user[:password] (curl -u, --user, --proxy-user).
	userFlag = regexp.MustCompile(`^(-u|-U|--user|--proxy-user)$`)
	// envAssign is NAME=value as passed to env(1) or a shell.
	envAssign = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)=(.*)$`)
	secretEnv = regexp.MustCompile(`(?i)(pass|pwd|secret|token|key|auth|cred|cookie|session|signature)`)
	// urlUserinfo is scheme://user[:password]@ in any argument.
	urlUserinfo = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@]+@`)
	// secretHeader is an HTTP header that carries a credential.
	secretHeader = regexp.MustCompile(`(?i)^((?:proxy-)?authorization|cookie|set-cookie|x-api-key|api-key|x-auth-token|private-token|x-amz-security-token)\s*:\s*(.*)$`)
)

// Redact renders argv as one evidence line with secret values cut out:
// values of password/token/key options (--password X, --token=X, -pass X),
// the password of -u/--user user:password, NAME=value assignments whose
// name looks secret (TOKEN=..., AWS_SECRET_ACCESS_KEY=...), URL userinfo
// (https://user:pass@host) and credential-bearing HTTP headers. A value
// that contains one of the matched indicator strings (keep) is not a
// secret and stays, so "-pass file:/tmp/tmpab12/session.key" remains
// readable. Arguments longer than 160 characters are cut with their length
// noted. Arguments with blanks or quotes are quoted.
func Redact(argv []string, keep []string) string {
	out := make([]string, 0, len(argv))
	redactNext, userNext := false, false
	for i, a := range argv {
		s := a
		switch {
		case redactNext:
			s = redactValue(a, keep)
		case userNext:
			if u, _, ok := strings.Cut(a, ":"); ok && !containsAny(a, keep) {
				s = u + ":" + Redacted
			}
		default:
			s = redactArg(a, keep, i == 0)
		}
		redactNext, userNext = false, false
		if i > 0 && !strings.Contains(a, "=") {
			redactNext = secretFlag.MatchString(a)
			userNext = userFlag.MatchString(a)
		}
		s = urlUserinfo.ReplaceAllString(s, "${1}"+Redacted+"@")
		out = append(out, quote(cut(s)))
	}
	return strings.Join(out, " ")
}

func redactArg(a string, keep []string, first bool) string {
	if first {
		return a
	}
	if strings.HasPrefix(a, "-") {
		if name, val, ok := strings.Cut(a, "="); ok && secretFlag.MatchString(name) {
			return name + "=" + redactValue(val, keep)
		}
		if name, val, ok := strings.Cut(a, "="); ok && userFlag.MatchString(name) {
			if u, _, ok := strings.Cut(val, ":"); ok && !containsAny(val, keep) {
				return name + "=" + u + ":" + Redacted
			}
		}
		return a
	}
	if m := envAssign.FindStringSubmatch(a); m != nil && secretEnv.MatchString(m[1]) {
		return m[1] + "=" + redactValue(m[2], keep)
	}
	if m := secretHeader.FindStringSubmatch(a); m != nil {
		return m[1] + ": " + redactValue(m[2], keep)
	}
	return a
}

func redactValue(v string, keep []string) string {
	if v == "" || containsAny(v, keep) {
		return v
	}
	return Redacted
}

func containsAny(s string, subs []string) bool {
	for _, k := range subs {
		if k != "" && strings.Contains(s, k) {
			return true
		}
	}
	return false
}

func cut(s string) string {
	if len(s) <= maxArg {
		return s
	}
	r := []rune(s)
	if len(r) <= maxArg {
		return s
	}
	return string(r[:maxArg]) + fmt.Sprintf("…(%d bytes)", len(s))
}

func quote(s string) string {
	if s == "" {
		return "''"
	}
	if !strings.ContainsAny(s, " \t\n\"'\\$`") {
		return s
	}
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	if !strings.ContainsAny(s, "\"\\$`") {
		// Keeps exec(base64.b64decode('aW1wb3J0 greppable.
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
