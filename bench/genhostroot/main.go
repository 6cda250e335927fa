// Command genhostroot plants a host root for the merge benchmark: the
// credential tree of collectors/creds/credtest (every secret a canary), and
// in three users' homes an installed affected release with its start-up
// hook, persistence, a shell history, a manifest and a cached wheel. A
// sweep of it with the real binary (bench/merge.sh) is the report whose
// copies the merge is measured on. Usage: genhostroot -o DIR
package main

import (
	"archive/zip"
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"testing"

	"github.com/litesweep/litesweep/collectors/creds/credtest"
)

// tb lets credtest.Plant run outside a test: it only calls Helper and Fatal.
type tb struct{ testing.TB }

func (tb) Helper()           {}
func (tb) Fatal(args ...any) { log.Fatal(args...) }

// wheel is a minimal wheel of the affected release (a zip with its METADATA).
func wheel() string {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	w, err := z.Create("litellm-1.82.8.dist-info/METADATA")
	if err == nil {
		_, err = w.Write([]byte("Metadata-Version: 2.1\nName: litellm\nVersion: 1.82.8\n\n"))
	}
	if err == nil {
		err = z.Close()
	}
	if err != nil {
		log.Fatal(err)
	}
	return b.String()
}

func main() {
	out := flag.String("o", "", "plant the root in `DIR` (created)")
	flag.Parse()
	if *out == "" {
		log.Fatal("usage: genhostroot -o DIR")
	}
	credtest.Plant(tb{}, *out, credtest.Canary)
	files := map[string]string{}
	for _, home := range []string{"home/alice", "root", "home/deploy"} {
		site := home + "/.venv/lib/python3.11/site-packages"
		files[site+"/litellm_init.pth"] = "import os, subprocess, sys; exec(base64.b64decode('aW1wb3J0IHN5cw=='))\n"
		files[site+"/litellm/__init__.py"] = ""
		files[site+"/litellm-1.82.8.dist-info/METADATA"] = "Metadata-Version: 2.1\nName: litellm\nVersion: 1.82.8\n\n"
		files[site+"/litellm-1.82.8.dist-info/INSTALLER"] = "pip\n"
		files[site+"/litellm-1.82.8.dist-info/RECORD"] = "litellm/__init__.py,,\nlitellm_init.pth,,\nlitellm-1.82.8.dist-info/METADATA,,\nlitellm-1.82.8.dist-info/RECORD,,\n"
		files[home+"/.config/sysmon/sysmon.py"] = "# fixture\n"
		files[home+"/.config/systemd/user/sysmon.service"] = "[Unit]\nDescription=System Telemetry Service\n"
		files[home+"/.bash_history"] = "pip install litellm==1.82.8\npython -m litellm --port 4000\n"
		files[home+"/app/requirements.txt"] = "litellm>=1.82.0\nrequests==2.31.0\n"
		files[home+"/.cache/pip/wheels/ab/cd/litellm-1.82.8-py3-none-any.whl"] = wheel()
	}
	files["home/deploy/.aws/credentials"] = "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = " + credtest.Canary + "\n"
	files["etc/passwd"] = "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\ndeploy:x:1001:1001::/home/deploy:/bin/bash\n"
	files["etc/hostname"] = "bench-host\n"
	for p, body := range files {
		full := filepath.Join(*out, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o600); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println(*out)
}
