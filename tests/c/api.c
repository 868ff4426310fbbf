/*
 * api: every function of bus.h in one process: results, flags, the documented errors, the
 * bus_t layout, the callback on the caller's thread, fork+exec from inside a callback, EINTR
 * from a signal handler, and a host signal handler that keeps working.
 * Usage: api DIR   (DIR: an empty directory for the buses; the test removes what it makes)
 */
#include "bus.h"
#include "ctest.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

_Static_assert(offsetof(bus_t, key_sem) == 0, "bus_t layout");
_Static_assert(offsetof(bus_t, key_shm) == 4, "bus_t layout");
_Static_assert(offsetof(bus_t, sem_id) == 8, "bus_t layout");
_Static_assert(offsetof(bus_t, message) == 16, "bus_t layout");
_Static_assert(offsetof(bus_t, first_poll) == 24, "bus_t layout");
_Static_assert(sizeof(bus_t) == 32, "bus_t layout");

enum { S = 0, W = 1, X = 2, Q = 3, N = 4 };

static int semval(const bus_t *bus, int which) { return semctl(bus->sem_id, which, GETVAL); }

static int semop1(int semid, int which, int op, int flags)
{
	struct sembuf b = { .sem_num = (unsigned short)which, .sem_op = (short)op, .sem_flg = (short)flags };
	return semop(semid, &b, 1);
}

static struct timespec in_ms(clockid_t clock, long ms)
{
	struct timespec t;
	clock_gettime(clock, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) { t.tv_nsec -= 1000000000L; t.tv_sec++; }
	return t;
}

/* ---- callbacks ---- */

struct record {
	int nulls, messages;
	char last[BUS_MEMORY_SIZE];
	pthread_t thread;
	int other_thread;
	int stop_at;       /* return 0 at this many messages */
	int result_at_null; /* what to return for the NULL call */
	int errno_at_null;
	int exec_status;   /* fork+exec a shell from the callback: its exit status */
	volatile int joined;
};

static int record(const char *message, void *data)
{
	struct record *r = data;
	if (!pthread_equal(pthread_self(), r->thread)) r->other_thread = 1;
	if (!message) {
		r->nulls++;
		r->joined = 1;
		if (r->result_at_null == -1) errno = r->errno_at_null;
		return r->result_at_null;
	}
	r->messages++;
	snprintf(r->last, sizeof r->last, "%s", message);
	if (r->exec_status >= 0 && !strcmp(message, "exec")) {
		/* as the C bus command does: fork, then exec a shell in the child */
		pid_t pid = fork();
		if (pid == 0) {
			setenv("msg", message, 1);
			execl("/bin/sh", "sh", "-c", "test \"$msg\" = exec && exit 7", (char *)NULL);
			_exit(127);
		}
		int status = 0;
		if (pid < 0 || waitpid(pid, &status, 0) != pid) r->exec_status = 1000;
		else r->exec_status = WIFEXITED(status) ? WEXITSTATUS(status) : 1001;
	}
	return r->messages >= r->stop_at ? 0 : 1;
}

struct reader {
	bus_t *bus;
	struct record rec;
	int result, error;
};

static void *read_thread(void *arg)
{
	struct reader *r = arg;
	r->rec.thread = pthread_self();
	errno = 0;
	r->result = bus_read(r->bus, record, &r->rec);
	r->error = errno;
	return NULL;
}

static void wait_joined(struct record *r)
{
	for (int i = 0; i < 3000 && !r->joined; i++) usleep(10000);
}

/* ---- signals ---- */

static volatile sig_atomic_t usr1_count, usr2_count;
static void on_usr1(int sig) { (void)sig; usr1_count++; }
static void on_usr2(int sig) { (void)sig; usr2_count++; }

