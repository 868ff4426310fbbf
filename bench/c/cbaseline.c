/*
 * cbaseline - the C baseline for the LibBus harness: PROTOCOL.md's *hardened*
 * algorithm written directly in C, one semop/semctl per step, nothing else on
 * the hot path. LibBus's library fan-out is compared against this.
 * It also holds the C version of the semaphore ping-pong floor.
 *
 * Usage: cbaseline broadcast PATH COUNT WARMUP
 *        cbaseline listen PATH TOTAL
 *        cbaseline pingpong ROUNDS
 *
 * Harness line protocol (same as the C# and D-Bus peers):
 *   listener:    "READY" once counted, then "OK received=N" or "FAIL why"
 *   broadcaster: after WARMUP untimed messages "READY", waits for a line on
 *                stdin ("GO"), sends COUNT timed messages, then
 *                "RESULT start_ns=.. end_ns=.. n=.. p50_ns=.. p99_ns=.. alloc_bytes=0"
 * Messages are "<pid> <seq>"; listeners check every sender's seq is 0,1,2,...
 *
 * Build: cc -std=gnu11 -O2 -Wall -Wextra -o cbaseline cbaseline.c
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>

enum { S = 0, W = 1, X = 2, Q = 3, N = 4 };
#define U SEM_UNDO
#define BUS_SIZE 2048

static int semid;
static char *seg;

static void die(const char *what)
{
	fprintf(stderr, "cbaseline: %s: %s\n", what, strerror(errno));
	printf("FAIL %s: %s\n", what, strerror(errno));
	exit(1);
}

static void ops(struct sembuf *b, size_t n)
{
	while (semop(semid, b, n) < 0)
		if (errno != EINTR)
			die("semop");
}

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void open_bus(const char *path, int shmflg)
{
	FILE *f = fopen(path, "r");
	long semkey, shmkey;
	if (!f || fscanf(f, "%ld\n%ld\n", &semkey, &shmkey) != 2)
		die(path);
	fclose(f);
	if ((semid = semget((key_t)semkey, 5, 0)) < 0)
		die("semget");
	int shmid = shmget((key_t)shmkey, BUS_SIZE, 0);
	if (shmid < 0)
		die("shmget");
	seg = shmat(shmid, NULL, shmflg);
	if (seg == (void *)-1)
		die("shmat");
}

static void broadcast(const char *msg, size_t len)
{
	/* 1. {P(X)u, Z(W), V(N)u, V(Q)} */
	struct sembuf take[4] = { { X, -1, U }, { W, 0, 0 }, { N, 1, U }, { Q, 1, 0 } };
	ops(take, 4);
	/* 2. write */
	memcpy(seg, msg, len);
	seg[len] = '\0';
	/* 3. Q := 0 */
	while (semctl(semid, Q, SETVAL, 0) < 0)
		if (errno != EINTR)
			die("semctl");
	/* 4. Z(S) */
	struct sembuf acknowledged[1] = { { S, 0, 0 } };
	ops(acknowledged, 1);
	/* 5. {P(N)u, V(X)u} (no bounded wait before it: the baseline has no C listeners to shield) */
	struct sembuf done[2] = { { N, -1, U | IPC_NOWAIT }, { X, 1, U } };
	ops(done, 2);
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

static int do_broadcast(const char *path, long count, long warmup)
{
	char msg[64];
	long long *lat = malloc(sizeof *lat * (size_t)(count > 0 ? count : 1));
	char line[64];
	int pid = getpid();
	open_bus(path, 0);
	for (long i = 0; i < warmup; i++)
		broadcast(msg, (size_t)snprintf(msg, sizeof msg, "%d %ld", pid, i));
	printf("READY\n");
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin))
		return 1;
	long long start = now_ns();
	for (long i = 0; i < count; i++) {
		long long t0 = now_ns();
		broadcast(msg, (size_t)snprintf(msg, sizeof msg, "%d %ld", pid, warmup + i));
		lat[i] = now_ns() - t0;
	}
	long long end = now_ns();
	qsort(lat, (size_t)count, sizeof *lat, cmp);
	printf("RESULT start_ns=%lld end_ns=%lld n=%ld p50_ns=%lld p99_ns=%lld alloc_bytes=0\n", start, end, count,
	       count ? lat[count / 2] : 0, count ? lat[count * 99 / 100] : 0);
	return 0;
}

