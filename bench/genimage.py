#!/usr/bin/env python3
"""Generate a multi-layer `docker save` tarball (legacy format, uncompressed
layers, as the classic store exports them) for the image-scan benchmark.

Usage: genimage.py OUT.tar [TOTAL_MB] [LAYERS]
Each layer holds a few thousand small files and some large random ones, so
the total is at least TOTAL_MB (default 1100). Layer 3 installs a benign
litellm 1.82.8 fixture into site-packages and a later layer whites it out,
so the scan has a history-only finding to report. Only writes files.
"""
import hashlib
import io
import json
import os
import sys
import tarfile

out = sys.argv[1]
total_mb = int(sys.argv[2]) if len(sys.argv) > 2 else 1100
nlayers = int(sys.argv[3]) if len(sys.argv) > 3 else 12
site = "usr/local/lib/python3.11/site-packages/"
per_layer = total_mb * 1024 * 1024 // nlayers
rnd = os.urandom(64 * 1024 * 1024)


def add(tf, name, data=None, kind="file"):
    ti = tarfile.TarInfo(name)
    ti.mtime = 1774353600
    if kind == "dir":
        ti.type, ti.mode = tarfile.DIRTYPE, 0o755
        tf.addfile(ti)
        return
    ti.size, ti.mode = len(data), 0o644
    tf.addfile(ti, io.BytesIO(data))


def layer(i):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        if i == 0:
            add(tf, "etc/", kind="dir")
            add(tf, "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
        size = 0
        n = 0
        add(tf, f"opt/layer{i}/", kind="dir")
        while size < per_layer * 0.25:  # small files: a quarter of the bytes
            off = (n * 4099) % (len(rnd) - 8192)
            body = rnd[off:off + 1024 + (n * 37) % 7000]
            add(tf, f"opt/layer{i}/d{n // 200}/f{n}.py", body)
            size += len(body)
            n += 1
        k = 0
        while size < per_layer:  # large files
            body = rnd[: min(48 * 1024 * 1024, per_layer - size + 1)]
            add(tf, f"opt/layer{i}/blob{k}.bin", body)
            size += len(body)
            k += 1
        if i == 3:
            di = site + "litellm-1.82.8.dist-info/"
            add(tf, site + "litellm_init.pth", b"import base64; exec(base64.b64decode('aW1wb3J0IHN5cw=='))\n")
            add(tf, di + "METADATA", b"Metadata-Version: 2.1\nName: litellm\nVersion: 1.82.8\n\n")
            add(tf, di + "INSTALLER", b"pip\n")
            add(tf, di + "RECORD", b"litellm_init.pth,,\n")
        if i == 7:
            add(tf, site + ".wh.litellm_init.pth", b"")
            add(tf, site + ".wh.litellm-1.82.8.dist-info", b"")
    return buf.getvalue()


diff_ids, history, names = [], [], []
with tarfile.open(out, mode="w", format=tarfile.PAX_FORMAT) as save:
    for i in range(nlayers):
        data = layer(i)
        h = hashlib.sha256(data).hexdigest()
        diff_ids.append("sha256:" + h)
        history.append({"created": "2026-03-24T12:00:00Z", "created_by": f"/bin/sh -c #(nop) ADD layer{i}.tar /"})
        lid = hashlib.sha256(("layer%d" % i + h).encode()).hexdigest()
        names.append(lid + "/layer.tar")
        add(save, lid + "/", kind="dir")
        add(save, lid + "/VERSION", b"1.0")
        add(save, lid + "/layer.tar", data)
        del data
    cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                      "rootfs": {"type": "layers", "diff_ids": diff_ids}, "history": history}).encode()
    cid = hashlib.sha256(cfg).hexdigest()
    add(save, cid + ".json", cfg)
    add(save, "manifest.json", json.dumps([{"Config": cid + ".json", "RepoTags": ["bench/big:1"], "Layers": names}]).encode())
print(f"{out}: {os.path.getsize(out) / 1e6:.0f} MB, {nlayers} layers")
