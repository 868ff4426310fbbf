#!/usr/bin/env bash
# Model-check the bus protocol (model/bus.pml) with SPIN: every interleaving of
# every configuration in the table below, each compared with its expected result.
#
#   model/check.sh --ci            the configurations CI runs (a few minutes), mutants included
#   model/check.sh --all           the whole matrix; rewrites the results table in docs/MODEL.md
#   model/check.sh --list          the table: name, set, expected result, spin options
#   model/check.sh NAME...         only these configurations
#   model/check.sh --trail NAME [PROPERTY]
#                                  print the shortest counter-example of NAME (of
#                                  PROPERTY only, if given) step by step
#   model/check.sh --table FILE    rewrite the table of docs/MODEL.md from saved result
#                                  lines (the tab-separated lines --one prints)
#   --results FILE                 also save the result lines of this run to FILE
#
#   -j N        run N configurations at once (default 1; each is one process)
#   --mem MB    memory limit of each verifier (default 4096)
#   -O LEVEL    gcc optimisation of the verifiers (default 0 for --ci, where
#               compiling takes longer than checking; 2 otherwise)
#
# Prints one line per configuration (PASS/FAIL, result, states, seconds) and at
# the end "model: Passed: N, Failed: N" (test.sh adds those to its totals).
# Exit status: 0 all as expected, 1 some not as expected, 2 bad command line or
# no spin/gcc.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
model=$here/bus.pml
doc=$here/../docs/MODEL.md

