package sweep

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestLocationJSONKeepsExactBytes(t *testing.T) {
	tests := []struct {
		loc       Location
		wantBytes bool
	}{
		{Location{Path: "/home/a/.bash_history", Line: 3}, false},
		{Location{Path: "/srv/x\xff\xfe/y", Member: "m\xc3.py"}, true},
		{Location{Path: "/tmp/caf\u00e9\x1b]8;;x\x07"}, false},
	}
	for _, tc := range tests {
		b, err := json.Marshal(Finding{Location: tc.loc})
		if err != nil {
			t.Fatal(err)
		}
		if has := strings.Contains(string(b), `"path_bytes"`); has != tc.wantBytes {
			t.Errorf("%q: path_bytes present %v, want %v: %s", tc.loc.Path, has, tc.wantBytes, b)
		}
		var back Finding
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back.Location != tc.loc {
			t.Errorf("round trip: got %+v want %+v", back.Location, tc.loc)
		}
	}
}
