package cache

import "github.com/litesweep/litesweep/sweep"

// CatCache is the category of a bad release found in a package cache.
const CatCache sweep.Category = "cache"

// Categories declares the categories this collector emits.
var Categories = []sweep.CategoryInfo{
	{Category: CatCache, Short: "A package cache holds a bad release",
		Description: "A package cache (pip's HTTP or wheel cache, uv, poetry, pipenv, conda) or a loose wheel or sdist holds a bad release, identified by the cache's own headers, the .dist-info inside the archive or its SHA-256: it was downloaded here, and may have been installed in an environment since removed.",
		Help: []string{
			"Find where it was installed: the cache entry's time dates the download; check the environments, shell history and CI jobs of its user around that time.",
			"Purge the entry (`pip cache remove NAME`, `uv cache clean NAME`) so an exact pin cannot reinstall it from the cache.",
			"If anything installed it, rotate the credentials reachable from this system: `litesweep rotate` lists them by name.",
		}},
}
