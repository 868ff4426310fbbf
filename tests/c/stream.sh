#!/usr/bin/env bash
# Wedge trials of C programs on libbus.so.3: two C bus_read listeners (tests/c/peer.c) and a C
# bus_write broadcaster streaming COUNT messages back to back from one process. A trial wedges
# if it does not finish within LIMIT seconds (then the semaphores are printed). With --one-cpu,
# every process runs on CPU 0 (taskset), where the C library wedges most. A measurement for
# docs/C-ABI.md, not a test: run it alone, in its own IPC namespace (unshare --ipc).
# Usage: tests/c/stream.sh LIBDIR [--one-cpu] [TRIALS [COUNT [LIMIT]]]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
libdir=$(cd "$1" && pwd); shift
pin=()
if [ "${1:-}" = --one-cpu ]; then pin=(taskset -c 0); shift; fi
trials=${1:-10} count=${2:-200} limit=${3:-60}
so=$libdir/libbus.so.3
[ -e "$so" ] || so=$libdir/LibBus.Native.so
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/lib"
cp "$so" "$work/lib/libbus.so.3"
ln -s libbus.so.3 "$work/lib/libbus.so"
cc -std=gnu11 -O2 -I"$root/src/LibBus.Native/include" -o "$work/peer" "$here/peer.c" -L"$work/lib" -lbus -Wl,-rpath,"$work/lib"
# bus_create and bus_unlink, by C programs on the library under test
printf '#include "bus.h"\nint main(int c, char **v) { (void)c; return bus_create(v[1], 0, 0) ? 1 : 0; }\n' > "$work/create.c"
printf '#include "bus.h"\nint main(int c, char **v) { (void)c; return bus_unlink(v[1]) ? 1 : 0; }\n' > "$work/unlink.c"
for p in create unlink; do
  cc -std=gnu11 -I"$root/src/LibBus.Native/include" -o "$work/$p" "$work/$p.c" -L"$work/lib" -lbus -Wl,-rpath,"$work/lib"
done

wedged=0
for t in $(seq 1 "$trials"); do
  bus=$work/t$t.bus
  rm -f "$work"/ready*
  "$work/create" "$bus" || { echo "trial $t: bus_create failed"; exit 1; }
  start=$(date +%s.%N)
  "${pin[@]}" timeout "$limit" "$work/peer" read "$bus" "$count" "$work/ready1" > "$work/l1" & l1=$!
  "${pin[@]}" timeout "$limit" "$work/peer" read "$bus" "$count" "$work/ready2" > "$work/l2" & l2=$!
  for _ in $(seq 1 600); do [ -e "$work/ready1" ] && [ -e "$work/ready2" ] && break; sleep 0.05; done
  "${pin[@]}" timeout "$limit" "$work/peer" write "$bus" m "$count"; w=$?
  wait $l1; r1=$?
  wait $l2; r2=$?
  end=$(date +%s.%N)
  if [ $w -eq 0 ] && [ $r1 -eq 0 ] && [ $r2 -eq 0 ] && [ "$(wc -l < "$work/l1")" -eq "$count" ] && [ "$(wc -l < "$work/l2")" -eq "$count" ]; then
    printf 'trial %d: ok, %s s\n' "$t" "$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.2f", b - a}')"
  else
    wedged=$((wedged + 1))
    key=$(head -1 "$bus" 2>/dev/null)
    echo "trial $t: WEDGED (writer $w, listeners $r1 $r2; got $(wc -l < "$work/l1") and $(wc -l < "$work/l2")); semaphores of key $key:"
    ipcs -s -i "$(ipcs -s | awk -v k="$(printf '0x%08x' "$key")" '$1 == k {print $2}')" 2>/dev/null | tail -8
  fi
  "$work/unlink" "$bus"
done
echo "stream: $trials trials of $count messages, two C bus_read listeners, one C bus_write broadcaster${pin:+, all on CPU 0}: $wedged wedged"
