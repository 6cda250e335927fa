#!/usr/bin/env python3
"""Write N OSV malicious-package records shaped like real ones into a zip
export (osv.dev's <ecosystem>/all.zip layout: one JSON file per record).

Each record is a copy of one of the real records in iocs/osv/testdata/real
(pretty-printed as the repository publishes them, 1.4-4.4 KB) with its own
id and package name, so sizes, field mix and range shapes are real.
Usage: bench/genosv.py N OUT.zip"""
import glob, json, os, sys, zipfile

n, out = int(sys.argv[1]), sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
recs = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(here, "..", "iocs", "osv", "testdata", "real", "*.json")))]
recs = [r for r in recs if "withdrawn" not in r]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(n):
        r = json.loads(json.dumps(recs[i % len(recs)]))
        r["id"] = "MAL-2099-%d" % (100000 + i)
        pkg = r["affected"][0]["package"]
        pkg["name"] = ("@s%d/pkg-%d" % (i % 97, i)) if pkg["ecosystem"] == "npm" else "pkg-%d" % i
        z.writestr(r["id"] + ".json", json.dumps(r, indent=2))
