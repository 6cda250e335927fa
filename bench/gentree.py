#!/usr/bin/env python3
"""Generate a synthetic filesystem tree for the host-sweep benchmark.

Creates N files (default 500,000) in a layout shaped like a real machine:
/usr and /opt trees of small files, several users' homes with projects,
node_modules-like fan-out, and a few Python environments (venvs with
site-packages full of dist-info directories and .pth files), one of which
holds a benign litellm 1.82.8 fixture so the sweep has something to find.
Only creates files; never runs anything it writes.
"""
import os
import sys

root = sys.argv[1]
total = int(sys.argv[2]) if len(sys.argv) > 2 else 500_000
made = 0


def touch(path, body=b""):
    global made
    with open(path, "wb") as f:
        f.write(body)
    made += 1


def mk(path):
    os.makedirs(path, exist_ok=True)
    return path


# A few Python environments, each with 300 distributions.
envs = []
for user in ("alice", "bob", "carol"):
    for proj in ("svc", "ml", "tools"):
        sp = mk(f"{root}/home/{user}/{proj}/.venv/lib/python3.11/site-packages")
        touch(f"{root}/home/{user}/{proj}/.venv/pyvenv.cfg", b"home = /usr/bin\nversion = 3.11.7\n")
        envs.append(sp)
sys_sp = mk(f"{root}/usr/lib/python3/dist-packages")
envs.append(sys_sp)
for sp in envs:
    touch(f"{sp}/distutils-precedence.pth", b"import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n")
    for i in range(300):
        d = mk(f"{sp}/pkg{i}-1.{i}.0.dist-info")
        for n in ("METADATA", "RECORD", "WHEEL", "INSTALLER"):
            touch(f"{d}/{n}", b"Name: pkg%d\nVersion: 1.%d.0\n" % (i, i) if n == "METADATA" else b"")
        p = mk(f"{sp}/pkg{i}")
        for j in range(8):
            touch(f"{p}/mod{j}.py")
bad = envs[0]
d = mk(f"{bad}/litellm-1.82.8.dist-info")
touch(f"{d}/METADATA", b"Metadata-Version: 2.1\nName: litellm\nVersion: 1.82.8\n")
touch(f"{d}/INSTALLER", b"pip\n")
touch(f"{d}/RECORD", b"litellm_init.pth,,\n")
touch(f"{bad}/litellm_init.pth", b"import os, subprocess, sys; import base64; exec(base64.b64decode('aW1wb3J0IHN5cw=='))\n")

# Fill the rest with a wide, moderately deep tree of small files.
i = 0
while made < total:
    top = ("usr/share", "opt/app", "var/lib/app", "home/alice/src", "home/bob/node_modules")[i % 5]
    d = mk(f"{root}/{top}/d{i // 50}/e{i % 50}")
    for j in range(min(12, total - made)):
        touch(f"{d}/f{j}.txt")
    i += 1
print(f"created {made} files under {root}")
