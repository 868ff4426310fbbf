/*
 * intr: bus_create's BUS_INTR (bus_create(3)). In bus 3.1.x the flag governs one call, the
 * write(2) of the key file: with BUS_INTR an EINTR from it fails bus_create with EINTR, without it
 * the write is made again. A write to a regular file is not interrupted by a signal on Linux
 * (it is on FUSE or NFS), so this program makes the EINTR itself: it defines write(2), and
 * libbus.so.3's calls to write (an undefined symbol of the library, bound by the dynamic linker)
 * resolve to this definition, as the executable comes first in the lookup. A write to a regular
 * file then fails with EINTR, writing nothing, while this program says so (fail_keyfile,
 * fail_registry); every other write goes to the kernel as it was.
 * The bus's directory is $XDG_RUNTIME_DIR/bus (set to DIR/run), so LibBus's registry of the
 * buses it makes (DIR/run/bus/.registry, one record per bus) is in use too: the record's writes
 * are LibBus's own bookkeeping, not the key file, and are made again whatever the flags.
 * Usage: intr DIR   (DIR: an empty directory; the test removes the buses it makes)
 */
#include "bus.h"
#include "ctest.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int fail_keyfile;  /* writes to the key file to fail with EINTR, from now */
static int fail_registry; /* writes to a registry record to fail with EINTR, from now */
static int failed;        /* writes failed so far */
static int seen;          /* writes to regular files seen so far */

static int is_registry(int fd)
{
	char link[64], target[4200];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, target, sizeof target - 1);
	if (n < 0) return 0;
	target[n] = '\0';
	return strstr(target, "/.registry/") != NULL;
}

ssize_t write(int fd, const void *buf, size_t count)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		seen++;
		int *budget = is_registry(fd) ? &fail_registry : &fail_keyfile;
		if (*budget > 0) {
			(*budget)--;
			failed++;
			errno = EINTR;
			return -1;
		}
	}
	return syscall(SYS_write, fd, buf, count);
}

/*
 * This process's IPC objects, as far as /proc/sysvipc tells: segments it created (cpid), and
 * semaphore arrays its user created (cuid; the table names no process). Other processes of the
 * same user that make arrays meanwhile would count too; test.sh runs this in an IPC namespace.
 */
static int ipc_objects(const char *table)
{
	char path[64], line[512];
	snprintf(path, sizeof path, "/proc/sysvipc/%s", table);
	FILE *f = fopen(path, "r");
	if (!f) return -1;
	int n = 0, first = 1;
	while (fgets(line, sizeof line, f)) {
		if (first) { first = 0; continue; } /* the header */
		long v[8];
		if (!strcmp(table, "shm")) {
			/* key shmid perms size cpid ... */
			if (sscanf(line, "%ld %ld %ld %ld %ld", &v[0], &v[1], &v[2], &v[3], &v[4]) == 5 && v[4] == (long)getpid()) n++;
		} else {
			/* key semid perms nsems uid gid cuid ... */
			if (sscanf(line, "%ld %ld %ld %ld %ld %ld %ld", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]) == 7
			    && v[6] == (long)geteuid()) n++;
		}
	}
	fclose(f);
	return n;
}

/* Entries of a directory other than . and ..; -1 if it cannot be read. */
static int entries(const char *path)
{
	DIR *d = opendir(path);
	if (!d) return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
	closedir(d);
	return n;
}

/* Lines of the one registry record of the bus at path, as LibBus wrote it; -1 if none. */
static int record_lines(const char *path)
{
	bus_t bus;
	if (bus_open(&bus, path, BUS_RDONLY)) return -1;
	char name[4200], line[8192];
	snprintf(name, sizeof name, "%s/.registry/%d.%d", at("run/bus"), bus.key_sem, bus.key_shm);
	bus_close(&bus);
	FILE *f = fopen(name, "r");
	if (!f) return -1;
	int n = 0;
	while (fgets(line, sizeof line, f)) n++;
	fclose(f);
	return n;
}

struct left { int sem, shm, registry, files; };

static struct left now(void)
{
	return (struct left){ ipc_objects("sem"), ipc_objects("shm"), entries(at("run/bus/.registry")), entries(at("run/bus")) };
}

