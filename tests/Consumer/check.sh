#!/usr/bin/env bash
# The consumer checks (run by test.sh): pack LibBus, LibBus.Hosting and LibBus.Nats, then build
# and run this app, which is not in LibBus.sln, against the .nupkg files from a local folder
# feed, the way a user would:
#   1. the packages carry their metadata (license, icon, their own short readme without relative
#      links, repository commit, symbols, docs), and LibBus's buildTransitive targets (the
#      [SupportedOSPlatform("linux")] they add, documented with its opt-out) reach the
#      consumers of LibBus.Hosting and LibBus.Nats;
#   1b. packed from a clone whose origin is a public repository, the package names it as
#      repository and project URL, and SourceLink maps the PDB's sources to it;
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
    dotnet pack "$root/src/LibBus.Hosting/LibBus.Hosting.csproj" -c Release -o "$feed" --nologo &&
    dotnet pack "$root/src/LibBus.Nats/LibBus.Nats.csproj" -c Release -o "$feed" --nologo
}

package_metadata() {
  local id nupkg nuspec files want
  command -v unzip >/dev/null 2>&1 || { echo "check.sh: reading the packages needs unzip (apt-get install unzip)"; return 1; }
  for id in LibBus LibBus.Hosting LibBus.Nats; do
    nupkg=$feed/$id.1.0.0.nupkg
    [ -f "$nupkg" ] || { echo "no $nupkg"; return 1; }
    [ -f "${nupkg%.nupkg}.snupkg" ] || { echo "no symbols package beside $nupkg"; return 1; }
    nuspec=$(unzip -p "$nupkg" "$id.nuspec") || return 1
    for want in '<license type="expression">MIT</license>' '<readme>README.md</readme>' '<icon>icon.png</icon>' '<authors>' '<description>' 'commit="'; do
      grep -qF "$want" <<<"$nuspec" || { echo "$id.nuspec lacks $want"; return 1; }
    done
    files=$(unzip -Z1 "$nupkg") || return 1
    grep -qx 'LICENSE' <<<"$files" || { echo "no LICENSE in $nupkg"; return 1; }
    grep -qx 'README.md' <<<"$files" || { echo "no README.md in $nupkg"; return 1; }
    grep -qx 'icon.png' <<<"$files" || { echo "no icon.png in $nupkg"; return 1; }
    [ "$(unzip -p "$nupkg" icon.png | head -c 8 | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || { echo "icon.png in $nupkg is not a PNG"; return 1; }
    # The package's own README (src/ID/README.md), not the repository's: a package page shows
    # it without the repository, so a relative link there leads nowhere.
    unzip -p "$nupkg" README.md | cmp -s - "$root/src/$id/README.md" || { echo "the README.md in $nupkg is not src/$id/README.md"; return 1; }
    if unzip -p "$nupkg" README.md | grep -qE '\]\((\.|/|[a-zA-Z0-9_-]+(/|\.md|\)))'; then
      echo "the README.md in $nupkg has a relative link: $(unzip -p "$nupkg" README.md | grep -oE '\]\([^)]*\)' | grep -vE '\]\(https?://' | head -n 1)"; return 1
    fi
    unzip -p "$nupkg" README.md | grep -qF 'LibBusSupportedOSPlatform' || { echo "the README.md in $nupkg does not document the [SupportedOSPlatform] opt-out"; return 1; }
    if [ "$id" != LibBus ]; then
      grep -qF '<dependency id="LibBus" version="1.0.0"' <<<"$nuspec" || { echo "$id does not depend on LibBus 1.0.0"; return 1; }
      # The LibBus dependency keeps its build assets, so buildTransitive/LibBus.targets reaches this package's consumers.
      grep -E '<dependency id="LibBus" ' <<<"$nuspec" | grep -q 'exclude="[^"]*Build' && { echo "$id's LibBus dependency excludes its build assets"; return 1; }
    fi
    grep -qxF "lib/net10.0/$id.xml" <<<"$files" || { echo "no XML docs in $nupkg"; return 1; }
    files=$(unzip -Z1 "${nupkg%.nupkg}.snupkg") || return 1
    grep -qxF "lib/net10.0/$id.pdb" <<<"$files" || { echo "no $id.pdb in the symbols package"; return 1; }
  done
  files=$(unzip -Z1 "$feed/LibBus.1.0.0.nupkg") || return 1
  grep -qx 'buildTransitive/LibBus.targets' <<<"$files" || { echo "no buildTransitive/LibBus.targets in LibBus.1.0.0.nupkg"; return 1; }
}

# Packed from a clone of the committed tree whose origin is a public repository, with nothing
# set by hand: the package names the repository and the project URL, and the PDB's SourceLink
# map sends every source file to that repository at that commit.
source_link() {
  local clone=$work/clone url=https://github.com/libbus-example/libbus commit nupkg nuspec pdb
  rm -rf "$clone" && git clone -q "$root" "$clone" || return 1
  commit=$(git -C "$root" rev-parse HEAD) || return 1
  git -C "$clone" checkout -q "$commit" && git -C "$clone" remote set-url origin "$url.git" || return 1
  dotnet pack "$clone/src/LibBus/LibBus.csproj" -c Release -o "$clone/feed" --nologo || return 1
  nupkg=$clone/feed/LibBus.1.0.0.nupkg
  nuspec=$(unzip -p "$nupkg" LibBus.nuspec) || return 1
  grep -qF "<projectUrl>$url</projectUrl>" <<<"$nuspec" || { echo "LibBus.nuspec has no <projectUrl>$url</projectUrl>"; return 1; }
  grep -qF "<repository type=\"git\" url=\"$url.git\"" <<<"$nuspec" || { echo "LibBus.nuspec does not name the repository $url.git"; return 1; }
  grep -qF "commit=\"$commit\"" <<<"$nuspec" || { echo "LibBus.nuspec does not name the commit $commit"; return 1; }
  pdb=$(mktemp)
  unzip -p "${nupkg%.nupkg}.snupkg" lib/net10.0/LibBus.pdb > "$pdb" || { rm -f "$pdb"; return 1; }
  grep -aqF "https://raw.githubusercontent.com/libbus-example/libbus/$commit/" "$pdb"; local rc=$?
  rm -f "$pdb"
  [ $rc -eq 0 ] || { echo "LibBus.pdb has no SourceLink map to $url at $commit"; return 1; }
  rm -rf "$clone"
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

check "pack LibBus, LibBus.Hosting and LibBus.Nats" pack
check "package metadata, icon, own READMEs, symbols, XML docs, buildTransitive" package_metadata
check "from a clone of a public repository: repository, project URL, SourceLink" source_link
check "restore from the local feed into its own packages folder" restore
check "JIT build without warnings, run" run_jit
check "Native AOT publish without warnings" publish_aot
check "AOT executable alone in an empty directory" run_alone

rm -rf "$here/obj" "$here/bin"
echo "Consumer checks - Failed: $failed, Passed: $passed (log: $log)"
[ "$failed" -eq 0 ]
