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
#   4. the AOT executable, copied alone into an empty directory, runs, both ways;
#   5. README.md's ```csharp blocks, each exactly as printed, build (every warning an error) in
#      a project of their own restored from the same feed (a console app on LibBus, or a
#      worker service on LibBus.Hosting for a block that uses it, as `dotnet new worker`
#      makes), and run in a sandbox of their own (new IPC, PID and mount namespaces, a tmpfs
#      on /tmp) to exit 0; one that runs until stopped (readme_until_stopped below) runs until
#      it printed the line that says it is ready, then must stop cleanly on SIGTERM.
# Restores into a packages folder of its own (artifacts/consumer/packages) from which the
# LibBus packages are deleted first, so a stale package of the same version is never used.
# Prints one line per check and "Consumer checks - Failed: F, Passed: P" (test.sh sums it).
# LIBBUS_CONSUMER_SKIP="publish_aot run_alone" (check functions by name) skips those checks,
# each said in a "skipped" line and not counted: for a developer's quick run only (CI sets none).
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
  if [[ " ${LIBBUS_CONSUMER_SKIP:-} " == *" $1 "* ]]; then
    echo "consumer check: $name: skipped (LIBBUS_CONSUMER_SKIP)"; return
  fi
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

# The machine's packages folder as a restore fallback, only while it holds no LibBus of its own.
fallback=()
machine=$(dotnet nuget locals global-packages --list | sed -E 's/^global-packages: //')
if [ -d "$machine" ] && [ ! -e "$machine/libbus" ]; then fallback=(-p:RestoreFallbackFolders="$machine"); fi

