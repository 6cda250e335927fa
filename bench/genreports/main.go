// Command genreports writes N synthetic host reports for the merge
// benchmark (bench/merge.sh), shaped like real `litesweep host --format
// json` output: every host has a credential inventory (info findings),
// Python environments and deliberately-not-walked mounts; 1 in 50 is
// COMPROMISED, 1 in 25 EXPOSED (both with timelines and rotation items),
// 1 in 40 AT-RISK, 1 in 100 INCOMPLETE; 1 in 200 has a second, older
// report and 1 in 100 exposed hosts a newer CLEAN one (remediated).
//
// With -from REPORT it writes N copies of that real report instead (a sweep
// of bench/genhostroot's planted root with the real binary, as
// bench/merge.sh makes it), each with its own host name: the corpus the
// merge is measured on.
//
// Usage: go run ./bench/genreports -n 1000 -o DIR [-from REPORT]
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/litesweep/litesweep/catalog"
	"github.com/litesweep/litesweep/collectors/creds"
	"github.com/litesweep/litesweep/collectors/lockfile"
	"github.com/litesweep/litesweep/collectors/persistence"
	"github.com/litesweep/litesweep/collectors/python"
	"github.com/litesweep/litesweep/sweep"
)

func main() {
	n := flag.Int("n", 1000, "number of hosts")
	out := flag.String("o", "reports", "output directory")
	from := flag.String("from", "", "write copies of the real report `FILE` instead of synthetic reports")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	if *from != "" {
		copies(*from, *out, *n)
		return
	}
	rng := rand.New(rand.NewPCG(1, 2))
	files := 0
	for i := 0; i < *n; i++ {
		name := fmt.Sprintf("host-%05d", i)
		fin := time.Date(2026, 3, 26, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * 7 * time.Second)
		verdict := pick(i)
		write(*out, name+".json", report(rng, name, fin, verdict))
		files++
		if i%200 == 7 {
			write(*out, name+"-old.json", report(rng, name, fin.Add(-24*time.Hour), sweep.Clean))
			files++
		}
		if (verdict == sweep.Exposed || verdict == sweep.Compromised) && i%100 < 50 && i%3 == 0 {
			write(*out, name+"-after.json", report(rng, name, fin.Add(48*time.Hour), sweep.Clean))
			files++
		}
	}
	fmt.Printf("%d report files for %d hosts in %s\n", files, *n, *out)
}

// copies writes n copies of a real report, host-00000.json on, each naming
// its own host wherever the report names the swept one (scan.hostname and
// the rotation items' host).
func copies(from, out string, n int) {
	data, err := os.ReadFile(from)
	if err != nil {
		log.Fatal(err)
	}
	var r struct {
		Scan struct {
			Hostname string `json:"hostname"`
		} `json:"scan"`
	}
	if err := json.Unmarshal(data, &r); err != nil || r.Scan.Hostname == "" {
		log.Fatalf("%s: not a host report with a hostname (%v)", from, err)
	}
	old := []byte(strconv.Quote(r.Scan.Hostname))
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("host-%05d", i)
		if err := os.WriteFile(filepath.Join(out, name+".json"), bytes.ReplaceAll(data, old, []byte(strconv.Quote(name))), 0o600); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("%d copies of %s (%d bytes) in %s\n", n, from, len(data), out)
}

func pick(i int) sweep.Verdict {
	switch {
	case i%50 == 3:
		return sweep.Compromised
	case i%25 == 5:
		return sweep.Exposed
	case i%40 == 11:
		return sweep.AtRisk
	case i%100 == 13:
		return sweep.Incomplete
	}
	return sweep.Clean
}

func write(dir, name string, r *sweep.Report) {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), append(data, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
}

var users = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "deploy", "ci", "build", "root"}

