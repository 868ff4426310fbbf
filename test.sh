#!/usr/bin/env bash
# The test command: every test project against real kernel objects and real
# processes, then the bus command's tests again against the Native AOT binary
# that users install, then the consumer checks of the NuGet packages.
# Ends with one summary line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

# As root, in an IPC namespace of our own (unshare --ipc): the tests never see the
# machine's other System V objects, and it never sees theirs.
if [ "$(id -u)" = 0 ] && [ -z "${LIBBUS_TEST_NAMESPACE:-}" ] && unshare --ipc true 2>/dev/null; then
  LIBBUS_TEST_NAMESPACE=1 exec unshare --ipc -- "$0" "$@"
fi

log=$(mktemp)
churn=
# In our own namespace, another program creates and removes IPC objects beside the
# tests all along: every leak check looks only at the objects its own test made
# (tests/Shared/IpcScope.cs). (Only there: whatever it holds dies with the namespace.)
if [ -n "${LIBBUS_TEST_NAMESPACE:-}" ]; then tests/ipc-churn.sh & churn=$!; fi
trap '[ -z "$churn" ] || { kill "$churn" 2>/dev/null; wait "$churn"; }; rm -f "$log"' EXIT
status=0

# The header-layout test (tests/LibBus.Tests/NativeLayoutTests.cs) checks the native constants and
# struct layouts against the glibc headers of each architecture LibBus is built for, x64 and arm64:
# the machine's own with cc, the other with the Debian cross compiler, installed here as root.
case $(uname -m) in
  x86_64) cross=aarch64-linux-gnu-gcc cross_package=gcc-aarch64-linux-gnu ;;
  aarch64) cross=x86_64-linux-gnu-gcc cross_package=gcc-x86-64-linux-gnu ;;
  *) cross= ;;
esac
if [ -n "$cross" ] && ! command -v "$cross" >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$cross_package" >/dev/null
fi

# -m:1: one test project at a time. The leak checks would allow both at once, but some
# tests bound how long a step may take, and two projects on 2 cores stretch them.
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

# A user's app against the packed packages, JIT and Native AOT (tests/Consumer/check.sh):
# prints "Consumer checks - Failed: F, Passed: P", summed below like dotnet test's lines.
tests/Consumer/check.sh 2>&1 | tee -a "$log" || status=1

# dotnet test prints one "Passed!/Failed! - Failed: F, Passed: P, ..." line per test assembly.
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || status=1
exit $status
