#!/usr/bin/env bash
# The C original's timed example (doc/examples/timed) with a LibBus broadcaster in the
# writer's role that gives up: two C pollers (tests' cpeer poll: bus_poll_timed with a 1 s
# timeout, then "waiting... N" and a 1 s sleep, as poll.c does) started 0.5 s apart, and
# `bus broadcast --timeout 100ms` every 1.3 s. A broadcast that a sleeping poller does not
# acknowledge within 100 ms gives up (PROTOCOL.md, "Timeouts and cancellation").
#
#   unshare --ipc -- tests/timed-example.sh [-r RUNS] [-n BROADCASTS] BUS
#
# BUS is the bus command to test (a built `bus`). Prints one line per run: how many
# broadcasts were delivered (exit 0), given up in step 4 ("had not received"), or timed out
# taking the bus in step 1 ("still busy": a listener holds W), what each poller printed, and
# whether the bus was held: the run ended with 3 or more broadcasts in a row timed out in
# step 1 (W held to the end). Then the runs held, out of RUNS. Issue 23.
#
# Run it in a private IPC namespace (unshare --ipc, as root): it creates and removes its own
# bus, and kills only the pollers it started. Each run takes about BROADCASTS × 1.3 s.
# Exit status: 0 done (whatever the counts), 1 failure, 2 bad command line.
set -uo pipefail
runs=5 count=12
while getopts r:n: o; do
  case $o in
    r) runs=$OPTARG ;;
    n) count=$OPTARG ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] && [[ $runs =~ ^[1-9][0-9]*$ && $count =~ ^[1-9][0-9]*$ ]] || {
  echo "usage: timed-example.sh [-r RUNS] [-n BROADCASTS] BUS" >&2; exit 2; }
bus=$1
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/timed-example.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$dir"
}
trap cleanup EXIT
cc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$dir/cpeer" "$here/LibBus.Tests/Peers/cpeer.c" || exit 1

held_runs=0
for run in $(seq 1 "$runs"); do
  path=$dir/bus.$run
  "$bus" create "$path" >/dev/null || exit 1
  "$dir/cpeer" poll "$path" 1000 1000 >"$dir/a.out" 2>"$dir/a.err" & pids+=($!); a=$!
  sleep 0.5
  "$dir/cpeer" poll "$path" 1000 1000 >"$dir/b.out" 2>"$dir/b.err" & pids+=($!); b=$!
  sleep 0.3
  outcome=""
  for i in $(seq 1 "$count"); do
    sleep 1.3
    "$bus" broadcast --timeout 100ms "$path" "0 message $i" 2>"$dir/err"
    case $? in
      0) outcome+=d ;;
      4) if grep -q "waiting for the bus" "$dir/err"; then outcome+=h; else outcome+=g; fi ;;
      *) outcome+=x; cat "$dir/err" >&2 ;;
    esac
  done
  values=$("$dir/cpeer" values "$path" 2>&1)
  kill -KILL "$a" "$b" 2>/dev/null; wait "$a" "$b" 2>/dev/null
  pids=()
  "$bus" remove "$path" >/dev/null 2>&1
  # d delivered, g given up in step 4, h timed out in step 1 (a listener holds W), x other error.
  # Held: the run ends with 3 or more step-1 timeouts in a row (W held to the end).
  tail=${outcome##*[dgx]}
  held=no
  if [ "${#tail}" -ge 3 ]; then
    start=$(( ${#outcome} - ${#tail} ))
    held="yes, from broadcast $(( start + 1 ))"
    [ "$start" -gt 0 ] && [ "${outcome:$((start - 1)):1}" = g ] && held+=" (after a give-up)"
    held_runs=$((held_runs + 1))
  fi
  printf 'run %d: %s  delivered %d, given up %d, step 1 timed out %d, other %d; pollers printed %d and %d; at the end %s; held: %s\n' \
    "$run" "$outcome" "$(tr -cd d <<<"$outcome" | wc -c)" "$(tr -cd g <<<"$outcome" | wc -c)" \
    "$(tr -cd h <<<"$outcome" | wc -c)" "$(tr -cd x <<<"$outcome" | wc -c)" \
    "$(wc -l <"$dir/a.out")" "$(wc -l <"$dir/b.out")" "$values" "$held"
done
echo "held: $held_runs of $runs runs"
