#!/usr/bin/env bash
# Merge benchmark on copies of a REAL host report: bench/genhostroot plants
# a root (credential tree, an affected release with its start-up hook and
# persistence in three users' environments, histories, manifests, caches),
# the binary sweeps it (litesweep host --root), and bench/genreports -from
# writes 10,000 copies of that report, each naming its own host. Then
# litesweep merge (--format json and html) runs against jq -c .scan over
# the same files, in the same run, at 500, 2,000 and 10,000 hosts. Prints
# wall and CPU time as ratios to jq, CPU time per host, and the peak RSS of
# each command (/usr/bin/time).
# Usage: bench/merge.sh [RUNS] [DIR] [SIZES...]   (default: 3 runs; 500 2000 10000; also 1000, 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
dir=${2:-/tmp/litesweep-bench-merge-real}
shift $(( $# < 2 ? $# : 2 ))

sizes=("$@")
[ $# -gt 0 ] || sizes=(500 2000 10000)
out=${BENCH_OUT:-/tmp/litesweep-bench}
mkdir -p "$out" "$dir"
rm -f "$out"/time-*.txt
go build -o "$out/litesweep" .
if [ ! -f "$dir/.complete-10000" ]; then
  rm -rf "$dir/root" "$dir/reports"
  go run ./bench/genhostroot -o "$dir/root" >/dev/null
  "$out/litesweep" host --root "$dir/root" --no-live -q -f json -o "$dir/host.json" || [ $? -eq 1 ]
  go run ./bench/genreports -from "$dir/host.json" -n 10000 -o "$dir/reports"
  touch "$dir/.complete-10000"
fi
python3 - "$dir/host.json" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1]))
print(f'report: {os.path.getsize(sys.argv[1])//1000} KB, {len(r["findings"])} findings, {len(r.get("rotation") or [])} rotation items, verdict {r["verdict"]}')
PY
echo "$(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
for n in "${sizes[@]}"; do
  # The first n copies, host-00000 .. host-(n-1), by a glob the shell
  # expands (a 10,000-file argument list is longer than one argument may
  # be); every command pays the same shell start.
  declare -A glob=([500]="host-00[0-4][0-9][0-9].json" [1000]="host-00[0-9][0-9][0-9].json" [2000]="host-0[01][0-9][0-9][0-9].json"
    [5000]="host-0[0-4][0-9][0-9][0-9].json" [10000]="host-*.json")
  args="$dir/reports/${glob[$n]}"
  bytes=$(ls $args | xargs stat -c %s | awk '{s+=$1} END {print s}')
  echo "== $n hosts: $(ls $args | wc -l) files, $((bytes / 1000000)) MB"
  jq_cmd="jq -c .scan $args"
  json_cmd="$out/litesweep merge -q -f json -o $out/fleet-$n.json $args"
  html_cmd="$out/litesweep merge -q -f html -o $out/fleet-$n.html $args"
  # Exit 1 (findings) is expected from litesweep. Each command runs RUNS
  # times under /usr/bin/time: wall and CPU (user+sys) seconds, peak RSS.
  # On a shared machine the CPU ratio is the steadier one.
  for name in jq json html; do
    cmd=$jq_cmd; [ $name = json ] && cmd=$json_cmd; [ $name = html ] && cmd=$html_cmd
    for r in $(seq "$runs"); do
      /usr/bin/time -f "$name %e %U %S %M" bash -c "exec $cmd" >/dev/null 2>>"$out/time-$n.txt" || true
    done
  done
  python3 - "$out/time-$n.txt" "$n" <<'PY'
import sys, collections
rows = collections.defaultdict(list)
for l in open(sys.argv[1]):
    p = l.split()
    if len(p) == 5 and p[0] in ("jq", "json", "html"):
        rows[p[0]].append((float(p[1]), float(p[2]) + float(p[3]), int(p[4])))
n = int(sys.argv[2])
mean = lambda xs: sum(xs) / len(xs)
jw, jc = mean([r[0] for r in rows["jq"]]), mean([r[1] for r in rows["jq"]])
for name, label in (("jq", "jq -c .scan"), ("json", "merge -f json"), ("html", "merge -f html")):
    w, c, m = mean([r[0] for r in rows[name]]), mean([r[1] for r in rows[name]]), max(r[2] for r in rows[name])
    print(f"  {label:14s} wall {w:7.2f} s ({w/jw:4.2f}x jq)  cpu {c:7.2f} s ({c/jc:4.2f}x jq)  {c/n*1000:6.2f} ms cpu/host  peak RSS {m//1024} MB")
PY
  ls -l "$out/fleet-$n.json" "$out/fleet-$n.html" | awk '{print "  output " $9 ": " int($5/1000000) " MB"}'
done
