#!/usr/bin/env bash
# Memory of the listener processes of a harness run under load (issue 17): for each of libbus (JIT),
# libbus-aot and c, starts `harness run --impl X --listeners 16 --messages 100000` in the background,
# waits until its broadcaster runs (every listener has joined), lets it run SETTLE seconds, then reads
# /proc/PID/smaps_rollup and the thread count of each listener process. One line per implementation:
#
#   LISTENER_MEMORY impl=X listeners=N rss_mib=.. pss_mib=.. pss_anon_mib=.. threads=.. pss_sum_mib=.. loadavg=..
#
# (means per listener; pss_sum_mib: the sum over the N listeners read) on stdout and into OUT.
#
#   bench/listener-memory.sh HARNESS HARNESS_AOT CBASELINE BUS [OUT]
#
# HARNESS: the JIT harness (bench/out/artifacts/bin/LibBus.Harness/release/harness); HARNESS_AOT: its
# Native AOT publish; CBASELINE: bench/out/cbaseline; BUS: a `bus` executable, used only to remove the
# run's bus if the harness had to be killed. Environment: LISTENERS (16), MESSAGES (100000), SETTLE (2).
# Every run has a deadline; on a timeout the script kills the processes it started (by pid) and removes
# the bus the run made. Exit 1 if any implementation could not be measured.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 4 ] || { echo "usage: bench/listener-memory.sh HARNESS HARNESS_AOT CBASELINE BUS [OUT]" >&2; exit 2; }
harness=$1 aot=$2 cbaseline=$3 bus=$4 out=${5:-bench/results/listener-memory.txt}
listeners=${LISTENERS:-16} messages=${MESSAGES:-100000} settle=${SETTLE:-2}
tmp=$(mktemp -d /tmp/listener-memory.XXXXXX)
run= # the harness run in progress
status=0

# The run's child processes whose second argument is one of the given roles.
children() { # role...
    local pid arg
    for pid in $(ps -o pid= --ppid "$run" 2>/dev/null); do
        arg=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | sed -n 2p) || continue
        for role in "$@"; do [ "$arg" = "$role" ] && echo "$pid"; done
    done
}

# Stops the run if it is still going: its children first (by pid), then the harness, then its bus.
stop_run() {
    [ -n "$run" ] || return 0
    if kill -0 "$run" 2>/dev/null; then
        local path pids
        path=$(for pid in $(children listener listen); do tr '\0' '\n' <"/proc/$pid/cmdline" | sed -n 3p; break; done 2>/dev/null || true)
        pids=$(ps -o pid= --ppid "$run" 2>/dev/null || true)
        # shellcheck disable=SC2086
        [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
        kill -KILL "$run" 2>/dev/null || true
        wait "$run" 2>/dev/null || true
        if [ -n "$path" ] && [ -e "$path" ]; then
            # The key file's first two lines are the semaphore array's and the segment's keys (decimal).
            if "$bus" remove "$path" 2>/dev/null \
                || ipcrm -S "$(sed -n 1p "$path")" -M "$(sed -n 2p "$path")" 2>/dev/null; then
                rm -rf "$(dirname "$path")"
            else
                echo "listener-memory: could not remove the bus $path" >&2
            fi
        fi
    else
        wait "$run" 2>/dev/null || true
    fi
    run=
}
cleanup() { stop_run; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

: >"$out"
for impl in libbus libbus-aot c; do
    "$harness" run --impl "$impl" --listeners "$listeners" --messages "$messages" --warmup 1000 --repeat 1 --timeout 150 \
        --cbaseline "$cbaseline" --libbus-aot "$aot" >"$tmp/run.out" 2>&1 &
    run=$!
    # Every listener has joined once the broadcaster has started.
    for _ in $(seq 600); do
        [ -n "$(children broadcaster broadcast)" ] && break
        kill -0 "$run" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$(children broadcaster broadcast)" ]; then
        echo "listener-memory: $impl: the broadcaster never started ($(tail -1 "$tmp/run.out" 2>/dev/null))" >&2
        stop_run; status=1; continue
    fi
    sleep "$settle"
    for pid in $(children listener listen); do
        # Rss, Pss, Pss_Anon (kB) and the thread count; nothing if the process has gone meanwhile.
        { awk '$1 == "Rss:" || $1 == "Pss:" || $1 == "Pss_Anon:" {v[$1] = $2} END {printf "%s %s %s ", v["Rss:"], v["Pss:"], v["Pss_Anon:"]}' "/proc/$pid/smaps_rollup" &&
          awk '$1 == "Threads:" {print $2}' "/proc/$pid/status"; } 2>/dev/null || true
    done >"$tmp/rows"
    load=$(cut -d' ' -f1 /proc/loadavg)
    # Let the run end by itself (its own watchdog: --timeout 150), else stop it.
    for _ in $(seq 1800); do kill -0 "$run" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$run" 2>/dev/null; then echo "listener-memory: $impl: the run did not end; stopped" >&2; fi
    stop_run
    if ! grep -q '[0-9] [0-9]' "$tmp/rows"; then
        echo "listener-memory: $impl: no listener could be read" >&2; status=1; continue
    fi
    awk -v impl="$impl" -v load="$load" 'NF == 4 {n++; rss += $1; pss += $2; anon += $3; threads += $4}
        END {printf "LISTENER_MEMORY impl=%s listeners=%d rss_mib=%.1f pss_mib=%.1f pss_anon_mib=%.1f threads=%.1f pss_sum_mib=%.1f loadavg=%s\n",
                    impl, n, rss / n / 1024, pss / n / 1024, anon / n / 1024, threads / n, pss / 1024, load}' "$tmp/rows" | tee -a "$out"
done
exit "$status"
