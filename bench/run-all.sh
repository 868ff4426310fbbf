#!/usr/bin/env bash
# Re-runs the whole LibBus performance comparison and regenerates
# docs/PERFORMANCE.md and docs/perf-throughput.png from it.
#
#   bench/run-all.sh            (from anywhere; about 15 minutes on 2 cores)
#
# Run it on a quiet machine: the figures compare processes waking each other, which other jobs
# disturb; the load average at the start and end is recorded in bench/results/machine.txt.
# bench/README.md lists the result files and the profiling commands used for issue 17.
#
# Raw results go to bench/results/. Every multi-process run has a watchdog
# (the harness's own deadline, and `timeout` around each step), every bus and
# IPC object made is removed, and the private dbus-daemon is stopped by its pid.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/out
RES=$ROOT/bench/results
TMP=$(mktemp -d /tmp/libbus-bench.XXXXXX)
DBUS_PID=
step() { printf '\n== %s\n' "$*" >&2; }

cleanup() {
    if [ -n "$DBUS_PID" ]; then kill "$DBUS_PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

# ---- tools ---------------------------------------------------------------
need=()
command -v dbus-daemon >/dev/null || need+=(dbus-daemon)
command -v dbus-send >/dev/null || need+=(dbus-bin)
[ -e /usr/include/dbus-1.0/dbus/dbus.h ] || need+=(libdbus-1-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
command -v strace >/dev/null || need+=(strace)
command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || need+=(nats-server)
[ -x /usr/bin/time ] || need+=(time)
command -v clang >/dev/null || need+=(clang)
[ -e /usr/include/zlib.h ] || need+=(zlib1g-dev)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        step "installing ${need[*]}"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    else
        echo "run-all: missing ${need[*]}; install them (apt-get install ${need[*]}) or run as root" >&2
        exit 1
    fi
fi

# ---- build ---------------------------------------------------------------
step "building (Release)"
mkdir -p "$OUT" "$RES"
# Everything but the C ABI comparison, which bench/c-abi-ab.sh writes (docs/C-ABI.md).
find "$RES" -mindepth 1 -maxdepth 1 ! -name c-abi.csv -exec rm -rf {} +
ARTS=(--artifacts-path "$OUT/artifacts" --nologo -v quiet)
cc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$OUT/cbaseline" bench/c/cbaseline.c
# shellcheck disable=SC2046
cc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$OUT/dbuspeer" bench/c/dbuspeer.c $(pkg-config --cflags --libs dbus-1)
dotnet build bench/LibBus.Harness -c Release "${ARTS[@]}"
# The LibBus roles also as Native AOT (harness run --impl libbus-aot), default publishing settings.
dotnet publish bench/LibBus.Harness -c Release -r linux-x64 -p:PublishAot=true --artifacts-path "$OUT/artifacts-harness-aot" \
    --nologo -v quiet -o "$OUT/harness-aot"
dotnet build bench/LibBus.Benchmarks -c Release "${ARTS[@]}"
dotnet build bench/LibBus.BridgeBench -c Release "${ARTS[@]}"
dotnet publish src/BusCli/BusCli.csproj -c Release -r linux-x64 "${ARTS[@]}" -o "$OUT/bus-aot"
dotnet publish bench/Hello -c Release -r linux-x64 -p:PublishAot=true "${ARTS[@]}" -o "$OUT/hello-aot"
# The same two programs without build/NativeStartup.props' settings, to show what they are worth.
STARTUP_DEFAULTS=(-p:NativeStartupDefaults=true)
dotnet publish src/BusCli/BusCli.csproj -c Release -r linux-x64 "${STARTUP_DEFAULTS[@]}" --artifacts-path "$OUT/artifacts-startup-defaults" \
    --nologo -v quiet -o "$OUT/bus-aot-defaults"
dotnet publish bench/Hello -c Release -r linux-x64 -p:PublishAot=true "${STARTUP_DEFAULTS[@]}" --artifacts-path "$OUT/artifacts-startup-defaults" \
    --nologo -v quiet -o "$OUT/hello-aot-defaults"
dotnet publish bench/Hello -c Release "${ARTS[@]}" -o "$OUT/hello-jit"
H="$OUT/artifacts/bin/LibBus.Harness/release/harness"
BUS="$OUT/bus-aot/bus"

# Every IPC object the harness, the benchmarks and this script make is logged here
# and must be gone at the end (other jobs may make and remove their own meanwhile).
export LIBBUS_BENCH_KEYLOG=$TMP/keylog
: >"$LIBBUS_BENCH_KEYLOG"

# ---- machine -------------------------------------------------------------
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') x $(nproc)"
    echo "memory: $(free -m | awk '/Mem:/{print $2}') MiB"
    echo "kernel: $(uname -sr)"
    echo "os: $(. /etc/os-release; echo "$PRETTY_NAME")"
    echo "dotnet: $(dotnet --version)"
    echo "cc: $(cc --version | head -1)"
    echo "dbus-daemon: $(dbus-daemon --version | head -1)"
    echo "hyperfine: $(hyperfine --version)"
    echo "strace: $(strace -V | head -1)"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "commit: $(git rev-parse --short HEAD)"
} >"$RES/machine.txt"
cat "$RES/machine.txt" >&2

# ---- private D-Bus daemon ------------------------------------------------
step "starting a private dbus-daemon"
dbus-daemon --session --fork --address "unix:path=$TMP/dbus-socket" --print-address=1 --print-pid=1 >"$TMP/dbus-info"
DBUS_ADDRESS=$(sed -n 1p "$TMP/dbus-info")
DBUS_PID=$(sed -n 2p "$TMP/dbus-info")

# ---- the floor: semaphore ping-pong ----------------------------------------
step "ping-pong floor"
for _ in 1 2 3; do
    timeout 120 "$H" pingpong --rounds 100000 --out "$RES/pingpong.txt"
    timeout 120 "$OUT/cbaseline" pingpong 100000 | tee -a "$RES/pingpong.txt"
done

# ---- BroadcastAsync against Broadcast, L = 1 (spread, then on one CPU) -------
step "BroadcastAsync"
timeout 300 "$H" async --messages 20000 --rounds 5 --out "$RES/async.txt" || echo "run-all: async failed" >&2
timeout 300 taskset -c 0 "$H" async --messages 20000 --rounds 5 --out "$RES/async-one-cpu.txt" || echo "run-all: async (one CPU) failed" >&2

# ---- throughput: LibBus, the C baseline, D-Bus; L = 0..16 ------------------
step "throughput"
CSV=$RES/throughput.csv
ON=() # a command prefix for every process of a run: empty, or taskset for the one-CPU runs below
run() { # impl L B N W
    timeout 600 "${ON[@]}" "$H" run --impl "$1" --listeners "$2" --broadcasters "$3" --messages "$4" --warmup "$5" \
        --repeat 3 --timeout 150 --csv "$CSV" --cbaseline "$OUT/cbaseline" --dbuspeer "$OUT/dbuspeer" \
        --dbus-address "$DBUS_ADDRESS" --libbus-aot "$OUT/harness-aot/harness" || echo "run-all: $1 L=$2 B=$3 failed (recorded)" >&2
}
sizes() { # L: sets N (timed messages), W (warm-up) and WD (D-Bus's warm-up) for L listeners
    # With every process on one CPU, 17 JIT processes need about 4 s of messages before tiered
    # compilation has finished in all of them: with W = 12000 (about 1.3 s) at L = 16, some runs
    # still timed it (p99 1.2-1.9 ms). D-Bus (C, no JIT) keeps a shorter one: it runs 4-6x slower.
    case $1 in 0|1|2|4) N=20000 W=20000 WD=20000 ;; 8) N=10000 W=20000 WD=10000 ;; 16) N=5000 W=40000 WD=12000 ;; esac
}
warmup() { # impl: the warm-up for it
    if [ "$1" = dbus ]; then echo "$WD"; else echo "$W"; fi
}
for L in 0 1 2 4 8 16; do
    sizes "$L"
    for impl in libbus c dbus; do
        run "$impl" "$L" 1 "$N" "$(warmup "$impl")"
    done
    case $L in 1|4|16) run libbus-aot "$L" 1 "$N" "$W" ;; esac
