#!/usr/bin/env bash
# The C ABI's tests: C programs compiled with cc against src/LibBus.Native/include/bus.h and
# libbus.so.3 (pkg-config, as a user would), run as separate processes:
#   api         every function, flag and documented error, in one process (tests/c/api.c)
#   intr        bus_create's BUS_INTR, with write(2) failing with EINTR (tests/c/intr.c defines
#               write itself, and the library's calls to it resolve there)
#   mixes       a bus_read listener, a bus_poll poller and a bus_write broadcaster (tests/c/peer.c)
#               with the bus command (LibBus) as listener and broadcaster, each mix delivering
#               every message in order; a bus_read callback that forks and execs a shell
# Usage: tests/c/run.sh LIBDIR BUS [PEER]
#   LIBDIR  the directory holding the published library (LibBus.Native.so or libbus.so.3)
#   BUS     the bus command to mix with
#   PEER    LibBus.TestPeer.dll (tests/LibBus.TestPeer): also mix with the library's Listen,
#           Subscribe, poller and Broadcast, each in a process of its own
# Prints "ok NAME" / "not ok NAME" per test and ends with
# "C ABI tests - Failed: F, Passed: P" (test.sh sums it). Exit 0 if none failed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
[ $# -eq 2 ] || [ $# -eq 3 ] || { echo "usage: tests/c/run.sh LIBDIR BUS [PEER]" >&2; exit 2; }
libdir=$(cd "$1" && pwd)
bus=$2
peer_dll=${3:-}

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
notok() { echo "not ok $1${2:+: $2}"; failed=$((failed + 1)); }

# An installed layout in $work/prefix, with a libbus.pc made from libbus.pc.in, so the
# programs build the way the README tells users to: cc prog.c $(pkg-config --cflags --libs libbus).
prefix=$work/prefix
mkdir -p "$prefix/lib/pkgconfig" "$prefix/include"
so=$libdir/libbus.so.3
[ -e "$so" ] || so=$libdir/LibBus.Native.so
cp "$so" "$prefix/lib/libbus.so.3"
ln -s libbus.so.3 "$prefix/lib/libbus.so"
cp "$root/src/LibBus.Native/include/bus.h" "$prefix/include/"
sed "s|@PREFIX@|$prefix|" "$root/src/LibBus.Native/libbus.pc.in" > "$prefix/lib/pkgconfig/libbus.pc"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig

if soname=$(readelf -d "$prefix/lib/libbus.so.3" | grep -o 'Library soname: \[[^]]*\]') && [ "$soname" = "Library soname: [libbus.so.3]" ]; then
  ok "the library's soname is libbus.so.3"
else
  notok "the library's soname is libbus.so.3" "${soname:-none}"
fi
exports=$(nm -D --defined-only "$prefix/lib/libbus.so.3" | awk '{print $3}' | sed 's/@.*//' | grep '^bus_' | sort | tr '\n' ' ')
want="bus_chmod bus_chown bus_close bus_create bus_open bus_poll bus_poll_start bus_poll_stop bus_poll_timed bus_read bus_read_timed bus_unlink bus_write bus_write_timed "
if [ "$exports" = "$want" ]; then ok "the library exports the 14 functions of bus.h"; else notok "the library exports the 14 functions of bus.h" "$exports"; fi

built=yes
bin=$work/bin
mkdir -p "$bin"
for prog in api peer intr; do
  # shellcheck disable=SC2046
  if ! cc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$bin/$prog" "$here/$prog.c" \
      $(pkg-config --cflags --libs libbus) -Wl,-rpath,"$prefix/lib" -lpthread 2>"$work/cc.log"; then
    notok "$prog.c compiles against bus.h with pkg-config" "$(head -5 "$work/cc.log")"
    built=no
  fi
done
[ $built = yes ] && ok "the C programs compile unchanged with cc \$(pkg-config --cflags --libs libbus)"

# A binary linked against another libbus.so.3 (a stub built the way the C library is: soname
# libbus.so.3, no symbol versions) runs unchanged on this one with LD_LIBRARY_PATH.
mkdir -p "$work/other"
if cc -std=gnu11 -shared -fPIC -Wl,-soname,libbus.so.3 -I"$prefix/include" -o "$work/other/libbus.so.3" "$here/stub.c" \
   && ln -s libbus.so.3 "$work/other/libbus.so" \
   && cc -std=gnu11 -O2 -I"$prefix/include" -o "$bin/peer-other" "$here/peer.c" -L"$work/other" -lbus; then
  LD_LIBRARY_PATH=$work/other "$bin/peer-other" write "$work/none" m 1 2>"$work/stub.err"
  if grep -q 'Function not implemented' "$work/stub.err"; then
    ok "a binary linked against another libbus.so.3 uses that one (the stub)"
  else
    notok "a binary linked against another libbus.so.3 uses that one (the stub)" "$(cat "$work/stub.err")"
  fi
else
  notok "the stub libbus.so.3 and a program against it build"
fi
[ $built = yes ] || { echo "C ABI tests - Failed: $((failed)), Passed: $passed"; exit 1; }

# One test program (tests/c/NAME.c, built above) in a scratch directory of its own, within
# SECONDS; it prints its own "ok"/"not ok" lines, counted here; its stderr is $work/NAME.err.
run_program() {
  local name=$1 seconds=$2 status
  mkdir -p "$work/$name"
  (cd "$bin" && timeout "$seconds" "./$name" "$work/$name") > "$work/$name.out" 2>"$work/$name.err"
  status=$?
  cat "$work/$name.out"
  passed=$((passed + $(grep -c '^ok ' "$work/$name.out")))
  failed=$((failed + $(grep -c '^not ok ' "$work/$name.out")))
  if [ $status -ne 0 ] && ! grep -q '^not ok ' "$work/$name.out"; then
    notok "$name ran to its end" "exit $status: $(head -3 "$work/$name.err")"
  fi
}

# --- api ---
run_program api 300
if [ -s "$work/api.err" ]; then notok "the library prints nothing" "$(head -3 "$work/api.err")"; else ok "the library prints nothing (api's stderr is empty)"; fi

# --- intr ---
run_program intr 120

# --- mixes: separate processes on one bus ---
count=20
await_file() { # FILE: wait (bounded) until it exists
  for _ in $(seq 1 600); do [ -e "$1" ] && return 0; sleep 0.05; done
  return 1
}
await_ready() { # FILE: wait (bounded) until the LibBus test peer wrote "ready" in it
  for _ in $(seq 1 1200); do grep -q '^ready' "$1" 2>/dev/null && return 0; sleep 0.05; done
  return 1
}
expected() { for i in $(seq 0 $((count - 1))); do echo "$1 $i"; done; }

# start_listener KIND NAME: starts a listener of KIND on $bus_path, output to $work/NAME.out
start_listener() {
  local kind=$1 name=$2 ready=$work/$2.ready
  rm -f "$ready"
  case $kind in
    c-read) timeout 120 "$bin/peer" read "$bus_path" "$count" "$ready" > "$work/$name.out" 2>"$work/$name.err" & ;;
    c-poll) timeout 120 "$bin/peer" poll "$bus_path" "$count" "$ready" > "$work/$name.out" 2>"$work/$name.err" & ;;
    c-exec) : > "$work/$name.out"
            timeout 120 "$bin/peer" read-exec "$bus_path" "$count" "$ready" "$work/$name.out" 2>"$work/$name.err" & ;;
    bus)    timeout 120 "$bus" listen --count "$count" --ready-file "$ready" "$bus_path" > "$work/$name.out" 2>"$work/$name.err" & ;;
    lib-listen) timeout 120 dotnet "$peer_dll" listen "$bus_path" "$count" > "$work/$name.out" 2>"$work/$name.err" & ;;
    lib-sub)    timeout 120 dotnet "$peer_dll" subscribe "$bus_path" "$count" > "$work/$name.out" 2>"$work/$name.err" & ;;
    lib-poll)   timeout 120 dotnet "$peer_dll" poll "$bus_path" "$count" 0 > "$work/$name.out" 2>"$work/$name.err" & ;;
  esac
  pids+=($!)
  eval "pid_$name=$!"
  case $kind in
    lib-*) await_ready "$work/$name.err" ;;
    *) await_file "$ready" ;;
  esac
}

