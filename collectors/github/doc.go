// Package github sweeps GitHub organisations and repositories for the
// litellm/TeamPCP compromise: Actions run logs, workflow files, Python
// manifests, and the secrets each exposed run could read.
package github

import _ "github.com/google/go-github/v60/github"
