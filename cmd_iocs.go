package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep/escape"

	"github.com/urfave/cli/v2"
)

func iocsCommand() *cli.Command {
	return &cli.Command{
		Name:  "iocs",
		Usage: "list the IOC pack (indicators, windows, sources); validate another with --iocs FILE",
		Description: examples(
			"litesweep iocs                                   # the built-in pack",
			"litesweep iocs -f json | jq '.packages'",
			"litesweep iocs --iocs edited-pack.yaml           # validate an edited pack",
			"litesweep iocs --from-report host.json           # payload hashes learned in a sweep, as a pack fragment",
			"litesweep iocs --osv malicious-packages/osv      # what OSV malicious-package records would add",
		),
		Flags: append([]cli.Flag{
			osvFlag(),
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "table", Usage: "output `FORMAT`: table|json"},
			&cli.StringSliceFlag{Name: "from-report", Usage: "print the payload hashes learned in the JSON report `REPORT` (host, images or merge) as a pack fragment; repeatable"},
		}, packFlags()...),
		Action: func(c *cli.Context) error {
			if rs := c.StringSlice("from-report"); len(rs) > 0 {
				files, known, err := learnedFragment(rs)
				if err != nil {
					return usageErr(err)
				}
				return writeFragment(c.App.Writer, files, known)
			}
			l, _, err := loadPack(c)
			if err != nil {
				return err
			}
			w := c.App.Writer
			switch c.String("format") {
			case "json":
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(l)
			case "table":
			default:
				return usagef("unknown --format %q (want table or json)", c.String("format"))
			}
			if len(l.Records) > 0 {
				writeRecordSources(w, l.Records)
				return nil
			}
			p := l.Pack
			fmt.Fprintf(w, "%s (version %s, from %s, sha256 %s)\n", p.Title, p.Version, l.From, l.SHA256[:16])
			for _, r := range l.Packs {
				fmt.Fprintf(w, "  pack %-34s %-10s sha256 %s  %s\n", r.ID, r.Version, r.SHA256[:16], r.From)
			}
			fmt.Fprintf(w, "%s\n\n", p.Summary)
			fmt.Fprintf(w, "Windows:\n")
			for _, win := range p.Windows {
				fmt.Fprintf(w, "  %-18s %s .. %s  %s [%s]\n", win.ID, win.Start.UTC().Format("2006-01-02 15:04Z"), win.End.UTC().Format("2006-01-02 15:04Z"), win.Title, win.Provenance.Confidence)
			}
			fmt.Fprintf(w, "Packages:\n")
			for _, pk := range p.Packages {
				fmt.Fprintf(w, "  %-10s bad %s (last clean %s) [%s] %s\n", pk.Name, strings.Join(pk.Versions, ", "), pk.LastClean, pk.Provenance.Confidence, first(pk.Provenance.Sources))
				for _, a := range pk.Artifacts {
					fmt.Fprintf(w, "    %-38s sha256 %s [%s]\n", a.Filename, a.SHA256, a.Provenance.Confidence)
				}
			}
			fmt.Fprintf(w, "Files:\n")
			for _, f := range p.Files {
				fmt.Fprintf(w, "  %-28s %-18s %s [%s]\n", f.ID, f.Name, f.SHA256, f.Provenance.Confidence)
			}
			fmt.Fprintf(w, "Persistence paths:\n")
			for _, pe := range p.Persistence {
				fmt.Fprintf(w, "  %-58s %-12s [%s]\n", pe.Path, pe.Campaign, pe.Provenance.Confidence)
			}
			var names []string
			for _, s := range p.Staging {
				names = append(names, s.Name)
			}
			fmt.Fprintf(w, "Staging file names: %s\n", strings.Join(names, ", "))
			fmt.Fprintf(w, "Network:\n")
			for _, n := range p.Network {
				fmt.Fprintf(w, "  %-6s %-42s %s [%s]\n", n.Kind, n.Value, n.Role, n.Provenance.Confidence)
			}
			fmt.Fprintf(w, "CI: install pattern %s\n", p.CI.InstallPattern)
			for _, a := range p.CI.Actions {
				fmt.Fprintf(w, "  %-32s window %-12s %d bad SHAs, bad refs %s [%s]\n", a.Repo, a.Window, len(a.BadSHAs), strings.Join(a.BadRefs, ","), a.Provenance.Confidence)
			}
			fmt.Fprintf(w, "Kubernetes:\n")
			for _, k := range p.Kubernetes {
				fmt.Fprintf(w, "  %-10s %s%s* [%s]\n", k.Kind, nsPrefix(k.Namespace), k.NamePrefix, k.Provenance.Confidence)
			}
			fmt.Fprintf(w, "Credential targets: %d kinds (see `litesweep iocs --format json`)\n", len(p.Credentials))
			return nil
		},
	}
}

func nsPrefix(ns string) string {
	if ns == "" {
		return ""
	}
	return ns + "/"
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// writeRecordSources summarises what each --osv source would add: its
// digest and counts, the ecosystems left unswept, and every record that
// could not be used, located.
func writeRecordSources(w io.Writer, srcs []iocs.RecordSource) {
	for _, s := range srcs {
		fmt.Fprintf(w, "%s source %s (sha256 %s)\n  %s\n", strings.ToUpper(s.Kind), escape.Text(s.Path), s.SHA256, s.Summary())
		ecos := make([]string, 0, len(s.Unswept))
		for e := range s.Unswept {
			ecos = append(ecos, e)
		}
		sort.Strings(ecos)
		for _, e := range ecos {
			fmt.Fprintf(w, "  not swept: %d records for %s\n", s.Unswept[e], escape.Text(e))
		}
		for _, x := range s.Warnings {
			fmt.Fprintf(w, "  not used: %s: %s\n", escape.Text(x.Where), escape.Text(x.Message))
		}
		if s.WarningsOmitted > 0 {
			fmt.Fprintf(w, "  and %d more not used\n", s.WarningsOmitted)
		}
	}
}
