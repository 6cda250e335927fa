package iocs

import "fmt"

// RecordSource is what one external set of records read as package
// indicators held (an OSV directory or zip export, --osv): the counts a
// report records, so a smaller set is never silent, and the located
// problems (each one an error in the report).
type RecordSource struct {
	RecordCounts
	// Warnings locates the first records that could not be used.
	Warnings []SourceWarning `json:"warnings,omitempty"`
	// WarningsOmitted counts warnings beyond the cap.
	WarningsOmitted int `json:"warnings_omitted,omitempty"`
}

// RecordCounts names a record source and counts what it held; a report
// carries it as is (tool.record_sources).
type RecordCounts struct {
	// Kind is the record format ("osv").
	Kind string `json:"kind"`
	// Path is the directory or file as given.
	Path string `json:"path"`
	// SHA256 is the file's digest, or for a directory the digest of its
	// sorted list of "relative path NUL file digest" lines.
	SHA256 string `json:"sha256"`
	// Files is how many record files (or archive members) were read.
	Files int `json:"files"`
	// Used counts records that gave indicators for a swept ecosystem.
	Used int `json:"used"`
	// Withdrawn counts withdrawn records (ignored).
	Withdrawn int `json:"withdrawn"`
	// NotMalicious counts records that are not malicious-package records
	// (ordinary vulnerabilities): not indicators.
	NotMalicious int `json:"not_malicious"`
	// Unswept counts malicious records by ecosystem litesweep does not
	// sweep (Go, Maven, RubyGems, ...).
	Unswept map[string]int `json:"unswept,omitempty"`
	// Malformed counts files that could not be read or decoded.
	Malformed int `json:"malformed"`
}

// SourceWarning is a located problem with one record or file.
type SourceWarning struct {
	Where   string `json:"where"`
	Message string `json:"message"`
}

// Summary is one line about the source.
func (s *RecordSource) Summary() string {
	un := 0
	for _, n := range s.Unswept {
		un += n
	}
	return fmt.Sprintf("%d files: %d malicious-package records used, %d in ecosystems not swept, %d withdrawn, %d not malicious, %d unreadable",
		s.Files, s.Used, un, s.Withdrawn, s.NotMalicious, s.Malformed)
}
