#!/usr/bin/env bash
# Resident memory of `bus listen` idle and busy (issue 11): joins a listener that prints
# to /dev/null, reads its VmRSS once joined and idle, broadcasts MESSAGES messages of
# SIZE bytes at full speed from one `bus broadcast PATH -`, then reads VmRSS and the
# peak VmHWM. One markdown table row on stdout.
#
#   unshare --ipc -- bench/listen-rss.sh [BUS [MESSAGES [SIZE]]]
#
# BUS defaults to $BUS_CLI, else the Native AOT build test.sh publishes
# (artifacts/test/bus-linux-x64/bus). Takes a few seconds; every process and the bus
# it makes are removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
bus=${1:-${BUS_CLI:-artifacts/test/bus-linux-x64/bus}}
messages=${2:-200000}
size=${3:-100}
dir=$(mktemp -d /tmp/listen-rss.XXXXXX)
listener=
cleanup() {
    if [ -n "$listener" ]; then kill "$listener" 2>/dev/null || true; fi
    "$bus" remove "$dir/bus" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

kib() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$listener/status"; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }

"$bus" create -x "$dir/bus"
"$bus" listen --ready "$dir/bus" > /dev/null 2> "$dir/err" &
listener=$!
for _ in $(seq 200); do grep -q listening "$dir/err" && break; sleep 0.05; done
grep -q listening "$dir/err" || { echo "listen-rss: the listener never joined" >&2; exit 1; }
sleep 1
idle=$(kib VmRSS)

line=$(head -c "$size" /dev/zero | tr '\0' x)
for _ in $(seq "$messages"); do printf '%s\n' "$line"; done > "$dir/messages"
start=$(date +%s.%N)
timeout 300 "$bus" broadcast "$dir/bus" - < "$dir/messages"
end=$(date +%s.%N)
busy=$(kib VmRSS)
peak=$(kib VmHWM)
rate=$(awk -v n="$messages" -v s="$start" -v e="$end" 'BEGIN {printf "%.0f", n / (e - s)}')
printf '| %s | %s | %s B | %s/s | %s MiB | %s MiB | %s MiB |\n' \
    "$bus" "$messages" "$size" "$rate" "$(mib "$idle")" "$(mib "$busy")" "$(mib "$peak")"