/* Sends SIGUSR2 to the calling thread after ms, then every 100 ms until stop_kicking. */
static pthread_t kicker_thread, kicked;
static volatile int kicking;
static int kick_ms;
static void *kick(void *arg)
{
	(void)arg;
	usleep((useconds_t)kick_ms * 1000);
	while (kicking) {
		pthread_kill(kicked, SIGUSR2);
		usleep(100000);
	}
	return NULL;
}
static void start_kicking(int ms)
{
	kicked = pthread_self();
	kick_ms = ms;
	kicking = 1;
	pthread_create(&kicker_thread, NULL, kick, NULL);
}
static void stop_kicking(void) { kicking = 0; pthread_join(kicker_thread, NULL); }

int main(int argc, char *argv[])
{
	if (argc != 2) { fprintf(stderr, "usage: api DIR\n"); return 2; }
	snprintf(dir, sizeof dir, "%s", argv[1]);

	/* The host's own handlers, installed before the library's first call. */
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_usr2; /* no SA_RESTART: as for any handler, semop(2) is never restarted */
	sigaction(SIGUSR2, &sa, NULL);

	bus_t bus, reader, other;
	char *out = NULL;

	CASE("bus_create makes a named bus, out_file a malloc'd copy of its path") {
		CHECK_OK(bus_create(at("a"), 0, &out));
		CHECK(out && !strcmp(out, at("a")));
		free(out);
		struct stat st;
		CHECK(stat(at("a"), &st) == 0 && (st.st_mode & 0777) == 0600);
	}
	CASE("bus_create of an existing bus does nothing and succeeds; BUS_EXCL fails with EEXIST") {
		CHECK_OK(bus_create(at("a"), 0, NULL));
		out = (char *)1;
		CHECK_FAILS(bus_create(at("a"), BUS_EXCL, &out), EEXIST);
		CHECK(out == NULL);
	}
	CASE("bus_create with BUS_INTR and BUS_EXCL makes a bus when no signal comes") {
		CHECK_OK(bus_create(at("intr"), BUS_INTR | BUS_EXCL, NULL));
		CHECK_OK(bus_unlink(at("intr")));
	}
	CASE("bus_create in a missing directory fails with ENOENT") {
		CHECK_FAILS(bus_create(at("missing/x"), 0, NULL), ENOENT);
	}
	CASE("bus_create(NULL) makes a random bus under $XDG_RUNTIME_DIR/bus") {
		setenv("XDG_RUNTIME_DIR", dir, 1);
		CHECK_OK(bus_create(NULL, 0, &out));
		char prefix[4200];
		snprintf(prefix, sizeof prefix, "%s/bus/random.", dir);
		CHECK(out && !strncmp(out, prefix, strlen(prefix)) && strlen(out) == strlen(prefix) + 30);
		if (out) CHECK_OK(bus_unlink(out));
		free(out);
		rmdir(at("bus"));
	}
	CASE("bus_open fills bus_t: keys as in the key file, sem_id, message; bus_close clears them") {
		CHECK_OK(bus_open(&bus, at("a"), BUS_RDWR));
		FILE *f = fopen(at("a"), "r");
		long long ks = 0, km = 0;
		CHECK(f && fscanf(f, "%lld\n%lld\n", &ks, &km) == 2);
		if (f) fclose(f);
		CHECK(bus.key_sem == (key_t)ks && bus.key_shm == (key_t)km);
		CHECK(bus.sem_id == semget(bus.key_sem, 5, 0));
		CHECK(bus.message != NULL && bus.message != (char *)-1);
		CHECK_OK(bus_close(&bus));
		CHECK(bus.message == NULL && bus.sem_id == -1);
		CHECK_OK(bus_close(&bus)); /* closed twice: nothing to do */
	}
	CASE("bus_open's documented errors: ENOENT, EINVAL for negative flags") {
		CHECK_FAILS(bus_open(&bus, at("nope"), BUS_RDWR), ENOENT);
		CHECK_FAILS(bus_open(&bus, at("a"), -1), EINVAL);
	}
	CASE("functions on a bus_t never opened (or closed) fail with EINVAL") {
		memset(&other, 0, sizeof other);
		other.sem_id = -1;
		CHECK_FAILS(bus_write(&other, "x", 0), EINVAL);
		CHECK_FAILS(bus_poll_start(&other), EINVAL);
		CHECK_NULL(bus_poll(&other, BUS_NOWAIT), EINVAL);
	}

	CHECK_OK(bus_open(&bus, at("a"), BUS_WRONLY));
	CASE("bus_write with no listener returns at once; BUS_NOWAIT too") {
		CHECK_OK(bus_write(&bus, "hello", 0));
		CHECK_OK(bus_write(&bus, "hello", BUS_NOWAIT));
		CHECK(semval(&bus, X) == 1 && semval(&bus, N) == 0 && semval(&bus, S) == 0);
	}
	CASE("bus_write: 2047 bytes go, 2048 fail with EMSGSIZE") {
		char big[2049];
		memset(big, 'm', 2048);
		big[2048] = 0;
		CHECK_FAILS(bus_write(&bus, big, 0), EMSGSIZE);
		big[2047] = 0;
		CHECK_OK(bus_write(&bus, big, 0));
	}
	CASE("bus_write_timed: a future deadline on CLOCK_MONOTONIC or CLOCK_REALTIME, NULL") {
		struct timespec t = in_ms(CLOCK_MONOTONIC, 2000);
		CHECK_OK(bus_write_timed(&bus, "timed", &t, CLOCK_MONOTONIC));
		t = in_ms(CLOCK_REALTIME, 2000);
		CHECK_OK(bus_write_timed(&bus, "timed", &t, CLOCK_REALTIME));
		CHECK_OK(bus_write_timed(&bus, "timed", NULL, CLOCK_MONOTONIC));
	}
	CASE("bus_write_timed: EAGAIN for a past deadline, EINVAL for a bad clock or nanoseconds") {
		struct timespec t = in_ms(CLOCK_MONOTONIC, -10);
		CHECK_FAILS(bus_write_timed(&bus, "late", &t, CLOCK_MONOTONIC), EAGAIN);
		t = in_ms(CLOCK_MONOTONIC, 1000);
		CHECK_FAILS(bus_write_timed(&bus, "x", &t, (clockid_t)4242), EINVAL);
		t.tv_nsec = 1000000000L;
		CHECK_FAILS(bus_write_timed(&bus, "x", &t, CLOCK_MONOTONIC), EINVAL);
	}
	CASE("BUS_NOWAIT fails with EAGAIN while another broadcaster holds the bus; a timed write too") {
		CHECK_OK(semop1(bus.sem_id, X, -1, SEM_UNDO | IPC_NOWAIT)); /* another broadcaster: holds X */
		CHECK_FAILS(bus_write(&bus, "busy", BUS_NOWAIT), EAGAIN);
		struct timespec t = in_ms(CLOCK_MONOTONIC, 200);
		CHECK_FAILS(bus_write_timed(&bus, "busy", &t, CLOCK_MONOTONIC), EAGAIN);
		CHECK_OK(semop1(bus.sem_id, X, +1, SEM_UNDO));
		CHECK_OK(bus_write(&bus, "free", BUS_NOWAIT));
	}
	CASE("BUS_NOWAIT waits, and succeeds, while only a listener holds the previous message (W)") {
		CHECK_OK(semop1(bus.sem_id, W, +1, 0)); /* a listener still busy with a message */
		pid_t pid = fork();
		if (pid == 0) { /* that listener finishes later (no libbus call in this child) */
			usleep(300000);
			_exit(semop1(bus.sem_id, W, -1, 0) == 0 ? 0 : 1);
		}
		CHECK_OK(bus_write(&bus, "after W", BUS_NOWAIT));
		int status;
		CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
		CHECK(semval(&bus, W) == 0 && semval(&bus, X) == 1);
	}
	CASE("bus_write_timed's deadline bounds getting the bus (W held: EAGAIN)") {
		CHECK_OK(semop1(bus.sem_id, W, +1, SEM_UNDO));
		struct timespec t = in_ms(CLOCK_MONOTONIC, 200);
		CHECK_FAILS(bus_write_timed(&bus, "held", &t, CLOCK_MONOTONIC), EAGAIN);
		CHECK_OK(semop1(bus.sem_id, W, -1, SEM_UNDO));
		CHECK(semval(&bus, X) == 1 && semval(&bus, N) == 0);
	}

	CHECK_OK(bus_open(&reader, at("a"), BUS_RDONLY));
	CASE("bus_write on a bus opened BUS_RDONLY fails with EBADF") {
		CHECK_FAILS(bus_write(&reader, "x", 0), EBADF);
	}
	CASE("bus_read calls back with NULL once joined, then each message, on the caller's thread") {
		struct reader r = { .bus = &reader, .rec = { .stop_at = 3, .result_at_null = 1, .exec_status = -1 } };
		pthread_t t;
		pthread_create(&t, NULL, read_thread, &r);
		wait_joined(&r.rec);
		CHECK(r.rec.joined);
		CHECK_OK(bus_write(&bus, "one", 0));
		CHECK_OK(bus_write(&bus, "two", 0));
		CHECK_OK(bus_write(&bus, "three", 0));
		pthread_join(t, NULL);
		CHECK(r.result == 0);
		CHECK(r.rec.nulls == 1 && r.rec.messages == 3 && !strcmp(r.rec.last, "three"));
		CHECK(!r.rec.other_thread);
		CHECK(semval(&bus, S) == 0 && semval(&bus, W) == 0);
	}
	CASE("a bus_read callback that forks and execs a shell (as the bus command does) works") {
		struct reader r = { .bus = &reader, .rec = { .stop_at = 2, .result_at_null = 1, .exec_status = 0 } };
		pthread_t t;
		pthread_create(&t, NULL, read_thread, &r);
		wait_joined(&r.rec);
		CHECK_OK(bus_write(&bus, "exec", 0));
		CHECK_OK(bus_write(&bus, "after", 0));
		pthread_join(t, NULL);
		CHECK(r.result == 0 && r.rec.messages == 2);
		CHECK(r.rec.exec_status == 7);
		CHECK(!strcmp(r.rec.last, "after"));
	}
	CASE("bus_read: 0 from the NULL call returns 0 at once; -1 returns -1 with the callback's errno") {
		struct record rec = { .result_at_null = 0, .exec_status = -1, .thread = pthread_self() };
		CHECK_OK(bus_read(&reader, record, &rec));
		CHECK(rec.nulls == 1 && rec.messages == 0);
		rec.result_at_null = -1;
		rec.errno_at_null = EDOM;
		CHECK_FAILS(bus_read(&reader, record, &rec), EDOM);
		CHECK(rec.nulls == 2);
		CHECK(semval(&bus, S) == 0);
	}
	CASE("bus_read_timed: NULL call, then EAGAIN at the deadline; a past deadline calls nothing") {
		struct record rec = { .result_at_null = 1, .stop_at = 100, .exec_status = -1, .thread = pthread_self() };
		struct timespec t = in_ms(CLOCK_MONOTONIC, 300);
		CHECK_FAILS(bus_read_timed(&reader, record, &rec, &t, CLOCK_MONOTONIC), EAGAIN);
		CHECK(rec.nulls == 1 && rec.messages == 0);
		t = in_ms(CLOCK_REALTIME, -1000);
		CHECK_FAILS(bus_read_timed(&reader, record, &rec, &t, CLOCK_REALTIME), EAGAIN);
		CHECK(rec.nulls == 1);
		CHECK(semval(&bus, S) == 0);
	}
	CASE("bus_read fails with EINTR when a signal handler runs while it waits, and leaves the bus") {
		struct record rec = { .result_at_null = 1, .stop_at = 100, .exec_status = -1, .thread = pthread_self() };
		int before = usr2_count;
		start_kicking(300);
		CHECK_FAILS(bus_read(&reader, record, &rec), EINTR);
		stop_kicking();
		CHECK(usr2_count > before);
		CHECK(rec.nulls == 1);
		CHECK(semval(&bus, S) == 0 && semval(&bus, W) == 0);
	}

	CASE("polling: start, BUS_NOWAIT and timed polls with nothing sent fail with EAGAIN, stop") {
		CHECK_OK(bus_poll_start(&reader));
		CHECK(reader.first_poll == 1);
		CHECK(semval(&bus, S) == 1);
		CHECK_FAILS(bus_poll_start(&reader), EINVAL);
		CHECK_NULL(bus_poll(&reader, BUS_NOWAIT), EAGAIN);
		struct timespec t = in_ms(CLOCK_MONOTONIC, 200);
		CHECK_NULL(bus_poll_timed(&reader, &t, CLOCK_MONOTONIC), EAGAIN);
		CHECK_OK(bus_poll_stop(&reader));
		CHECK(semval(&bus, S) == 0);
		CHECK_FAILS(bus_poll_stop(&reader), EINVAL);
		CHECK_NULL(bus_poll(&reader, 0), EINVAL);
	}
	CASE("bus_poll fails with EINTR when a signal handler runs while it waits; the poller stays") {
		CHECK_OK(bus_poll_start(&reader));
		start_kicking(300);
		CHECK_NULL(bus_poll(&reader, 0), EINTR);
		stop_kicking();
		CHECK(semval(&bus, S) == 1);
		CHECK_OK(bus_poll_stop(&reader));
	}
	CASE("bus_write fails with EINTR while a joined poller has not polled, and the bus stays usable") {
		CHECK_OK(bus_poll_start(&reader));
		start_kicking(300);
		CHECK_FAILS(bus_write(&bus, "never polled", 0), EINTR);
		stop_kicking();
		CHECK(semval(&bus, X) == 1 && semval(&bus, N) == 0);
		CHECK_OK(bus_poll_stop(&reader));
		CHECK_OK(bus_write(&bus, "again", BUS_NOWAIT));
	}
	CASE("bus_poll receives what another process (a C program on libbus) writes") {
		CHECK_OK(bus_poll_start(&reader));
		pid_t pid = fork();
		if (pid == 0) { /* the broadcaster: exec the api's sibling, a plain C program on libbus */
			execl("./peer", "peer", "write", at("a"), "polled", "1", (char *)NULL);
			_exit(127);
		}
		const char *m = bus_poll(&reader, 0);
		CHECK(m && !strcmp(m, "polled 0"));
		CHECK(reader.first_poll == 0);
		int status;
		CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
		CHECK_OK(bus_poll_stop(&reader));
		CHECK(m && !strcmp(m, "polled 0")); /* still readable after the stop, until bus_close */
	}
	CASE("a forked child (no exec) uses the library: 2000 bus_open, bus_write, bus_close") {
		pid_t pid = fork();
		if (pid == 0) {
			for (int i = 0; i < 2000; i++) {
				bus_t t;
				if (bus_open(&t, at("a"), BUS_RDWR) || bus_write(&t, "from a child", 0) || bus_close(&t)) _exit(1);
			}
			_exit(bus_write(&bus, "on the parent's bus_t", BUS_NOWAIT) ? 1 : 0);
		}
		int status;
		CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
		CHECK_OK(bus_write(&bus, "parent still", 0));
	}
	CHECK_OK(bus_close(&reader));
	CHECK_OK(bus_close(&bus));

	CASE("bus_chmod: a class with any bit gets the bus; the key file is owner-writable only") {
		CHECK_OK(bus_chmod(at("a"), 0640));
		struct stat st;
		CHECK(stat(at("a"), &st) == 0 && (st.st_mode & 0777) == 0640);
		CHECK_OK(bus_open(&bus, at("a"), BUS_RDWR));
		struct semid_ds ds;
		CHECK(semctl(bus.sem_id, 0, IPC_STAT, &ds) == 0 && (ds.sem_perm.mode & 0777) == 0660);
		CHECK_OK(bus_close(&bus));
		CHECK_OK(bus_chmod(at("a"), 0100604));
		CHECK(stat(at("a"), &st) == 0 && (st.st_mode & 0777) == 0604);
		CHECK_OK(bus_chmod(at("a"), 0600));
		CHECK_FAILS(bus_chmod(at("nope"), 0600), ENOENT);
	}
	CASE("bus_chown: owner and group of the file and the objects; -1 keeps them") {
		if (geteuid() != 0) {
			printf("# skipped: not root\n");
		} else {
			CHECK_OK(bus_chown(at("a"), 65534, 65534));
			struct stat st;
			CHECK(stat(at("a"), &st) == 0 && st.st_uid == 65534 && st.st_gid == 65534);
			CHECK_OK(bus_open(&bus, at("a"), BUS_RDWR));
			struct semid_ds ds;
			CHECK(semctl(bus.sem_id, 0, IPC_STAT, &ds) == 0 && ds.sem_perm.uid == 65534 && ds.sem_perm.gid == 65534);
			CHECK_OK(bus_close(&bus));
			CHECK_OK(bus_chown(at("a"), (uid_t)-1, 0));
			CHECK(stat(at("a"), &st) == 0 && st.st_uid == 65534 && st.st_gid == 0);
			CHECK_OK(bus_chown(at("a"), 0, (gid_t)-1));
			CHECK(stat(at("a"), &st) == 0 && st.st_uid == 0 && st.st_gid == 0);
		}
		CHECK_FAILS(bus_chown(at("nope"), 0, 0), ENOENT);
	}
	CASE("bus_unlink removes the objects and the key file; then ENOENT") {
		CHECK_OK(bus_open(&bus, at("a"), BUS_RDWR));
		int semid = bus.sem_id;
		CHECK_OK(bus_close(&bus));
		CHECK_OK(bus_unlink(at("a")));
		CHECK(access(at("a"), F_OK) != 0 && errno == ENOENT);
		CHECK(semctl(semid, 0, GETVAL) == -1);
		CHECK_FAILS(bus_unlink(at("a")), ENOENT);
		CHECK_FAILS(bus_open(&bus, at("a"), BUS_RDWR), ENOENT);
	}
	CASE("the host's SIGUSR1 handler is still its own and still runs") {
		CHECK(sigaction(SIGUSR1, NULL, &old) == 0 && old.sa_handler == on_usr1);
		CHECK(sigaction(SIGUSR2, NULL, &old) == 0 && old.sa_handler == on_usr2);
		int before = usr1_count;
		raise(SIGUSR1);
		kill(getpid(), SIGUSR1);
		CHECK(usr1_count == before + 2);
	}
	CASE("the library adds one thread (the runtime's finalizer) and no signal handler a host uses") {
		FILE *f = fopen("/proc/self/status", "r");
		char line[256];
		int threads = -1;
		unsigned long long caught = ~0ULL;
		while (f && fgets(line, sizeof line, f)) {
			if (!strncmp(line, "Threads:", 8)) threads = atoi(line + 8);
			if (!strncmp(line, "SigCgt:", 7)) caught = strtoull(line + 7, NULL, 16);
		}
		if (f) fclose(f);
		CHECK(threads == 2); /* this program's own threads were all joined */
		/* ours: SIGUSR1, SIGUSR2; the runtime's: SIGSEGV, SIGFPE, 34 (SIGRTMIN); glibc's: 33 */
		unsigned long long expected = (1ULL << (SIGUSR1 - 1)) | (1ULL << (SIGUSR2 - 1)) | (1ULL << (SIGSEGV - 1))
			| (1ULL << (SIGFPE - 1)) | (1ULL << 32) | (1ULL << 33);
		if (caught & ~expected) FAILF("signals with handlers: %llx, expected at most %llx", caught, expected);
	}
	return ctest_failed;
}
