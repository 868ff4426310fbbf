#!/usr/bin/env bash
# User-space instructions per message of the C ABI's message paths, a measure that does not depend
# on the machine's load (docs/C-ABI.md, "Where libbus.so.3 does more than the baseline"): the same
# harness runs as bench/c-abi-ab.sh (bench/c/libbuspeer.c on libbus.so.3, --impl c-libbus, and
# the C baseline bench/c/cbaseline.c, --impl c), with the broadcaster and the first listener under
# valgrind's callgrind, twice, with N1 and N2 timed messages; the difference of their instruction
# counts over N2 - N1 leaves start-up, joining and warm-up out. The other listeners run as they are.
#   bench/c-abi-profile.sh LIBDIR [L] [N1] [N2] [KEEP]
#   LIBDIR  the published library (libbus.so.3 or LibBus.Native.so); publish it with
#           -p:StripSymbols=false to see LibBus's own functions in callgrind_annotate
#   L       listeners (default 1); N1, N2 messages (default 4000, 12000)
#   KEEP    a directory to keep the callgrind files in (for callgrind_annotate), else they go
# Prints, per implementation and role, the instructions per message. The shield's looks (a
# semctl read or two at most once a millisecond per process, MixedBusWatch) follow the clock, so
# under callgrind's slowdown they come at more messages than at full speed: each line also gives
# the semctl calls per message (the broadcaster's publish is one; the rest are looks, 2 each).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: bench/c-abi-profile.sh LIBDIR [L] [N1] [N2] [KEEP]" >&2; exit 2; }
libdir=$(cd "$1" && pwd)
L=${2:-1} N1=${3:-4000} N2=${4:-12000} keep=${5:-}
for v in "$L" "$N1" "$N2"; do [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "c-abi-profile: '$v' is not a positive number" >&2; exit 2; }; done
[ "$N2" -gt "$N1" ] || { echo "c-abi-profile: N2 must exceed N1" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "c-abi-profile: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
if [ "$(id -u)" = 0 ] && [ -z "${C_ABI_PROFILE_NAMESPACE:-}" ] && unshare --ipc true 2>/dev/null; then
  C_ABI_PROFILE_NAMESPACE=1 exec unshare --ipc -- "$0" "$@"
fi

OUT=$PWD/bench/out
H="$OUT/artifacts/bin/LibBus.Harness/release/harness"
mkdir -p "$OUT"
[ -x "$H" ] || dotnet build bench/LibBus.Harness -c Release --artifacts-path "$OUT/artifacts" --nologo -v quiet >&2
[ -x "$OUT/cbaseline" ] || cc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$OUT/cbaseline" bench/c/cbaseline.c
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
so=$libdir/libbus.so.3; [ -e "$so" ] || so=$libdir/LibBus.Native.so
mkdir -p "$work/lib"; cp "$so" "$work/lib/libbus.so.3"; ln -s libbus.so.3 "$work/lib/libbus.so"
cc -std=gnu11 -O2 -Wall -Wextra -I src/LibBus.Native/include -o "$work/libbuspeer" bench/c/libbuspeer.c \
    -L"$work/lib" -lbus -Wl,-rpath,"$work/lib"

# The peer as the harness starts it, under callgrind for the broadcaster and the first listener.
wrap() { # NAME PEER
  cat > "$work/$1" <<EOF
#!/bin/sh
out=\$CALLGRIND_DIR
if [ "\$1" = listen ] && ! mkdir "\$out/first-listener" 2>/dev/null; then exec "$2" "\$@"; fi
exec valgrind --tool=callgrind --compress-strings=no --callgrind-out-file="\$out/\$1.%p" "$2" "\$@"
EOF
  chmod +x "$work/$1"
}
wrap cbaseline-cg "$OUT/cbaseline"
wrap libbuspeer-cg "$work/libbuspeer"

total() { grep -h '^summary:\|^totals:' "$1" | head -1 | awk '{print $2}'; }
semctls() { # calls of semctl in a callgrind file
  { grep -A1 '^cfn=semctl' "$1" || true; } | awk '/^calls=/ {split($1, a, "="); n += a[2]} END {print n + 0}'
}

echo "c-abi-profile: user-space instructions per message (callgrind, runs of $N1 and $N2 messages, L = $L)"
echo "  library $so; $(date -u '+%Y-%m-%d %H:%M UTC'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
for impl in c c-libbus; do
  declare -A ir=() lk=()
  for n in "$N1" "$N2"; do
    dir=$work/$impl-$n; mkdir -p "$dir"
    CALLGRIND_DIR=$dir "$H" run --impl "$impl" --listeners "$L" --messages "$n" --warmup 200 --repeat 1 --timeout 900 \
      --cbaseline "$work/cbaseline-cg" --libbuspeer "$work/libbuspeer-cg" > "$dir/harness.txt" 2>&1 \
      || { echo "c-abi-profile: $impl N=$n failed: $(tail -1 "$dir/harness.txt")" >&2; exit 1; }
    for role in broadcast listen; do
      f=$(ls "$dir/$role".* | head -1)
      ir[$role,$n]=$(total "$f"); lk[$role,$n]=$(semctls "$f")
    done
    if [ -n "$keep" ]; then mkdir -p "$keep"; cp -r "$dir" "$keep/"; fi
  done
  for role in broadcast listen; do
    awk -v impl="$impl" -v role="$role" -v a="${ir[$role,$N1]}" -v b="${ir[$role,$N2]}" \
        -v la="${lk[$role,$N1]}" -v lb="${lk[$role,$N2]}" -v n=$((N2 - N1)) \
        'BEGIN {printf "%-9s %-10s %7.0f instructions/message  (semctl %.2f/message)\n", impl, role, (b - a) / n, (lb - la) / n}'
  done
  unset ir lk
done
