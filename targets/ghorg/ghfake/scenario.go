package ghfake

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Workflow files used by the scenario.
const (
	CIWorkflow = `name: ci
on: [push]
permissions:
  contents: write
  packages: write
env:
  REGION: ${{ vars.REGION }}
jobs:
  test:
    runs-on: ubuntu-latest
    environment: prod
    env:
      OPENAI_API_KEY: ${{ secrets.OPENAI_API_KEY }}
      DATABASE_PASSWORD: not-a-real-password-but-literal
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with: {python-version: "3.11"}
      - name: Install deps
        run: pip install -r requirements.txt
      - run: pytest -q
        env:
          PYPI_TOKEN: ${{ secrets.PYPI_TOKEN }}
          DEPLOY: ${{ secrets['DEPLOY_KEY'] }}
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ secrets.SLACK_WEBHOOK }}" > /dev/null
`
	DefaultCI = `name: ci
on: [push, pull_request]
jobs:
  scan:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Trivy
        uses: aquasecurity/trivy-action@0.28.0
        with:
          scan-type: fs
      - uses: aquasecurity/setup-trivy@8afa9b9f9183b4e00c46e2b82d34047e3c177bd0
`
	ScanWorkflow = `name: scan
on: push
jobs:
  scan:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: aquasecurity/trivy-action@0.28.0
        with:
          image-ref: ghcr.io/acme/api
          version: latest
        env:
          TRIVY_USERNAME: ${{ secrets.GHCR_USER }}
  release:
    uses: acme/shared/.github/workflows/release.yml@main
    secrets: inherit
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: ruff check .
`
	IACWorkflow = `name: iac
on: push
jobs:
  kics:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      id-token: write
    steps:
      - uses: actions/checkout@v4
      - uses: Checkmarx/kics-github-action@v2.1.3
        with: {path: terraform}
      - run: terraform plan
        env:
          AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
`
	UVLock = `version = 1
revision = 2
requires-python = ">=3.11"

[[package]]
name = "litellm"
version = "1.82.7"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "openai" },
]
sdist = { url = "https://files.pythonhosted.org/packages/source/l/litellm/litellm-1.82.7.tar.gz", hash = "sha256:8a2a05fd8bdc329c8a86d2d08229d167500c01ecad06e40477c49fb0096efdea", size = 9180346 }

[[package]]
name = "openai"
version = "1.68.2"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "tools"
version = "0.1.0"
source = { editable = "." }
dependencies = [
    { name = "litellm" },
]

[package.metadata]
requires-dist = [{ name = "litellm", specifier = ">=1.82" }]
`
	BadYAML = "name: broken\njobs:\n  build:\n    steps: [\n      - run: echo\n"
)