done
run libbus 4 2 10000 5000   # two broadcaster processes at once
run libbus 16 4 2500 1500   # four broadcaster processes at once

# ---- the same with every process on one CPU --------------------------------
# On a VM, waking a process blocked on another vCPU is most of what a synchronous round
# trip costs. With every process (the dbus-daemon's threads included) on CPU 0, a wake-up
# is a context switch on the same CPU instead.
step "throughput, every process on CPU 0"
dbus_mask=$(taskset -p "$DBUS_PID" | awk '{print $NF}')
taskset -a -p -c 0 "$DBUS_PID" >/dev/null
for _ in 1 2 3; do
    timeout 120 taskset -c 0 "$H" pingpong --rounds 100000 --out "$RES/pingpong-one-cpu.txt"
    timeout 120 taskset -c 0 "$OUT/cbaseline" pingpong 100000 | tee -a "$RES/pingpong-one-cpu.txt"
done
ON=(taskset -c 0)
CSV=$RES/throughput-one-cpu.csv
for L in 1 4 16; do
    sizes "$L"
    for impl in libbus libbus-aot c dbus; do
        run "$impl" "$L" 1 "$N" "$(warmup "$impl")"
    done
done
ON=()
CSV=$RES/throughput.csv
taskset -a -p "$dbus_mask" "$DBUS_PID" >/dev/null

