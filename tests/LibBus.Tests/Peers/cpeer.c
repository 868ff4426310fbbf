/*
 * cpeer - a test peer that behaves like a program linked against the
 * original C libbus. It implements the *reference algorithm* of
 * PROTOCOL.md ("The reference algorithm (what C peers do)"): every step is
 * a separate semop/semctl call, exactly as in the C library, so the races
 * described there (late re-queue, join during a delivery, slow barrier)
 * are included on purpose. Do not "fix" it: it exists to test LibBus
 * against C peers.
 *
 * Usage: cpeer create PATH
 *        cpeer remove PATH
 *        cpeer broadcast PATH MESSAGE...
 *        cpeer broadcast-seq PATH PREFIX COUNT [PAUSE_MS]
 *        cpeer listen PATH COUNT [CALLBACK] (COUNT 0: forever)
 *        cpeer poll PATH TIMEOUT_MS SLEEP_MS
 *        cpeer values PATH
 *
 * The listener runs its callback (print the message, then CALLBACK: a delay
 * in microseconds, default 0, or "exec" to fork and exec true(1) as the
 * C `bus listen` forks a shell) before V(W)u; P(S)u, as libbus's bus_read
 * does. By default the callback only prints and the listener acknowledges at
 * once, as the real bus_read does with a fast callback: a kinder peer (one
 * that sleeps before it acknowledges) hides the C library's own races.
 *
 * The poller is the C original's timed example (doc/examples/timed/poll.c) on
 * libbus's poll API (bus_poll_start, bus_poll_timed, bus_poll_stop): it polls
 * with a timeout of TIMEOUT_MS; after a timeout it says "waiting... N" (on
 * stderr here) and sleeps SLEEP_MS; each message is printed; "stop" (the text
 * after the sender's number) ends it.
 *
 * Build: cc -std=gnu11 -O2 -Wall -Wextra -Werror -o cpeer cpeer.c
 */
#define _GNU_SOURCE /* semtimedop */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ipc.h>
#include <sys/random.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>

#define BUS_SEMS 5
#define BUS_SIZE 2048
enum { S = 0, W = 1, X = 2, Q = 3, N = 4 };

union semun { /* glibc leaves this to the caller */
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

static const char *path;
static int semid = -1, shmid = -1;

static void die(const char *what, int err)
{
	fprintf(stderr, "cpeer: %s: %s\n", what, strerror(err));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: cpeer create|remove|values PATH\n"
	        "       cpeer broadcast PATH MESSAGE...\n"
	        "       cpeer broadcast-seq PATH PREFIX COUNT [PAUSE_MS]\n"
	        "       cpeer listen PATH COUNT [DELAY_US|exec]\n"
	        "       cpeer poll PATH TIMEOUT_MS SLEEP_MS\n");
	exit(2);
}

/* One semop call with one operation; retried on EINTR. */
static void op(int sem, int delta, int flags)
{
	struct sembuf sb = { .sem_num = (unsigned short)sem,
	                     .sem_op = (short)delta, .sem_flg = (short)flags };
	while (semop(semid, &sb, 1) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EIDRM || errno == EINVAL) {
			fprintf(stderr, "cpeer: %s: the bus was removed\n", path);
			exit(1);
		}
		die(path, errno);
	}
}
#define P(a, f) op(a, -1, f)
#define V(a, f) op(a, +1, f)
#define Z(a)    op(a, 0, 0)

static int read_keys(key_t *semkey, key_t *shmkey)
{
	char buf[128], *p, *end;
	long k[2];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	p = buf;
	for (int i = 0; i < 2; i++) {
		if (*p < '0' || *p > '9')
			return errno = EBADMSG, -1;
		errno = 0;
		k[i] = strtol(p, &end, 10);
		if (errno || *end != '\n' || k[i] <= 0 || k[i] > 0x7fffffffL)
			return errno = EBADMSG, -1;
		p = end + 1;
	}
	*semkey = (key_t)k[0];
	*shmkey = (key_t)k[1];
	return 0;
}

static void open_bus(void)
{
	key_t semkey, shmkey;
	if (read_keys(&semkey, &shmkey) < 0)
		die(path, errno);
	if ((semid = semget(semkey, BUS_SEMS, 0)) < 0)
		die(path, errno);
	if ((shmid = shmget(shmkey, BUS_SIZE, 0)) < 0)
		die(path, errno);
}

static char *attach(int flags)
{
	char *m = shmat(shmid, NULL, flags);
	if (m == (void *)-1)
		die(path, errno);
	return m;
}

static key_t random_key(void)
{
	unsigned int r;
	do {
		if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
			die("getrandom", errno);
		r &= 0x3fffffffU;
	} while (r == 0);
	return (key_t)r;
}