restore() {
  # Never a LibBus package from an earlier run: delete ours (the fallback has none).
  rm -rf "$own"/libbus "$own"/libbus.hosting "$here/obj" "$here/bin"
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

# README.md's C# blocks that do not end on their own (a service that runs until Ctrl-C or
# SIGTERM), by a line of theirs, with the line they print once ready: they run until they
# printed it, then get SIGTERM and must exit 0 (what they do with messages is
# tests/LibBus.Hosting.Tests/WorkerProcessTests.cs's, on the sample they are shortened from).
declare -A readme_until_stopped=(
  ['builder.Build().Run();']="Joined the bus /tmp/worker.bus: listening"
)

# README.md's ```csharp blocks, as printed, each the Program.cs of a project of its own
# ($readme_dir/README.md-LINE); $readme_dir/list has "README.md:LINE<TAB>" (run to its end)
# or "README.md:LINE<TAB>READY_LINE" (run until ready, then SIGTERM) per block.
readme_dir=$work/readme
readme_list() {
  rm -rf "$readme_dir" && mkdir -p "$readme_dir" || return 1
  awk -v out="$readme_dir" '
    /^```csharp$/ { on = 1; f = out "/README.md-" NR + 1 ".cs"; printf "" > f; next }
    /^```/ && on { on = 0; close(f); next }
    on { print > f }
  ' "$root/README.md" || return 1
  local f d line how
  for f in "$readme_dir"/README.md-*.cs; do
    [ -e "$f" ] || continue
    d=${f%.cs}
    mkdir -p "$d" && mv "$f" "$d/Program.cs" || return 1
    how=
    for line in "${!readme_until_stopped[@]}"; do
      grep -qxF "$line" "$d/Program.cs" && how=${readme_until_stopped[$line]}
    done
    printf 'README.md:%s\t%s\n' "${d##*-}" "$how"
  done > "$readme_dir/list"
}

readme_examples() {
  local name how d out proj sdk refs rc userns=() count=0 outs=$readme_dir
  # The sandbox mounts its own /tmp: built programs go outside /tmp, /run and /srv, so in
  # /var/tmp when the checkout itself is under one of them (a clone in /tmp).
  case $root/ in
    /tmp/*|/run/*|/srv/*) outs=$(mktemp -d /var/tmp/libbus-readme.XXXXXX) || return 1
                          trap "rm -rf '$outs'" EXIT ;;
  esac
  # Outside the repository's build settings, as tests/Consumer is; the feed by absolute path.
  cp "$here/Directory.Build.props" "$here/Directory.Packages.props" "$readme_dir/" || return 1
  printf '<Project>\n</Project>\n' > "$readme_dir/Directory.Build.targets"
  printf '<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <packageSources>\n    <add key="libbus-local" value="%s" />\n  </packageSources>\n</configuration>\n' "$feed" > "$readme_dir/NuGet.config"
  [ "$(id -u)" = 0 ] || userns=(--user --map-root-user)
  while IFS=$'\t' read -r name how; do
    count=$((count + 1))
    d=$readme_dir/README.md-${name#README.md:}
    out=$outs/README.md-${name#README.md:}/out
    proj=$d/Example.csproj
    if grep -qxF 'using LibBus.Hosting;' "$d/Program.cs"; then
      sdk=Microsoft.NET.Sdk.Worker
      refs='<PackageReference Include="LibBus.Hosting" Version="1.0.0" /><PackageReference Include="Microsoft.Extensions.Hosting" Version="10.0.15" />'
    else
      sdk=Microsoft.NET.Sdk
      refs='<PackageReference Include="LibBus" Version="1.0.0" />'
    fi
    cat > "$proj" <<EOF
<Project Sdk="$sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
    <InvariantGlobalization>true</InvariantGlobalization>
  </PropertyGroup>
  <ItemGroup>$refs</ItemGroup>
</Project>
EOF
    echo "== $name ($sdk): build"
    dotnet restore "$proj" --packages "$own" "${fallback[@]}" --nologo &&
      no_warnings dotnet build "$proj" -c Release --no-restore --nologo -o "$out" ||
      { echo "$name: does not build as printed:"; cat -n "$d/Program.cs"; return 1; }
    echo "== $name: run in a sandbox${how:+ until it prints '$how', then SIGTERM}"
    # In the sandbox: run it to its end; or in the background until READY (at most 60 s)
    # is in its output, then SIGTERM, and its exit status is the example's.
    timeout -k 10 120 unshare "${userns[@]}" --ipc --pid --mount --fork --kill-child --propagation private -- \
      sh -c '
        mount -t tmpfs -o mode=1777 tmpfs /tmp && cd /tmp || exit 125
        [ -n "$1" ] || { "$0"; exit; }
        "$0" > /tmp/example.out 2>&1 & pid=$!
        tries=0
        until grep -qF "$1" /tmp/example.out; do
          tries=$((tries + 1))
          if ! kill -0 $pid 2>/dev/null || [ $tries -gt 600 ]; then
            cat /tmp/example.out; echo "check.sh: it exited or was still not ready after 60 s, and never printed: $1"; exit 1
          fi
          sleep 0.1
        done
        kill -TERM $pid; wait $pid; rc=$?
        cat /tmp/example.out; exit $rc
      ' "$out/Example" "$how" < /dev/null 2>&1; rc=$?
    [ $rc -eq 0 ] || { echo "$name: exit $rc"; cat -n "$d/Program.cs"; return 1; }
  done < "$readme_dir/list"
  [ $count -gt 0 ] || { echo 'no ```csharp block in README.md'; return 1; }
}

readme_list
readme_name="README.md's C# examples as printed: build from the feed, run in a sandbox"
if grep -q $'\t.' "$readme_dir/list" 2>/dev/null; then
  readme_name+=" (until ready, then SIGTERM: $(grep $'\t.' "$readme_dir/list" | cut -f1 | paste -sd ' '))"
fi

check "pack LibBus, LibBus.Hosting and LibBus.Nats" pack
check "package metadata, icon, own READMEs, symbols, XML docs, buildTransitive" package_metadata
check "from a clone of a public repository: repository, project URL, SourceLink" source_link
check "restore from the local feed into its own packages folder" restore
check "JIT build without warnings, run" run_jit
check "$readme_name" readme_examples
check "Native AOT publish without warnings" publish_aot
check "AOT executable alone in an empty directory" run_alone

rm -rf "$here/obj" "$here/bin"
echo "Consumer checks - Failed: $failed, Passed: $passed (log: $log)"
[ "$failed" -eq 0 ]
