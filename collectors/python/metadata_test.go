package python

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/internal/pyindex"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

func TestParseMetadata(t *testing.T) {
	for _, tc := range []struct {
		file, name, version, err string
	}{
		{"good", "LiteLLM", "1.82.8.0", ""},
		{"no-version", "", "", "no Version header"},
		{"no-name", "", "", "no Name header"},
		{"not-headers", "", "", "not a header"},
		{"binary", "", "", "not a text file"},
		{"empty", "", "", "no Name and no Version"},
	} {
		m, err := ParseMetadata(sweeptest.Testdata(t, "metadata/"+tc.file))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.file, err, tc.err)
			}
			continue
		}
		if err != nil || m.Name != tc.name || m.Version != tc.version {
			t.Errorf("%s: %+v %v", tc.file, m, err)
		}
	}
}

func TestParseRecord(t *testing.T) {
	rows, errs := ParseRecord(sweeptest.Testdata(t, "record/mixed"))
	var got []string
	for _, r := range rows {
		got = append(got, r.Path)
	}
	if strings.Join(got, ",") != `litellm/__init__.py,litellm-1.dist-info/RECORD,litellm/win/path.py` {
		t.Errorf("rows %q", got)
	}
	if len(errs) != 2 || !strings.Contains(errs[0].Error(), "line 2") || !strings.Contains(errs[1].Error(), "bad hash field") {
		t.Errorf("errors %v", errs)
	}
	rows, errs = ParseRecord(sweeptest.Testdata(t, "record/malformed"))
	if len(rows) != 1 || len(errs) != 2 {
		t.Errorf("malformed: %d rows, errors %v", len(rows), errs)
	}
}

func TestDistNames(t *testing.T) {
	m := sweeptest.Matcher(t)
	for _, tc := range []struct {
		dir     string
		tracked bool
	}{
		{"litellm-1.82.8.dist-info", true},
		{"LiteLLM-1.82.8.dist-info", true},
		{"litellm-1.82.8-py3.11.egg-info", true},
		{"litellm.egg-info", true},
		{"litellm_proxy-1.0.dist-info", false},
		{"litellm_enterprise-0.1.dist-info", false},
		{"telnyx-4.87.1.dist-info", true},
		{"requests-2.31.0.dist-info", false},
	} {
		c := New(Options{Matcher: m})
		if got := c.tracked(tc.dir); got != tc.tracked {
			t.Errorf("tracked(%s) = %v", tc.dir, got)
		}
	}
	for _, tc := range []struct {
		name, version string
		bad           bool
	}{
		{"litellm", "1.82.8", true},
		{"LiteLLM", "1.82.8.0", true},
		{"litellm", "1.82.7", true},
		{"litellm", "1.82.70", false},
		{"litellm", "1.82.7.post1", false},
		{"litellm", "1.82.6", false},
		{"litellm_proxy", "1.82.8", false},
		{"Telnyx", "4.87.1", true},
	} {
		if _, bad := m.Package(tc.name, tc.version); bad != tc.bad {
			t.Errorf("Package(%s, %s) = %v", tc.name, tc.version, bad)
		}
	}
	for _, tc := range []struct{ in, name, version string }{
		{"litellm-1.82.7.dist-info", "litellm", "1.82.7"},
		{"litellm-1.82.8-py3.11.egg-info", "litellm", "1.82.8"},
	} {
		if m, ok := nameFromDir(tc.in); !ok || m.Name != tc.name || m.Version != tc.version {
			t.Errorf("nameFromDir(%s) = %+v", tc.in, m)
		}
	}
	_ = pyindex.Litellm
}

// TestParseRecordBounded: a hostile RECORD of millions of rows is cut at
// maxRecordRows with an error, in memory a small multiple of its size.
func TestParseRecordBounded(t *testing.T) {
	b := bytes.Repeat([]byte("a,,\n"), 8<<20) // 32 MiB, 8M rows
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	rows, errs := ParseRecord(b)
	runtime.ReadMemStats(&after)
	t.Logf("%d bytes: %d rows, %d errors, %v, %d bytes allocated", len(b), len(rows), len(errs), time.Since(start), after.TotalAlloc-before.TotalAlloc)
	if len(rows) != maxRecordRows || len(errs) != 1 || !strings.Contains(errs[0].Error(), "more than") {
		t.Errorf("%d rows, errors %v", len(rows), errs)
	}
	if a := after.TotalAlloc - before.TotalAlloc; a > uint64(len(b)) {
		t.Errorf("allocated %d bytes for a %d-byte RECORD", a, len(b))
	}
}
