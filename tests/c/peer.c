/*
 * peer: a plain C program on libbus (bus.h), for the mixes of run.sh.
 *   peer write PATH PREFIX COUNT         bus_write "PREFIX i" for i in [0, COUNT)
 *   peer read PATH COUNT READY           bus_read; creates READY at the NULL call; prints
 *                                        each message; stops after COUNT
 *   peer read-exec PATH COUNT READY OUT  as read, but each message forks and execs
 *                                        sh -c 'printf ... >> OUT' (as the C bus listen does)
 *   peer poll PATH COUNT READY           bus_poll_start, creates READY, bus_poll COUNT times
 * Exit 0 done, 1 a call failed (perror names it), 2 usage.
 */
#include "bus.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *ready, *out;
static long count, seen;

static void touch(const char *file)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) close(fd);
}

static int on_message(const char *message, void *data)
{
	(void)data;
	if (!message) {
		touch(ready);
		return 1;
	}
	if (out) {
		pid_t pid = fork();
		if (pid < 0) return -1;
		if (pid == 0) {
			setenv("msg", message, 1);
			setenv("out", out, 1);
			execl("/bin/sh", "sh", "-c", "printf '%s\\n' \"$msg\" >> \"$out\"", (char *)NULL);
			_exit(127);
		}
		int status;
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
	} else {
		printf("%s\n", message);
		fflush(stdout);
	}
	return ++seen >= count ? 0 : 1;
}

int main(int argc, char *argv[])
{
	bus_t bus;
	if (argc < 3) return 2;
	const char *verb = argv[1], *path = argv[2];
	if (!strcmp(verb, "write") && argc == 5) {
		count = atol(argv[4]);
		if (bus_open(&bus, path, BUS_WRONLY)) { perror("peer: bus_open"); return 1; }
		char message[BUS_MEMORY_SIZE];
		for (long i = 0; i < count; i++) {
			snprintf(message, sizeof message, "%s %ld", argv[3], i);
			if (bus_write(&bus, message, 0)) { perror("peer: bus_write"); return 1; }
		}
		return bus_close(&bus) ? 1 : 0;
	}
	if ((!strcmp(verb, "read") && argc == 5) || (!strcmp(verb, "read-exec") && argc == 6)) {
		count = atol(argv[3]);
		ready = argv[4];
		out = argc == 6 ? argv[5] : NULL;
		if (bus_open(&bus, path, BUS_RDONLY)) { perror("peer: bus_open"); return 1; }
		if (bus_read(&bus, on_message, NULL)) { perror("peer: bus_read"); return 1; }
		return bus_close(&bus) ? 1 : 0;
	}
	if (!strcmp(verb, "poll") && argc == 5) {
		count = atol(argv[3]);
		if (bus_open(&bus, path, BUS_RDONLY)) { perror("peer: bus_open"); return 1; }
		if (bus_poll_start(&bus)) { perror("peer: bus_poll_start"); return 1; }
		touch(argv[4]);
		for (long i = 0; i < count; i++) {
			const char *message = bus_poll(&bus, 0);
			if (!message) { perror("peer: bus_poll"); return 1; }
			printf("%s\n", message);
			fflush(stdout);
		}
		if (bus_poll_stop(&bus)) { perror("peer: bus_poll_stop"); return 1; }
		return bus_close(&bus) ? 1 : 0;
	}
	return 2;
}
