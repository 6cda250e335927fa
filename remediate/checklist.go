package remediate

import (
	"time"

	"github.com/litesweep/litesweep/sweep"
)

// Source is one report a checklist was built from.
type Source struct {
	From string `json:"from"` // file name, or "sweep of ROOT"
	Kind string `json:"kind"`
	Host string `json:"host,omitempty"`
	// Root is the mounted disk a host sweep read (--root), "" for the
	// running system: the commands a checklist gives for that host name it.
	Root     string `json:"root,omitempty"`
	Verdict  string `json:"verdict"`
	Findings int    `json:"findings"`
}

// Checklist is the rotation checklist with where it came from: the
// document litesweep rotate writes (rendered by package render, every
// format declared in render/output.go).
type Checklist struct {
	SchemaVersion string    `json:"schema_version"`
	Generated     time.Time `json:"generated"`
	Sources       []Source  `json:"sources"`
	Inventoried   int       `json:"inventoried"`
	// Guards are the dead-man switches the reports show (Guards): every
	// rendering names them before anything else, and their disarm items
	// (priority P0) come first in Items.
	Guards []sweep.Guard        `json:"guards,omitempty"`
	Items  []sweep.RotationItem `json:"items"`
	Notes  []string             `json:"notes,omitempty"`
}

// ChecklistSchemaVersion versions the JSON checklist.
const ChecklistSchemaVersion = "1.0"
