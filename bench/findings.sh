#!/usr/bin/env bash
# Per-finding cost: litesweep host over a monorepo of N pinned requirements
# files where every file pins litellm 1.82.8 (N findings) against the same
# tree pinning 1.82.6 (no finding), in the same run. Prints hyperfine's
# means and each sweep's peak RSS. Usage: bench/findings.sh [N] [RUNS] [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-50000}
runs=${2:-3}
dir=${3:-/tmp/litesweep-bench-findings}
out=${BENCH_OUT:-/tmp/litesweep-bench}
mkdir -p "$out" "$dir"
go build -o "$out/litesweep" .
for pin in 1.82.8 1.82.6; do
  if [ ! -f "$dir/.complete-$n-$pin" ]; then
    rm -rf "$dir/tree-$pin"
    python3 bench/genfindings.py "$dir/tree-$pin" "$n" "$pin"
    touch "$dir/.complete-$n-$pin"
  fi
done
echo "$(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
bad="$out/litesweep host --root $dir/tree-1.82.8 --no-live -q -f json -o $out/findings.json"
good="$out/litesweep host --root $dir/tree-1.82.6 --no-live -q -f json -o $out/nofindings.json"
# Exit 1 (findings) is expected from the tree with findings.
hyperfine --runs "$runs" -N --ignore-failure --style basic --export-json "$out/hyperfine-findings.json" \
  -n "no findings" "$good" -n "$n findings" "$bad" >/dev/null
python3 - "$out/hyperfine-findings.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
base = r[0]["mean"]
for x in r:
    print(f'  {x["command"]:16s} {x["mean"]:7.2f} s ± {x["stddev"] or 0:5.2f}  user {x["user"]:6.2f} s  {x["mean"]/base:5.2f}x')
PY
for cmd in "$good" "$bad"; do
  /usr/bin/time -v $cmd >/dev/null 2>"$out/time.txt" || true
  echo "  peak RSS $(grep -E 'Maximum resident' "$out/time.txt" | awk '{print int($6/1024)}') MB, user $(grep -E 'User time' "$out/time.txt" | awk '{print $4}') s: ${cmd%% -q*}"
done
ls -l "$out/findings.json" | awk '{print "  report: " int($5/1000000) " MB"}'