# ---- syscall budget -------------------------------------------------------
step "syscalls per message (strace -f -c)"
for cfg in "libbus 1" "libbus 4" "libbus 16" "c 1"; do
    set -- $cfg
    timeout 600 "$H" syscalls --impl "$1" --listeners "$2" --n1 1000 --n2 5000 --csv "$RES/syscalls.csv" \
        --cbaseline "$OUT/cbaseline" || echo "run-all: syscalls $cfg failed" >&2
done

# ---- CLI start-up ----------------------------------------------------------
step "CLI start-up (hyperfine)"
"$BUS" create "$TMP/cli-bus"
printf 'sem %s\nshm %s\n' $(head -2 "$TMP/cli-bus") >>"$LIBBUS_BENCH_KEYLOG"
timeout 600 hyperfine -N --warmup 20 --runs 200 --export-json "$RES/cli.json" --export-markdown "$RES/cli.md" \
    -n 'bus broadcast (Native AOT)' "$BUS broadcast $TMP/cli-bus '0 hello'" \
    -n 'dbus-send --type=signal' "dbus-send --bus=$DBUS_ADDRESS --type=signal /org/libbus/Bench org.libbus.Bench.Ping" \
    -n 'hello (Native AOT)' "$OUT/hello-aot/hello" \
    -n 'hello (JIT)' "$OUT/hello-jit/hello" \
    -n 'hello --silent (Native AOT): start and exit' "$OUT/hello-aot/hello --silent" \
    -n 'bus broadcast (Native AOT, default settings)' "$OUT/bus-aot-defaults/bus broadcast $TMP/cli-bus '0 hello'" \
    -n 'hello (Native AOT, default settings)' "$OUT/hello-aot-defaults/hello" \
    >"$RES/cli.txt" 2>&1 || echo "run-all: hyperfine failed" >&2
# Minor page faults (GNU time's %R), the median of 21 runs of each, as "name<TAB>faults".
faults() {
    local name=$1; shift
    for _ in $(seq 21); do /usr/bin/time -f %R "$@" 2>&1 >/dev/null | tail -1; done | sort -n | sed -n 11p | sed "s/^/$name\t/"
}
{
    faults 'bus broadcast (Native AOT)' "$BUS" broadcast "$TMP/cli-bus" '0 hello'
    faults 'bus broadcast (Native AOT, default settings)' "$OUT/bus-aot-defaults/bus" broadcast "$TMP/cli-bus" '0 hello'
    faults 'hello (Native AOT)' "$OUT/hello-aot/hello"
    faults 'hello (Native AOT, default settings)' "$OUT/hello-aot-defaults/hello"
} >"$RES/page-faults.tsv"
"$BUS" remove "$TMP/cli-bus"