#define CHECK_NOTHING_LEFT(before) do { \
	struct left after_ = now(); \
	if (after_.sem != (before).sem || after_.shm != (before).shm) \
		FAILF("IPC objects left: %d semaphore arrays and %d segments, %d and %d before", after_.sem, after_.shm, (before).sem, (before).shm); \
	if (after_.registry != (before).registry) FAILF("registry records: %d, %d before", after_.registry, (before).registry); \
	if (after_.files != (before).files) FAILF("entries in the bus directory: %d, %d before", after_.files, (before).files); \
} while (0)

int main(int argc, char *argv[])
{
	if (argc != 2) { fprintf(stderr, "usage: intr DIR\n"); return 2; }
	snprintf(dir, sizeof dir, "%s", argv[1]);
	mkdir(at("run"), 0700);
	setenv("XDG_RUNTIME_DIR", at("run"), 1);
	mkdir(at("run/bus"), 0755);
	char *out = NULL;
	int plain_record = -1;

	CASE("the library's write(2) calls reach this program's write (the interposition holds)") {
		int before = seen;
		CHECK_OK(bus_create(at("run/bus/plain"), 0, NULL));
		CHECK(seen > before);
		plain_record = record_lines(at("run/bus/plain"));
		CHECK(plain_record > 0);
		CHECK_OK(bus_unlink(at("run/bus/plain")));
	}
	CASE("bus_create with BUS_INTR fails with EINTR when the key file's write is interrupted, leaving nothing") {
		struct left before = now();
		fail_keyfile = 1;
		failed = 0;
		CHECK_FAILS(bus_create(at("run/bus/intr"), BUS_INTR, NULL), EINTR);
		CHECK(failed == 1);
		struct stat st;
		CHECK(stat(at("run/bus/intr"), &st) == -1 && errno == ENOENT);
		CHECK_NOTHING_LEFT(before);
		fail_keyfile = 0;
	}
	CASE("bus_create(NULL) with BUS_INTR fails with EINTR when interrupted, out_file NULL, leaving nothing") {
		struct left before = now();
		fail_keyfile = 1;
		failed = 0;
		out = (char *)1;
		CHECK_FAILS(bus_create(NULL, BUS_INTR, &out), EINTR);
		CHECK(out == NULL);
		CHECK(failed == 1);
		CHECK_NOTHING_LEFT(before);
		fail_keyfile = 0;
	}
	CASE("bus_create without BUS_INTR writes the key file again when interrupted, and the bus works") {
		fail_keyfile = 1;
		failed = 0;
		CHECK_OK(bus_create(at("run/bus/again"), 0, NULL));
		CHECK(failed == 1);
		bus_t bus;
		CHECK_OK(bus_open(&bus, at("run/bus/again"), BUS_WRONLY));
		CHECK_OK(bus_write(&bus, "after an EINTR", 0));
		CHECK_OK(bus_close(&bus));
		CHECK(record_lines(at("run/bus/again")) == plain_record);
		CHECK_OK(bus_unlink(at("run/bus/again")));
		fail_keyfile = 0;
	}
	CASE("bus_create with BUS_INTR and BUS_EXCL: interrupted, EINTR; then the same path is created") {
		struct left before = now();
		fail_keyfile = 1;
		CHECK_FAILS(bus_create(at("run/bus/excl"), BUS_INTR | BUS_EXCL, NULL), EINTR);
		CHECK_NOTHING_LEFT(before);
		fail_keyfile = 0;
		CHECK_OK(bus_create(at("run/bus/excl"), BUS_INTR | BUS_EXCL, NULL));
		CHECK_OK(bus_unlink(at("run/bus/excl")));
	}
	CASE("an interrupted write of LibBus's registry record is made again, with or without BUS_INTR") {
		for (int flags = 0; flags <= BUS_INTR; flags += BUS_INTR) {
			fail_registry = 3; /* the record's first line, and each object's id */
			failed = 0;
			CHECK_OK(bus_create(at("run/bus/record"), flags, NULL));
			if (failed != 3) FAILF("flags %d: %d writes failed", flags, failed);
			int lines = record_lines(at("run/bus/record"));
			if (lines != plain_record) FAILF("flags %d: the record has %d lines, %d when not interrupted", flags, lines, plain_record);
			CHECK_OK(bus_unlink(at("run/bus/record")));
			fail_registry = 0;
		}
	}
	fail_keyfile = fail_registry = 0;
	rmdir(at("run/bus/.registry"));
	rmdir(at("run/bus"));
	rmdir(at("run"));
	return ctest_failed;
}
