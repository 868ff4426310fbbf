#!/usr/bin/env bash
# The test command: every test project against real kernel objects and real
# processes, with the Native AOT bus command that users install as the `bus` they run,
# then the documentation's examples with it, then the C ABI's tests against libbus.so.3 (tests/c), then
# the consumer checks of the NuGet packages.
# Ends with one summary line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

# As root, in an IPC namespace of our own (unshare --ipc): the tests never see the
# machine's other System V objects, and it never sees theirs.
if [ "$(id -u)" = 0 ] && [ -z "${LIBBUS_TEST_NAMESPACE:-}" ] && unshare --ipc true 2>/dev/null; then
  LIBBUS_TEST_NAMESPACE=1 exec unshare --ipc -- "$0" "$@"
fi

log=$(mktemp)
# Every process the tests start inherits this mark; at the end, none may be left.
export LIBBUS_TEST_RUN="$$-$RANDOM$RANDOM"
churn=
# In our own namespace, another program creates and removes IPC objects beside the
# tests all along: every leak check looks only at the objects its own test made
# (tests/LibBus.TestSupport/IpcScope.cs). (Only there: whatever it holds dies with the namespace.)
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

# The bus command under test is the Native AOT binary that users install (BUS_CLI, read by
# tests/LibBus.TestSupport/BusCommand.cs), published first. The JIT build's command line runs
# in-process in BusCli.Tests (the InProcess tests); running every BusCli test a second time
# through `dotnet bus.dll` took 6.5 of CI's 16 minutes and found nothing the AOT run did not.
rid=linux-x64
[ "$(uname -m)" = aarch64 ] && rid=linux-arm64
aot=artifacts/test/bus-$rid
if dotnet publish src/BusCli/BusCli.csproj -c Release -r "$rid" -o "$aot" --nologo -v quiet; then
  export BUS_CLI="$PWD/$aot/bus"
else
  echo "test.sh: the Native AOT publish of src/BusCli failed; the tests run the JIT build. AOT publish - Failed: 1" | tee -a "$log" >&2
  status=1
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

if [ -n "${BUS_CLI:-}" ]; then
  # bus-status(1)'s example pipes --json into jq.
  if ! command -v jq >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null
  fi
  # Every example of README.md and the man pages, as printed, each in a sandbox of its own,
  # with that binary as `bus` (tests/docs/run.sh prints "Documentation examples - Failed: F,
  # Passed: P", summed below).
  tests/docs/run.sh "$BUS_CLI" 2>&1 | tee -a "$log" || status=1
fi

# libbus.so.3, the C ABI (src/LibBus.Native), published once with Native AOT, and its tests:
# C programs built with cc against bus.h, mixed with the bus command published above
# (tests/c/run.sh prints "C ABI tests - Failed: F, Passed: P", summed below).
native=artifacts/test/libbus-$rid
if dotnet publish src/LibBus.Native/LibBus.Native.csproj -c Release -r "$rid" -o "$native" --nologo -v quiet; then
  # With the LibBus test peer that dotnet test built above, if it did: the library's own roles too.
  peer=tests/LibBus.Tests/bin/Debug/net10.0/LibBus.TestPeer.dll
  [ -f "$peer" ] || peer=
  tests/c/run.sh "$native" "${BUS_CLI:-$PWD/src/BusCli/bin/Debug/net10.0/bus}" ${peer:+"$PWD/$peer"} 2>&1 | tee -a "$log" || status=1
else
  echo "test.sh: the Native AOT publish of src/LibBus.Native failed. C ABI tests - Failed: 1" | tee -a "$log" >&2
  status=1
fi

# A user's app against the packed packages, JIT and Native AOT (tests/Consumer/check.sh):
# prints "Consumer checks - Failed: F, Passed: P", summed below like dotnet test's lines.
tests/Consumer/check.sh 2>&1 | tee -a "$log" || status=1

# No test leaves a process behind: whatever still carries this run's mark now outlived
# its test (orphaned to init, it would loop on). Name it, end it, and count a failure.
# (The build servers that dotnet leaves running on purpose are not the tests'.)
leftover() {
  local e p
  for e in /proc/[0-9]*/environ; do
    p=${e#/proc/}; p=${p%/environ}
    [ "$p" = $$ ] || [ "$p" = "$BASHPID" ] && continue
    grep -qzx "LIBBUS_TEST_RUN=$LIBBUS_TEST_RUN" "$e" 2>/dev/null || continue
    tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -qE 'MSBuild\.dll|VBCSCompiler|[Rr]azor|build-server' && continue
    echo "$p"
  done
}
if [ -n "$churn" ]; then kill "$churn" 2>/dev/null; wait "$churn"; churn=; fi
sleep 1 # a test's last children are reaped by then
stray=$(leftover)
if [ -z "$stray" ]; then
  echo "Leftover processes - Failed: 0, Passed: 1" | tee -a "$log"
else
  for p in $stray; do echo "test.sh: process $p outlived the tests: $(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null)" >&2; done
  kill -9 $stray 2>/dev/null
  echo "Leftover processes - Failed: 1, Passed: 0" | tee -a "$log"
fi

# dotnet test prints one "Passed!/Failed! - Failed: F, Passed: P, ..." line per test assembly.
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || status=1
exit $status
