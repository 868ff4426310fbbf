#!/usr/bin/env bash
# The test command: every test project against real kernel objects and real
# processes, then the bus command's tests again against the Native AOT binary
# that users install, then the consumer checks of the NuGet packages.
# Ends with one summary line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0

# -m:1: one test project at a time. Each checks that the IPC objects of the machine
# are as it found them, which only holds while no other project makes buses.
dotnet test LibBus.sln -m:1 2>&1 | tee -a "$log" || status=1

rid=linux-x64
[ "$(uname -m)" = aarch64 ] && rid=linux-arm64
aot=artifacts/test/bus-$rid
if dotnet publish src/BusCli/BusCli.csproj -c Release -r "$rid" -o "$aot" --nologo -v quiet; then
  BUS_CLI="$PWD/$aot/bus" dotnet test tests/BusCli.Tests 2>&1 | tee -a "$log" || status=1
else
  echo "test.sh: the Native AOT publish of src/BusCli failed" >&2
  status=1
fi

# A user's app against the packed packages, JIT and Native AOT (tests/Consumer/check.sh):
# prints "Consumer checks - Failed: F, Passed: P", summed below like dotnet test's lines.
tests/Consumer/check.sh 2>&1 | tee -a "$log" || status=1

# dotnet test prints one "Passed!/Failed! - Failed: F, Passed: P, ..." line per test assembly.
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || status=1
exit $status
