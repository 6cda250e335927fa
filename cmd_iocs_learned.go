package main

import (
	"fmt"
	"io"
	"sort"

	"gopkg.in/yaml.v3"

	"github.com/litesweep/litesweep/fleet"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// learnedFragment reads saved reports (host, image or merged fleet) and
// returns their learned payload hashes as pack `files:` entries, skipping
// hashes the pack already knew. Unreadable reports are errors.
func learnedFragment(paths []string) (files []iocs.FileIOC, known int, err error) {
	seen := map[string]bool{}
	for _, p := range paths {
		rs, _, err := fleet.ReadFile(p)
		if err != nil {
			return nil, 0, fmt.Errorf("--from-report %s: %w", p, err)
		}
		for _, r := range rs {
			for _, l := range r.Learned {
				if seen[l.SHA256] {
					continue
				}
				seen[l.SHA256] = true
				if l.PackIndicator != "" {
					known++
					continue
				}
				files = append(files, learnedFile(l, r))
			}
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].ID < files[j].ID })
	return files, known, nil
}

func learnedFile(l sweep.Learned, r *sweep.Report) iocs.FileIOC {
	kind := l.Kind
	switch kind {
	case "pth", "tampered-module", "persistence-script", "binary":
	default:
		kind = "other"
	}
	host := l.Host
	if host == "" {
		host = fleet.Name(r)
	}
	src := fmt.Sprintf("litesweep %s report of %s (finished %s): %s", r.Scan.Kind, host, r.Scan.Finished.UTC().Format("2006-01-02T15:04:05Z"), l.Location.String())
	return iocs.FileIOC{ID: sweep.LearnedID(l.SHA256), Kind: kind, Name: l.Name, SHA256: l.SHA256, Size: l.Size,
		Severity: "critical", Description: "Payload variant learned by litesweep: " + l.Reason + ".",
		Provenance: iocs.Provenance{Confidence: iocs.Derived, Sources: []string{src},
			Note: "learned by context in a sweep, not from a published source; confirm before sharing"}}
}

// writeFragment prints the entries as a YAML pack fragment.
func writeFragment(w io.Writer, files []iocs.FileIOC, known int) error {
	fmt.Fprintf(w, "# IOC pack fragment: payload hashes litesweep learned by context (%d new", len(files))
	if known > 0 {
		fmt.Fprintf(w, ", %d more the pack already knows", known)
	}
	fmt.Fprintf(w, ").\n# Append the entries under `files:` of a pack and load it with --iocs FILE.\n")
	if files == nil {
		files = []iocs.FileIOC{}
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(struct {
		Files []iocs.FileIOC `yaml:"files"`
	}{files}); err != nil {
		return err
	}
	return enc.Close()
}
