#!/usr/bin/env bash
# Wedge trials of C programs on libbus.so.3: C bus_read listeners (tests/c/peer.c), alone or
# beside the bus command's listeners (LibBus), and a C bus_write broadcaster or
# 'bus broadcast PATH -', streaming COUNT messages back to back from one process. A trial
# wedges if it does not finish within LIMIT seconds (then the semaphores are printed). With
# --one-cpu, every process runs on CPU 0 (taskset), where the C library wedges most. A
# measurement for docs/C-ABI.md, not a test: run it in its own IPC namespace (unshare --ipc).
# Usage: tests/c/stream.sh LIBDIR [--one-cpu] [--bus BUS] [--mix LISTENERS/BROADCASTER]
#                          [TRIALS [COUNT [LIMIT]]]
#   --mix  listeners c or bus, comma-separated, and the broadcaster c or bus; default c,c/c
#          (two C listeners, a C broadcaster). bus needs --bus, the bus command.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
libdir=$(cd "$1" && pwd); shift
pin=() bus= mix=c,c/c
while [ $# -gt 0 ]; do
  case $1 in
    --one-cpu) pin=(taskset -c 0); shift ;;
    --bus) bus=$2; shift 2 ;;
    --mix) mix=$2; shift 2 ;;
    *) break ;;
  esac
done
trials=${1:-10} count=${2:-200} limit=${3:-60}
IFS=, read -r -a listeners <<< "${mix%/*}"
writer=${mix#*/}
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
  path=$work/t$t.bus
  rm -f "$work"/ready* "$work"/l*.out
  "$work/create" "$path" || { echo "trial $t: bus_create failed"; exit 1; }
  start=$(date +%s.%N)
  pids=() i=0
  for kind in "${listeners[@]}"; do
    case $kind in
      c) "${pin[@]}" timeout "$limit" "$work/peer" read "$path" "$count" "$work/ready$i" > "$work/l$i.out" & ;;
      bus) "${pin[@]}" timeout "$limit" "$bus" listen --count "$count" --ready-file "$work/ready$i" "$path" > "$work/l$i.out" & ;;
    esac
    pids+=($!)
    i=$((i + 1))
  done
  for ((j = 0; j < i; j++)); do
    for _ in $(seq 1 600); do [ -e "$work/ready$j" ] && break; sleep 0.05; done
  done
  case $writer in
    c) "${pin[@]}" timeout "$limit" "$work/peer" write "$path" m "$count"; w=$? ;;
    bus) for n in $(seq 0 $((count - 1))); do echo "m $n"; done | "${pin[@]}" timeout "$limit" "$bus" broadcast "$path" -; w=$? ;;
  esac
  ok=yes codes=
  for ((j = 0; j < i; j++)); do
    wait "${pids[$j]}"; r=$?
    codes="$codes $r"
    [ $r -eq 0 ] && [ "$(wc -l < "$work/l$j.out")" -eq "$count" ] || ok=no
  done
  [ $w -eq 0 ] || ok=no
  end=$(date +%s.%N)
  if [ $ok = yes ]; then
    printf 'trial %d: ok, %s s\n' "$t" "$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.2f", b - a}')"
  else
    wedged=$((wedged + 1))
    key=$(head -1 "$path" 2>/dev/null)
    echo "trial $t: WEDGED (broadcaster $w, listeners$codes); semaphores of key $key:"
    ipcs -s -i "$(ipcs -s | awk -v k="$(printf '0x%08x' "$key")" '$1 == k {print $2}')" 2>/dev/null | tail -8
  fi
  "$work/unlink" "$path"
done
echo "stream: $trials trials of $count messages, listeners ${listeners[*]}, broadcaster $writer (c: a C program on libbus.so.3, bus: the bus command)${pin:+, all on CPU 0}: $wedged wedged"
