/*
 * measure: what libbus.so.3 (a Native AOT library) adds to a C process: the cost of the first
 * call (the .NET runtime starts then), threads, memory and signal handlers before and after,
 * and the cost of later calls. Prints one line per figure. For docs/C-ABI.md; not a test.
 * Usage: measure DIR   (DIR: an empty directory; the bus made there is removed)
 */
#include "bus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double ms_of(clockid_t clock)
{
	struct timespec t;
	clock_gettime(clock, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}
static double now_ms(void) { return ms_of(CLOCK_MONOTONIC); }
/* CPU time of the whole process (all threads): what a busy machine does not inflate */
static double cpu_ms(void) { return ms_of(CLOCK_PROCESS_CPUTIME_ID); }

static void status(const char *field, char *out, size_t size)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	out[0] = 0;
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, field, strlen(field))) {
			char *v = line + strlen(field);
			while (*v == ' ' || *v == '\t') v++;
			v[strcspn(v, "\n")] = 0;
			snprintf(out, size, "%s", v);
		}
	if (f) fclose(f);
}

static void report(const char *when)
{
	char threads[64], rss[64], caught[64];
	status("Threads:", threads, sizeof threads);
	status("VmRSS:", rss, sizeof rss);
	status("SigCgt:", caught, sizeof caught);
	printf("%s: threads %s, VmRSS %s, SigCgt %s\n", when, threads, rss, caught);
}

static int stop_at_null(const char *message, void *data) { (void)data; return message ? 1 : 0; }

int main(int argc, char *argv[])
{
	if (argc != 2) return 2;
	char path[4096];
	snprintf(path, sizeof path, "%s/measure.bus", argv[1]);
	bus_t bus;

	report("before any call");
	double c0 = cpu_ms(), s0 = now_ms();
	bus_t closed = { .sem_id = -1, .message = NULL };
	if (bus_close(&closed)) { perror("bus_close"); return 1; } /* does nothing: the runtime's start alone */
	double s1 = now_ms(), c1 = cpu_ms();
	report("after the first call (bus_close of a closed bus_t)");
	double t0 = now_ms(), c2 = cpu_ms();
	if (bus_create(path, 0, NULL)) { perror("bus_create"); return 1; }
	double t1 = now_ms(), c3 = cpu_ms();
	if (bus_open(&bus, path, BUS_RDWR)) { perror("bus_open"); return 1; }
	double t2 = now_ms();
	if (bus_read(&bus, stop_at_null, NULL)) { perror("bus_read"); return 1; }
	report("after bus_open and a bus_read");
	double t3 = now_ms();
	int n = 10000;
	for (int i = 0; i < n; i++)
		if (bus_write(&bus, "measure", 0)) { perror("bus_write"); return 1; }
	double t4 = now_ms();
	report("after 10000 bus_write calls");
	printf("first call (a bus_close that does nothing: the runtime's start): %.2f ms, CPU %.2f ms\n", s1 - s0, c1 - c0);
	printf("then bus_create: %.2f ms, CPU %.2f ms\n", t1 - t0, c3 - c2);
	printf("bus_open: %.3f ms\n", t2 - t1);
	printf("bus_write with no listener: %.2f us per call\n", (t4 - t3) * 1e3 / n);
	if (bus_close(&bus) || bus_unlink(path)) { perror("bus_close/bus_unlink"); return 1; }
	return 0;
}
