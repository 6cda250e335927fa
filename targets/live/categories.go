package live

import "github.com/litesweep/litesweep/sweep"

// Finding categories: observations of the running system.
const (
	CatProcess sweep.Category = "process"
	CatNetwork sweep.Category = "network"
	CatUnit    sweep.Category = "unit"
)

// Categories declares the categories the live inspection emits. Each is
// evidence that the payload ran and an observation of the running system.
var Categories = []sweep.CategoryInfo{
	{Category: CatProcess, Short: "A running process matches the campaign", Ran: true, Runtime: true,
		Description: "A running process whose command line or executable matches a process indicator of the pack (the .pth launcher's child, the persistence script), or an abnormal tree of Python processes (the fork storm the pack describes).",
		Help: []string{
			"The payload is running now: isolate the host from the network first, and keep the process evidence (the report, and `cat /proc/PID/cmdline` before killing it).",
			"Stop the process and its persistence (`litesweep remediate` plans both), then sweep the host again.",
			"Rotate every credential the process's user and the host held: `litesweep rotate` lists them by name.",
		}},
	{Category: CatNetwork, Short: "An open connection to a campaign address", Ran: true, Runtime: true,
		Description: "An open network connection to an IP address of the pack (exfiltration or command-and-control endpoints), with the owning process when it is known.",
		Help: []string{
			"Block the address at the network edge and isolate the host; keep the connection and process evidence.",
			"Treat every credential on the host as stolen and rotate them: `litesweep rotate` lists them by name.",
		}},
	{Category: CatUnit, Short: "A campaign systemd unit is loaded or active", Ran: true, Runtime: true,
		Description: "A systemd unit of the pack (the user unit, the Kubernetes-node units) is loaded or active in systemd's runtime state, with the processes of its cgroup.",
		Help: []string{
			"Stop and disable the unit (`systemctl --user disable --now UNIT` as its user, or the system unit as root) before removing its files: `litesweep remediate` plans both.",
			"Rotate every credential the unit's user and the host held: `litesweep rotate` lists them by name.",
		}},
}
