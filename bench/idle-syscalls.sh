#!/usr/bin/env bash
# Idle wake-ups (issue 11, item 6): the system calls an idle `bus listen` makes, counted by
# `strace -f -c` over every thread of the process for SECONDS once it is joined and settled.
#
#   bench/idle-syscalls.sh BUS_EXE [SECONDS] [OUT]     (default 10 s; OUT default -, stdout)
#
# Writes one line: "exe=... seconds=S calls=N per_second=R semaphore_calls=K" and then the
# strace summary table. Needs strace and ptrace rights over one's own children (root, or
# kernel.yama.ptrace_scope 0/1). The bus it makes is removed; the listener is stopped by its pid.
set -euo pipefail
exe=${1:?usage: idle-syscalls.sh BUS_EXE [SECONDS] [OUT]}
seconds=${2:-10}
out=${3:--}
tmp=$(mktemp -d /tmp/libbus-idle.XXXXXX)
pid=
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    "$exe" remove "$tmp/bus" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT

"$exe" create -x "$tmp/bus" >/dev/null
"$exe" listen --ready "$tmp/bus" >/dev/null 2>"$tmp/stderr" &
pid=$!
for _ in $(seq 600); do grep -q ': listening' "$tmp/stderr" && break; sleep 0.05; done
grep -q ': listening' "$tmp/stderr" || { echo "idle-syscalls: the listener did not start: $(cat "$tmp/stderr")" >&2; exit 1; }
sleep 2 # start-up work (tiered compilation, first GC) is not idling

# strace -p traces every thread of the process; SIGINT ends it and prints the summary.
timeout -s INT "$seconds" strace -f -c -p "$pid" -o "$tmp/summary" || true
calls=$(awk '$NF == "total" {print $4}' "$tmp/summary")
sem=$(awk '$NF ~ /^sem(timed)?op$/ {s += $4} END {print s + 0}' "$tmp/summary")
kill -0 "$pid" || { echo "idle-syscalls: the listener died" >&2; exit 1; }
{
    echo "exe=$exe seconds=$seconds calls=${calls:-0} per_second=$(awk -v c="${calls:-0}" -v s="$seconds" 'BEGIN {printf "%.1f", c / s}') semaphore_calls=$sem"
    cat "$tmp/summary"
} | if [ "$out" = - ]; then cat; else cat >"$out"; fi