# The matrix. Process index: broadcasters 0..NB-1, then listeners NB..
# C_MASK: which processes run the reference (C) algorithm; KILL_MASK: which may
# be killed (one SIGKILL per run, at any step); LEAVE_MASK: which listeners may
# leave (once per run, at any of the three points); LATE_MASK: which listeners
# join only after the first publication; GIVEUP=1: one hardened broadcaster may
# give up its final wait (its step 5 is then {P(N)u, V(X)u, V(Q)}); CGIVEUP=1: one
# C broadcaster may give up its Z(S) (EINTR: P(N)u; V(X)u); REJOIN=1: the listener
# that left joins again; BOUNDQ=1: hardened listeners bound Q after joining;
# PAIR=1: processes PAIR_A and PAIR_B are one process's two roles, killed together;
# GIVEUP_GUESS=1: that give-up's step 5 raises Q or not, either way (issue 23's middle way);
# CINTR=1: the C listener that may leave may instead take bus_read's EINTR fail path;
# QMAX=n: Q's maximum is n (the kernel's is 32767): a hardened call raising Q above it fails with
# ERANGE, bounds Q and is re-issued (QBOUNDS times, default 1), else fails (the give-up: plain step 5);
# FUSED45=1: broadcast steps 4 and 5 as one call;
# MUTANT=k: one-step mutant k of the hardened algorithm (see bus.pml);
# CYCLES=1: look for cycles (a run that never ends) instead of the properties.
# expect: ok (no property violated), or exactly the properties (comma-separated)
# the model must find violated: a property violated beyond those fails the row too,
# so a mutant cannot hide a second fault. The result column lists every property violated.
#
# name                  sets     expect           options
matrix() {
cat <<'EOF'
h-1b2l2m                ci,all   ok               NB=1 NL=2 M=2
h-1b2l3m                ci,all   ok               NB=1 NL=2 M=3
h-1b3l2m                ci,all   ok               NB=1 NL=3 M=2
h-1b3l3m                all      ok               NB=1 NL=3 M=3
h-2b2l2m                ci,all   ok               NB=2 NL=2 M=2
h-2b2l3m                all      ok               NB=2 NL=2 M=3
h-2b3l2m                all      ok               NB=2 NL=3 M=2
h-2b3l3m                all      ok               NB=2 NL=3 M=3
h-1b2l2m-late           ci,all   ok               NB=1 NL=2 M=2 LATE_MASK=4
h-1b3l2m-late           ci,all   ok               NB=1 NL=3 M=2 LATE_MASK=8
h-2b2l2m-late           all      ok               NB=2 NL=2 M=2 LATE_MASK=8
h-2b3l2m-late           all      ok               NB=2 NL=3 M=2 LATE_MASK=16
h-1b2l2m-leave          ci,all   ok               NB=1 NL=2 M=2 LEAVE_MASK=6
h-1b3l3m-leave          all      ok               NB=1 NL=3 M=3 LEAVE_MASK=14
h-2b2l2m-leave          all      ok               NB=2 NL=2 M=2 LEAVE_MASK=12
h-2b3l2m-leave          all      ok               NB=2 NL=3 M=2 LEAVE_MASK=28
h-1b2l2m-rejoin         ci,all   ok               NB=1 NL=2 M=2 LEAVE_MASK=6 REJOIN=1
h-2b2l2m-rejoin         all      ok               NB=2 NL=2 M=2 LEAVE_MASK=12 REJOIN=1
h-1b2l2m-kill           ci,all   ok               NB=1 NL=2 M=2 KILL_MASK=7
h-1b2l3m-kill           ci,all   ok               NB=1 NL=2 M=3 KILL_MASK=7
h-1b3l2m-kill           ci,all   ok               NB=1 NL=3 M=2 KILL_MASK=15
h-1b3l3m-kill           all      ok               NB=1 NL=3 M=3 KILL_MASK=15
h-2b2l2m-kill           ci,all   ok               NB=2 NL=2 M=2 KILL_MASK=15
h-2b2l3m-kill           all      ok               NB=2 NL=2 M=3 KILL_MASK=15
h-2b3l2m-kill           all      ok               NB=2 NL=3 M=2 KILL_MASK=31
h-1b2l2m-kill2          ci,all   ok               NB=1 NL=2 M=2 PAIR=1 PAIR_A=0 PAIR_B=1
h-2b2l2m-kill2          all      ok               NB=2 NL=2 M=2 PAIR=1 PAIR_A=0 PAIR_B=2
h-2b2l2m-kill2l         all      ok               NB=2 NL=2 M=2 PAIR=1 PAIR_A=2 PAIR_B=3
h-1b2l2m-giveup         ci,all   ok               NB=1 NL=2 M=2 GIVEUP=1
h-1b3l3m-giveup         all      ok               NB=1 NL=3 M=3 GIVEUP=1
h-2b2l2m-giveup         ci,all   ok               NB=2 NL=2 M=2 GIVEUP=1
h-2b3l2m-giveup         all      ok               NB=2 NL=3 M=2 GIVEUP=1
h-2b2l2m-giveup-kill    all      ok               NB=2 NL=2 M=2 GIVEUP=1 KILL_MASK=15
h-1b2l2m-boundq         ci,all   ok               NB=1 NL=2 M=2 BOUNDQ=1
h-2b2l2m-boundq-faults  all      ok               NB=2 NL=2 M=2 BOUNDQ=1 LEAVE_MASK=12 REJOIN=1 GIVEUP=1
h-1b2l2m-qmax2          ci,all   ok               NB=1 NL=2 M=2 BOUNDQ=1 QMAX=2
h-1b2l2m-qmax2-nobound  all      ok               NB=1 NL=2 M=2 QMAX=2
h-1b2l2m-qmax1          all      ok               NB=1 NL=2 M=2 BOUNDQ=1 QMAX=1
h-1b2l2m-qmax2-giveup   all      ok               NB=1 NL=2 M=2 BOUNDQ=1 QMAX=2 GIVEUP=1
mixb-2b1l1m-qmax2-giveup all     ok               NB=2 NL=1 M=1 C_MASK=1 BOUNDQ=1 QMAX=2 GIVEUP=1
h-1b2l2m-faults         ci,all   ok               NB=1 NL=2 M=2 KILL_MASK=7 LEAVE_MASK=6 GIVEUP=1 LATE_MASK=4
h-1b2l2m-cycles         ci,all   ok               NB=1 NL=2 M=2 CYCLES=1
h-1b2l2m-faults-cycles  all      ok               NB=1 NL=2 M=2 KILL_MASK=7 LEAVE_MASK=6 GIVEUP=1 CYCLES=1
h-2b2l2m-cycles         all      ok               NB=2 NL=2 M=2 CYCLES=1
f-1b2l2m                ci,all   ok               NB=1 NL=2 M=2 FUSED45=1
f-2b2l2m                all      ok               NB=2 NL=2 M=2 FUSED45=1
f-2b3l2m                all      ok               NB=2 NL=3 M=2 FUSED45=1
f-2b2l2m-leave          all      ok               NB=2 NL=2 M=2 FUSED45=1 LEAVE_MASK=12
f-1b2l2m-kill           ci,all   ok               NB=1 NL=2 M=2 FUSED45=1 KILL_MASK=7
f-2b2l2m-kill           all      ok               NB=2 NL=2 M=2 FUSED45=1 KILL_MASK=15
f-1b2l2m-giveup         ci,all   ok               NB=1 NL=2 M=2 FUSED45=1 GIVEUP=1
f-2b2l2m-giveup         all      ok               NB=2 NL=2 M=2 FUSED45=1 GIVEUP=1
cb-1b2l2m               ci,all   ok               NB=1 NL=2 M=2 C_MASK=1
cb-2b2l2m               all      ok               NB=2 NL=2 M=2 C_MASK=3
cb-2b3l2m               all      ok               NB=2 NL=3 M=2 C_MASK=3
cb-1b2l2m-late          ci,all   ok               NB=1 NL=2 M=2 C_MASK=1 LATE_MASK=4
cb-2b2l2m-late          all      ok               NB=2 NL=2 M=2 C_MASK=3 LATE_MASK=8
cb-2b2l2m-leave         all      ok               NB=2 NL=2 M=2 C_MASK=3 LEAVE_MASK=12
cb-1b2l2m-lkill         ci,all   ok               NB=1 NL=2 M=2 C_MASK=1 KILL_MASK=6
cb-2b2l2m-bkill         all      duplicate,lost_message,reordered,torn_copy,unpublished_copy NB=2 NL=2 M=2 C_MASK=3 KILL_MASK=3
cb-2b1l1m-cgiveup       ci,all   duplicate,lost_message,reordered,torn_copy,unpublished_copy NB=2 NL=1 M=1 C_MASK=3 CGIVEUP=1
cb-2b2l2m-cgiveup       all      duplicate,lost_message,reordered,torn_copy,unpublished_copy NB=2 NL=2 M=2 C_MASK=3 CGIVEUP=1
mixb-2b2l2m             ci,all   ok               NB=2 NL=2 M=2 C_MASK=1
mixb-2b3l2m             all      ok               NB=2 NL=3 M=2 C_MASK=1
mixb-2b2l2m-kill        all      duplicate,lost_message,reordered,torn_copy,unpublished_copy NB=2 NL=2 M=2 C_MASK=1 KILL_MASK=15
mixb-2b2l2m-giveup      ci,all   ok               NB=2 NL=2 M=2 C_MASK=1 GIVEUP=1
mixb-2b3l2m-giveup      all      ok               NB=2 NL=3 M=2 C_MASK=1 GIVEUP=1
mixb-2b2l1m-cgiveup     all      ok               NB=2 NL=2 M=1 C_MASK=2 CGIVEUP=1
h-2b2l2m-giveup-guess   all      ok               NB=2 NL=2 M=2 GIVEUP=1 GIVEUP_GUESS=1
mixb-2b2l2m-giveup-guess all      duplicate,lost_message,reordered,torn_copy,unpublished_copy NB=2 NL=2 M=2 C_MASK=1 GIVEUP=1 GIVEUP_GUESS=1
cl-1b1c-2m              ci,all   bus_left_busy,deadlock,lost_message NB=1 NL=1 M=2 C_MASK=2
cl-1b1c1h-2m            ci,all   bus_left_busy,deadlock,lost_message NB=1 NL=2 M=2 C_MASK=2
cl-1b2c-2m              ci,all   bus_left_busy,deadlock,lost_message NB=1 NL=2 M=2 C_MASK=6
cl-2b1c1h-2m            all      bus_left_busy,deadlock,lost_message NB=2 NL=2 M=2 C_MASK=4
cl-1b1c2h-2m            all      bus_left_busy,deadlock,lost_message NB=1 NL=3 M=2 C_MASK=2
cl-1b1c1h-2m-intr       all      bus_left_busy,deadlock,lost_message NB=1 NL=2 M=2 C_MASK=2 LEAVE_MASK=2 CINTR=1
cl-1b1c1h-2m-giveup     all      bus_left_busy,deadlock,duplicate,lost_message,reordered,torn_copy,unpublished_copy NB=1 NL=2 M=2 C_MASK=2 GIVEUP=1
cl-1b1c1h-2m-giveup-guess all      bus_left_busy,deadlock,duplicate,lost_message,reordered,torn_copy,unpublished_copy NB=1 NL=2 M=2 C_MASK=2 GIVEUP=1 GIVEUP_GUESS=1
cl-2b1c1h-2m-giveup     all      bus_left_busy,deadlock,duplicate,lost_message,reordered,torn_copy,unpublished_copy NB=2 NL=2 M=2 C_MASK=4 GIVEUP=1
cl-2b1c1h-2m-giveup-guess all      bus_left_busy,deadlock,duplicate,lost_message,reordered,torn_copy,unpublished_copy NB=2 NL=2 M=2 C_MASK=4 GIVEUP=1 GIVEUP_GUESS=1
clmixb-2b1c1h-2m-giveup all      bus_left_busy,deadlock,duplicate,lost_message,reordered,torn_copy,unpublished_copy NB=2 NL=2 M=2 C_MASK=5 GIVEUP=1
clmixb-2b1c1h-2m-giveup-guess all      bus_left_busy,deadlock,duplicate,lost_message,reordered,torn_copy,unpublished_copy NB=2 NL=2 M=2 C_MASK=5 GIVEUP=1 GIVEUP_GUESS=1
fcl-1b1c1h-2m           all      bus_left_busy,deadlock,lost_message NB=1 NL=2 M=2 C_MASK=2 FUSED45=1
c-1b2l2m                ci,all   bus_left_busy,deadlock,lost_message NB=1 NL=2 M=2 C_MASK=7
c-2b2l2m                all      bus_left_busy,deadlock,lost_message NB=2 NL=2 M=2 C_MASK=15
mut1-join-split         ci,all   bus_left_busy,deadlock,lost_message NB=1 NL=2 M=2 MUTANT=1
mut2-requeue-split      ci,all   bus_left_busy,deadlock,lost_message NB=1 NL=2 M=2 MUTANT=2
mut3-separate-zs        ci,all   bus_left_busy,deadlock NB=1 NL=2 M=2 MUTANT=3
mut4-no-vq              ci,all   duplicate,lost_message,reordered,torn_copy,unpublished_copy NB=2 NL=1 M=1 MUTANT=4 KILL_MASK=3
mut5-w-at-ack           ci,all   duplicate,lost_message,reordered,torn_copy,unpublished_copy NB=1 NL=2 M=2 MUTANT=5 GIVEUP=1
mut6-giveup-no-vq       ci,all   duplicate,lost_message,reordered,torn_copy,unpublished_copy NB=2 NL=1 M=1 C_MASK=1 GIVEUP=1 MUTANT=6
EOF
}

usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "check.sh: $*" >&2; exit 2; }

set_=""; names=(); jobs=1; mem=4096; trail=""; one=""; list=0; opt=""; table_from=""; save=""
while [ $# -gt 0 ]; do
  case $1 in
    --ci) set_=ci ;;
    --all) set_=all ;;
    --list) list=1 ;;
    --trail) [ $# -ge 2 ] || die "--trail needs a configuration name"; trail=$2; shift ;;
    --one) one=$2; shift ;;                          # internal: run one configuration
    --table) [ -r "${2:-}" ] || die "--table needs a file of result lines"; table_from=$2; shift ;;
    --results) [ -n "${2:-}" ] || die "--results needs a file name"; save=$2; shift ;;
    -j) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "-j needs a positive number"; jobs=$2; shift ;;
    -O) [[ ${2:-} =~ ^[0-3s]$ ]] || die "-O needs 0, 1, 2, 3 or s"; opt=$2; shift ;;
    --mem) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--mem needs a number of megabytes"; mem=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown option: $1 (see --help)" ;;
    *) names+=("$1") ;;
  esac
  shift
done

[ -n "$opt" ] || { opt=2; [ "$set_" = ci ] && opt=0; }
row() { matrix | awk -v n="$1" '$1 == n'; }
if [ $list = 1 ]; then matrix; exit 0; fi
for n in "${names[@]}" ${trail:+"$trail"}; do
  [ -n "$trail" ] && [ "$n" != "$trail" ] && continue
  [ -n "$(row "$n")" ] || die "no configuration named '$n' (see --list)"