// Scenario fills s with the organisation "acme" used by the tests: exposed
// pip/uv runs, a trivy-action imposter run, an expired KICS-window log, a
// tpcp-docs repository, a repository with Actions disabled and an invalid
// workflow, a busy repository that needs day slicing, a fork and an
// archived repository. logDir holds the runner log fixtures.
func Scenario(s *Server, logDir string) error {
	read := func(name string) (string, error) {
		b, err := os.ReadFile(filepath.Join(logDir, name))
		return string(b), err
	}
	logs := map[string]string{}
	for _, n := range []string{"pip-litellm-1.82.8.log", "uv-litellm-1.82.7.log", "trivy-action-imposter.log", "clean.log"} {
		l, err := read(n)
		if err != nil {
			return err
		}
		logs[n] = l
	}
	at := func(y, mo, d, h, mi int) time.Time { return time.Date(y, time.Month(mo), d, h, mi, 0, 0, time.UTC) }
	api := &Repo{Name: "api", Branch: "main", Created: at(2024, 1, 2, 3, 4),
		Workflows: map[int64]string{11: ".github/workflows/ci.yml"},
		Files: map[string]string{".github/workflows/ci.yml": DefaultCI, "requirements.txt": "fastapi==0.115.6\nlitellm>=1.80\n", "README.md": "# api\n",
			"requirements/dev.txt": "-r ../requirements.txt\npytest==8.3.5\n"},
		At:      map[string]map[string]string{"a1" + sha38: {".github/workflows/ci.yml": CIWorkflow}, "b2" + sha38: {".github/workflows/ci.yml": CIWorkflow}},
		Secrets: []string{"PYPI_TOKEN", "SLACK_WEBHOOK"}, OrgSecrets: []string{"OPENAI_API_KEY", "NPM_TOKEN"},
		EnvSecrets: map[string][]string{"prod": {"DEPLOY_KEY"}},
		Runs: []*Run{
			{ID: 101, WorkflowID: 11, Name: "ci", HeadSHA: "a1" + sha38, Event: "push", Created: at(2026, 3, 24, 11, 1), Duration: 3 * time.Minute,
				Jobs: []*Job{{ID: 1011, Name: "test", Log: logs["pip-litellm-1.82.8.log"]},
					{ID: 1012, Name: "deploy", Conclusion: "skipped", LogStatus: 404}}},
			{ID: 102, WorkflowID: 11, Name: "ci", HeadSHA: "b2" + sha38, Event: "pull_request", Created: at(2026, 3, 24, 12, 30), Duration: 2 * time.Minute,
				Jobs: []*Job{{ID: 1021, Name: "test", Log: logs["uv-litellm-1.82.7.log"], Steps: []Step{
					{Name: "Set up job", Number: 1, Start: time.Date(2026, 3, 24, 12, 30, 1, 0, time.UTC), Stop: time.Date(2026, 3, 24, 12, 30, 4, 0, time.UTC)},
					{Name: "Install deps", Number: 4, Start: time.Date(2026, 3, 24, 12, 30, 5, 0, time.UTC), Stop: time.Date(2026, 3, 24, 12, 30, 9, 0, time.UTC)},
				}}, {ID: 1022, Name: "lint", Log: logs["clean.log"]}}},
			{ID: 103, WorkflowID: 11, Name: "ci", HeadSHA: "c3" + sha38, Event: "push", Created: at(2026, 3, 25, 9, 0), Duration: time.Minute,
				Jobs: []*Job{{ID: 1031, Name: "test", Log: logs["pip-litellm-1.82.8.log"]}}},
		}}
	scanner := &Repo{Name: "scanner", Branch: "main", Created: at(2024, 5, 6, 7, 8),
		Workflows: map[int64]string{21: ".github/workflows/scan.yml"},
		Files: map[string]string{".github/workflows/scan.yml": "name: scan\non: push\njobs:\n  scan:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: aquasecurity/trivy-action@0.35.0\n",
			"tools/uv.lock": UVLock, "tools/pyproject.toml": "[project]\nname = \"tools\"\nversion = \"0.1.0\"\ndependencies = [\"litellm>=1.82\"]\n"},
		At:            map[string]map[string]string{"d4" + sha38: {".github/workflows/scan.yml": ScanWorkflow}},
		SecretsStatus: 403,
		Runs: []*Run{{ID: 201, WorkflowID: 21, Name: "scan", HeadSHA: "d4" + sha38, Event: "push", Created: at(2026, 3, 19, 19, 12), Duration: 4 * time.Minute,
			Jobs: []*Job{{ID: 2011, Name: "scan", Log: logs["trivy-action-imposter.log"]}, {ID: 2012, Name: "lint", LogStatus: 410}}}}}
	infra := &Repo{Name: "infra", Branch: "main", Created: at(2024, 5, 6, 7, 8),
		Workflows: map[int64]string{31: ".github/workflows/iac.yml"},
		Files:     map[string]string{"main.tf": "terraform {}\n"},
		At:        map[string]map[string]string{"e5" + sha38: {".github/workflows/iac.yml": IACWorkflow}},
		Secrets:   []string{"AWS_SECRET_ACCESS_KEY"},
		Runs: []*Run{{ID: 301, WorkflowID: 31, Name: "iac", HeadSHA: "e5" + sha38, Event: "push", Created: at(2026, 3, 23, 13, 40), Duration: 2 * time.Minute,
			Jobs: []*Job{{ID: 3011, Name: "kics", LogStatus: 410}}}}}
	quiet := &Repo{Name: "quiet", Branch: "main", Created: at(2023, 1, 1, 0, 0),
		Files: map[string]string{".github/workflows/ci.yml": DefaultCI},
		Runs: []*Run{{ID: 501, WorkflowID: 51, Name: "ci", HeadSHA: "f6" + sha38, Event: "push", Created: at(2026, 2, 1, 10, 0), Duration: time.Minute,
			Jobs: []*Job{{ID: 5011, Name: "test", Log: logs["pip-litellm-1.82.8.log"]}}}}}
	broken := &Repo{Name: "broken", Branch: "main", Created: at(2023, 1, 1, 0, 0), RunsStatus: 404,
		Files: map[string]string{".github/workflows/bad.yml": BadYAML}}
	busy := &Repo{Name: "busy", Branch: "main", Created: at(2023, 1, 1, 0, 0), Files: map[string]string{"go.mod": "module x\n"}}
	for i := 0; i < 130; i++ {
		id := int64(70000 + i)
		busy.Runs = append(busy.Runs, &Run{ID: id, WorkflowID: 71, Name: "build", HeadSHA: fmt.Sprintf("%040x", id), Event: "push",
			Created: at(2026, 3, 23, 13, 0).Add(time.Duration(i) * time.Minute), Duration: time.Minute,
			Jobs: []*Job{{ID: id * 10, Name: "build", Log: logs["clean.log"]}}})
	}
	s.AddOrg("acme", api, scanner, infra,
		&Repo{Name: "tpcp-docs", Created: at(2026, 3, 19, 20, 5)},
		quiet, broken, busy,
		&Repo{Name: "old-fork", Fork: true, Branch: "main", Created: at(2022, 1, 1, 0, 0)},
		&Repo{Name: "legacy", Archived: true, Branch: "main", Created: at(2020, 1, 1, 0, 0)})
	return nil
}

const sha38 = "00000000000000000000000000000000000000"

// SecondaryLimit is the body GitHub sends with a secondary rate limit.
const SecondaryLimit = `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`

// PrimaryLimit is the body GitHub sends when the primary rate limit is used up.
const PrimaryLimit = `{"message":"API rate limit exceeded for user ID 4242. If you reach out to GitHub Support for help, please include the request ID 0000:1111:2222:3333:4444.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}`
