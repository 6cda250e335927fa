package history

import "github.com/litesweep/litesweep/sweep"

// CatHistory is the category of a history line that installs a bad
// release or names a campaign address.
const CatHistory sweep.Category = "history"

// Categories declares the categories this collector emits.
var Categories = []sweep.CategoryInfo{
	{Category: CatHistory, Short: "A recorded command installs a bad version or names a campaign address",
		Description: "A recorded command (a shell or PowerShell history line, an IPython/Jupyter history input, a notebook cell's !pip or %pip) installs, upgrades, downloads or runs a tracked package with a version that admits a bad release, or names a campaign domain or IP; its timestamp (when the shell or IPython records one) places it inside or outside the exposure window.",
		Help: []string{
			"Check whether the command resolved to a bad release: the environment it installed into, the package caches and the time against the exposure window.",
			"If it did, treat the user's credentials as stolen and rotate them: `litesweep rotate` lists them by name.",
			"A line naming a campaign address may be a responder's own check: confirm who ran it before escalating.",
		}},
}