# ---- idle memory -----------------------------------------------------------
step "bus listen idle resident memory"
timeout 120 "$H" idle-rss --bus-exe "$BUS" --out "$RES/idle-rss.txt" || echo "run-all: idle-rss failed" >&2

# ---- busy memory (bus listen under a full-speed broadcast) --------------------
step "bus listen busy resident memory (bench/listen-rss.sh)"
# The path relative to the repository, as the report shows it (the script runs from there).
for cfg in "200000 100" "50000 2000"; do
    # shellcheck disable=SC2086
    timeout 300 bench/listen-rss.sh bench/out/bus-aot/bus $cfg >>"$RES/listen-rss.txt" || echo "run-all: listen-rss $cfg failed" >&2
done

# ---- listener processes' memory under load (L = 16) ---------------------------
step "listener memory under load (bench/listener-memory.sh)"
timeout 900 bench/listener-memory.sh "$H" "$OUT/harness-aot/harness" "$OUT/cbaseline" "$BUS" "$RES/listener-memory.txt" \
    || echo "run-all: listener-memory failed" >&2

# ---- idle system calls -------------------------------------------------------
step "bus listen idle system calls (strace -f -c, 10 s)"
timeout 120 bench/idle-syscalls.sh "$BUS" 10 "$RES/idle-syscalls.txt" || echo "run-all: idle-syscalls failed" >&2

# ---- across machines: bus bridge -------------------------------------------------
# Local, two plain NATS clients (the floor), plain and durable bridged paths, from one run with the
# latency rounds interleaved; then the resident memory of `bus bridge` behind a stopped listener.
# About 40 s on 2 cores (2000 rounds and 20,000 messages on each of the four paths; measured at load 33-43).
step "bus bridge (bench/LibBus.BridgeBench)"
timeout 900 "$OUT/artifacts/bin/LibBus.BridgeBench/release/LibBus.BridgeBench" 2000 20000 --out "$RES/bridge.txt" --bus-exe "$BUS" \
    || echo "run-all: bridge bench failed" >&2

kill "$DBUS_PID"; DBUS_PID=

# ---- micro-benchmarks ------------------------------------------------------
step "BenchmarkDotNet (short job)"
(cd bench/LibBus.Benchmarks && timeout 900 "$OUT/artifacts/bin/LibBus.Benchmarks/release/LibBus.Benchmarks" \
    --filter '*' --job short --artifacts "$OUT/bdn" >"$RES/bdn.log" 2>&1) || echo "run-all: BenchmarkDotNet failed" >&2
mkdir -p "$RES/bdn"
cp "$OUT"/bdn/results/*-report-github.md "$RES/bdn/" 2>/dev/null || true

# ---- IPC objects as we found them ------------------------------------------
made=$(wc -l <"$LIBBUS_BENCH_KEYLOG")
left=0
while read -r kind value; do
    case $kind in
        sem) key=$(printf '0x%08x' "$value"); ipcs -s | grep -qi "^$key " && { echo "left behind: semaphore array $key"; left=$((left + 1)); } ;;
        shm) key=$(printf '0x%08x' "$value"); ipcs -m | grep -qi "^$key " && { echo "left behind: segment $key"; left=$((left + 1)); } ;;
        semid) ipcs -s | awk '{print $2}' | grep -qx "$value" && { echo "left behind: semaphore array id $value"; left=$((left + 1)); } ;;
    esac
done <"$LIBBUS_BENCH_KEYLOG" >"$RES/ipcs-check.txt"
echo "ipcs: $made IPC objects made by this run, $left left behind" >>"$RES/ipcs-check.txt"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RES/machine.txt"

# ---- report ----------------------------------------------------------------
step "report"
"$H" report --results "$RES" --out docs/PERFORMANCE.md --plot-data "$RES/throughput.dat"
gnuplot -e "datafile='$RES/throughput.dat'; outfile='docs/perf-throughput.png'" bench/plot.gp || echo "run-all: gnuplot failed" >&2
echo "run-all: wrote docs/PERFORMANCE.md and docs/perf-throughput.png" >&2