# broadcast KIND PREFIX
broadcast() {
  case $1 in
    c-write) timeout 120 "$bin/peer" write "$bus_path" "$2" "$count" ;;
    bus)     expected "$2" | timeout 120 "$bus" broadcast "$bus_path" - ;;
    lib)     timeout 120 dotnet "$peer_dll" broadcast "$bus_path" "$2" "$count" > /dev/null ;;
  esac
}

mix() { # NAME BROADCASTER LISTENER...
  local name=$1 writer=$2; shift 2
  bus_path=$work/mix.bus
  if ! "$bus" create "$bus_path" 2>"$work/create.err"; then notok "$name" "bus create: $(cat "$work/create.err")"; return; fi
  local i=0 listeners=() why=
  for kind in "$@"; do
    start_listener "$kind" "l$i" || why="listener $kind never got ready"
    listeners+=("l$i")
    i=$((i + 1))
  done
  if [ -z "$why" ]; then
    broadcast "$writer" "m" || why="broadcaster $writer failed (exit $?)"
  fi
  for l in "${listeners[@]}"; do
    local pid_var="pid_$l"
    wait "${!pid_var}" || why="${why:+$why; }listener $l exited $?: $(head -2 "$work/$l.err")"
    [ -n "$why" ] || [ "$(cat "$work/$l.out")" = "$(expected m)" ] || why="listener $l got: $(head -c 200 "$work/$l.out" | tr '\n' '|')"
  done
  "$bus" remove "$bus_path" 2>/dev/null
  if [ -z "$why" ]; then ok "$name"; else notok "$name" "$why"; fi
}

