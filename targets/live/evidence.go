package live

import "github.com/litesweep/litesweep/sweep"

// Elided stands for a word of the command line the evidence does not show.
const Elided = sweep.Elided

// Evidence renders a process's command line from allow-listed parts only
// (sweep.CommandEvidence, the one renderer the persistence collector's
// scheduler entries use too).
func Evidence(argv []string, keep []string) string { return sweep.CommandEvidence(argv, keep) }
