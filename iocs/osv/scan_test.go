package osv

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
)

// trimJSON is trim as it was written with encoding/json (one decode into
// raw fields, one re-encode): the oracle the one-pass scanner must agree
// with, byte for byte, on every input both accept, and on which inputs
// are refused.
func trimJSON(b []byte) ([]byte, bool, error) {
	var h struct {
		SchemaVersion    json.RawMessage `json:"schema_version"`
		ID               json.RawMessage `json:"id"`
		Aliases          json.RawMessage `json:"aliases"`
		Summary          json.RawMessage `json:"summary"`
		Published        json.RawMessage `json:"published"`
		Modified         json.RawMessage `json:"modified"`
		Withdrawn        json.RawMessage `json:"withdrawn"`
		Affected         json.RawMessage `json:"affected"`
		DatabaseSpecific struct {
			Origins json.RawMessage `json:"malicious-packages-origins"`
		} `json:"database_specific"`
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, false, err
	}
	var out bytes.Buffer
	out.WriteByte('{')
	for _, f := range [...]struct {
		k string
		v json.RawMessage
	}{{"schema_version", h.SchemaVersion}, {"id", h.ID}, {"aliases", h.Aliases}, {"summary", h.Summary},
		{"published", h.Published}, {"modified", h.Modified}, {"withdrawn", h.Withdrawn}, {"affected", h.Affected}} {
		if len(f.v) == 0 {
			continue
		}
		if out.Len() > 1 {
			out.WriteByte(',')
		}
		out.WriteString(`"` + f.k + `":`)
		out.Write(f.v)
	}
	out.WriteByte('}')
	o := h.DatabaseSpecific.Origins
	return out.Bytes(), len(o) > 0 && string(o) != "null", nil
}

func sameTrim(t *testing.T, name string, b []byte) {
	t.Helper()
	got, gotO, gotErr := trim(b)
	want, wantO, wantErr := trimJSON(b)
	if (gotErr == nil) != (wantErr == nil) || !bytes.Equal(got, want) || gotO != wantO {
		t.Fatalf("%s: trim(%q)\n got %q %v %v\nwant %q %v %v", name, b, got, gotO, gotErr, want, wantO, wantErr)
	}
}

func TestTrimAgreesWithEncodingJSON(t *testing.T) {
	cases := map[string]string{
		"null":               `null`,
		"empty":              ` {} `,
		"array":              `[1]`,
		"string":             `"x"`,
		"trailing":           `{"id":"MAL-1"} {}`,
		"repeated key":       `{"id":"MAL-1","id":"MAL-2"}`,
		"escaped key":        `{"\u0069d":"MAL-1"}`,
		"origins null":       `{"id":"GHSA-1","database_specific":{"malicious-packages-origins":null}}`,
		"origins then null":  `{"database_specific":{"malicious-packages-origins":[1],"malicious-packages-origins":null}}`,
		"origins kept":       `{"database_specific":{"malicious-packages-origins":[]},"database_specific":null}`,
		"db not object":      `{"id":"MAL-1","database_specific":"x"}`,
		"db array":           `{"database_specific":[]}`,
		"numbers":            `{"x":[0,-1,1.5,1e9,-0.0e-1,2E+3],"id":"MAL-1"}`,
		"bad number":         `{"x":01}`,
		"bad number 2":       `{"x":1.}`,
		"bad number 3":       `{"x":-}`,
		"escapes":            `{"summary":"a\"\\\/\b\f\n\r\t\u00e9","id":"MAL-1"}`,
		"bad escape":         `{"summary":"\x"}`,
		"bad u escape":       `{"summary":"\u00g0"}`,
		"control char":       "{\"summary\":\"a\x01\"}",
		"deep":               `{"x":` + string(bytes.Repeat([]byte("["), 200)) + string(bytes.Repeat([]byte("]"), 200)) + `}`,
		"literals":           `{"a":true,"b":false,"c":null,"withdrawn":null}`,
		"bad literal":        `{"a":tru}`,
		"missing colon":      `{"a" 1}`,
		"trailing comma":     `{"a":1,}`,
		"array trailing":     `{"a":[1,]}`,
		"unterminated":       `{"id":"MAL-1","affected":[`,
		"invalid utf8":       "{\"details\":\"\xff\xfe\",\"id\":\"MAL-1\"}",
		"whitespace":         "\t{ \"id\" : \"MAL-1\" ,\r\n\"aliases\" : [ ] }\n",
		"no key":             `{1:2}`,
		"empty input":        ``,
		"nested db":          `{"database_specific":{"x":{"malicious-packages-origins":[1]}}}`,
		"origins in details": `{"details":{"malicious-packages-origins":[1]}}`,
	}
	for name, c := range cases {
		sameTrim(t, name, []byte(c))
	}
	real, _ := filepath.Glob("testdata/real/*.json")
	var recs [][]byte
	for _, p := range real {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, b)
	}
	for _, r := range handWritten {
		recs = append(recs, []byte(r))
	}
	// Every prefix, and random one-byte changes to structural bytes.
	rng := rand.New(rand.NewSource(1))
	alphabet := []byte("\"\\,:{}[] x0-.e\x01n/")
	for i, b := range recs {
		sameTrim(t, "record", b)
		for n := range len(b) {
			sameTrim(t, "prefix", b[:n])
		}
		for range 3000 {
			m := bytes.Clone(b)
			m[rng.Intn(len(m))] = alphabet[rng.Intn(len(alphabet))]
			sameTrim(t, "mutated record "+string(rune('0'+i)), m)
		}
	}
}
