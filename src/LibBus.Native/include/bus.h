/*
 * bus.h: the C interface of libbus.so.3 (LibBus: see README.md and docs/C-ABI.md).
 *
 * The same functions, types, flags and return values as the C bus 3.1.x library, so a
 * program written for it compiles unchanged against this header and runs on LibBus's
 * hardened protocol. Each function is described in its man page (bus_create(3),
 * bus_open(3), bus_write(3), bus_read(3), bus_poll(3), bus_chmod(3), ...).
 * Written for LibBus; MIT licence (see LICENSE).
 */
#ifndef BUS_H
#define BUS_H

#ifndef _DEFAULT_SOURCE
# define _DEFAULT_SOURCE
#endif
#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
# define BUS_ATTRIBUTE_(attributes) __attribute__(attributes)
#else
# define BUS_ATTRIBUTE_(attributes)
#endif

/* C++ has no restrict; GCC and Clang spell it __restrict there. */
#if defined(__cplusplus)
# if defined(__GNUC__)
#  define BUS_RESTRICT_ __restrict
# else
#  define BUS_RESTRICT_
# endif
#else
# define BUS_RESTRICT_ restrict
#endif

/* bus_open: access. BUS_WRONLY and BUS_RDWR are the same (0): listen and broadcast. */
#define BUS_RDONLY 1
#define BUS_WRONLY 0
#define BUS_RDWR 0

/* bus_create: fail if the file exists (EEXIST). */
#define BUS_EXCL 2

/* bus_create: fail with EINTR if a signal interrupts the key file's write (else it is made again). */
#define BUS_INTR 4

/* bus_write, bus_poll: fail with EAGAIN instead of waiting (see their man pages for when). */
#define BUS_NOWAIT 1

/* Bytes in the shared memory segment, the message's terminating NUL included. */
#define BUS_MEMORY_SIZE 2048

/* An open bus. Fill it with bus_open; the fields are read-only to the program. */
typedef struct bus {
	key_t key_sem;   /* the semaphore array's key */
	key_t key_shm;   /* the shared memory segment's key */
	int sem_id;      /* the semaphore array's identifier */
	char *message;   /* where the segment is attached */
	int first_poll;  /* 1 from bus_poll_start until a message was polled */
} bus_t;

/* Files: 0 on success, -1 with errno on failure. */
BUS_ATTRIBUTE_((__warn_unused_result__))
int bus_create(const char *BUS_RESTRICT_ file, int flags, char **BUS_RESTRICT_ out_file);

BUS_ATTRIBUTE_((__nonnull__))
int bus_unlink(const char *file);

BUS_ATTRIBUTE_((__nonnull__, __warn_unused_result__))
int bus_open(bus_t *BUS_RESTRICT_ bus, const char *BUS_RESTRICT_ file, int flags);

BUS_ATTRIBUTE_((__nonnull__))
int bus_close(bus_t *bus);

/* Broadcasting: 0 on success, -1 with errno on failure. */
BUS_ATTRIBUTE_((__nonnull__, __warn_unused_result__))
int bus_write(const bus_t *bus, const char *message, int flags);

BUS_ATTRIBUTE_((__nonnull__(1, 2), __warn_unused_result__))
int bus_write_timed(const bus_t *bus, const char *message, const struct timespec *timeout, clockid_t clockid);

/* Listening with a callback: 0 on success, -1 with errno on failure. The callback is called
 * with NULL once the listener is counted, then with each message; it returns 1 to go on,
 * 0 to stop, -1 to fail. */
BUS_ATTRIBUTE_((__nonnull__(1, 2), __warn_unused_result__))
int bus_read(const bus_t *BUS_RESTRICT_ bus, int (*callback)(const char *message, void *user_data), void *user_data);

BUS_ATTRIBUTE_((__nonnull__(1, 2), __warn_unused_result__))
int bus_read_timed(const bus_t *BUS_RESTRICT_ bus, int (*callback)(const char *message, void *user_data),
                   void *user_data, const struct timespec *timeout, clockid_t clockid);

/* Polling: bus_poll_start first, bus_poll_stop when done (0 or -1 with errno); bus_poll and
 * bus_poll_timed return the message, or NULL with errno. */
BUS_ATTRIBUTE_((__nonnull__, __warn_unused_result__))
int bus_poll_start(bus_t *bus);

BUS_ATTRIBUTE_((__nonnull__, __warn_unused_result__))
int bus_poll_stop(const bus_t *bus);

BUS_ATTRIBUTE_((__nonnull__, __warn_unused_result__))
const char *bus_poll(bus_t *bus, int flags);

BUS_ATTRIBUTE_((__nonnull__(1), __warn_unused_result__))
const char *bus_poll_timed(bus_t *bus, const struct timespec *timeout, clockid_t clockid);

/* Ownership and permissions of the key file and both IPC objects: 0 or -1 with errno. */
BUS_ATTRIBUTE_((__nonnull__, __warn_unused_result__))
int bus_chown(const char *file, uid_t owner, gid_t group);

BUS_ATTRIBUTE_((__nonnull__, __warn_unused_result__))
int bus_chmod(const char *file, mode_t mode);

#ifdef __cplusplus
}
#endif

#endif
