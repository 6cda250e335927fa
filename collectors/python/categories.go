package python

import "github.com/litesweep/litesweep/sweep"

// Finding categories.
const (
	CatPackage   sweep.Category = "python-package"
	CatStartup   sweep.Category = "startup-hook"
	CatTampered  sweep.Category = "tampered-file"
	CatExecution sweep.Category = "execution-evidence"
	CatIntegrity sweep.Category = "package-integrity"
)

// Categories declares the categories this collector emits.
var Categories = []sweep.CategoryInfo{
	{Category: CatPackage, Short: "A tracked Python distribution is installed",
		Description: "A Python environment has a tracked distribution installed (its .dist-info or .egg-info metadata, a zipped or unzipped egg on sys.path, a development or editable install's source tree, a zipapp that vendors it, or conda's conda-meta record): a bad release of the pack (critical), or a clean release of a tracked package (info).",
		Help: []string{
			"Uninstall the bad release and pin a clean version with hashes (the package's last_clean or first_clean version in the pack); rebuild a virtual environment rather than repairing it in place.",
			"Remove its start-up hooks, persistence (the pack's units and scripts) and staging files: `litesweep remediate` plans this step by step and keeps the evidence.",
			"Rotate every credential the system and its users held (cloud keys, SSH keys, Kubernetes configs, CI and LLM API tokens, .env files): `litesweep rotate` lists them by name.",
		}},
	{Category: CatStartup, Short: "A malicious Python start-up hook (.pth)",
		Description: "A .pth or .start file at a site directory's root holds a line that Python's site.py executes at every interpreter start and that matches the campaign (by name, SHA-256 or content), or another executed line that decodes and runs code, spawns a process or reaches the network.",
		Help: []string{
			"Every Python start in this environment ran the hook: treat the credentials of every user who ran Python here as stolen.",
			"Remove the hook and the release that installed it (`litesweep remediate` moves it aside as evidence), then check for the pack's persistence units and scripts.",
			"Rotate the credentials the stealer could read: `litesweep rotate` lists them by name.",
		}},
	{Category: CatTampered, Short: "A tampered module of a bad release",
		Description: "A module file at an indicator's path (a tracked package's module the pack names) has known malicious content: importing the module runs the payload.",
		Help: []string{
			"Reinstall the package from a clean release (the package's last_clean or first_clean version in the pack) in a fresh environment; do not edit the file in place.",
			"Check the environment's verdict: compiled bytecode of the module (execution-evidence) means it was imported and the payload ran.",
			"Rotate the credentials the stealer could read: `litesweep rotate` lists them by name.",
		}},
	{Category: CatExecution, Short: "A tampered module was imported", Ran: true,
		Description: "Bytecode (__pycache__/*.pyc) of a tampered module that the installer did not write (not listed in RECORD): an interpreter imported the module, so the payload ran.",
		Help: []string{
			"The payload ran here: treat every credential this environment's users and services could read as stolen, and rotate them (`litesweep rotate`).",
			"Look for the pack's persistence and staging files and outbound connections to the campaign's hosts around the bytecode's time.",
			"Rebuild the environment from a clean release and remove the bytecode with the module (`litesweep remediate`).",
		}},
	{Category: CatIntegrity, Short: "A tracked distribution's files differ from its RECORD",
		Description: "A tracked distribution's installed files do not match its RECORD: a hash or size differs (high) or listed files are missing (low).",
		Help: []string{
			"Compare the changed files with the published release; reinstall the package from a clean release with `pip install --force-reinstall --no-cache-dir` and hashes.",
			"A changed file of a tracked package may carry the payload: check the environment's other findings before closing.",
		}},
}
