#!/usr/bin/env bash
# Merge benchmark: litesweep merge (--format json and html) against
# jq -c .scan over the same report files, in the same run, at 1,000, 5,000
# and 10,000 hosts. Prints hyperfine's table per size and the peak RSS of
# each command (/usr/bin/time -v). Usage: bench/merge.sh [RUNS] [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
dir=${2:-/tmp/litesweep-bench-merge}
out=${BENCH_OUT:-/tmp/litesweep-bench}
mkdir -p "$out" "$dir"
go build -o "$out/litesweep" .
if [ ! -f "$dir/.complete-10000" ]; then
  rm -rf "$dir/reports"
  go run ./bench/genreports -n 10000 -o "$dir/reports"
  touch "$dir/.complete-10000"
fi
# The sets are nested: 1,000 hosts are host-00000..00999 (with their older
# and newer reports), 5,000 are host-00000..04999.
declare -A glob=([1000]="host-00[0-9][0-9][0-9]*.json" [5000]="host-0[0-4][0-9][0-9][0-9]*.json" [10000]="host-*.json")
echo "$(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
for n in 1000 5000 10000; do
  files=$(ls $dir/reports/${glob[$n]} | wc -l)
  bytes=$(ls $dir/reports/${glob[$n]} | xargs stat -c %s | awk '{s+=$1} END {print s}')
  echo "== $n hosts: $files files, $((bytes / 1000000)) MB"
  # The shell expands the glob (a 10,000-file argument list is longer than
  # one argument may be); every command pays the same shell start.
  args="$dir/reports/${glob[$n]}"
  jq_cmd="jq -c .scan $args"
  json_cmd="$out/litesweep merge -q -f json -o $out/fleet-$n.json $args"
  html_cmd="$out/litesweep merge -q -f html -o $out/fleet-$n.html $args"
  # Exit 1 (findings) is expected from litesweep.
  hyperfine --runs "$runs" --shell=bash --ignore-failure --style basic --export-json "$out/hyperfine-$n.json" \
    -n "jq -c .scan" "$jq_cmd" -n "merge -f json" "$json_cmd" -n "merge -f html" "$html_cmd" >/dev/null
  python3 - "$out/hyperfine-$n.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
base = r[0]["mean"]
for x in r:
    print(f'  {x["command"]:14s} {x["mean"]:7.2f} s ± {x["stddev"] or 0:5.2f}  user {x["user"]:6.2f} s  {x["mean"]/base:5.2f}x jq')
PY
  for name in jq json html; do
    cmd=$jq_cmd; [ $name = json ] && cmd=$json_cmd; [ $name = html ] && cmd=$html_cmd
    /usr/bin/time -v bash -c "exec $cmd" >/dev/null 2>"$out/time.txt" || true
    echo "  peak RSS $name: $(grep -E 'Maximum resident' "$out/time.txt" | awk '{print int($6/1024)}') MB"
  done
  ls -l "$out/fleet-$n.json" "$out/fleet-$n.html" | awk '{print "  output " $9 ": " int($5/1000000) " MB"}'
done
