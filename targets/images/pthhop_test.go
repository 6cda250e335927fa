package images

import (
	"testing"

	"github.com/litesweep/litesweep/sweep"
)

// TestPthHopInLayer: a .pth whose executed line imports a sibling module
// carrying the payload is critical in an image layer too, whichever of the
// two comes first in the tar (the module is buffered: the payloads
// collector asks for every .py as a candidate).
func TestPthHopInLayer(t *testing.T) {
	hook := member{name: site + "zz_hook.pth", body: "import zz_helper\n"}
	mod := member{name: site + "zz_helper.py", body: "import urllib.request\nurllib.request.urlopen('https://models.litellm.cloud/')\n"}
	for _, order := range [][]member{{hook, mod}, {mod, hook}} {
		s, sink := newTestScanner(t)
		s.NewCollectors = nil // the real collectors
		scanV1(t, s, "hop:1", buildImage(t, step{"RUN pip install zz", layerOf(t, order...)}))
		fs, es := sink.Drain()
		got := findingsAt(fs, "hop:1", "/"+site+"zz_hook.pth")
		if len(got) != 1 || got[0].Severity != sweep.Critical || len(es) != 0 {
			t.Errorf("tar order %s first: findings %+v errors %+v", order[0].name, got, es)
		}
	}
}
