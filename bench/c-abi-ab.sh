#!/usr/bin/env bash
# The same C program on LibBus's libbus.so.3 against the C baseline (issue 24): bench/c/libbuspeer.c
# (bus_read / bus_write through bus.h) and bench/c/cbaseline.c (the same roles, hand-written
# semaphore steps), through the harness, taking turns, at L = 1, 4, 16, spread and on one CPU.
# Run after bench/run-all.sh (it uses the harness and the C baseline that run built), on a quiet
# machine. Prints one line per run; the median of 3 is the harness's own.
#   bench/c-abi-ab.sh [ROUNDS]   (default 2; about 1 minute a round)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
OUT=$PWD/bench/out
H="$OUT/artifacts/bin/LibBus.Harness/release/harness"
[ -x "$H" ] && [ -x "$OUT/cbaseline" ] || { echo "c-abi-ab: run bench/run-all.sh first" >&2; exit 2; }
rid=linux-x64; [ "$(uname -m)" = aarch64 ] && rid=linux-arm64
lib=$OUT/libbus-native
dotnet publish src/LibBus.Native/LibBus.Native.csproj -c Release -r "$rid" -o "$lib" --nologo -v quiet
so=$lib/libbus.so.3; [ -e "$so" ] || so=$lib/LibBus.Native.so
mkdir -p "$OUT/libbus-lib"; cp "$so" "$OUT/libbus-lib/libbus.so.3"; ln -sf libbus.so.3 "$OUT/libbus-lib/libbus.so"
cc -std=gnu11 -O2 -Wall -Wextra -I src/LibBus.Native/include -o "$OUT/libbuspeer" bench/c/libbuspeer.c \
    -L"$OUT/libbus-lib" -lbus -Wl,-rpath,"$OUT/libbus-lib"
CSV=bench/results/c-abi.csv
rm -f "$CSV"
for ((r = 1; r <= rounds; r++)); do
  for placement in spread one-cpu; do
    on=(); [ $placement = one-cpu ] && on=(taskset -c 0)
    for L in 1 4 16; do
      case $L in 1|4) N=20000 W=20000 ;; 16) N=5000 W=20000 ;; esac
      for impl in c c-libbus; do
        line=$(timeout 600 "${on[@]}" "$H" run --impl "$impl" --listeners "$L" --messages "$N" --warmup "$W" --repeat 3 \
          --timeout 150 --csv "$CSV" --cbaseline "$OUT/cbaseline" --libbuspeer "$OUT/libbuspeer" 2>&1 | tail -1)
        echo "round $r $placement L=$L $impl: $line"
      done
    done
  done
done
