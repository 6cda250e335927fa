package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
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
			// A pack given with --iocs is text from outside: every string
			// reaches the terminal through escape.Text.
			p := escape.Copy(l.Pack, escape.Text)
			fmt.Fprintf(w, "%s (version %s, from %s, sha256 %s)\n", p.Title, p.Version, escape.Text(l.From), l.SHA256[:16])
			for _, r := range l.Packs {
				fmt.Fprintf(w, "  pack %-34s %-10s sha256 %s  %s\n", escape.Text(r.ID), escape.Text(r.Version), r.SHA256[:16], escape.Text(r.From))
			}
			fmt.Fprintf(w, "%s\n\n", p.Summary)
			writeGuards(w, p.Guards)
			fmt.Fprintf(w, "Windows:\n")
			for _, win := range p.Windows {
				fmt.Fprintf(w, "  %-18s %s .. %s  %s [%s]\n", win.ID, win.Start.UTC().Format("2006-01-02 15:04Z"), win.End.UTC().Format("2006-01-02 15:04Z"), win.Title, win.Provenance.Confidence)
			}
			fmt.Fprintf(w, "Packages:\n")
			for _, pk := range p.Packages {
				clean := ""
				switch {
				case pk.LastClean != "" && pk.FirstClean != "":
					clean = " (last clean " + pk.LastClean + ", first clean " + pk.FirstClean + ")"
				case pk.LastClean != "":
					clean = " (last clean " + pk.LastClean + ")"
				case pk.FirstClean != "":
					clean = " (first clean " + pk.FirstClean + ")"
				}
				fmt.Fprintf(w, "  %-10s %-6s bad %s%s [%s] %s\n", pk.Name, pk.Ecosystem, strings.Join(pk.Versions, ", "), clean, pk.Provenance.Confidence, first(pk.Provenance.Sources))
				for _, a := range pk.Artifacts {
					fmt.Fprintf(w, "    %-38s sha256 %s [%s]\n", a.Filename, a.SHA256, a.Provenance.Confidence)
				}
			}
			fmt.Fprintf(w, "Files:\n")
			for _, f := range p.Files {
				fmt.Fprintf(w, "  %-28s %-18s %s [%s]\n", f.ID, f.Name, f.SHA256, f.Provenance.Confidence)
				var also []string
				if f.Size > 0 {
					also = append(also, fmt.Sprintf("%d bytes", f.Size))
				}
				if len(f.Markers) > 0 {
					qs := make([]string, len(f.Markers))
					for i, m := range f.Markers {
						qs[i] = strconv.Quote(m)
					}
					also = append(also, "holding "+strings.Join(qs, " or "))
				}
				if len(also) > 0 {
					fmt.Fprintf(w, "  %28s %s\n", "", strings.Join(also, "; "))
				}
			}
			writePersistence(w, p.Persistence)
			fmt.Fprintf(w, "Processes (%d):\n", len(p.Processes))
			for _, pr := range p.Processes {
				exe := ""
				if pr.Exe != "" {
					exe = " exe " + strconv.Quote(pr.Exe) + ","
				}
				qs := make([]string, len(pr.All))
				for i, s := range pr.All {
					qs[i] = strconv.Quote(s)
				}
				fmt.Fprintf(w, "  %-28s%s command line holds %s [%s, %s]\n", pr.ID, exe, strings.Join(qs, " and "), pr.Severity, pr.Provenance.Confidence)
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
			fmt.Fprintf(w, "Images:\n")
			for _, im := range p.Images {
				fmt.Fprintf(w, "  %-34s %s tags %s restored %s, %d digests, window %s [%s]\n", im.ID, strings.Join(im.Repositories, " "),
					strings.Join(im.Tags, ","), strings.Join(im.RestoredTags, ","), len(im.Digests), im.Window, im.Provenance.Confidence)
			}
			fmt.Fprintf(w, "Credential targets: %d kinds (see `litesweep iocs --format json`)\n", len(p.Credentials))
			return nil
		},
	}
}

// writeGuards lists the dead-man switches first: what each does, the
// entries whose findings are it, what it watches and how to disarm it.
func writeGuards(w io.Writer, gs []iocs.GuardIOC) {
	if len(gs) == 0 {
		return
	}
	fmt.Fprintf(w, "Dead-man switches (%d), disarmed before anything they watch is revoked:\n", len(gs))
	for _, g := range gs {
		fmt.Fprintf(w, "  %s (%s) [%s, %s]\n", g.Name, g.ID, g.Severity, g.Provenance.Confidence)
		fmt.Fprintf(w, "    it %s\n", g.Effect)
		fmt.Fprintf(w, "    found by: %s\n", strings.Join(g.Indicators, ", "))
		fmt.Fprintf(w, "    watches: %s\n", strings.Join(g.Guards, ", "))
		for i, st := range g.Disarm {
			fmt.Fprintf(w, "    %d. %s\n", i+1, st)
		}
	}
}

// writePersistence lists the persistence and drop paths by kind, each
// with what makes a file of that name evidence: a launchd or task label,
// a hook file's format, the markers its content must carry.
func writePersistence(w io.Writer, ps []iocs.PathIOC) {
	fmt.Fprintf(w, "Persistence and drop paths (%d):\n", len(ps))
	for _, pe := range ps {
		fmt.Fprintf(w, "  %-9s %s [%s, %s]", pe.Kind, pe.Path, pe.Severity, pe.Provenance.Confidence)
		if pe.Campaign != "" {
			fmt.Fprintf(w, " %s", pe.Campaign)
		}
		fmt.Fprintln(w)
		var also []string
		if pe.Label != "" {
			also = append(also, "label "+pe.Label)
		}
		if pe.Format != "" {
			also = append(also, "format "+pe.Format)
		}
		if len(pe.Markers) > 0 {
			qs := make([]string, len(pe.Markers))
			for i, m := range pe.Markers {
				qs[i] = strconv.Quote(m)
			}
			also = append(also, "evidence only with "+strings.Join(qs, " or "))
		}
		if len(also) > 0 {
			fmt.Fprintf(w, "  %9s %s\n", "", strings.Join(also, "; "))
		}
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
