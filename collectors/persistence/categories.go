package persistence

import "github.com/litesweep/litesweep/sweep"

// Finding categories.
const (
	CatPersistence sweep.Category = "persistence"
	CatStaging     sweep.Category = "staging"
	CatEntry       sweep.Category = "autostart-entry"
)

// Categories declares the categories this collector emits.
var Categories = []sweep.CategoryInfo{
	{Category: CatPersistence, Short: "A persistence artefact of the campaign",
		Description: "A file the campaign leaves to survive a reboot or to run its second stage: a persistence script, a systemd unit (the user unit or the Kubernetes-node units) or its enablement symlink, found by path, SHA-256, the pack's strings or a unit naming a persistence script.",
		Help: []string{
			"Stop and disable the unit before removing anything (`systemctl --user disable --now UNIT` for the user, the system unit as root), then move the files aside as evidence: `litesweep remediate` plans both.",
			"The backdoor polls for a second stage: check outbound connections and processes of the user (`litesweep host` on the live system lists them).",
			"Rotate every credential the user and the system held: `litesweep rotate` lists them by name.",
		}},
	{Category: CatStaging, Short: "An exfiltration staging file of the campaign",
		Description: "A staging file of the stealer (tpcp.tar.gz, payload.enc, session.key.enc, runner_collected_*.txt) in a temporary directory: the collected credentials were packed, encrypted and about to be sent, or were sent. Staging files are never read.",
		Help: []string{
			"Keep a copy of the file for the investigation (it holds the encrypted stolen credentials, not readable without the attacker's key), then remove it: `litesweep remediate` moves it aside.",
			"Assume the exfiltration succeeded: rotate every credential the user and the system held (`litesweep rotate`).",
		}},
	{Category: CatEntry, Short: "A start-up or scheduler entry that runs the campaign",
		Description: "One entry of a file that holds others (a crontab line, /etc/anacrontab, a shell start-up file such as ~/.bashrc, a Claude Code settings.json hook, a VS Code tasks.json task run on folderOpen) runs a persistence file of the pack, carries its strings or markers, is a pack process indicator's command line or installs a bad release. The entry runs on the file's schedule or event.",
		Help: []string{
			"Keep a copy of the file as evidence, then remove the entry (the file holds other entries: edit it, do not delete it); `litesweep remediate` does not edit shared files.",
			"Remove what the entry runs (the persistence file or dropper the report names) and check the other findings of the same user.",
			"Rotate every credential the user held: `litesweep rotate` lists them by name.",
		}},
}
