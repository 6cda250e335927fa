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
		Usage: "check internal PyPI and npm mirrors and proxies for compromised releases they still serve",
		Description: "PyPI (--index-url): for every affected distribution of the packs reads the mirror's project page in\n" +
			"both the PEP 691 JSON and the PEP 503 HTML forms and reports each file of a bad release it still\n" +
			"serves (by file name and version, or by a SHA-256 equal to a bad release's file whatever its name),\n" +
			"with its URL and the step to purge it. Yanked files (PEP 592) are reported lower: pip still installs\n" +
			"them for an exact pin.\n" +
			"npm (--registry, --verdaccio-storage): for every npm package of the packs reads the packument (GET\n" +
			"<registry>/<name>, @scope%2fname, as npm asks) or the package.json of a Verdaccio storage folder, and\n" +
			"reports each bad version it still lists, with its tarball; higher when the latest dist-tag names it\n" +
			"(npm install <name> gets it), lower when deprecated. A bad version the registry no longer lists is\n" +
			"asked for at its tarball URL, and a stored tarball its package.json no longer lists is reported: a\n" +
			"lockfile's resolved URL still gets it (npm ci). A 404 is a package not served.\n" +
			"--download fetches each bad file or tarball to confirm its hash (streamed, bounded; stored tarballs are\n" +
			"always hashed). --osv records add the packages they name.\n" +
			"Credentials come from the URL's userinfo (sent only to that host) or ~/.netrc ($NETRC), as pip reads\n" +
			"them, and for npm registries first from ~/.npmrc ($NPM_CONFIG_USERCONFIG, --npmrc) as npm reads it:\n" +
			"//host/path/:_authToken (a bearer token), :_auth or :username with :_password, ${VAR} from the\n" +
			"environment, the longest key that is a prefix of the request URL, never sent after a redirect to\n" +
			"another origin. They are never printed. A page that cannot be read is a located error (INCOMPLETE).\n\n" +
			"Examples:\n" +
			"  litesweep mirror --index-url https://artifactory.example.com/api/pypi/pypi-remote/simple/\n" +
			"  litesweep mirror --index-url \"$PIP_INDEX_URL\" --index-url https://devpi.example.com/root/pypi/+simple/ --download\n" +
			"  litesweep mirror --registry https://artifactory.example.com/api/npm/npm-remote/ --registry http://verdaccio:4873/\n" +
			"  NPM_TOKEN=... litesweep mirror --registry https://npm.pkg.github.com/ --npmrc ./.npmrc\n" +
			"  litesweep mirror --verdaccio-storage /verdaccio/storage",
		Flags: append([]cli.Flag{
			&cli.StringSliceFlag{Name: "index-url", Usage: "PyPI simple index `URL` of the mirror (PIP_INDEX_URL form, userinfo allowed; repeatable)"},
			&cli.StringSliceFlag{Name: "registry", Usage: "npm registry `URL` of the mirror (npm's registry setting, userinfo allowed; repeatable)"},
			&cli.StringSliceFlag{Name: "verdaccio-storage", Usage: "a Verdaccio storage `DIR` (its config's storage:, holding .verdaccio-db.json; repeatable)"},
			&cli.BoolFlag{Name: "download", Usage: "download each bad file or tarball to confirm its SHA-256"},
			&cli.StringFlag{Name: "netrc", Usage: "read credentials from `FILE` (default $NETRC, else ~/.netrc)"},
			&cli.StringFlag{Name: "npmrc", Usage: "read npm registry credentials from `FILE` (default $NPM_CONFIG_USERCONFIG, else ~/.npmrc)"},
			sizeFlag("max-page-size", scan.DefaultMaxPageBytes, "read at most `SIZE` of one project page or packument"),
			sizeFlag("max-file-size", scan.DefaultMaxFileBytes, "download or hash at most `SIZE` of one file"),
			&cli.DurationFlag{Name: "timeout", Value: scan.DefaultMirrorTimeout, Usage: "give up on one request after `DURATION`"},
		}, reportFlags()...),
		Action: runMirror,
	}
}

func runMirror(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("mirror takes no arguments (got %q); use --index-url, --registry or --verdaccio-storage", c.Args().First())
	}
	urls, regs, dirs := c.StringSlice("index-url"), c.StringSlice("registry"), c.StringSlice("verdaccio-storage")
	if len(urls)+len(regs)+len(dirs) == 0 {
		return usagef("mirror needs at least one --index-url URL (PyPI), --registry URL (npm) or --verdaccio-storage DIR")
	}
	for _, f := range []struct {
		flag string
		urls []string
	}{{"--index-url", urls}, {"--registry", regs}} {
		for i, u := range f.urls {
			if err := scan.CheckIndexURL(u); err != nil {
				return usagef("%s #%d: %v", f.flag, i+1, err)
			}
		}
	}
	for _, d := range dirs {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			return usagef("--verdaccio-storage %q: not a directory", d)
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
	rcPath := c.String("npmrc")
	for _, v := range []string{"NPM_CONFIG_USERCONFIG", "npm_config_userconfig"} {
		if rcPath == "" {
			rcPath = os.Getenv(v)
		}
	}
	if rcPath == "" {
		if home, err := os.UserHomeDir(); err == nil {
			rcPath = filepath.Join(home, ".npmrc")
		}
	}
	r, err := scan.Run(c.Context, newEnv(c, l, m), scan.MirrorOptions{IndexURLs: urls, Registries: regs, Storages: dirs, Netrc: nrcPath, Npmrc: rcPath, Download: c.Bool("download"),
		MaxPageBytes: sizeValue(c, "max-page-size"), MaxFileBytes: sizeValue(c, "max-file-size"), Timeout: c.Duration("timeout")})
	if err != nil {
		return flagNamed(err, map[string]string{"Netrc": "netrc", "Npmrc": "npmrc"})
	}
	return emitReport(c, r, failOn)
}
