#!/usr/bin/env bash
# The same C program on LibBus's libbus.so.3 against the C baseline (issue 24): bench/c/libbuspeer.c
# (bus_read / bus_write through bus.h) and bench/c/cbaseline.c (the same roles, hand-written
# semaphore steps), through the harness, taking turns, at L = 1, 4, 16, spread and on one CPU.
# Uses the harness and the C baseline of bench/run-all.sh if they are there, else builds them;
# always publishes libbus.so.3 from this tree. Prints what it measured (commit, machine, load),
# one line per run (each the median of 3, the harness's own), and a summary: per cell the
# median over the rounds of each side, their ratio, and the median of each round's own ratio
# (the goal is >= 0.9x), with the load average before and after. Run it on a quiet machine;
# in an IPC namespace of its own if root.
#   bench/c-abi-ab.sh [ROUNDS]   (default 2; about 1 minute a round on a quiet machine)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ] && [ -z "${C_ABI_AB_NAMESPACE:-}" ] && unshare --ipc true 2>/dev/null; then
  C_ABI_AB_NAMESPACE=1 exec unshare --ipc -- "$0" "$@"
fi
rounds=${1:-2}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "c-abi-ab: ROUNDS must be a positive number, not '$rounds'" >&2; exit 2; }
OUT=$PWD/bench/out
H="$OUT/artifacts/bin/LibBus.Harness/release/harness"
mkdir -p "$OUT" bench/results
if [ ! -x "$H" ]; then
  echo "c-abi-ab: building the harness" >&2
  dotnet build bench/LibBus.Harness -c Release --artifacts-path "$OUT/artifacts" --nologo -v quiet >&2
fi
[ -x "$OUT/cbaseline" ] || cc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$OUT/cbaseline" bench/c/cbaseline.c
rid=linux-x64; [ "$(uname -m)" = aarch64 ] && rid=linux-arm64
lib=$OUT/libbus-native
echo "c-abi-ab: publishing libbus.so.3 (Native AOT, a few minutes)" >&2
dotnet publish src/LibBus.Native/LibBus.Native.csproj -c Release -r "$rid" -o "$lib" --nologo -v quiet >&2
so=$lib/libbus.so.3; [ -e "$so" ] || so=$lib/LibBus.Native.so
mkdir -p "$OUT/libbus-lib"; cp "$so" "$OUT/libbus-lib/libbus.so.3"; ln -sf libbus.so.3 "$OUT/libbus-lib/libbus.so"
cc -std=gnu11 -O2 -Wall -Wextra -I src/LibBus.Native/include -o "$OUT/libbuspeer" bench/c/libbuspeer.c \
    -L"$OUT/libbus-lib" -lbus -Wl,-rpath,"$OUT/libbus-lib"

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- src 2>/dev/null || commit="$commit + uncommitted changes in src"
load() { cut -d' ' -f1-3 /proc/loadavg; }
load_before=$(load)
echo "c-abi-ab: C on libbus.so.3 (--impl c-libbus, bench/c/libbuspeer.c) against the C baseline (--impl c)"
echo "  library built from $commit; $(nproc) CPUs; $(date -u '+%Y-%m-%d %H:%M UTC'); load average $load_before"
echo "  $rounds round(s); each run: the median of 3 (warm-up 20000; N = 20000 at L = 1 and 4, 5000 at L = 16)"

CSV=bench/results/c-abi.csv
rm -f "$CSV"
declare -A rate paired this
for ((r = 1; r <= rounds; r++)); do
  for placement in spread one-cpu; do
    on=(); [ $placement = one-cpu ] && on=(taskset -c 0)
    for L in 1 4 16; do
      case $L in 1|4) N=20000 W=20000 ;; 16) N=5000 W=20000 ;; esac
      for impl in c c-libbus; do
        line=$(timeout 600 "${on[@]}" "$H" run --impl "$impl" --listeners "$L" --messages "$N" --warmup "$W" --repeat 3 \
          --timeout 150 --csv "$CSV" --cbaseline "$OUT/cbaseline" --libbuspeer "$OUT/libbuspeer" 2>&1 | tail -1) || true
        echo "round $r $placement L=$L $impl: $line"
        if [[ $line =~ :\ ok\ ([0-9]+)\ msg/s ]]; then rate[$placement,$L,$impl]+="${BASH_REMATCH[1]} "; this[$impl]=${BASH_REMATCH[1]}; else this[$impl]=; fi
      done
      # The round's own ratio: both sides ran one after the other, so this VM's drift between rounds cancels.
      if [ -n "${this[c]}" ] && [ -n "${this[c-libbus]}" ]; then
        paired[$placement,$L]+="$(awk -v a="${this[c-libbus]}" -v b="${this[c]}" 'BEGIN {printf "%.3f", a / b}') "
      fi
    done
  done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR] = $1} END {if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
echo
echo "summary: msg/s, median over the rounds (each round's figure in brackets); ratio = C on libbus.so.3 / C baseline,"
echo "of those medians; paired = the median of each round's own ratio (rounds in brackets)"
printf '%-8s %3s  %-28s %-28s %-6s %s\n' placement L "C baseline" "C on libbus.so.3" ratio paired
for placement in spread one-cpu; do
  for L in 1 4 16; do
    c=$(median <<< "${rate[$placement,$L,c]:-}"); lb=$(median <<< "${rate[$placement,$L,c-libbus]:-}")
    ratio=-; [ -n "$c" ] && [ -n "$lb" ] && ratio=$(awk -v a="$lb" -v b="$c" 'BEGIN {printf "%.2fx", a / b}')
    rc=${rate[$placement,$L,c]:-} rl=${rate[$placement,$L,c-libbus]:-}
    p=$(median <<< "${paired[$placement,$L]:-}"); [ -n "$p" ] && p=$(printf '%.2fx' "$p")
    rp=${paired[$placement,$L]:-}
    printf '%-8s %3s  %-28s %-28s %-6s %s\n' "$placement" "$L" "${c:-failed} [${rc% }]" "${lb:-failed} [${rl% }]" "$ratio" "${p:--} [${rp% }]"
  done
done
echo "load average before $load_before, after $(load); runs in $CSV"