struct sender { long pid, next; };

static int do_listen(const char *path, long total)
{
	struct sender senders[64];
	int nsenders = 0;
	char copy[BUS_SIZE + 1];
	open_bus(path, SHM_RDONLY);
	/* 1. join {Z(W), Z(N), V(S)u, V(Q)} */
	struct sembuf join[4] = { { W, 0, 0 }, { N, 0, 0 }, { S, 1, U }, { Q, 1, 0 } };
	ops(join, 4);
	printf("READY\n");
	fflush(stdout);
	for (long got = 0; got < total;) {
		/* 2. {Z(Q), V(W)u} */
		struct sembuf wait[2] = { { Q, 0, 0 }, { W, 1, U } };
		ops(wait, 2);
		/* 3. copy */
		size_t len = strnlen(seg, BUS_SIZE);
		memcpy(copy, seg, len);
		copy[len] = '\0';
		/* 4. {P(S)u} */
		struct sembuf ack[1] = { { S, -1, U } };
		ops(ack, 1);
		got++;
		long pid, seq;
		if (sscanf(copy, "%ld %ld", &pid, &seq) != 2) {
			printf("FAIL bad message '%s'\n", copy);
			return 1;
		}
		int k;
		for (k = 0; k < nsenders && senders[k].pid != pid; k++)
			;
		if (k == nsenders) {
			if (nsenders == 64) { printf("FAIL too many senders\n"); return 1; }
			senders[nsenders++] = (struct sender){ pid, 0 };
		}
		if (seq != senders[k].next) {
			printf("FAIL sender %ld: expected %ld got %ld\n", pid, senders[k].next, seq);
			return 1;
		}
		senders[k].next++;
		if (got == total) {
			/* leave after acknowledging: {P(W)u} */
			struct sembuf leave[1] = { { W, -1, U } };
			ops(leave, 1);
			break;
		}
		/* 5. {Z(N), V(S)u, P(W)u, V(Q)} */
		struct sembuf requeue[4] = { { N, 0, 0 }, { S, 1, U }, { W, -1, U }, { Q, 1, 0 } };
		ops(requeue, 4);
	}
	printf("OK received=%ld\n", total);
	return 0;
}

static int do_pingpong(long rounds)
{
	semid = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
	if (semid < 0)
		die("semget");
	const char *log = getenv("LIBBUS_BENCH_KEYLOG"); /* run-all.sh checks nothing is left */
	FILE *f = log && *log ? fopen(log, "a") : NULL;
	if (f) {
		fprintf(f, "semid %d\n", semid);
		fclose(f);
	}
	pid_t child = fork();
	if (child == 0) {
		alarm(120);
		for (long i = 0; i < rounds; i++) {
			struct sembuf p = { 0, -1, 0 }, v = { 1, 1, 0 };
			ops(&p, 1);
			ops(&v, 1);
		}
		_exit(0);
	}
	alarm(120);
	long long start = now_ns();
	for (long i = 0; i < rounds; i++) {
		struct sembuf v = { 0, 1, 0 }, p = { 1, -1, 0 };
		ops(&v, 1);
		ops(&p, 1);
	}
	long long end = now_ns();
	waitpid(child, NULL, 0);
	semctl(semid, 0, IPC_RMID);
	printf("PINGPONG rounds=%ld secs=%.6f round_trips_per_s=%.0f\n", rounds, (end - start) / 1e9,
	       rounds / ((end - start) / 1e9));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "broadcast"))
		return do_broadcast(argv[2], atol(argv[3]), atol(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "listen"))
		return do_listen(argv[2], atol(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "pingpong"))
		return do_pingpong(atol(argv[2]));
	fprintf(stderr, "usage: cbaseline broadcast PATH COUNT WARMUP | listen PATH TOTAL | pingpong ROUNDS\n");
	return 2;
}
