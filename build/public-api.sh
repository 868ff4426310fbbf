#!/usr/bin/env bash
# Writes the public API a project has now, less what PublicAPI.Shipped.txt already
# lists, to its PublicAPI.Unshipped.txt. Run it after a deliberate public API change,
# read the diff, and commit it: the build fails (RS0016/RS0017) while the files and the
# code disagree. At a release, move the Unshipped lines into PublicAPI.Shipped.txt.
# A symbol removed from Shipped (RS0017, a breaking change) you delete by hand.
#   build/public-api.sh src/LibBus
set -euo pipefail
project=${1:?usage: build/public-api.sh PROJECT_DIR}
unshipped="$project/PublicAPI.Unshipped.txt"
printf '#nullable enable\n' > "$unshipped"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
dotnet build "$project" --nologo -v quiet --no-incremental -p:TreatWarningsAsErrors=false >"$out" 2>&1 || true
{
  printf '#nullable enable\n'
  grep -oE "RS0016: Symbol '.*' is not part of the declared public API" "$out" \
    | sed -E "s/^RS0016: Symbol '(.*)' is not part of the declared public API$/\1/" | LC_ALL=C sort -u
} > "$unshipped"
echo "$unshipped: $(($(wc -l < "$unshipped") - 1)) symbol(s) not in PublicAPI.Shipped.txt"
