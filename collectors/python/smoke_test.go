package python

import (
	"testing"

	"github.com/litesweep/litesweep/collectors/internal/pyindex"
)

func TestSmoke(t *testing.T) {
	fx := pyindex.Litellm()
	m := fx.TestMatcher(t)
	root := t.TempDir()
	write(t, root, "etc/passwd", []byte("root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n"))
	v := "home/alice/proj/.venv"
	write(t, root, v+"/pyvenv.cfg", []byte("home = /usr/bin\nversion = 3.11.2\nexecutable = /usr/bin/python3.11\n"))
	unpackWheel(t, root, v+"/lib/python3.11/site-packages", fx.Bad8, "pip")
	unpackWheel(t, root, "usr/lib/python3/dist-packages", fx.Clean, "debian")
	r := sweepTree(t, root, m, 0)
	r.dump(t)
}
