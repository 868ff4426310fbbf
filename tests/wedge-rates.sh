#!/usr/bin/env bash
# Wedge rates per mix of roles on one bus: C-peer listeners only, LibBus
# listeners only, a C-peer listener beside a LibBus listener; C-peer or LibBus
# broadcaster; messages spaced (20 ms apart) or back to back. Every trial uses
# real processes on a fresh bus; the C peer is tests/LibBus.Tests/Peers/cpeer.c
# (the reference algorithm of C libbus 3.1.x; its listener prints the message
# and acknowledges at once, as the real bus_read does with a fast callback;
# CPEER_DELAY_US=N makes its callback sleep N µs first, the kinder peer that
# earlier tables were measured with). A trial is *wedged* when
# the broadcaster or a listener has not finished STALL seconds after the last
# message was due; a finished trial is also checked: every listener got every
# message once, in order ("bad" counts the trials where one did not).
#
# Usage (from the repository root, after `dotnet build tests/LibBus.Tests`):
#   unshare --ipc -- tests/wedge-rates.sh [TRIALS] [CELL...]
# TRIALS per cell (default 20). CELL is LISTENERS/BROADCASTER/SPACING, e.g.
# c+libbus/libbus/spaced; default: every cell of the table in
# docs/RELIABILITY.md. LISTENERS: c, c+c, libbus+libbus, c+libbus;
# BROADCASTER: c, libbus, alt (C and LibBus broadcasters taking turns, one
# process per message); SPACING: spaced (50 messages, 20 ms apart), b2b (200
# messages back to back). Environment: STALL (seconds, default 8),
# LIBBUS_PEER (the LibBus.TestPeer.dll to run, e.g. one built from an older
# commit, to compare).
# Prints one table row per cell; exit 0 (the rates are the result).
set -u
cd "$(dirname "$0")/.."

trials=${1:-20}
shift || true
stall=${STALL:-8}
peer_dll=${LIBBUS_PEER:-tests/LibBus.Tests/bin/Debug/net10.0/LibBus.TestPeer.dll}
[[ -f $peer_dll ]] || { echo "wedge-rates: $peer_dll missing: run dotnet build tests/LibBus.Tests" >&2; exit 2; }
work=$(mktemp -d /tmp/wedge-rates.XXXXXX)
trap 'rm -rf "$work"' EXIT
cpeer=$work/cpeer
cc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$cpeer" tests/LibBus.Tests/Peers/cpeer.c || exit 2

cells=("$@")
if ((${#cells[@]} == 0)); then
    for spacing in spaced b2b; do
        for mix in c c+c libbus+libbus c+libbus; do
            for b in c libbus; do cells+=("$mix/$b/$spacing"); done
        done
        cells+=("c+libbus/alt/$spacing")
    done
fi

now() { date +%s.%N; }

# wait_ready FILE...: each peer printed "ready" on stderr (20 s at most).
wait_ready() {
    local deadline=$(( $(date +%s) + 20 )) f
    for f in "$@"; do
        until grep -qx ready "$f" 2>/dev/null; do
            (( $(date +%s) < deadline )) || return 1
            sleep 0.01
        done
    done
}

# alternate PATH COUNT PAUSE_MS: C and LibBus broadcasters taking turns, one process per message.
alternate() {
    local path=$1 count=$2 pause=$3 i
    for ((i = 0; i < count; i++)); do
        if ((i % 2 == 0)); then "$cpeer" broadcast "$path" "0 m $i" || return 1
        else echo "0 m $i" | dotnet "$peer_dll" broadcast-lines "$path" >/dev/null || return 1
        fi
        ((pause > 0)) && sleep "0.0$(printf %02d "$pause")"
    done
}

# trial MIX BROADCASTER COUNT PAUSE_MS: prints ok, bad or wedged.
trial() {
    local mix=$1 b=$2 count=$3 pause=$4 dir path pids=() outs=() errs=() i=0 kind
    dir=$(mktemp -d "$work/trial.XXXXXX")
    path=$dir/bus
    "$cpeer" create "$path" || { echo error; return; }
    for kind in ${mix//+/ }; do
        if [[ $kind == c ]]; then "$cpeer" listen "$path" "$count" ${CPEER_DELAY_US:+"$CPEER_DELAY_US"} >"$dir/l$i.out" 2>"$dir/l$i.err" &
        else dotnet "$peer_dll" listen "$path" "$count" >"$dir/l$i.out" 2>"$dir/l$i.err" &
        fi
        pids+=($!); outs+=("$dir/l$i.out"); errs+=("$dir/l$i.err"); i=$((i + 1))
    done
    if ! wait_ready "${errs[@]}"; then
        kill -9 "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null
        "$cpeer" remove "$path" 2>/dev/null; echo error; return
    fi
    case $b in
        c) "$cpeer" broadcast-seq "$path" "0 m" "$count" "$pause" >/dev/null & ;;
        libbus) dotnet "$peer_dll" broadcast "$path" "0 m" "$count" "$pause" >/dev/null & ;;
        alt) alternate "$path" "$count" "$pause" & ;;
    esac
    local result=ok progress last stalled_since p
    pids+=($!)
    trap 'kill -9 "${pids[@]}" 2>/dev/null' EXIT
    # Wedged: nobody printed anything for STALL seconds and someone has not finished.
    last=-1 stalled_since=$(date +%s)
    while :; do
        local running=0
        for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && running=1; done
        ((running)) || break
        progress=$(cat "${outs[@]}" | wc -l)
        if [[ $progress != "$last" ]]; then last=$progress stalled_since=$(date +%s)
        elif (( $(date +%s) - stalled_since >= stall )); then
            result=wedged
            echo "$mix/$b: wedged after $progress lines: $("$cpeer" values "$path")" >>/tmp/wedge-rates.log
            break
        fi
        sleep 0.05
    done
    kill -9 "${pids[@]}" 2>/dev/null
    wait "${pids[@]}" 2>/dev/null
    if [[ $result == ok ]]; then
        local expected
        expected=$(for ((i = 0; i < count; i++)); do echo "0 m $i"; done)
        for f in "${outs[@]}"; do [[ $(cat "$f") == "$expected" ]] || result=bad; done
    fi
    "$cpeer" remove "$path" 2>/dev/null
    rm -rf "$dir"
    echo "$result"
}

printf '%-15s %-11s %-7s %6s %6s %5s %5s  %s\n' listeners broadcaster spacing trials wedged rate bad "s/trial"
for cell in "${cells[@]}"; do
    IFS=/ read -r mix b spacing <<<"$cell"
    case $spacing in spaced) count=50 pause=20 ;; b2b) count=200 pause=0 ;; *) echo "wedge-rates: bad cell $cell" >&2; exit 2 ;; esac
    wedged=0 bad=0 errors=0 start=$(now)
    for ((t = 0; t < trials; t++)); do
        case $(trial "$mix" "$b" "$count" "$pause") in
            wedged) wedged=$((wedged + 1)) ;;
            bad) bad=$((bad + 1)) ;;
            error) errors=$((errors + 1)) ;;
        esac
    done
    per_trial=$(awk -v a="$start" -v b="$(now)" -v n="$trials" 'BEGIN { printf "%.1f", (b - a) / n }')
    printf '%-15s %-11s %-7s %6d %6d %4d%% %5d  %s%s\n' "$mix" "$b" "$spacing" "$trials" "$wedged" \
        $((100 * wedged / trials)) "$bad" "$per_trial" "$( ((errors)) && echo " ($errors setup errors)")"
done
