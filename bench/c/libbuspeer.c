/*
 * libbuspeer - the C baseline's roles (bench/c/cbaseline.c) written as a C user writes them,
 * with bus.h: bus_read and bus_write, linked against LibBus's libbus.so.3 (docs/C-ABI.md). The
 * harness's --impl c-libbus runs it, to compare the same program on libbus.so.3 against the
 * baseline's hand-written steps.
 *
 * Usage: libbuspeer broadcast PATH COUNT WARMUP
 *        libbuspeer listen PATH TOTAL
 * Same line protocol as cbaseline.c (READY / GO / RESULT, READY / OK|FAIL).
 *
 * Build: cc -std=gnu11 -O2 -Wall -Wextra -o libbuspeer libbuspeer.c $(pkg-config --cflags --libs libbus)
 */
#include <bus.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "libbuspeer: %s: %s\n", what, strerror(errno));
	printf("FAIL %s: %s\n", what, strerror(errno));
	exit(1);
}

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

static int do_broadcast(const char *path, long count, long warmup)
{
	bus_t bus;
	char msg[64], line[64];
	long long *lat = malloc(sizeof *lat * (size_t)(count > 0 ? count : 1));
	int pid = getpid();
	if (!lat) die("malloc");
	if (bus_open(&bus, path, BUS_WRONLY)) die("bus_open");
	for (long i = 0; i < warmup; i++) {
		snprintf(msg, sizeof msg, "%d %ld", pid, i);
		if (bus_write(&bus, msg, 0)) die("bus_write");
	}
	printf("READY\n");
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin))
		return 1;
	long long start = now_ns();
	for (long i = 0; i < count; i++) {
		long long t0 = now_ns();
		snprintf(msg, sizeof msg, "%d %ld", pid, warmup + i);
		if (bus_write(&bus, msg, 0)) die("bus_write");
		lat[i] = now_ns() - t0;
	}
	long long end = now_ns();
	qsort(lat, (size_t)count, sizeof *lat, cmp);
	printf("RESULT start_ns=%lld end_ns=%lld n=%ld p50_ns=%lld p99_ns=%lld alloc_bytes=0\n", start, end, count,
	       count ? lat[count / 2] : 0, count ? lat[count * 99 / 100] : 0);
	return bus_close(&bus) ? 1 : 0;
}

struct sender { long pid, next; };
static struct sender senders[64];
static int nsenders;
static long got, total;

static int on_message(const char *message, void *data)
{
	(void)data;
	if (!message) {
		printf("READY\n");
		fflush(stdout);
		return 1;
	}
	got++;
	long pid, seq;
	if (sscanf(message, "%ld %ld", &pid, &seq) != 2) {
		printf("FAIL bad message '%s'\n", message);
		exit(1);
	}
	int k;
	for (k = 0; k < nsenders && senders[k].pid != pid; k++)
		;
	if (k == nsenders) {
		if (nsenders == 64) { printf("FAIL too many senders\n"); exit(1); }
		senders[nsenders++] = (struct sender){ pid, 0 };
	}
	if (seq != senders[k].next) {
		printf("FAIL sender %ld: expected %ld got %ld\n", pid, senders[k].next, seq);
		exit(1);
	}
	senders[k].next++;
	return got < total ? 1 : 0;
}

static int do_listen(const char *path)
{
	bus_t bus;
	if (bus_open(&bus, path, BUS_RDONLY)) die("bus_open");
	if (bus_read(&bus, on_message, NULL)) die("bus_read");
	printf("OK received=%ld\n", total);
	return bus_close(&bus) ? 1 : 0;
}

int main(int argc, char *argv[])
{
	if (argc == 5 && !strcmp(argv[1], "broadcast"))
		return do_broadcast(argv[2], atol(argv[3]), atol(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "listen")) {
		total = atol(argv[3]);
		return do_listen(argv[2]);
	}
	fprintf(stderr, "usage: libbuspeer broadcast PATH COUNT WARMUP | listen PATH TOTAL\n");
	return 2;
}
