#!/usr/bin/env bash
# The test command: every test project against real kernel objects and real
# processes, then the bus command's tests again against the Native AOT binary
# that users install. Ends with one summary line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0

# -m:1: one test project at a time. Each checks that the IPC objects of the machine
# are as it found them, which only holds while no other project makes buses.
dotnet test LibBus.sln -m:1 2>&1 | tee -a "$log" || status=1

# The protocol's model check (model/, docs/MODEL.md): the small configurations and
# the mutants, with SPIN. Its last line "model: Passed: P, Failed: F" counts below.
if ! command -v spin >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq spin >/dev/null
fi
if command -v spin >/dev/null 2>&1; then
  model/check.sh --ci 2>&1 | tee -a "$log" || status=1
else
  echo "test.sh: the model check did not run: spin is not installed (sudo apt-get install spin). model: Failed: 1" | tee -a "$log" >&2
  status=1
fi

rid=linux-x64
[ "$(uname -m)" = aarch64 ] && rid=linux-arm64
aot=artifacts/test/bus-$rid
if dotnet publish src/BusCli/BusCli.csproj -c Release -r "$rid" -o "$aot" --nologo -v quiet; then
  BUS_CLI="$PWD/$aot/bus" dotnet test tests/BusCli.Tests 2>&1 | tee -a "$log" || status=1
else
  echo "test.sh: the Native AOT publish of src/BusCli failed" >&2
  status=1
fi

# dotnet test prints one "Passed!/Failed! - Failed: F, Passed: P, ..." line per test assembly.
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || status=1
exit $status
