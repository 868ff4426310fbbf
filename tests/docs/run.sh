#!/usr/bin/env bash
# The documentation's examples, run as printed (issue 27): every ```sh block of README.md and
# every .EX/.EE block of man/*.1, *.5, *.7 is a shell script that must exit 0 within its time.
# Each runs in a sandbox of its own: a new IPC namespace, PID namespace and mount namespace
# (unshare; as root, or as another user inside a user namespace) with its own tmpfs on /tmp,
# /run and /srv; HOME and the working directory in that /tmp, XDG_RUNTIME_DIR=/run/user (with
# its bus directory), /run/myapp and /srv/buses; and the given bus command first on PATH.
# When the example ends, its namespace's processes end with it.
# The programs an example names as the user's own (notify-send, ./handle, ./job.sh, ...) are
# stand-ins that print their arguments (see "stand-ins" below). The section-3 pages'
# SYNOPSIS prototypes are compiled with cc against src/LibBus.Native/include/bus.h, so a
# page and the header cannot disagree.
# Examples that cannot run here are listed in "skips" below, each with its reason.
# Usage: tests/docs/run.sh BUS [TIMEOUT_SECONDS]
# Prints "ok NAME" / "not ok NAME" / "skip NAME: WHY" per example and ends with
# "Documentation examples - Failed: F, Passed: P" (test.sh sums it). Exit 0 if none failed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: tests/docs/run.sh BUS [TIMEOUT_SECONDS]" >&2; exit 2; }
bus=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$bus" ] || { echo "tests/docs/run.sh: $1: not an executable" >&2; exit 2; }
limit=${2:-120}

