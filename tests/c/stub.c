/*
 * stub: a stand-in for another build of libbus.so.3 (as the C bus 3.1.x makes it: soname
 * libbus.so.3, unversioned symbols), for run.sh to link a program against, then run that
 * binary, unchanged, on LibBus's libbus.so.3 with LD_LIBRARY_PATH. Every function fails.
 */
#include "bus.h"
#include <errno.h>

int bus_create(const char *restrict f, int fl, char **restrict o) { (void)f; (void)fl; (void)o; errno = ENOSYS; return -1; }
int bus_unlink(const char *f) { (void)f; errno = ENOSYS; return -1; }
int bus_open(bus_t *restrict b, const char *restrict f, int fl) { (void)b; (void)f; (void)fl; errno = ENOSYS; return -1; }
int bus_close(bus_t *b) { (void)b; errno = ENOSYS; return -1; }
int bus_write(const bus_t *b, const char *m, int fl) { (void)b; (void)m; (void)fl; errno = ENOSYS; return -1; }
int bus_write_timed(const bus_t *b, const char *m, const struct timespec *t, clockid_t c) { (void)b; (void)m; (void)t; (void)c; errno = ENOSYS; return -1; }
int bus_read(const bus_t *restrict b, int (*cb)(const char *, void *), void *u) { (void)b; (void)cb; (void)u; errno = ENOSYS; return -1; }
int bus_read_timed(const bus_t *restrict b, int (*cb)(const char *, void *), void *u, const struct timespec *t, clockid_t c) { (void)b; (void)cb; (void)u; (void)t; (void)c; errno = ENOSYS; return -1; }
int bus_poll_start(bus_t *b) { (void)b; errno = ENOSYS; return -1; }
int bus_poll_stop(const bus_t *b) { (void)b; errno = ENOSYS; return -1; }
const char *bus_poll(bus_t *b, int fl) { (void)b; (void)fl; errno = ENOSYS; return 0; }
const char *bus_poll_timed(bus_t *b, const struct timespec *t, clockid_t c) { (void)b; (void)t; (void)c; errno = ENOSYS; return 0; }
int bus_chown(const char *f, uid_t o, gid_t g) { (void)f; (void)o; (void)g; errno = ENOSYS; return -1; }
int bus_chmod(const char *f, mode_t m) { (void)f; (void)m; errno = ENOSYS; return -1; }
