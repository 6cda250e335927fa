package creds

import (
	"slices"
	"strings"
	"testing"
)

// TestShellHistoryVars: the names of the variables a history sets, in
// bash, zsh extended and plain form; never a value, never a word of an
// argument that merely contains "=".
func TestShellHistoryVars(t *testing.T) {
	const secret = "sk-proj-CANARYVALUE"
	hist := strings.Join([]string{
		"export OPENAI_API_KEY=" + secret,
		": 1711276800:0;export ANTHROPIC_API_KEY='" + secret + "'",
		"AWS_SECRET_ACCESS_KEY=" + secret + " aws s3 ls",
		"cd /srv && export DATABASE_URL=postgres://u:" + secret + "@db/app",
		"export A=1 B=2",
		"declare -x HF_TOKEN=" + secret,
		"pip install litellm==1.82.8",
		"curl -d token=" + secret + " https://example.com",
		"echo $OPENAI_API_KEY",
	}, "\n")
	got := shellHistoryVars([]byte(hist))
	want := []string{"var OPENAI_API_KEY", "var ANTHROPIC_API_KEY", "var AWS_SECRET_ACCESS_KEY", "var DATABASE_URL", "var A", "var B", "var HF_TOKEN"}
	if !slices.Equal(got, want) {
		t.Errorf("names %q\nwant  %q", got, want)
	}
	if strings.Contains(strings.Join(got, " "), "CANARY") {
		t.Fatalf("a value reached the names: %q", got)
	}
}
