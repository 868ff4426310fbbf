# messages/s against listener count: LibBus, the C baseline, D-Bus signal+ack.
# gnuplot -e "datafile='bench/results/throughput.dat'; outfile='docs/perf-throughput.png'" bench/plot.gp
set terminal pngcairo size 900,560 font ",11"
set output outfile
set title "Broadcast throughput (each message acknowledged by every listener)"
set xlabel "listener processes (L)"
set ylabel "messages/s (log scale)"
set logscale y
set grid ytics mytics xtics
set key top right
set xtics ("0" 0, "1" 1, "2" 2, "4" 3, "8" 4, "16" 5)
set style data linespoints
plot datafile using 1:3 title "LibBus (C#)" lw 2 pt 7, \
     ""       using 1:4 title "C, same semaphore steps" lw 2 pt 5 dt 2, \
     ""       using 1:5 title "D-Bus signal + ack (libdbus)" lw 2 pt 9