static int create(void)
{
	unsigned short init[BUS_SEMS] = { [S] = 0, [W] = 0, [X] = 1, [Q] = 0, [N] = 0 };
	union semun arg = { .array = init };
	key_t semkey, shmkey;
	char text[32];
	int fd, len, err;

	do semid = semget(semkey = random_key(), BUS_SEMS, IPC_CREAT | IPC_EXCL | 0600);
	while (semid < 0 && errno == EEXIST);
	if (semid < 0)
		die(path, errno);
	if (semctl(semid, 0, SETALL, arg) < 0)
		goto fail;
	do shmid = shmget(shmkey = random_key(), BUS_SIZE, IPC_CREAT | IPC_EXCL | 0600);
	while (shmid < 0 && errno == EEXIST);
	if (shmid < 0)
		goto fail;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	len = snprintf(text, sizeof text, "%ld\n%ld\n", (long)semkey, (long)shmkey);
	if (write(fd, text, (size_t)len) != len || close(fd) < 0) {
		err = errno ? errno : EIO;
		unlink(path);
		errno = err;
		goto fail;
	}
	return 0;
fail:
	err = errno;
	semctl(semid, 0, IPC_RMID);
	if (shmid >= 0)
		shmctl(shmid, IPC_RMID, NULL);
	die(path, err);
	return 1;
}

static int remove_bus(void)
{
	key_t semkey, shmkey;
	int ret = 0, id;
	if (read_keys(&semkey, &shmkey) < 0)
		die(path, errno);
	if ((id = semget(semkey, BUS_SEMS, 0)) < 0 || semctl(id, 0, IPC_RMID) < 0)
		fprintf(stderr, "cpeer: %s: %s\n", path, strerror(errno)), ret = 1;
	if ((id = shmget(shmkey, BUS_SIZE, 0)) < 0 || shmctl(id, IPC_RMID, NULL) < 0)
		fprintf(stderr, "cpeer: %s: %s\n", path, strerror(errno)), ret = 1;
	if (unlink(path) < 0)
		fprintf(stderr, "cpeer: %s: %s\n", path, strerror(errno)), ret = 1;
	return ret;
}

/* Reference broadcast: P(X)u; Z(W); write; V(N)u; Q := 0; Z(S); P(N)u; V(X)u */
static void broadcast(char *mem, const char *msg)
{
	union semun arg = { .val = 0 };
	P(X, SEM_UNDO);
	Z(W);
	strcpy(mem, msg);
	V(N, SEM_UNDO);
	if (semctl(semid, Q, SETVAL, arg) < 0)
		die(path, errno);
	Z(S);
	P(N, SEM_UNDO);
	V(X, SEM_UNDO);
}

/* The callback of bus_read: print the message, then take as long as the
 * callback of the C `bus listen` (a delay, or fork+exec of true(1)). */
