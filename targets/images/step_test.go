package images

import (
	"strings"
	"testing"

	"github.com/litesweep/litesweep/collectors/installcmd"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// TestStepText: what a report shows of a build step, for the created_by
// shapes BuildKit, the classic builder and buildah write. A secret in a
// step (build args, ENV/ARG values, credentials in URLs, assignments)
// never shows; the keyword and the install commands do.
func TestStepText(t *testing.T) {
	j := installcmd.NewJudge(sweeptest.Matcher(t))
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"  ", ""},
		// BuildKit
		{"RUN /bin/sh -c pip install --no-cache-dir litellm==1.82.8 # buildkit", "RUN pip install … litellm==1.82.8"},
		{"RUN |1 NPM_TOKEN=SECRET /bin/sh -c npm ci # buildkit", "RUN npm ci"},
		{"RUN |2 A=SECRET B=SECRET /bin/sh -c apt-get update && pip install requests # buildkit", "RUN … pip install …"},
		{"RUN pip install litellm==1.82.7 # buildkit", "RUN pip install litellm==1.82.7"}, // exec form
		{"RUN /bin/bash -o pipefail -c curl -H 'Authorization: SECRET' https://x | sh # buildkit", "RUN …"},
		{"RUN /bin/sh -c TOKEN=SECRET pip install litellm # buildkit", "RUN … pip install litellm"},
		{"ENV AWS_SECRET_ACCESS_KEY=SECRET", "ENV …"},
		{"ARG NPM_TOKEN=SECRET", "ARG …"},
		{"COPY --chown=app SECRET /app # buildkit", "COPY …"},
		{"ADD file:abc in /", "ADD …"},
		{`CMD ["python" "-c" "SECRET"]`, "CMD …"},
		{"WORKDIR /app", "WORKDIR …"},
		// classic builder (and buildah)
		{"/bin/sh -c #(nop) ADD file:5f1c8a0e in / ", "ADD …"},
		{"/bin/sh -c #(nop)  ENV GITHUB_TOKEN=SECRET", "ENV …"},
		{"/bin/sh -c #(nop) SECRET", "…"},
		{"/bin/sh -c pip install litellm==1.82.8 && rm -rf /root/.cache", "RUN pip install litellm==1.82.8 …"},
		{"|1 PIP_INDEX_URL=https://u:SECRET@host/simple /bin/sh -c pip install -r requirements.txt", "RUN pip install -r requirements.txt"},
		{"/bin/sh -ec npm install --registry https://SECRET@r.example/ left-pad", "RUN npm install --registry https://r.example …"},
		// other builders' free text
		{"SECRET", "…"},
		{"by ko SECRET", "…"},
		{"/bin/sh SECRET", "…"},
	} {
		got := stepText(tc.in, j)
		if got != tc.want {
			t.Errorf("stepText(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if strings.Contains(strings.ToUpper(got), "SECRET") {
			t.Errorf("stepText(%q) shows the secret: %q", tc.in, got)
		}
	}
	// Without a matcher the installers still show, no package does.
	if got := stepText("RUN /bin/sh -c pip install litellm==1.82.8 # buildkit", nil); got != "RUN pip install …" {
		t.Errorf("without a judge: %q", got)
	}
}