func report(rng *rand.Rand, name string, fin time.Time, v sweep.Verdict) *sweep.Report {
	win := &sweep.Window{Start: time.Date(2026, 3, 24, 10, 39, 0, 0, time.UTC), End: time.Date(2026, 3, 24, 16, 0, 0, 0, time.UTC), Source: "pypi-litellm-2026-03"}
	r := &sweep.Report{
		Tool: sweep.Tool{Name: "litesweep", Version: "1.0.0", PackID: "litellm-2026-03", PackVersion: "2026.03.30", PackSHA256: "9f" + fmt.Sprintf("%062d", 0), PackFrom: "builtin"},
		Scan: sweep.Scan{Kind: "host", Root: "/", Hostname: name, Window: win, Started: fin.Add(-3 * time.Minute), Finished: fin,
			Options: []string{"--max-hash-size 64MiB", "live"}},
		Stats: sweep.Stats{DirsRead: 40000 + rng.Int64N(20000), FilesSeen: 400000 + rng.Int64N(200000), FilesRead: 300, BytesRead: 8 << 20, DurationMS: 180000},
	}
	// Credential inventory: names only, as the creds collector reports them.
	for _, u := range users {
		home := "/home/" + u
		if u == "root" {
			home = "/root"
		}
		for _, c := range []struct{ id, path string }{{"aws", ".aws/credentials"}, {"gcloud", ".config/gcloud/credentials.db"}, {"kube", ".kube/config"},
			{"ssh", ".ssh/id_ed25519"}, {"docker", ".docker/config.json"}, {"npm", ".npmrc"}, {"pypi", ".pypirc"}, {"git", ".git-credentials"}} {
			r.Findings = append(r.Findings, sweep.Finding{Severity: sweep.Info, Category: creds.CatCredential, Title: c.id + " credentials present",
				Location: sweep.Location{Path: home + "/" + c.path}, User: u, Collector: "creds/files",
				Evidence:  sweep.Evidence{Mode: "-rw-------", Owner: u, Details: []string{"default", "prod", "staging"}},
				Indicator: &sweep.Indicator{ID: "cred-" + c.id, Kind: "credential", Sources: []string{"https://docs.litellm.ai/blog/security-update-march-2026"}}})
		}
	}
	for i := 0; i < 30; i++ {
		u := users[i%len(users)]
		root := fmt.Sprintf("/home/%s/src/project-%02d/.venv", u, i)
		r.Environments = append(r.Environments, sweep.Environment{Path: root, Kind: "venv", SiteDirs: []string{root + "/lib/python3.11/site-packages"},
			Interpreter: root + "/bin/python3.11", PythonVersion: "3.11.7", User: u, Verdict: sweep.EnvClean})
	}
	for i := 0; i < 40; i++ {
		r.Errors = append(r.Errors, sweep.Error{Location: sweep.Location{Path: fmt.Sprintf("/mnt/share-%02d", i)}, Collector: "walk",
			Message: "other filesystem (nfs4): not walked; sweep it on its own host or pass --cross-mounts", Kind: sweep.ErrKindSkipped})
	}
	at := func(h, m int) *time.Time { t := time.Date(2026, 3, 24, h, m, 0, 0, time.UTC); return &t }
	env := "/home/deploy/src/project-03/.venv"
	sp := env + "/lib/python3.11/site-packages"
	switch v {
	case sweep.Compromised:
		r.Findings = append(r.Findings,
			sweep.Finding{Severity: sweep.Critical, Category: python.CatStartup, Title: "litellm_init.pth (malicious startup hook)", Location: sweep.Location{Path: sp + "/litellm_init.pth", Line: 1},
				Environment: env, User: "deploy", Collector: python.Name, Evidence: sweep.Evidence{SHA256: "71e35aef03099cd1f2d6446734273025a163597de93912df321ef118bf135238", Time: at(11, 2+rng.IntN(50))},
				Indicator: &sweep.Indicator{ID: "file-litellm-init-pth", Kind: "file", Confidence: "confirmed", Sources: []string{"https://github.com/BerriAI/litellm/issues/24512"}}},
			sweep.Finding{Severity: sweep.Critical, Category: persistence.CatPersistence, Title: "sysmon.service user unit", Location: sweep.Location{Path: "/home/deploy/.config/systemd/user/sysmon.service"},
				User: "deploy", Collector: persistence.Name, Evidence: sweep.Evidence{Time: at(11, 5+rng.IntN(50))}})
		fallthrough
	case sweep.Exposed:
		r.Findings = append(r.Findings, sweep.Finding{Severity: sweep.High, Category: python.CatPackage, Title: "litellm 1.82.8 installed",
			Location: sweep.Location{Path: sp + "/litellm-1.82.8.dist-info/METADATA", Line: 3}, Environment: env, User: "deploy", Collector: python.Name,
			Evidence:  sweep.Evidence{Package: "litellm", Version: "1.82.8", Installer: "pip", Time: at(10+rng.IntN(6), rng.IntN(60))},
			Indicator: &sweep.Indicator{ID: "pypi-litellm-1.82.8", Kind: "package", Confidence: "confirmed"}})
		r.Rotation = append(r.Rotation,
			sweep.RotationItem{Priority: "P1", Kind: "cloud", Provider: "aws", Title: "AWS access keys", Where: "/home/deploy/.aws/credentials",
				Names: []string{"default", "prod"}, User: "deploy", Host: name, Why: "readable by the stealer", ExposedBy: []string{"LS-000000000001"},
				Steps: []string{"aws iam create-access-key", "aws iam delete-access-key --access-key-id OLD"}, Verify: "aws sts get-caller-identity with the old key fails"},
			sweep.RotationItem{Priority: "P1", Kind: "ssh", Provider: "ssh", Title: "SSH private key of " + name, Where: "/home/deploy/.ssh/id_ed25519@" + name,
				User: "deploy", Host: name, Why: "readable by the stealer", ExposedBy: []string{"LS-000000000001"},
				Steps: []string{"ssh-keygen -t ed25519", "replace the public key everywhere it is authorised"}, Verify: "login with the old key is refused"})
	case sweep.AtRisk:
		r.Findings = append(r.Findings, sweep.Finding{Severity: sweep.Medium, Category: lockfile.CatLockfile, Title: "requirements.txt allows litellm 1.82.8",
			Location: sweep.Location{Path: "/home/ci/src/app/requirements.txt", Line: 12}, Collector: "lockfile/manifests", Evidence: sweep.Evidence{Text: "litellm>=1.82"}})
	case sweep.Incomplete:
		r.Errors = append(r.Errors, sweep.Error{Location: sweep.Location{Path: "/var/lib/docker"}, Collector: "walk", Message: "cannot read directory: permission denied", Kind: sweep.ErrKindError})
	}
	if v == sweep.Compromised || v == sweep.Exposed {
		sweep.BuildTimeline(r, nil, catalog.All())
	}
	r.Finalize()
	return r
}
