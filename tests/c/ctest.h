/*
 * A very small test harness for the C programs of tests/c: each CASE prints one line,
 * "ok NAME" or "not ok NAME: what", and main returns 1 if any failed. run.sh counts the lines.
 * Every test program is its own process; run.sh bounds each with timeout(1) (a program that
 * hangs is killed and counts as failed).
 */
#ifndef CTEST_H
#define CTEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ctest_failed;
static const char *ctest_case;
static int ctest_case_failed;

#define CASE(name) for (ctest_case = (name), ctest_case_failed = 0, ctest_begin(); ctest_case; ctest_end(), ctest_case = NULL)

static void ctest_begin(void) { fflush(stdout); }

static void ctest_end(void)
{
	if (!ctest_case_failed) printf("ok %s\n", ctest_case);
	fflush(stdout);
}

#define FAILF(...) do { \
	if (!ctest_case_failed) printf("not ok %s: ", ctest_case); else printf("    also: "); \
	printf(__VA_ARGS__); printf(" (%s:%d)\n", __FILE__, __LINE__); \
	ctest_case_failed = 1; ctest_failed = 1; \
} while (0)

#define CHECK(cond) do { if (!(cond)) FAILF("%s", #cond); } while (0)

/* expr must be 0 */
#define CHECK_OK(expr) do { errno = 0; if ((expr) != 0) FAILF("%s: %s", #expr, strerror(errno)); } while (0)

/* expr (an int function) must return -1 with errno err */
#define CHECK_FAILS(expr, err) do { \
	errno = 0; int ctest_r_ = (expr); int ctest_e_ = errno; \
	if (ctest_r_ != -1 || ctest_e_ != (err)) \
		FAILF("%s: returned %d, errno %d (%s), expected -1 and errno %d (%s)", #expr, ctest_r_, ctest_e_, strerror(ctest_e_), (err), strerror(err)); \
} while (0)

/* expr (a pointer function) must return NULL with errno err */
#define CHECK_NULL(expr, err) do { \
	errno = 0; const void *ctest_p_ = (expr); int ctest_e_ = errno; \
	if (ctest_p_ != NULL || ctest_e_ != (err)) \
		FAILF("%s: returned %p, errno %d (%s), expected NULL and errno %d (%s)", #expr, ctest_p_, ctest_e_, strerror(ctest_e_), (err), strerror(err)); \
} while (0)

/* The test's scratch directory (argv[1]), and NAME in it; the last 8 results stay valid. */
static char dir[4096];

static const char *at(const char *name)
{
	static char paths[8][4200];
	static int next;
	char *p = paths[next++ % 8];
	snprintf(p, sizeof paths[0], "%s/%s", dir, name);
	return p;
}

#endif
