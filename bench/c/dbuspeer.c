/*
 * dbuspeer - the D-Bus side of the LibBus harness: a signal fanned out by
 * dbus-daemon to L subscribers, each of which acknowledges it with a
 * no-reply method call to the sender, so that a broadcast "returns when every
 * listener has it", the same meaning as a bus broadcast.
 *
 * Usage: dbuspeer broadcast ADDRESS COUNT WARMUP LISTENERS
 *        dbuspeer listen ADDRESS TOTAL
 * Same line protocol as cbaseline.c (READY / GO / RESULT, READY / OK|FAIL).
 *
 * Build: cc -std=gnu11 -O2 -Wall -Wextra dbuspeer.c $(pkg-config --cflags --libs dbus-1)
 */
#include <dbus/dbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define IFACE "org.libbus.Bench"
#define OBJ "/org/libbus/Bench"

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static DBusConnection *connect_to(const char *address)
{
	DBusError err;
	dbus_error_init(&err);
	DBusConnection *c = dbus_connection_open_private(address, &err);
	if (!c || !dbus_bus_register(c, &err)) {
		printf("FAIL connect: %s\n", err.message);
		exit(1);
	}
	return c;
}

static void send_signal(DBusConnection *c, const char *text)
{
	DBusMessage *m = dbus_message_new_signal(OBJ, IFACE, "Msg");
	dbus_message_append_args(m, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID);
	dbus_connection_send(c, m, NULL);
	dbus_message_unref(m);
	dbus_connection_flush(c);
}

static void await_acks(DBusConnection *c, dbus_uint32_t seq, long listeners)
{
	long acks = 0;
	while (acks < listeners) {
		DBusMessage *m = dbus_connection_pop_message(c);
		if (!m) {
			if (!dbus_connection_read_write(c, -1)) {
				printf("FAIL disconnected\n");
				exit(1);
			}
			continue;
		}
		dbus_uint32_t got;
		if (dbus_message_is_method_call(m, IFACE, "Ack") &&
		    dbus_message_get_args(m, NULL, DBUS_TYPE_UINT32, &got, DBUS_TYPE_INVALID) && got == seq)
			acks++;
		dbus_message_unref(m);
	}
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

static int do_broadcast(const char *address, long count, long warmup, long listeners)
{
	DBusConnection *c = connect_to(address);
	long long *lat = malloc(sizeof *lat * (size_t)(count > 0 ? count : 1));
	char msg[64], line[64];
	int pid = getpid();
	for (long i = 0; i < warmup; i++) {
		snprintf(msg, sizeof msg, "%d %ld", pid, i);
		send_signal(c, msg);
		await_acks(c, (dbus_uint32_t)i, listeners);
	}
	printf("READY\n");
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin))
		return 1;
	long long start = now_ns();
	for (long i = 0; i < count; i++) {
		long long t0 = now_ns();
		snprintf(msg, sizeof msg, "%d %ld", pid, warmup + i);
		send_signal(c, msg);
		await_acks(c, (dbus_uint32_t)(warmup + i), listeners);
		lat[i] = now_ns() - t0;
	}
	long long end = now_ns();
	qsort(lat, (size_t)count, sizeof *lat, cmp);
	printf("RESULT start_ns=%lld end_ns=%lld n=%ld p50_ns=%lld p99_ns=%lld alloc_bytes=0\n", start, end, count,
	       count ? lat[count / 2] : 0, count ? lat[count * 99 / 100] : 0);
	dbus_connection_close(c);
	return 0;
}

static int do_listen(const char *address, long total)
{
	DBusConnection *c = connect_to(address);
	DBusError err;
	dbus_error_init(&err);
	/* Synchronous: once it returns, the daemon routes our signals to us. */
	dbus_bus_add_match(c, "type='signal',interface='" IFACE "',member='Msg'", &err);
	if (dbus_error_is_set(&err)) {
		printf("FAIL add_match: %s\n", err.message);
		return 1;
	}
	printf("READY\n");
	fflush(stdout);
	long next = 0, got = 0, sender_pid = -1;
	while (got < total) {
		DBusMessage *m = dbus_connection_pop_message(c);
		if (!m) {
			if (!dbus_connection_read_write(c, -1)) {
				printf("FAIL disconnected\n");
				return 1;
			}
			continue;
		}
		const char *text;
		if (dbus_message_is_signal(m, IFACE, "Msg") &&
		    dbus_message_get_args(m, NULL, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID)) {
			long pid, seq;
			if (sscanf(text, "%ld %ld", &pid, &seq) != 2 || (sender_pid >= 0 && pid != sender_pid) || seq != next) {
				printf("FAIL expected seq %ld, got '%s'\n", next, text);
				return 1;
			}
			sender_pid = pid;
			next++;
			got++;
			DBusMessage *ack = dbus_message_new_method_call(dbus_message_get_sender(m), OBJ, IFACE, "Ack");
			dbus_uint32_t s = (dbus_uint32_t)seq;
			dbus_message_append_args(ack, DBUS_TYPE_UINT32, &s, DBUS_TYPE_INVALID);
			dbus_message_set_no_reply(ack, TRUE);
			dbus_connection_send(c, ack, NULL);
			dbus_message_unref(ack);
			dbus_connection_flush(c);
		}
		dbus_message_unref(m);
	}
	printf("OK received=%ld\n", total);
	dbus_connection_close(c);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "broadcast"))
		return do_broadcast(argv[2], atol(argv[3]), atol(argv[4]), atol(argv[5]));
	if (argc == 4 && !strcmp(argv[1], "listen"))
		return do_listen(argv[2], atol(argv[3]));
	fprintf(stderr, "usage: dbuspeer broadcast ADDRESS COUNT WARMUP LISTENERS | listen ADDRESS TOTAL\n");
	return 2;
}
