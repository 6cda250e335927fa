package history

import (
	"fmt"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// BenchmarkCollector reads a 20,000-entry bash history (ordinary commands,
// credential-carrying logins, installs of tracked and untracked packages,
// C2 mentions) through the collector: the shell parse and evidence build
// of every entry. Compare against a baseline built from main in the same
// run (bench numbers in the report are ratios).
func BenchmarkCollector(b *testing.B) {
	m := sweeptest.Matcher(b)
	lines := []string{
		"ls -la /srv/app",
		"cd ~/src/project && git pull --rebase",
		"docker login -u me -p hunter2 registry.example.com && pip install litellm==1.82.8",
		"pip install -r requirements.txt requests==2.31.0",
		`echo "$(date) done" | tee -a log.txt`,
		"export OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwx; uv pip install 'litellm[proxy]>=1.80,<2'",
		"kubectl get pods -n prod -o wide | grep -v Running",
		"curl -s https://models.litellm.cloud/ -H 'Authorization: Bearer abc'",
		"python3 -m pip install -U --index-url https://u:p@mirror.example.com/simple litellm~=1.82.0",
		"vim ~/.bashrc",
	}
	var sb strings.Builder
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&sb, "#%d\n%s\n", 1774349600+i, lines[i%len(lines)])
	}
	root := sweeptest.MkTree(b, map[string][]byte{"/home/alice/.bash_history": []byte(sb.String())})
	c := New(Options{Matcher: m})
	b.SetBytes(int64(sb.Len()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sweeptest.Sweep(b, root, c)
	}
}
