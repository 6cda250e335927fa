package lockfile

import (
	"strings"
	"testing"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// TestRequirementTextNeverShowsQuery: a direct reference's query and
// fragment (a signed URL's signature, a token parameter) and userinfo
// never reach a finding's text, in full or short form.
func TestRequirementTextNeverShowsQuery(t *testing.T) {
	const secret = "SECRETSIG"
	for _, line := range []string{
		"widget @ https://dl.example.com/w/widget-1.0-py3-none-any.whl?X-Amz-Signature=" + secret + "&X-Amz-Credential=" + secret,
		"widget @ https://u:" + secret + "@dl.example.com/w/widget-1.0-py3-none-any.whl#sha256=" + secret,
		"https://dl.example.com/w/widget-1.0-py3-none-any.whl?token=" + secret,
	} {
		q, err := parseReqLine(line)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		for _, short := range []bool{false, true} {
			got := q.Text(short)
			if strings.Contains(got, secret) {
				t.Errorf("%q (short %v): text %q shows the secret", line, short, got)
			}
			if !strings.Contains(got, "widget-1.0-py3-none-any.whl") {
				t.Errorf("%q (short %v): text %q lost the file name", line, short, got)
			}
		}
		f := Finding(Hit{Requirement: q, Package: &iocs.PackageIOC{ID: "pypi-widget", Name: "widget"}}, sweep.Location{}, "lockfile")
		if strings.Contains(f.Evidence.Text, secret) {
			t.Errorf("%q: finding evidence %q shows the secret", line, f.Evidence.Text)
		}
	}
}
