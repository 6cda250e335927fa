#!/usr/bin/env bash
# OSV loading benchmark: `litesweep iocs --osv` (decode every record with the
# OSV schema's bindings and compile the matcher) against `unzip -p` of the
# same export (the decompression floor), in the same run, at 100,000
# records shaped like real ones (bench/genosv.py). Prints each command's
# wall, user+sys CPU and peak RSS (/usr/bin/time). Usage: bench/osv.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
out=${BENCH_OUT:-/tmp/litesweep-bench}
mkdir -p "$out"
go build -o "$out/litesweep" .
zip="$out/osv-$n.zip"
[ -f "$zip" ] || python3 bench/genosv.py "$n" "$zip"
echo "$(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg); $n records, $(($(stat -c %s "$zip") / 1000000)) MB zip"
measure() {
  local name=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$out/time" "$@" >/dev/null
  read -r wall user sys rss <"$out/time"
  printf '  %-22s %6.2f s wall  %6.2f s CPU  %5d MB peak RSS\n' "$name" "$wall" "$(awk "BEGIN{print $user+$sys}")" $((rss / 1024))
}
measure "unzip -p" unzip -p "$zip"
measure "litesweep iocs --osv" "$out/litesweep" iocs --osv "$zip"
measure "litesweep iocs" "$out/litesweep" iocs
