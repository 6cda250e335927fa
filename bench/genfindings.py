#!/usr/bin/env python3
"""Generate a monorepo of pinned requirements files for the per-finding
benchmark (bench/findings.sh).

Usage: genfindings.py ROOT N PIN

Writes N services, each with a requirements.txt of six pinned lines, one
of which pins litellm to PIN: with PIN 1.82.8 (a compromised release) every
file is one finding; with PIN 1.82.6 the same tree has none. Only creates
files; never runs anything it writes.
"""
import os
import sys

root, n, pin = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for i in range(n):
    d = os.path.join(root, "repo", "services", f"group-{i // 500:03d}", f"svc-{i:05d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "requirements.txt"), "w") as f:
        f.write("# generated\nrequests==2.32.3\nurllib3==2.2.2\n"
                f"litellm=={pin}\nopenai==1.51.0\npydantic==2.9.2\nhttpx==0.27.2\n")
