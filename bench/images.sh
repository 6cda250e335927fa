#!/usr/bin/env bash
# Image-scan benchmark: `litesweep images --archive` on a generated
# multi-layer docker save tarball (>= 1 GB, uncompressed layers) vs reading
# the same bytes once (cat), reading and hashing them once (sha256sum: the
# scan verifies every layer digest), listing the outer tar (tar -tf, which
# seeks over the layers) and listing every layer's members
# (tar -xOf | tar -ti), in the same run. Prints hyperfine's table (wall,
# user and system time: on a loaded machine compare CPU) and peak RSS.
# Usage: bench/images.sh [TOTAL_MB] [LAYERS] [FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-1100}
layers=${2:-12}
img=${3:-/tmp/litesweep-bench-image-$mb-$layers.tar}
out=${BENCH_OUT:-/tmp/litesweep-bench}
mkdir -p "$out"
go build -o "$out/litesweep" .
[ -f "$img" ] || python3 bench/genimage.py "$img" "$mb" "$layers"
echo "image: $(du -m "$img" | cut -f1) MB, $layers layers; $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
scan="$out/litesweep images --archive $img --format json --output $out/images-report.json --quiet"
# Exit 1 (findings) is expected: the image carries a planted history-only fixture.
hyperfine --warmup 1 --runs 5 -N --ignore-failure --export-markdown "$out/images-hyperfine.md" \
  "cat $img" \
  "sha256sum $img" \
  "tar -tf $img" \
  "sh -c 'tar -xOf $img --wildcards */layer.tar | tar -ti >/dev/null'" \
  "$scan"
/usr/bin/time -v $scan 2>"$out/images-time.txt" || true
echo "$(grep -E 'Maximum resident' "$out/images-time.txt" | awk '{print $6}') KiB peak RSS: litesweep images"
grep -o '"verdict": "[A-Z-]*"\|"layers": [0-9]*\|"bytes_read": [0-9]*\|"files_seen": [0-9]*' "$out/images-report.json" | tr '\n' ' '; echo
