package history

import (
	"regexp"
	"strings"
)

// MaxText is the longest command text kept in a report.
const MaxText = 300

type redactor struct {
	re   *regexp.Regexp
	repl string
}

// redactors strip secrets from a command line. Order matters: options that
// take the rest of the line go last so the specific shapes run first.
var redactors = []redactor{
	// PEM private keys pasted on a command line.
	{regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----.*`), "[REDACTED-PRIVATE-KEY]"},
	// Credentials in URLs: scheme://user:password@ and scheme://token@.
	{regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@'"]+@`), "${1}[REDACTED]@"},
	// Well-known token shapes.
	{regexp.MustCompile(`\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{16,}`), "[REDACTED-GITHUB-TOKEN]"},
	{regexp.MustCompile(`\bgithub_pat_[A-Za-z0-9_]{16,}`), "[REDACTED-GITHUB-TOKEN]"},
	{regexp.MustCompile(`\bglpat-[A-Za-z0-9_-]{16,}`), "[REDACTED-GITLAB-TOKEN]"},
	{regexp.MustCompile(`\bpypi-[A-Za-z0-9_-]{16,}`), "[REDACTED-PYPI-TOKEN]"},
	{regexp.MustCompile(`\bsk-[A-Za-z0-9_-]{16,}`), "[REDACTED-API-KEY]"},
	{regexp.MustCompile(`\b(?:AKIA|ASIA)[A-Z0-9]{16}\b`), "[REDACTED-AWS-KEY-ID]"},
	{regexp.MustCompile(`\bxox[abposr]-[A-Za-z0-9-]{10,}`), "[REDACTED-SLACK-TOKEN]"},
	{regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{30,}`), "[REDACTED-GOOGLE-KEY]"},
	{regexp.MustCompile(`\bnpm_[A-Za-z0-9]{30,}`), "[REDACTED-NPM-TOKEN]"},
	{regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*`), "[REDACTED-JWT]"},
	// Secret-named variables (upper case, as environment variables are):
	// FOO_TOKEN=..., export API_KEY="...", $env:X_SECRET = '...'.
	{regexp.MustCompile(`\b([A-Z0-9_]*(?:TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH|PWD)[A-Z0-9_]*)(\s*=\s*)("[^"]*"|'[^']*'|\S+)`), "${1}${2}[REDACTED]"},
	// Secret query parameters.
	{regexp.MustCompile(`(?i)([?&](?:token|access_token|auth|api_?key|key|secret|password|passwd|sig|signature|X-Amz-Signature|X-Amz-Credential)=)[^&\s'"]+`), "${1}[REDACTED]"},
	// Authorisation headers and bearer values: drop the rest of the line.
	{regexp.MustCompile(`(?i)\b(authorization|proxy-authorization|x-api-key|private-token|x-auth-token|cookie)(\s*:\s*).*$`), "${1}${2}[REDACTED]"},
	{regexp.MustCompile(`(?i)\b(bearer|basic|token)(\s+)[A-Za-z0-9._~+/=-]{8,}`), "${1}${2}[REDACTED]"},
	// Compact passwords: mysql -pSECRET, sshpass -p SECRET, curl -u user:pass.
	{regexp.MustCompile(`(\bsshpass\s+-p\s*)\S+`), "${1}[REDACTED]"},
	{regexp.MustCompile(`(\s-p)([^\s\d-][^\s]*)`), "${1}[REDACTED]"},
	{regexp.MustCompile(`(\s(?:-u|--user)[\s=]+)\S+:\S+`), "${1}[REDACTED]"},
	// Secret-looking options take the rest of the line (their value may be
	// quoted with spaces, or followed by more secrets).
	{regexp.MustCompile(`(?i)(\s--?(?:password|passwd|pass|passphrase|token|api-?key|apikey|secret|client-secret|access-key|secret-key|private-key|auth|auth-token|oauth-token|pat|key)\b)(?:[\s=]).*$`), "${1} [REDACTED]"},
}

// Redact removes what could be a secret from a command line (URL
// credentials, token shapes, secret-named variables and options, auth
// headers) and clips it to MaxText characters. It errs on the side of
// removing too much: the report only needs the command's shape.
func Redact(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' {
			return ' '
		}
		return r
	}, s)
	for _, r := range redactors {
		s = r.re.ReplaceAllString(s, r.repl)
	}
	s = strings.TrimSpace(s)
	if len(s) > MaxText {
		cut := MaxText
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
