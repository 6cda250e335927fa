package github

import "regexp"

// Log lines are evidence and go into reports, so anything that looks like a
// credential value is masked before a line is kept. GitHub already masks
// registered secrets as ***; these catch values it does not know about.
var redactions = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{20,})`), "[REDACTED]"},
	{regexp.MustCompile(`\b(AKIA|ASIA)[0-9A-Z]{16}\b`), "[REDACTED]"},
	{regexp.MustCompile(`\b(sk-(?:ant-|proj-)?[A-Za-z0-9_\-]{16,}|xox[abpr]-[A-Za-z0-9\-]{10,}|pypi-[A-Za-z0-9_\-]{16,}|npm_[A-Za-z0-9]{20,}|glpat-[A-Za-z0-9_\-]{16,})`), "[REDACTED]"},
	{regexp.MustCompile(`(?i)(authorization:\s*(?:bearer|token|basic)\s+)\S+`), "${1}[REDACTED]"},
	{regexp.MustCompile(`(?i)\b((?:[a-z0-9_]*(?:password|passwd|secret|token|api[_-]?key|access[_-]?key))["']?\s*[=:]\s*["']?)[^\s"'&]{4,}`), "${1}[REDACTED]"},
	{regexp.MustCompile(`(://[^/\s:@]+:)[^/\s@]+@`), "${1}[REDACTED]@"},
	{regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----.*`), "[REDACTED PRIVATE KEY]"},
}

// redact masks credential-looking values in a line.
func redact(s string) string {
	for _, r := range redactions {
		s = r.re.ReplaceAllString(s, r.repl)
	}
	return s
}
