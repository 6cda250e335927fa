package npm

import "github.com/litesweep/litesweep/sweep"

// The categories the npm ecosystem's collectors emit.
const (
	// CatPackage is an installed npm package (node_modules/**/package.json,
	// global prefixes, the virtual stores of pnpm and npx).
	CatPackage sweep.Category = "npm-package"
	// CatLockfile is an npm lockfile or manifest that locks, pins or admits
	// a bad release.
	CatLockfile sweep.Category = "npm-lockfile"
	// CatCache is a bad release in an npm, yarn or bun cache.
	CatCache sweep.Category = "npm-cache"
)

// Categories declares the categories this package emits.
var Categories = []sweep.CategoryInfo{
	{Category: CatPackage, Short: "A tracked npm package is installed",
		Description: "A node_modules tree (a project, a global prefix such as /usr/lib/node_modules, ~/.npm-global, an nvm/fnm/volta/asdf Node version, ~/.bun/install/global, npx's cache) holds a tracked npm package, read from its package.json (scoped names and aliases included): a bad release of the pack (critical), or a clean release of a tracked package (info).",
		Help: []string{
			"Remove the bad release and reinstall from a lockfile that pins a clean version (the pack's last or first clean release); delete node_modules rather than repairing it in place.",
			"Its install scripts ran with the user's rights unless npm ran with --ignore-scripts: rotate the credentials that user could read (`litesweep rotate` lists them by name).",
		}},
	{Category: CatLockfile, Short: "An npm lockfile or manifest locks or admits a bad version",
		Description: "A package-lock.json (v1–v3), npm-shrinkwrap.json, yarn.lock (classic or berry), pnpm-lock.yaml or bun.lock locks a bad release (high), or a package.json range would have resolved to one while it was published (medium), judged with npm's own semver rules.",
		Help: []string{
			"Pin a clean version (the pack's last or first clean release), regenerate the lockfile and commit it.",
			"Check whether the project was installed from it while the bad release was published (CI logs, caches, deployed images) before closing.",
		}},
	{Category: CatCache, Short: "An npm, yarn or bun cache holds a bad release",
		Description: "A package manager cache (npm's _cacache index, yarn classic and berry caches, bun's cache) holds a bad release: it was downloaded here, and may have been installed in a tree since removed.",
		Help: []string{
			"Find where it was installed: the cache entry's time dates the download; check the projects, shell history and CI jobs of its user around that time.",
			"Clear the entry (`npm cache clean --force`, `yarn cache clean`, `bun pm cache rm`) so an offline install cannot reinstall it.",
		}},
}
