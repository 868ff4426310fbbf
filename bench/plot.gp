# messages/s against listener count: LibBus (JIT and Native AOT), the C baseline, D-Bus signal+ack;
# left: processes spread by the scheduler (L = 1 to 16), right: every process on one CPU (L = 1, 4, 16).
# The data file (written by `harness report --plot-data`) holds two blocks: index 0 spread, index 1 one CPU;
# columns L, libbus, libbus-aot, c, dbus; "?" where a figure was not measured.
# gnuplot -e "datafile='bench/results/throughput.dat'; outfile='docs/perf-throughput.png'" bench/plot.gp
set terminal pngcairo size 1200,560 font ",11"
set output outfile
set datafile missing "?"

# One y range for both panels, so that their heights compare.
# (A column with no figure, e.g. libbus-aot in an older run, leaves STATS_* undefined.)
ymin = 1e12; ymax = 0
do for [col = 2:5] {
    undefine STATS_*
    stats datafile using col nooutput
    if (exists("STATS_min")) { ymin = (STATS_min < ymin ? STATS_min : ymin); ymax = (STATS_max > ymax ? STATS_max : ymax) }
}
if (ymax > 0) { set yrange [10 ** floor(log10(ymin)) : 10 ** ceil(log10(ymax))] }

# Both axes logarithmic, with the same tic label format ("1", "10k", "100k").
set logscale xy
set format xy "%.0s%c"
set xrange [0.8:20]
set xtics (1, 2, 4, 8, 16)
set mxtics default
set grid xtics ytics mytics
set xlabel "listener processes (L)"
set ylabel "messages/s, each acknowledged by every listener"
set key bottom left
set style data linespoints

set multiplot layout 1,2 title "Broadcast throughput (one broadcaster, every message acknowledged by every listener)"
do for [block = 0:1] {
    set title (block == 0 ? "processes spread by the scheduler (idle machine)" : "every process on one CPU (busy machine)")
    plot datafile index block using 1:2 title "LibBus (JIT)" lw 2 pt 7, \
         ""       index block using 1:3 title "LibBus (Native AOT)" lw 2 pt 6 dt 3, \
         ""       index block using 1:4 title "C, same semaphore steps" lw 2 pt 5 dt 2, \
         ""       index block using 1:5 title "D-Bus signal + ack (libdbus)" lw 2 pt 9
}
unset multiplot
