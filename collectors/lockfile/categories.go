package lockfile

import "github.com/litesweep/litesweep/sweep"

// CatLockfile is the category of a manifest or lockfile on a swept tree
// that pins, locks or admits a bad release.
const CatLockfile sweep.Category = "lockfile"

// Categories declares the categories this collector emits.
var Categories = []sweep.CategoryInfo{
	{Category: CatLockfile, Short: "A manifest or lockfile pins or admits a bad version",
		Description: "A Python dependency manifest or lockfile (requirements, pyproject.toml, poetry.lock, uv.lock, Pipfile, pdm.lock, pylock.toml, environment.yml) pins, locks or hashes a bad release (high), or has a range that would have resolved to one during the exposure window (medium).",
		Help: []string{
			"Pin a clean version (the package's last_clean or first_clean version in the pack) and regenerate the lock with hashes.",
			"Check whether the project was installed during the exposure window (CI logs, package caches, deployed images) before closing.",
		}},
}
