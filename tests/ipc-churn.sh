#!/usr/bin/env bash
# Creates and removes System V semaphore arrays and shared memory segments in a loop
# until killed, as another program on the machine would (a database, the tests of a
# second checkout). test.sh runs it beside the tests: each leak check must look only
# at the objects its own test made (tests/Shared/IpcScope.cs), never at the whole table.
# Usage: tests/ipc-churn.sh [SECONDS_BETWEEN_ROUNDS]   (default 0.2)
set -u
period=${1:-0.2}
held=()
release() { for o in "${held[@]}"; do ipcrm $o 2>/dev/null; done; exit 0; }
trap release TERM INT HUP
while :; do
  # Each round makes one array and one segment and keeps the last four of each, so
  # that objects appear and disappear at any moment of a test.
  out=$(ipcmk -S 5) && held+=("-s ${out##* }")
  out=$(ipcmk -M 2048) && held+=("-m ${out##* }")
  while [ ${#held[@]} -gt 8 ]; do
    ipcrm ${held[0]} 2>/dev/null
    held=("${held[@]:1}")
  done
  sleep "$period"
done
