#!/usr/bin/env bash
# Host-sweep benchmark: litesweep host --root vs find ROOT -name '*.pth' on the
# same generated tree, in the same run. Prints wall-time ratios (hyperfine)
# and peak RSS (/usr/bin/time -v). Usage: bench/host.sh [FILES] [TREE_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-500000}
tree=${2:-/tmp/litesweep-bench-tree}
out=${BENCH_OUT:-/tmp/litesweep-bench}
mkdir -p "$out"
go build -o "$out/litesweep" .
if [ ! -f "$tree/.complete-$files" ]; then
  rm -rf "$tree"; mkdir -p "$tree"
  python3 bench/gentree.py "$tree" "$files"
  touch "$tree/.complete-$files"
fi
echo "tree: $(find "$tree" -type f | wc -l) files, $(find "$tree" -type d | wc -l) dirs; $(nproc) CPUs"
# Exit 1 (findings) is expected from litesweep: the tree holds a planted fixture.
hyperfine --warmup 2 --runs 10 -N --ignore-failure \
  --export-markdown "$out/hyperfine.md" \
  "find $tree -name *.pth" \
  "$out/litesweep host --root $tree --format json --output $out/report.json --quiet"
for cmd in "find $tree -name *.pth" "$out/litesweep host --root $tree --format json --output $out/report.json --quiet"; do
  /usr/bin/time -v $cmd >/dev/null 2>"$out/time.txt" || true
  echo "$(grep -E 'Maximum resident' "$out/time.txt" | awk '{print $6}') KiB peak RSS: $cmd"
done
grep -o '"files_seen": [0-9]*\|"dirs_read": [0-9]*\|"files_read": [0-9]*\|"verdict": "[A-Z-]*"' "$out/report.json" | tr '\n' ' '; echo
