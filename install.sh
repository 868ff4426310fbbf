#!/bin/sh
# Builds the bus command and libbus.so.3 with Native AOT and installs them under PREFIX
# (default ~/.local): PREFIX/bin/bus (one self-contained file: it can be copied anywhere
# alone); the C library of bus 3.1.x's interface, PREFIX/lib/libbus.so.3 (soname
# libbus.so.3, PREFIX/lib/libbus.so a link to it), PREFIX/include/bus.h and
# PREFIX/lib/pkgconfig/libbus.pc (docs/C-ABI.md); the man pages under
# PREFIX/share/man/man{1,3,5,7}; and shell completions (bash, zsh, fish).
# Usage: ./install.sh [--prefix DIR] [--demo]     (or PREFIX=DIR ./install.sh)
# --demo then runs ./demo.sh with the installed bus.
set -eu
cd "$(dirname "$0")"

prefix=${PREFIX:-$HOME/.local}
demo=no
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --demo) demo=yes; shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done

# Absolute: libbus.pc names it.
mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)

case $(uname -m) in
  x86_64) rid=linux-x64 ;;
  aarch64) rid=linux-arm64 ;;
  *) echo "install.sh: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac

# Native AOT on Linux needs the .NET SDK, clang (the linker driver) and zlib.
missing=
command -v clang >/dev/null 2>&1 || missing="$missing clang"
[ -e /usr/include/zlib.h ] || missing="$missing zlib1g-dev"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "install.sh: installing$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq $missing >/dev/null
  else
    echo "install.sh: Native AOT needs:$missing; install them first, for example:" >&2
    echo "  sudo apt-get install$missing" >&2
    exit 1
  fi
fi
if ! command -v dotnet >/dev/null 2>&1; then
  echo "install.sh: the .NET 10 SDK (dotnet) is required: https://dot.net/download" >&2
  exit 1
fi

out=artifacts/publish/bus-$rid
echo "install.sh: building bus and libbus.so.3 with Native AOT (a few minutes the first time)" >&2
dotnet publish src/BusCli/BusCli.csproj -c Release -r "$rid" -o "$out" -p:DebugType=none -p:GenerateDocumentationFile=false --nologo -v quiet
native=artifacts/publish/libbus-$rid
dotnet publish src/LibBus.Native/LibBus.Native.csproj -c Release -r "$rid" -o "$native" -p:GenerateDocumentationFile=false --nologo -v quiet

mkdir -p "$prefix/bin" "$prefix/share/man/man1" "$prefix/share/man/man3" "$prefix/share/man/man5" "$prefix/share/man/man7"
# Earlier versions installed PREFIX/lib/bus/bus and a native helper beside it, with a symlink.
rm -f "$prefix/bin/bus" "$prefix/lib/bus/bus" "$prefix/lib/bus/libMonoPosixHelper.so"
rmdir "$prefix/lib/bus" 2>/dev/null || true
install -m 755 "$out/bus" "$prefix/bin/bus"
# The C library: the file under its soname, the development link, the header, pkg-config.
install -d "$prefix/lib/pkgconfig" "$prefix/include"
install -m 755 "$native/LibBus.Native.so" "$prefix/lib/libbus.so.3"
ln -sfn libbus.so.3 "$prefix/lib/libbus.so"
install -m 644 src/LibBus.Native/include/bus.h "$prefix/include/bus.h"
sed "s|@PREFIX@|$prefix|" src/LibBus.Native/libbus.pc.in > "$prefix/lib/pkgconfig/libbus.pc"
chmod 644 "$prefix/lib/pkgconfig/libbus.pc"
for page in man/*.[1357]; do
  if [ -f "$page" ]; then install -m 644 "$page" "$prefix/share/man/man${page##*.}/"; fi
done
# Static completion scripts, loaded by the shells on demand (bus runs no completion code).
# bash-completion looks in PREFIX/share/bash-completion/completions when PREFIX is in
# XDG_DATA_DIRS (~/.local/share is by default); zsh needs the site-functions directory in
# $fpath; fish reads PREFIX/share/fish/vendor_completions.d for PREFIX in XDG_DATA_DIRS.
install -d "$prefix/share/bash-completion/completions" "$prefix/share/zsh/site-functions" "$prefix/share/fish/vendor_completions.d"
install -m 644 completions/bus.bash "$prefix/share/bash-completion/completions/bus"
install -m 644 completions/_bus "$prefix/share/zsh/site-functions/_bus"
install -m 644 completions/bus.fish "$prefix/share/fish/vendor_completions.d/bus.fish"

echo "installed $prefix/bin/bus ($("$prefix/bin/bus" --version))"
echo "installed $prefix/lib/libbus.so.3, $prefix/include/bus.h, $prefix/lib/pkgconfig/libbus.pc"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "note: $prefix/bin is not in PATH; add it: export PATH=\"$prefix/bin:\$PATH\"" ;;
esac

if [ $demo = yes ]; then
  BUS="$prefix/bin/bus" ./demo.sh
fi