done
command -v spin >/dev/null 2>&1 || die "spin is not installed (Debian: apt-get install spin)"
command -v gcc >/dev/null 2>&1 || die "gcc is not installed (Debian: apt-get install gcc)"

# spin -D options of a row: fields 4.. are NAME=value.
dflags() { row "$1" | awk '{for (i = 4; i <= NF; i++) printf " -D%s", $i}'; }

# Build the verifier of one configuration in directory $2 (extra gcc options after).
build() {
  local name=$1 dir=$2; shift 2
  mkdir -p "$dir" && cp "$model" "$dir/" && cd "$dir" || return 1
  # shellcheck disable=SC2046
  spin $(dflags "$name") ${ignore:+-DIGNORE=$ignore} -a bus.pml >spin.log 2>&1 || { cat spin.log; return 1; }
  gcc -O"$opt" -w -DMEMLIM="$mem" "$@" -o pan pan.c >gcc.log 2>&1 || { cat gcc.log; return 1; }
}

# The properties, in the order of their bits in bus.pml's IGNORE.
properties="torn_copy unpublished_copy duplicate reordered lost_message deadlock bus_left_busy"

# Run one configuration: explore every state (-c0: go on after a violation) and
# print its result line: name, expected, result (ok, or the violated properties,
# comma-separated), states stored, depth, seconds, PASS|FAIL.
run_one() {
  local name=$1 dir expect result states depth secs verdict p
  dir=$(mktemp -d "${TMPDIR:-/tmp}/busmodel.$name.XXXXXX")
  expect=$(row "$name" | awk '{print $3}')
  # CYCLES=1: look for any cycle instead (no progress labels: every cycle is
  # a non-progress cycle), which shows every run of the model is finite.
  local mode=-DSAFETY run=""
  if row "$name" | grep -qw 'CYCLES=1'; then mode=-DNP run=-l; fi
  if ! build "$name" "$dir" "$mode" -DCOLLAPSE >"$dir/build.log" 2>&1; then
    result=build-error
    sed 's/^/  /' "$dir/build.log" >&2
  else
    # -m: depth limit (every run is finite; a limit too small is reported below)
    (cd "$dir" && ./pan $run -m1000000 -n -c0 -w24 >pan.log 2>&1)
    states=$(awk '/states, stored/ {print $1; exit}' "$dir/pan.log")
    depth=$(sed -nE 's/.*depth reached ([0-9]+).*/\1/p' "$dir/pan.log" | head -1)
    secs=$(sed -nE 's/^pan: elapsed time ([0-9.e+-]+).*/\1/p' "$dir/pan.log" | head -1)
    if grep -q 'max search depth too small' "$dir/pan.log"; then result=depth-limit
    elif grep -qE 'out of memory|reached -DMEMLIM' "$dir/pan.log"; then result=out-of-memory
    elif grep -q 'errors: 0' "$dir/pan.log"; then result=ok
    elif grep -q 'non-progress cycle' "$dir/pan.log" && ! grep -q 'assertion violated' "$dir/pan.log"; then result=cycle
    else
      result=$(sed -nE 's/.*\|\|([a-z_]+)\) \(at depth.*/\1/p' "$dir/pan.log" | sort -u | paste -sd, -)
      # (after a violated property of the final state, pan also reports that
      # state as an invalid end state: only worth naming on its own)
      [ -z "$result" ] && grep -q 'invalid end state' "$dir/pan.log" && result=invalid_end_state
      [ -n "$result" ] || { result=unknown; sed 's/^/  /' "$dir/pan.log" >&2; }
    fi
  fi
  # Expected ok: nothing violated. Expected properties: exactly those violated, each
  # of them and no other (result and expect as sorted sets).
  verdict=PASS
  [ "$(tr , '\n' <<<"$result" | sort -u | paste -sd, -)" = "$(tr , '\n' <<<"$expect" | sort -u | paste -sd, -)" ] || verdict=FAIL
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$expect" "$result" "${states:-0}" "${depth:-0}" "${secs:-0}" "$verdict"
  rm -rf "$dir"
}