for writer in c-write bus; do
  for listener in c-read c-poll bus; do
    mix "mix: $listener listener, $writer broadcaster, $count messages in order" "$writer" "$listener"
  done
  mix "mix: c-read, c-poll and bus listeners together, $writer broadcaster" "$writer" c-read c-poll bus
  mix "mix: two c-read listeners, $writer broadcaster" "$writer" c-read c-read
done
mix "mix: a bus_read callback that forks and execs a shell per message, bus broadcaster" bus c-exec
if [ -n "$peer_dll" ]; then
  # Streaming from one process, where a C listener on the C library wedges most
  # (docs/RELIABILITY.md §5): the same listener on this library holds.
  count=200
  mix "mix: c-read beside LibBus Listen, 200 back-to-back LibBus broadcasts" lib c-read lib-listen
  mix "mix: c-read beside LibBus Listen, 200 back-to-back c-write broadcasts" c-write c-read lib-listen
  count=20
  mix "mix: LibBus Listen, Subscribe and poller beside c-read and c-poll, c-write broadcaster" c-write lib-listen lib-sub lib-poll c-read c-poll
  mix "mix: c-read, c-poll and a forking c-read beside LibBus Listen, LibBus Broadcast" lib c-read c-poll c-exec lib-listen
fi
# The C-built binaries, unchanged, on this libbus.so.3 through LD_LIBRARY_PATH
mix_other() {
  cp "$bin/peer" "$bin/peer.saved"
  printf '#!/bin/sh\nLD_LIBRARY_PATH="%s" exec "%s" "$@"\n' "$prefix/lib" "$bin/peer-other" > "$bin/peer"
  chmod +x "$bin/peer"
  mix "$@"
  mv "$bin/peer.saved" "$bin/peer"
}
mix_other "mix: binaries linked against another libbus.so.3, run with LD_LIBRARY_PATH on this one: c-read, c-poll, c-write" c-write c-read c-poll
mix "mix: a bus_read callback that forks and execs, beside bus and c-poll listeners, c-write broadcaster" c-write c-exec bus c-poll

echo "C ABI tests - Failed: $failed, Passed: $passed"
[ "$failed" -eq 0 ]