static void callback(const char *msg, long delay_us)
{
	pid_t pid;
	int status;
	printf("%s\n", msg);
	fflush(stdout);
	if (delay_us > 0) {
		usleep((useconds_t)delay_us);
	} else if (delay_us < 0) {
		if ((pid = fork()) < 0)
			die("fork", errno);
		if (pid == 0) {
			execlp("true", "true", (char *)NULL);
			_exit(127);
		}
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
}

/* Reference listen (bus_read): V(S)u, then
 * V(Q); Z(Q); callback(message); V(W)u; P(S)u; Z(S); Z(N); V(S)u; P(W)u */
static int listen_bus(long count, long delay_us)
{
	const char *mem = attach(SHM_RDONLY);
	char msg[BUS_SIZE + 1];
	size_t len;
	int first = 1;

	V(S, SEM_UNDO);
	for (long got = 0;;) {
		V(Q, 0);
		if (first) {
			fprintf(stderr, "ready\n");
			fflush(stderr);
			first = 0;
		}
		Z(Q);
		for (len = 0; len < BUS_SIZE && mem[len]; len++)
			msg[len] = mem[len];
		msg[len] = '\0';
		if (count > 0 && ++got == count) {
			P(S, SEM_UNDO); /* the callback said stop: leaving after a read */
			printf("%s\n", msg);
			fflush(stdout);
			return 0;
		}
		callback(msg, delay_us);
		V(W, SEM_UNDO);
		P(S, SEM_UNDO);
		Z(S);
		Z(N);
		V(S, SEM_UNDO);
		P(W, SEM_UNDO);
	}
}

/* libbus's timed poll loop, as doc/examples/timed/poll.c runs it.
 * bus_poll_start: V(S)u; V(Q).
 * bus_poll_timed: unless this is a first poll, the restore
 *   V(W)u; P(S)u; Z(S); Z(N); V(S)u; P(W)u; V(Q); then Z(Q) with a timeout.
 *   A timeout (EAGAIN) makes the next poll a first poll again. The message is
 *   read from the segment after Z(Q), without holding W: the caller copies it.
 * bus_poll_stop: P(S)u with IPC_NOWAIT. */
static int poll_bus(long timeout_ms, long sleep_ms)
{
	const char *mem = attach(SHM_RDONLY);
	char msg[BUS_SIZE + 1];
	struct sembuf zq = { .sem_num = Q, .sem_op = 0, .sem_flg = 0 };
	struct sembuf stop = { .sem_num = S, .sem_op = -1, .sem_flg = SEM_UNDO | IPC_NOWAIT };
	struct timespec deadline, now, left;
	const char *text;
	long long tick = 0;
	int first_poll = 1, r;
	size_t len;

	V(S, SEM_UNDO); /* bus_poll_start */
	V(Q, 0);
	fprintf(stderr, "ready\n");
	fflush(stderr);
	for (;;) {
		if (!first_poll) {
			V(W, SEM_UNDO);
			P(S, SEM_UNDO);
			Z(S);
			Z(N);
			V(S, SEM_UNDO);
			P(W, SEM_UNDO);
			V(Q, 0);
		}
		first_poll = 0;
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += timeout_ms / 1000;
		deadline.tv_nsec += timeout_ms % 1000 * 1000000L;
		if (deadline.tv_nsec >= 1000000000L)
			deadline.tv_sec++, deadline.tv_nsec -= 1000000000L;
		for (;;) { /* semtimedop with the time left (EINTR: the example would fail; none comes here) */
			clock_gettime(CLOCK_MONOTONIC, &now);
			left.tv_sec = deadline.tv_sec - now.tv_sec;
			left.tv_nsec = deadline.tv_nsec - now.tv_nsec;
			if (left.tv_nsec < 0)
				left.tv_sec--, left.tv_nsec += 1000000000L;
			if (left.tv_sec < 0) {
				r = -1, errno = EAGAIN;
				break;
			}
			if ((r = semtimedop(semid, &zq, 1, &left)) == 0 || errno != EINTR)
				break;
		}
		if (r < 0) {
			if (errno == EIDRM || errno == EINVAL) {
				fprintf(stderr, "cpeer: %s: the bus was removed\n", path);
				exit(1);
			}
			if (errno != EAGAIN)
				die(path, errno);
			first_poll = 1;
			fprintf(stderr, "waiting... %lli\n", ++tick);
			fflush(stderr);
			if (sleep_ms > 0)
				usleep((useconds_t)(sleep_ms * 1000));
			continue;
		}
		tick = 0;
		for (len = 0; len < BUS_SIZE && mem[len]; len++)
			msg[len] = mem[len];
		msg[len] = '\0';
		text = strchr(msg, ' ');
		if (text && !strcmp(text + 1, "stop"))
			break;
		printf("%s\n", msg);
		fflush(stdout);
	}
	while (semop(semid, &stop, 1) < 0 && errno == EINTR) /* bus_poll_stop */
		;
	return 0;
}

static long number(const char *s)
{
	char *end;
	long v;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		die(s, errno ? errno : EINVAL);
	return v;
}

int main(int argc, char **argv)
{
	union semun arg;
	unsigned short v[BUS_SEMS];
	char buf[BUS_SIZE + 64];

	if (argc < 3)
		usage();
	path = argv[2];
	if (!strcmp(argv[1], "create") && argc == 3)
		return create();
	if (!strcmp(argv[1], "remove") && argc == 3)
		return remove_bus();
	if (!strcmp(argv[1], "broadcast") && argc >= 4) {
		for (int i = 3; i < argc; i++)
			if (strlen(argv[i]) >= BUS_SIZE)
				die(path, EMSGSIZE);
		open_bus();
		char *mem = attach(0);
		for (int i = 3; i < argc; i++)
			broadcast(mem, argv[i]);
		return 0;
	}
	if (!strcmp(argv[1], "broadcast-seq") && (argc == 5 || argc == 6)) {
		long count = number(argv[4]);
		long pause_ms = argc == 6 ? number(argv[5]) : 0;
		if (strlen(argv[3]) >= BUS_SIZE - 24)
			die(path, EMSGSIZE);
		open_bus();
		char *mem = attach(0);
		for (long i = 0; i < count; i++) {
			snprintf(buf, sizeof buf, "%s %ld", argv[3], i);
			broadcast(mem, buf);
			if (pause_ms > 0)
				usleep((useconds_t)(pause_ms * 1000));
		}
		return 0;
	}
	if (!strcmp(argv[1], "listen") && (argc == 4 || argc == 5)) {
		long count = number(argv[3]);
		long delay_us = argc == 4 ? 0 : !strcmp(argv[4], "exec") ? -1 : number(argv[4]);
		open_bus();
		return listen_bus(count, delay_us);
	}
	if (!strcmp(argv[1], "poll") && argc == 5) {
		long timeout_ms = number(argv[3]), sleep_ms = number(argv[4]);
		open_bus();
		return poll_bus(timeout_ms, sleep_ms);
	}
	if (!strcmp(argv[1], "values") && argc == 3) {
		open_bus();
		arg.array = v;
		if (semctl(semid, 0, GETALL, arg) < 0)
			die(path, errno);
		printf("S=%d W=%d X=%d Q=%d N=%d\n", v[S], v[W], v[X], v[Q], v[N]);
		return 0;
	}
	usage();
	return 2;
}