# Rewrite the results table of docs/MODEL.md, in matrix order, from result
# lines (run_one's); a configuration without one is marked "not run".
write_table() {
  local results=$1 table n opts
  table=$(mktemp)
  {
    echo "| configuration | options | expected | result | states stored | depth | seconds |"
    echo "|---|---|---|---|---:|---:|---:|"
    for n in $(matrix | awk '{print $1}'); do
      opts=$(row "$n" | awk '{for (i = 4; i <= NF; i++) printf "%s%s", (i > 4 ? " " : ""), $i}')
      awk -F'\t' -v n="$n" -v o="$opts" -v e="$(row "$n" | awk '{print $3}')" '
        $1 == n { f = 1; printf "| %s | `%s` | %s | %s%s | %s | %s | %s |\n", $1, o, $2, $3, ($7 == "PASS" ? "" : " (NOT AS EXPECTED)"), $4, $5, ($6 >= 100 ? sprintf("%.0f", $6) : $6) }
        END { if (!f) printf "| %s | `%s` | %s | not run | | | |\n", n, o, e }' "$results"
    done
    echo
    echo "Checked $(date -u +%Y-%m-%d) with $(spin -V | head -1 | sed 's/ -- .*//'); the verifiers took" \
      "$(awk -F'\t' '{s += $6} END {printf "%d", s}' "$results") s in all (the seconds column), on a 2-core machine shared with other work."
  } >"$table"
  awk -v t="$table" '
    /<!-- results:begin -->/ { print; while ((getline l < t) > 0) print l; skip = 1; next }
    /<!-- results:end -->/ { skip = 0 }
    !skip' "$doc" >"$doc.new" && mv "$doc.new" "$doc"
  rm -f "$table"
  echo "model: results table written to docs/MODEL.md"
}

