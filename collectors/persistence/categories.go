package persistence

import "github.com/litesweep/litesweep/sweep"

// Finding categories.
const (
	CatPersistence sweep.Category = "persistence"
	CatStaging     sweep.Category = "staging"
)

// Categories declares the categories this collector emits.
var Categories = []sweep.CategoryInfo{
	{Category: CatPersistence, Short: "A persistence artefact of the campaign",
		Description: "A file the campaign leaves to survive a reboot or to run its second stage: a persistence script (~/.config/sysmon/sysmon.py), a systemd unit (sysmon.service, the Kubernetes-node units) or its enablement symlink, found by path, SHA-256, the pack's strings or a unit naming a persistence script.",
		Help: []string{
			"Stop and disable the unit before removing anything (`systemctl --user disable --now sysmon.service` for the user, the system unit as root), then move the files aside as evidence: `litesweep remediate` plans both.",
			"The backdoor polls for a second stage: check outbound connections and processes of the user (`litesweep host` on the live system lists them).",
			"Rotate every credential the user and the system held: `litesweep rotate` lists them by name.",
		}},
	{Category: CatStaging, Short: "An exfiltration staging file of the campaign",
		Description: "A staging file of the stealer (tpcp.tar.gz, payload.enc, session.key.enc, runner_collected_*.txt) in a temporary directory: the collected credentials were packed, encrypted and about to be sent, or were sent. Staging files are never read.",
		Help: []string{
			"Keep a copy of the file for the investigation (it holds the encrypted stolen credentials, not readable without the attacker's key), then remove it: `litesweep remediate` moves it aside.",
			"Assume the exfiltration succeeded: rotate every credential the user and the system held (`litesweep rotate`).",
		}},
}
