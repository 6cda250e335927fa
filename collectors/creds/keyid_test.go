package creds

import (
	"slices"
	"testing"

	"github.com/litesweep/litesweep/sweep"
)

// TestAWSAccessKeyID: the inventory names an AWS credentials file's
// profiles and access key ids (identifiers AWS logs, which let a fleet tell
// that two systems hold the same key), never the secret key or session
// token, and nothing that is not an access key id.
func TestAWSAccessKeyID(t *testing.T) {
	body := "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\n" +
		"[temp]\naws_access_key_id=ASIAIOSFODNN7EXAMPLE\naws_session_token = FwoGZXIvYXdzEXAMPLE\n" +
		"[odd]\naws_access_key_id = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
	got := parserFor("/home/u/.aws/credentials")([]byte(body))
	want := []string{"profile default", "profile temp", "profile odd",
		sweep.KeyIDName("access", "AKIAIOSFODNN7EXAMPLE"), sweep.KeyIDName("access", "ASIAIOSFODNN7EXAMPLE")}
	if !slices.Equal(got, want) {
		t.Fatalf("names %q, want %q", got, want)
	}
	for _, n := range got[3:] {
		if !sweep.IsKeyIDName(n) {
			t.Errorf("%q is not a key id name", n)
		}
	}
	if sweep.IsKeyIDName("profile default") {
		t.Error("a profile is not a key id")
	}
}
