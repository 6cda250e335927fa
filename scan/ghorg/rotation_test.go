package ghorg

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/litesweep/litesweep/scan/ghorg/ghfake"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// rotationScenarios are the GitHub sweeps whose rotation items are pinned
// in testdata/rotation: the acme org as TestGoldenOrg sweeps it (confirmed
// and unverified exposures, a repository whose secrets cannot be listed)
// and the corp org whose logs expired (precautionary items).
var rotationScenarios = []struct {
	name  string
	setup func(t *testing.T) (*ghfake.Server, func(*Config))
}{
	{"acme", func(t *testing.T) (*ghfake.Server, func(*Config)) { return newScenario(t), nil }},
	{"corp-expired", func(t *testing.T) (*ghfake.Server, func(*Config)) {
		return expiredOrg(t), func(c *Config) { c.Orgs = []string{"corp"} }
	}},
}

// TestRotationPinned pins the rotation items of each scenario.
// Regenerate with: go test ./scan/ghorg -run RotationPinned -update
func TestRotationPinned(t *testing.T) {
	for _, sc := range rotationScenarios {
		t.Run(sc.name, func(t *testing.T) {
			f, mut := sc.setup(t)
			sw, _ := newSweeper(t, f, mut)
			res, err := sw.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			items := res.Rotation
			got, err := json.MarshalIndent(items, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			sweeptest.Golden(t, filepath.Join("testdata", "rotation", sc.name+".json"), got, *update)
			_ = sweep.RotationItem{}
		})
	}
}
