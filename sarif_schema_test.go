package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/internal/testenv"
)

// validateSchemaPy validates a JSON document against a JSON schema with
// python3-jsonschema (Debian), choosing the validator the schema's
// $schema names (draft 2020-12 for SARIF 2.1.0).
const validateSchemaPy = `
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
cls = jsonschema.validators.validator_for(schema)
errs = sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.absolute_path))
for e in errs[:20]:
    print("/".join(str(p) for p in e.absolute_path) + ": " + e.message[:300])
sys.exit(1 if errs else 0)
`

// TestSARIFSchema validates the SARIF of a real host sweep (the golden
// fixture root) and of a fleet merge against the official SARIF 2.1.0
// schema, and checks that every result points at a file.
func TestSARIFSchema(t *testing.T) {
	py := "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import jsonschema").CombinedOutput(); err != nil {
		testenv.SkipOrFail(t, "python3-jsonschema (Debian) is needed to validate SARIF: "+string(out))
	}
	schema, _ := filepath.Abs(filepath.Join("testdata", "sarif", "sarif-2.1.0.json"))
	dir := t.TempDir()
	root := hostFixture(t)
	hostSARIF := filepath.Join(dir, "host.sarif")
	hostJSON := filepath.Join(dir, "host.json")
	if code, _, errs := runArgs(context.Background(), "host", "--root", root, "--format", "sarif", "-o", hostSARIF, "-q"); code != 1 {
		t.Fatalf("host sarif: exit %d: %s", code, errs)
	}
	if code, _, errs := runArgs(context.Background(), "host", "--root", root, "--format", "json", "-o", hostJSON, "-q"); code != 1 {
		t.Fatalf("host json: exit %d: %s", code, errs)
	}
	fleetSARIF := filepath.Join(dir, "fleet.sarif")
	if code, _, errs := runArgs(context.Background(), "merge", "--format", "sarif", "-o", fleetSARIF, "-q", hostJSON); code != 1 {
		t.Fatalf("merge sarif: exit %d: %s", code, errs)
	}
	// Every result points at a file and a line; the installed release at
	// its METADATA's Version line, the .pth at its executed line.
	var log struct {
		Runs []struct {
			Results []struct {
				Properties struct{ Category string }
				Locations  []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           *struct{ StartLine int }
					}
				}
			}
		}
	}
	b, _ := os.ReadFile(hostSARIF)
	if err := json.Unmarshal(b, &log); err != nil || len(log.Runs) != 1 {
		t.Fatalf("host SARIF: %v", err)
	}
	for _, r := range log.Runs[0].Results {
		pl := r.Locations[0].PhysicalLocation
		if pl.Region == nil || pl.Region.StartLine < 1 || strings.HasSuffix(pl.ArtifactLocation.URI, "/") {
			t.Errorf("%s result at %q has no line", r.Properties.Category, pl.ArtifactLocation.URI)
			continue
		}
		switch r.Properties.Category {
		case "python-package":
			if !strings.HasSuffix(pl.ArtifactLocation.URI, ".dist-info/METADATA") || pl.Region.StartLine < 2 {
				t.Errorf("installed release at %s line %d, want its METADATA's Version line", pl.ArtifactLocation.URI, pl.Region.StartLine)
			}
		case "startup-hook":
			if !strings.HasSuffix(pl.ArtifactLocation.URI, ".pth") {
				t.Errorf(".pth result at %s", pl.ArtifactLocation.URI)
			}
		}
	}
	for _, f := range []string{hostSARIF, fleetSARIF} {
		out, err := exec.Command(py, "-c", validateSchemaPy, schema, f).CombinedOutput()
		if err != nil {
			b, _ := os.ReadFile(f)
			t.Errorf("%s does not validate against the SARIF 2.1.0 schema: %v\n%s\n(%d bytes)", filepath.Base(f), err, out, len(b))
		}
	}
}