# Outside /tmp, /run and /srv, which each sandbox replaces with its own: in artifacts/, unless
# the checkout itself is under one of them (a clone in /tmp), then in /var/tmp.
case $root/ in
  /tmp/*|/run/*|/srv/*) work=$(mktemp -d /var/tmp/libbus-doc-examples.XXXXXX) ;;
  *) mkdir -p "$root/artifacts"; work=$(mktemp -d "$root/artifacts/doc-examples.XXXXXX") ;;
esac
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
notok() { echo "not ok $1${2:+: $2}"; failed=$((failed + 1)); }

# Examples that cannot run here, by their first line, with the reason.
declare -A skips=(
  ['./install.sh --demo']="builds and installs the Native AOT bus under ~/.local (minutes); test.sh publishes and tests that binary itself"
  ['./test.sh']="the test command itself"
  ['alpha$ bus create /run/app/bus && mkfifo /run/app/ready']="two machines and a NATS server on 'hub'; tests/LibBus.Nats.Tests/CliNodeTests.cs runs these steps, a node per IPC namespace, against a real nats-server"
  ['bus bridge /run/app/bus --server nats://n1:4222,nats://n2:4222,nats://n3:4222 \']="a three-server NATS cluster with JetStream"
  ['dotnet run --project samples/LibBus.Samples.Worker -- --Bus:Path=/tmp/worker.bus &']="builds and runs the sample worker (minutes on a busy machine); tests/LibBus.Hosting.Tests/WorkerProcessTests.cs starts that worker and broadcasts to it"
)

# What an example must print, where that is certain by the time it ends (a message a `bus wait`
# printed before the example waited for it): an extended regular expression, by the example's
# page and first line. (A listener's output is not: the example may end before it is printed.)
expect_for() { # NAME FIRST_LINE
  case $1 in README.md:*) [ "$2" = 'export PATH="$HOME/.local/bin:$PATH"' ] && echo '^[0-9]+ ready db$' ;; esac
  case $1 in bus-wait.1:*) echo '^[0-9]+ hello$' ;; esac
  return 0
}

# The user's own programs an example names: each prints its name and arguments.
stand_ins=$work/stand-ins
mkdir -p "$stand_ins"
for name in notify-send handle job.sh on-event step1; do
  printf '#!/bin/sh\necho "%s: $*"\n' "$name" > "$stand_ins/$name"
  chmod +x "$stand_ins/$name"
done
mkdir -p "$work/bin"
cp "$bus" "$work/bin/bus"   # a copy: the binary may be under /tmp too (a Native AOT bus runs alone)

# README.md: the ```sh blocks. Each block goes to its own file; names are "README.md:LINE".
examples=$work/examples
mkdir -p "$examples"
awk -v out="$examples" '
  /^```sh$/ { on = 1; n = "README.md:" NR + 1; f = out "/" n; printf "" > f; print n; next }
  /^```/ && on { on = 0; close(f); next }
  on { print > f }
' "$root/README.md" > "$work/list"
# The man pages: the .EX/.EE blocks, with the roff escapes they use turned into what man prints
# (an escape not in this list fails the example rather than being guessed).
for page in "$root"/man/*.[157]; do
  base=$(basename "$page")
  awk -v out="$examples" -v base="$base" '
    /^\.EX/ { on = 1; n = base ":" NR + 1; f = out "/" n; printf "" > f; print n; next }
    /^\.EE/ && on { on = 0; close(f); next }
    on { print > f }
  ' "$page" >> "$work/list"
done
while read -r name; do
  case $name in README.md:*) continue ;; esac
  sed -e 's/\\-//g' -e 's/\\(aq//g' -e 's/\\(dq//g' -e 's/\\&//g' -e 's/\\e//g' "$examples/$name" | grep '\\' > "$examples/$name.unknown"
  sed -i -e 's/\\-/-/g' -e 's/\\(aq/'"'"'/g' -e 's/\\(dq/"/g' -e 's/\\&//g' -e 's/\\e/\\/g' "$examples/$name"
done < "$work/list"

# README's ```csharp blocks are not this test's: tests/Consumer/check.sh builds each as printed
# against the packed packages and runs those that end on their own (its "README.md's C#
# examples" check, which names the ones it only builds).

[ -s "$work/list" ] || notok "the documentation has examples" "no \`\`\`sh block in README.md, no .EX block in man/"

# One example in its sandbox. As root: new IPC, PID and mount namespaces; otherwise the same
# inside a user namespace of our own, as its root.
run_one() {
  local script=$1 log=$2 userns=()
  [ "$(id -u)" = 0 ] || userns=(--user --map-root-user)
  timeout -k 10 "$limit" unshare "${userns[@]}" --ipc --pid --mount --fork --kill-child --propagation private -- \
    env -i PATH="$work/bin:$stand_ins:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
      LANG=C.UTF-8 USER=root SCRIPT="$script" STAND_INS="$stand_ins" \
    bash -c '
      for d in /tmp /run /srv; do mount -t tmpfs -o mode=1777 tmpfs "$d" || exit 125; done
      mount -t proc proc /proc || exit 125
      export HOME=/tmp/home XDG_RUNTIME_DIR=/run/user
      # The directories the examples take as there: a user session'"'"'s bus directory (made by
      # the first "bus create" without a path), a service'"'"'s RuntimeDirectory=, /srv/buses.
      mkdir -p "$HOME" "$XDG_RUNTIME_DIR/bus" /run/myapp /srv/buses && chmod 700 "$XDG_RUNTIME_DIR" && cd "$HOME" || exit 125
      for s in "$STAND_INS"/*; do cp "$s" .; done       # ./handle, ./job.sh, ...
      bash -e "$SCRIPT"
    ' > "$log" 2>&1
}

while read -r name; do
  f=$examples/$name
  first=$(head -n 1 "$f")
  if [ -n "${skips[$first]+x}" ]; then
    echo "skip $name: ${skips[$first]}"
    continue
  fi
  if [ -s "$f.unknown" ]; then
    notok "$name" "a roff escape this test does not translate: $(head -n 1 "$f.unknown")"
    continue
  fi
  run_one "$f" "$work/log"
  rc=$?
  want=$(expect_for "$name" "$first")
  if [ $rc = 0 ] && [ -n "$want" ] && ! grep -qE "$want" "$work/log"; then
    notok "$name" "exit 0, but it printed no line matching '$want'"
    sed 's/^/    /' "$work/log"
  elif [ $rc = 0 ]; then
    ok "$name"
  else
    case $rc in 124|137) why="still running after ${limit}s" ;; 125) why="the sandbox could not be set up" ;; *) why="exit $rc" ;; esac
    notok "$name" "$why"
    sed 's/^/    /' "$f"
    echo "  its output:"
    sed 's/^/    /' "$work/log"
  fi
done < "$work/list"

# The section-3 pages' SYNOPSIS: each prototype, compiled against bus.h (a declaration that
# differs from the header's is a conflicting-types error).
if command -v cc >/dev/null 2>&1; then
  for page in "$root"/man/*.3; do
    grep -q '^\.BI ' "$page" || continue   # a .so page
    name=$(basename "$page")
    c=$work/synopsis.c
    { echo '#include <bus.h>'
      sed -n '/^\.SH SYNOPSIS/,/^\.SH /p' "$page" | grep '^\.BI ' |
        sed -e 's/^\.BI //' -e 's/"//g' -e 's/\\-/-/g'
    } > "$c"
    if out=$(cc -std=c11 -Wall -Werror -fsyntax-only -I "$root/src/LibBus.Native/include" "$c" 2>&1); then
      ok "$name SYNOPSIS compiles against bus.h"
    else
      notok "$name SYNOPSIS compiles against bus.h" "$(echo "$out" | head -n 3 | tr '\n' ' ')"
      sed 's/^/    /' "$c"
    fi
  done
else
  notok "the section-3 SYNOPSIS compile" "cc is not installed"
fi

echo "Documentation examples - Failed: $failed, Passed: $passed"
[ $failed -eq 0 ]
