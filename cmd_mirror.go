package main

import (
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/litesweep/litesweep/scan"
)

func mirrorCommand() *cli.Command {
	return &cli.Command{
		Name:  "mirror",
		Usage: "check internal PyPI mirrors and proxies for compromised files they still serve",
		Description: "For every affected distribution of the pack (litellm, telnyx) reads the mirror's project page in\n" +
			"both the PEP 691 JSON and the PEP 503 HTML forms and reports each file of a bad release it still\n" +
			"serves (by file name and version, or by a SHA-256 equal to a bad release's file whatever its name),\n" +
			"with its URL and the step to purge it. Yanked files (PEP 592) are reported lower: pip still installs\n" +
			"them for an exact pin. --download fetches each bad file to confirm its hash (streamed, bounded).\n" +
			"Credentials come from the URL's userinfo (sent only to that host) or ~/.netrc ($NETRC), as pip reads\n" +
			"them, and are never printed. A page that cannot be read is a located error (INCOMPLETE).\n\n" +
			"Examples:\n" +
			"  litesweep mirror --index-url https://artifactory.example.com/api/pypi/pypi-remote/simple/\n" +
			"  litesweep mirror --index-url \"$PIP_INDEX_URL\" --index-url https://devpi.example.com/root/pypi/+simple/ --download",
		Flags: append([]cli.Flag{
			&cli.StringSliceFlag{Name: "index-url", Usage: "simple index `URL` of the mirror (PIP_INDEX_URL form, userinfo allowed; repeatable)"},
			&cli.BoolFlag{Name: "download", Usage: "download each bad file to confirm its SHA-256"},
			&cli.StringFlag{Name: "netrc", Usage: "read credentials from `FILE` (default $NETRC, else ~/.netrc)"},
			sizeFlag("max-page-size", scan.DefaultMaxPageBytes, "read at most `SIZE` of one project page"),
			sizeFlag("max-file-size", scan.DefaultMaxFileBytes, "download at most `SIZE` of one file"),
			&cli.DurationFlag{Name: "timeout", Value: scan.DefaultMirrorTimeout, Usage: "give up on one request after `DURATION`"},
		}, reportFlags()...),
		Action: runMirror,
	}
}

func runMirror(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("mirror takes no arguments (got %q); use --index-url URL", c.Args().First())
	}
	urls := c.StringSlice("index-url")
	if len(urls) == 0 {
		return usagef("mirror needs at least one --index-url URL")
	}
	for i, u := range urls {
		if err := scan.CheckIndexURL(u); err != nil {
			return usagef("--index-url #%d: %v", i+1, err)
		}
	}
	failOn, l, m, err := reportSetup(c)
	if err != nil {
		return err
	}
	nrcPath := c.String("netrc")
	if nrcPath == "" {
		nrcPath = os.Getenv("NETRC")
	}
	if nrcPath == "" {
		if home, err := os.UserHomeDir(); err == nil {
			nrcPath = filepath.Join(home, ".netrc")
		}
	}
	r, err := scan.Run(c.Context, newEnv(c, l, m), scan.MirrorOptions{IndexURLs: urls, Netrc: nrcPath, Download: c.Bool("download"),
		MaxPageBytes: sizeValue(c, "max-page-size"), MaxFileBytes: sizeValue(c, "max-file-size"), Timeout: c.Duration("timeout")})
	if err != nil {
		return flagNamed(err, map[string]string{"Netrc": "netrc"})
	}
	return emitReport(c, r, failOn)
}