if [ -n "$one" ]; then run_one "$one"; exit 0; fi
if [ -n "$table_from" ]; then write_table "$table_from"; exit 0; fi

# Print a counter-example (the shortest: breadth-first), of one property if
# named: replay the trail in the verifier, decode the operation sets.
if [ -n "$trail" ]; then
  ignore=""
  if [ ${#names[@]} -gt 0 ]; then
    bit=0; ignore=0
    for p in $properties; do [ "$p" = "${names[0]}" ] || ignore=$(( ignore | (1 << bit) )); bit=$((bit + 1)); done
    [ "$ignore" != 127 ] || die "no property named '${names[0]}' (properties: $properties)"
  fi
  dir=$(mktemp -d "${TMPDIR:-/tmp}/busmodel.trail.XXXXXX")
  trap 'rm -rf "$dir"' EXIT
  build "$trail" "$dir" -DSAFETY -DBFS || exit 1
  ./pan -n >pan.log 2>&1
  if [ ! -e bus.pml.trail ]; then echo "$trail: no property violated (nothing to show)"; exit 0; fi
  echo "$trail: $(row "$trail" | awk '{for (i = 4; i <= NF; i++) printf "%s ", $i}')"
  grep -E '^pan:.*(assertion violated|invalid end state)' pan.log | sed -E 's/.*\|\|([a-z_]+)\) \(at depth ([0-9]+).*/violated: \1 (after \2 steps)/'
  nb=$(row "$trail" | sed -nE 's/.*NB=([0-9]+).*/\1/p'); cm=$(row "$trail" | sed -nE 's/.*C_MASK=([0-9]+).*/\1/p')
  ./pan -r -n 2>&1 | awk -v nb="${nb:-1}" -v cm="${cm:-0}" '
    function who(p) { return (int(cm / 2^p) % 2 ? "C-" : "") (p < nb ? "B" p : "L" (p - nb)) }
    function ops(o,   i, s, n) {
      split("S W X Q N", n, " "); s = ""
      for (i = 0; i < 5; i++) if (int(o / 2^i) % 2) s = s ", P(" n[i + 1] ")" (int(o / 2^(15 + i)) % 2 ? "u" : "")
      for (i = 0; i < 5; i++) if (int(o / 2^(10 + i)) % 2) s = s ", Z(" n[i + 1] ")"
      for (i = 0; i < 5; i++) if (int(o / 2^(5 + i)) % 2) s = s ", V(" n[i + 1] ")" (int(o / 2^(15 + i)) % 2 ? "u" : "")
      return "{" substr(s, 3) "}"
    }
    /^@ / {
      split($0, half, " \\| "); split(half[1], f, " "); split(half[2], v, " ")
      what = f[3]; arg = ""
      if (what == "calls" || what == "sleeps" || what == "completes") arg = ops(f[4])
      else if (what == "copied") arg = "message " f[4] "/" f[5]
      else if (f[4] != "") arg = "message " f[4]
      printf "%-6s %-11s %-34s S=%s W=%s X=%s Q=%s N=%s\n", who(f[2]), what, arg, v[1], v[2], v[3], v[4], v[5]
    }'
  exit 0
fi

if [ ${#names[@]} -eq 0 ]; then
  [ -n "$set_" ] || { usage >&2; exit 2; }
  mapfile -t names < <(matrix | awk -v s="$set_" '$2 ~ "(^|,)" s "(,|$)" {print $1}')
fi

results=$(mktemp "${TMPDIR:-/tmp}/busmodel-results.XXXXXX")
if [ "$set_" = all ]; then echo "model: result lines go to $results (--table rewrites the table from them)"
else trap 'rm -f "$results"' EXIT; fi
# The model must be able to fail: every mutant of bus.pml is in the CI set and
# expected to be caught.
mutants_missing=0
if [ "$set_" = ci ]; then
  for k in 1 2 3 4 5 6; do
    if ! matrix | awk -v k="MUTANT=$k" '$2 ~ /(^|,)ci(,|$)/ && $3 != "ok" { for (i = 4; i <= NF; i++) if ($i == k) f = 1 } END { exit !f }'; then
      echo "FAIL  mutant $k is in no CI configuration that expects it caught"; mutants_missing=$((mutants_missing + 1))
    fi
  done
fi
start=$(date +%s)
printf '%s\n' "${names[@]}" | xargs -P "$jobs" -I{} "$0" --mem "$mem" -O "$opt" --one {} | tee "$results" |
  awk -F'\t' '{printf "%s  %-24s expected %-10s got %-14s %10s states  %8ss\n", $7, $1, $2, $3, $4, $6}'
total=$(( $(date +%s) - start ))
passed=$(awk -F'\t' '$7 == "PASS"' "$results" | wc -l)
failed=$(( ${#names[@]} - passed + mutants_missing ))
echo "model: ${#names[@]} configurations in ${total}s"

[ "$set_" = all ] && write_table "$results"
[ -z "$save" ] || cp "$results" "$save"

echo "model: Passed: $passed, Failed: $failed"
[ "$failed" -eq 0 ]
