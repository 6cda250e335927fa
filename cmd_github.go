package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/litesweep/litesweep/scan"
	"github.com/litesweep/litesweep/sweep"
)

func githubCommand() *cli.Command {
	return &cli.Command{
		Name:  "github",
		Usage: "sweep GitHub organisations or repositories: Actions logs in the exposure windows, workflows, manifests, secrets to rotate",
		Description: "Lists the workflow runs created in each exposure window (one day at a time when needed), streams every\n" +
			"job log and matches the pack's CI indicators (litellm 1.82.7/1.82.8 installs, imposter trivy-action/\n" +
			"setup-trivy commits, KICS/AST runs in their windows, bad Trivy releases, tpcp-docs, C2 domains). Reads\n" +
			"the workflow files at the default branch and at each exposed run's commit, and lists the secrets each\n" +
			"exposed job could read (names only). A run whose logs expired is graded from its workflow and the\n" +
			"manifests it installs from at its commit (\"likely exposed: logs expired\", secrets listed as\n" +
			"precautionary); with nothing to grade it stays unverified, never clean.\n\n" +
			"Rate limits: the sweep waits as GitHub asks (Retry-After, reset time), sends one probe at a time\n" +
			"while a limit stands, and after 5 consecutive limit answers (or a reset beyond an hour) stops, writes\n" +
			"the partial report (exit 3 unless findings) and prints when to re-run with the same --state.\n\n" +
			"The token comes from GITHUB_TOKEN or --token-file (fine-grained: Actions read, Contents read,\n" +
			"Metadata read; Secrets read to resolve secret scopes). It is only ever sent to the API host." + "\n\n" +
			examples(
				"GITHUB_TOKEN=... litesweep github --org acme --state acme.state -f json -o acme.json",
				"litesweep github --repo acme/api --repo acme/web --token-file ~/.gh-token",
				"litesweep github --org acme --window 2026-03-24..2026-03-25 --no-files",
			),
		Flags: append([]cli.Flag{
			&cli.StringSliceFlag{Name: "org", Usage: "sweep every repository of organisation `ORG` (repeatable)"},
			&cli.StringSliceFlag{Name: "repo", Usage: "sweep repository `OWNER/NAME` (repeatable)"},
			&cli.StringFlag{Name: "api-url", Usage: "GitHub Enterprise Server `URL` (e.g. https://ghe.example.com); default github.com"},
			&cli.StringFlag{Name: "token-file", Usage: "read the token from `FILE` instead of the GITHUB_TOKEN environment variable"},
			&cli.StringFlag{Name: "window", Usage: "sweep runs in `START..END` only (default: every window in the pack)"},
			&cli.BoolFlag{Name: "include-forks", Usage: "also sweep forks"},
			&cli.BoolFlag{Name: "include-archived", Usage: "also sweep archived repositories"},
			&cli.IntFlag{Name: "concurrency", Value: 4, Usage: "sweep `N` repositories at once"},
			&cli.StringFlag{Name: "state", Usage: "record finished repositories and runs in `FILE`; a re-run retries only the unfinished"},
			sizeFlag("max-log-bytes", scan.DefaultMaxLogBytes, "read at most `SIZE` of one job log (the rest is reported as unverified)"),
			&cli.BoolFlag{Name: "no-files", Usage: "do not read default-branch workflow files and Python manifests (runs and logs only)"},
		}, reportFlags()...),
		Action: runGitHub,
	}
}

func runGitHub(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("github takes no arguments (got %q); use --org ORG or --repo OWNER/NAME", c.Args().First())
	}
	failOn, err := checkReportFlags(c)
	if err != nil {
		return err
	}
	orgs, repos := c.StringSlice("org"), c.StringSlice("repo")
	if len(orgs) == 0 && len(repos) == 0 {
		return usagef("name at least one --org ORG or --repo OWNER/NAME")
	}
	if c.Int("concurrency") < 1 || c.Int("concurrency") > 32 {
		return usagef("--concurrency must be between 1 and 32")
	}
	for _, r := range repos {
		if o, n, ok := strings.Cut(r, "/"); !ok || o == "" || n == "" || strings.Contains(n, "/") {
			return usagef("--repo %q: want OWNER/NAME", r)
		}
	}
	if st := c.String("state"); st != "" {
		if err := sweep.CheckWritable(st); err != nil {
			return usagef("--state %s: %v", st, err)
		}
	}
	l, m, err := loadPack(c)
	if err != nil {
		return err
	}
	window, err := windowFlag(c)
	if err != nil {
		return err
	}
	token, err := githubToken(c)
	if err != nil {
		return err
	}
	o := scan.GitHubOptions{Orgs: orgs, Repos: repos, APIURL: c.String("api-url"), Token: token, Window: window,
		IncludeForks: c.Bool("include-forks"), IncludeArchived: c.Bool("include-archived"),
		Concurrency: c.Int("concurrency"), StatePath: c.String("state"), MaxLogBytes: sizeValue(c, "max-log-bytes"),
		SkipFiles: c.Bool("no-files"),
		RateLimited: func(reason string, until time.Time, unfinished int) {
			again := "re-run the same command with the same --state " + c.String("state")
			if c.String("state") == "" {
				again = "re-run it with --state FILE (this run kept no state, so the next one starts over)"
			}
			fmt.Fprintf(c.App.ErrWriter, "litesweep: stopped at a standing GitHub rate limit (%s); %d repositories not finished (listed in the report); %s after %s\n",
				reason, unfinished, again, until.Format(time.RFC3339))
		}}
	r, err := scan.Run(c.Context, newEnv(c, l, m), o)
	if err != nil {
		return err
	}
	return emitReport(c, r, failOn)
}

// githubToken reads the token from --token-file or GITHUB_TOKEN. It is
// never accepted as a flag value (it would show in ps and shell history).
func githubToken(c *cli.Context) (string, error) {
	if p := c.String("token-file"); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			return "", usagef("--token-file: %v", err)
		}
		tok := strings.TrimSpace(string(b))
		if tok == "" || strings.ContainsAny(tok, " \t\r\n") {
			return "", usagef("--token-file %s: want one token on one line", p)
		}
		return tok, nil
	}
	tok := strings.TrimSpace(os.Getenv("GITHUB_TOKEN"))
	if tok == "" {
		return "", usagef("no GitHub token: set GITHUB_TOKEN or pass --token-file FILE (Actions: read, Contents: read)")
	}
	return tok, nil
}
