#!/usr/bin/env bash
# The consumer checks (run by test.sh): pack LibBus and LibBus.Hosting, then build and run
# this app, which is not in LibBus.sln, against the .nupkg files from a local folder feed,
# the way a user would:
#   1. the packages carry their metadata (license, readme, repository commit, symbols, docs);
#   2. the app builds with the JIT, every warning an error (no CA1416), and runs, plainly
#      and as a hosted service;
#   3. it publishes with Native AOT, every warning an error (no trim/AOT warning);
#   4. the AOT executable, copied alone into an empty directory, runs, both ways.
# Restores into a packages folder of its own (artifacts/consumer/packages) from which the
# LibBus packages are deleted first, so a stale package of the same version is never used.
# Prints one line per check and "Consumer checks - Failed: F, Passed: P" (test.sh sums it).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
feed=$root/artifacts/packages
work=$root/artifacts/consumer
own=$work/packages
rid=linux-x64
[ "$(uname -m)" = aarch64 ] && rid=linux-arm64
passed=0 failed=0
log=$work/log
mkdir -p "$work" && : > "$log"

check() { # NAME, then the command; its output goes to the log, shown only on failure
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then
    echo "consumer check: $name: passed"; passed=$((passed + 1))
  else
    echo "consumer check: $name: FAILED"; printf '%s\n' "$out" | tail -n 40 | sed 's/^/  | /'; failed=$((failed + 1))
  fi
  printf '== %s\n%s\n' "$name" "$out" >> "$log"
}

no_warnings() { # the command must succeed and print no warning at all
  local out
  out=$("$@" 2>&1); local rc=$?
  printf '%s\n' "$out"
  [ $rc -eq 0 ] || return $rc
  if grep -qiE '(^|[^a-z])warning ' <<<"$out"; then echo "check.sh: the build printed warnings"; return 1; fi
}

pack() {
  rm -rf "$feed" && mkdir -p "$feed"
  dotnet pack "$root/src/LibBus/LibBus.csproj" -c Release -o "$feed" --nologo &&
    dotnet pack "$root/src/LibBus.Hosting/LibBus.Hosting.csproj" -c Release -o "$feed" --nologo
}

package_metadata() {
  local id nupkg nuspec files want
  command -v unzip >/dev/null 2>&1 || { echo "check.sh: reading the packages needs unzip (apt-get install unzip)"; return 1; }
  for id in LibBus LibBus.Hosting; do
    nupkg=$feed/$id.1.0.0.nupkg
    [ -f "$nupkg" ] || { echo "no $nupkg"; return 1; }
    [ -f "${nupkg%.nupkg}.snupkg" ] || { echo "no symbols package beside $nupkg"; return 1; }
    nuspec=$(unzip -p "$nupkg" "$id.nuspec") || return 1
    for want in '<license type="expression">MIT</license>' '<readme>README.md</readme>' '<authors>' '<description>' 'commit="'; do
      grep -qF "$want" <<<"$nuspec" || { echo "$id.nuspec lacks $want"; return 1; }
    done
    files=$(unzip -Z1 "$nupkg") || return 1
    grep -qx 'LICENSE' <<<"$files" || { echo "no LICENSE in $nupkg"; return 1; }
    grep -qx 'README.md' <<<"$files" || { echo "no README.md in $nupkg"; return 1; }
    grep -qxF "lib/net10.0/$id.xml" <<<"$files" || { echo "no XML docs in $nupkg"; return 1; }
    files=$(unzip -Z1 "${nupkg%.nupkg}.snupkg") || return 1
    grep -qxF "lib/net10.0/$id.pdb" <<<"$files" || { echo "no $id.pdb in the symbols package"; return 1; }
  done
  grep -qF '<dependency id="LibBus" version="1.0.0"' <<<"$nuspec" || { echo "LibBus.Hosting does not depend on LibBus 1.0.0"; return 1; }
}

restore() {
  # Never a LibBus package from an earlier run: delete ours, and use the machine's
  # packages folder as a fallback only while it holds no LibBus of its own.
  rm -rf "$own"/libbus "$own"/libbus.hosting "$here/obj" "$here/bin"
  local machine fallback=()
  machine=$(dotnet nuget locals global-packages --list | sed -E 's/^global-packages: //')
  if [ -d "$machine" ] && [ ! -e "$machine/libbus" ]; then fallback=(-p:RestoreFallbackFolders="$machine"); fi
  dotnet restore "$here/Consumer.csproj" -r "$rid" --packages "$own" "${fallback[@]}" --nologo
}

run_jit() {
  no_warnings dotnet build "$here/Consumer.csproj" -c Release -r "$rid" --no-restore --nologo -o "$work/jit" || return 1
  "$work/jit/Consumer" && "$work/jit/Consumer" hosting
}

publish_aot() {
  rm -rf "$work/aot"
  no_warnings dotnet publish "$here/Consumer.csproj" -c Release -r "$rid" --no-restore --nologo -o "$work/aot"
}

run_alone() {
  local lone rc
  lone=$(mktemp -d)
  cp "$work/aot/Consumer" "$lone/" || return 1
  (cd "$lone" && ls -A && ./Consumer && ./Consumer hosting); rc=$?
  rm -rf "$lone"
  return $rc
}

check "pack LibBus and LibBus.Hosting" pack
check "package metadata, symbols, XML docs" package_metadata
check "restore from the local feed into its own packages folder" restore
check "JIT build without warnings, run" run_jit
check "Native AOT publish without warnings" publish_aot
check "AOT executable alone in an empty directory" run_alone

rm -rf "$here/obj" "$here/bin"
echo "Consumer checks - Failed: $failed, Passed: $passed (log: $log)"
[ "$failed" -eq 0 ]
