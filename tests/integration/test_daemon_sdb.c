/*
 * test_daemon_sdb.c - shared buffers through `ampkit daemon`: a client
 * opens the rpmsg-sdb pool with the client library (the handshake, the
 * shared memory's fd, its mapping), streams 64 MiB to the bench firmware
 * (every buffer a checked seed test, its verdict asked on ampkit-ctl) and
 * 64 MiB back (every buffer checked here), has its bad messages refused
 * with nothing changed, finds a second client turned away, has what it
 * held given back when it goes away, reads end-of-file when the
 * firmware is killed, and is told why when the firmware refuses its
 * layout or never answers.  With "qemu-m4" as argument,
 * the same on the Cortex-M4 firmware in QEMU (a smaller pool; stopped
 * rather than killed).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <ampkit/bench_proto.h>
#include <ampkit/client.h>

#include "cli_run.h"

/* posix: 8 x 1 MiB, 4 each side; qemu-m4 (argv[1]): 4 x 1 MiB, 2 each,
 * as test_sdb_fw uses them. */
static uint32_t COUNT = 8, HOST_COUNT = 4;
static const char *platform = "posix";
#define SIZE (1u << 20)
#define TOTAL (64u << 20)
/* Generous: nothing here measures speed. */
#define WAIT_MS 60000

static int setup(void **state)
{
	(void)state;
	if (cli_setup("/tmp/ampkit-test-XXXXXX"))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return cli_teardown();
}

static void start(void)
{
	char m4[600];

	if (strcmp(platform, "qemu-m4")) {
		assert_int_equal(
			ampkit("start", fw, "--wait", "rpmsg-sdb", NULL), 0);
		return;
	}
	snprintf(m4, sizeof(m4), "%s-m4.elf", fw);
	assert_int_equal(ampkit("start", "--platform", "qemu-m4", m4, "--wait",
				"rpmsg-sdb", "--timeout", "60000", NULL),
			 0);
}

static void sdb_open(struct amp_client_sdb *s)
{
	char err[256] = "";
	int r = amp_client_sdb_open(NULL, NULL, COUNT, HOST_COUNT, SIZE, s, err,
				    sizeof(err));

	if (r)
		fail_msg("amp_client_sdb_open: %d %s", r, err);
	assert_int_equal(s->count, COUNT);
	assert_int_equal(s->size, SIZE);
	assert_true(s->pool_len >= (uint64_t)COUNT * SIZE);
}

static int ctl_open(void)
{
	char err[256];
	int fd = amp_client_open(NULL, NULL, "ampkit-ctl", err, sizeof(err));

	if (fd < 0)
		fail_msg("ampkit-ctl: %s", err);
	return fd;
}

static void ctl_read(int fd, char *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t r;

	assert_int_equal(poll(&p, 1, WAIT_MS), 1);
	r = amp_client_recv(fd, buf, len - 1, 0);
	assert_true(r > 0);
	buf[r] = '\0';
}

/* One command on ampkit-ctl, its answer in buf. */
static void ctl(const char *cmd, char *buf, size_t len)
{
	int fd = ctl_open();

	assert_int_equal(send(fd, cmd, strlen(cmd), MSG_NOSIGNAL),
			 (ssize_t)strlen(cmd));
	ctl_read(fd, buf, len);
	close(fd);
}

static struct amp_sdb_msg expect(struct amp_client_sdb *s, uint32_t type)
{
	struct amp_sdb_msg m;

	assert_int_equal(amp_client_sdb_recv(s, &m, WAIT_MS), 1);
	if (m.type != type)
		fail_msg("expected message type %u, got %u (%u %u %u)", type,
			 m.type, m.index, m.offset, m.length);
	return m;
}

/* n buffers of len bytes, host to firmware, through every host buffer. */
static void push(struct amp_client_sdb *s, uint32_t n, uint32_t len)
{
	bool lent[AMP_SDB_MAX_BUFS] = { false };
	uint32_t busy = 0, sent = 0, i;
	struct amp_sdb_msg m;

	while (sent < n || busy) {
		for (i = 0; i < HOST_COUNT && sent < n; i++) {
			if (lent[i])
				continue;
			amp_bench_buf_fill(s->pool + (size_t)i * SIZE, len,
					   sent * 7u);
			assert_int_equal(amp_client_sdb_send(s, AMP_SDB_FILLED,
							     i, 0, len),
					 0);
			lent[i] = true;
			busy++;
			sent++;
		}
		m = expect(s, AMP_SDB_RELEASE);
		assert_true(m.index < HOST_COUNT && lent[m.index]);
		lent[m.index] = false;
		busy--;
	}
}

static void stats(char *buf, size_t len)
{
	ctl("sdb-stats", buf, len);
}

static void test_listed_and_one_client(void **state)
{
	struct amp_client_sdb a, b;
	char err[256], path[128];

	(void)state;
	start();
	assert_int_equal(ampkit("channels", NULL), 0);
	snprintf(path, sizeof(path), " %s/remoteproc0/rpmsg-sdb\n", run_dir);
	assert_non_null(strstr(out, "rpmsg-sdb "));
	assert_non_null(strstr(out, path));
	sdb_open(&a);
	assert_int_equal(amp_client_sdb_open(NULL, NULL, COUNT, HOST_COUNT,
					     SIZE, &b, err, sizeof(err)),
			 -EBUSY);
	assert_non_null(strstr(err, "in use"));
	amp_client_sdb_close(&a);
	/* Gone: the next client gets it. */
	sdb_open(&a);
	push(&a, 2, 4096);
	amp_client_sdb_close(&a);
	/* A layout the pool cannot hold is refused, with the reason. */
	assert_int_equal(amp_client_sdb_open(NULL, NULL, 64, 32, SIZE, &b, err,
					     sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "does not fit"));
}

static void test_host_to_firmware(void **state)
{
	struct amp_client_sdb s;
	char buf[64], want[64];

	(void)state;
	start();
	sdb_open(&s);
	push(&s, TOTAL / SIZE, SIZE);
	stats(buf, sizeof(buf));
	snprintf(want, sizeof(want), "good %u bad 0", TOTAL / SIZE);
	assert_string_equal(buf, want);
	amp_client_sdb_close(&s);
}

static void test_firmware_to_host(void **state)
{
	struct amp_client_sdb s;
	char cmd[64], buf[64];
	struct amp_sdb_msg m;
	uint32_t n = TOTAL / SIZE;
	int fd;

	(void)state;
	start();
	sdb_open(&s);
	fd = ctl_open();
	snprintf(cmd, sizeof(cmd), "sdb-produce %u %u", n, SIZE);
	assert_int_equal(send(fd, cmd, strlen(cmd), MSG_NOSIGNAL),
			 (ssize_t)strlen(cmd));
	for (uint32_t k = 0; k < n; k++) {
		m = expect(&s, AMP_SDB_FILLED);
		assert_true(m.index >= HOST_COUNT && m.index < COUNT);
		assert_int_equal(m.length, SIZE);
		assert_true(amp_bench_buf_check(
			s.pool + (size_t)m.index * SIZE + m.offset, m.length));
		assert_int_equal(
			amp_client_sdb_send(&s, AMP_SDB_RELEASE, m.index, 0, 0),
			0);
	}
	ctl_read(fd, buf, sizeof(buf));
	snprintf(cmd, sizeof(cmd), "ok sdb-produce %u", n);
	assert_string_equal(buf, cmd);
	close(fd);
	amp_client_sdb_close(&s);
}

static void expect_error(struct amp_client_sdb *s, uint32_t err, uint32_t type,
			 uint32_t index)
{
	struct amp_sdb_msg m = expect(s, AMP_CLIENT_SDB_ERROR);

	assert_int_equal(m.index, err);
	assert_int_equal(m.offset, type);
	assert_int_equal(m.length, index);
}

static void test_bad_messages_change_nothing(void **state)
{
	struct amp_client_sdb s;
	char buf[64];
	struct amp_sdb_msg m;

	(void)state;
	start();
	sdb_open(&s);
	/* The firmware keeps what arrives: buffer 0 stays lent. */
	ctl("sdb-hold", buf, sizeof(buf));
	assert_string_equal(buf, "ok sdb-hold");
	amp_bench_buf_fill(s.pool, 4096, 0);
	assert_int_equal(amp_client_sdb_send(&s, AMP_SDB_FILLED, 0, 0, 4096),
			 0);
	/* Not the host's, out of range, not free, past the buffer, a
	 * release of nothing held, an unknown type. */
	amp_client_sdb_send(&s, AMP_SDB_FILLED, HOST_COUNT, 0, 64);
	expect_error(&s, EINVAL, AMP_SDB_FILLED, HOST_COUNT);
	amp_client_sdb_send(&s, AMP_SDB_FILLED, COUNT, 0, 64);
	expect_error(&s, EINVAL, AMP_SDB_FILLED, COUNT);
	amp_client_sdb_send(&s, AMP_SDB_FILLED, 0, 0, 64);
	expect_error(&s, EPERM, AMP_SDB_FILLED, 0);
	amp_client_sdb_send(&s, AMP_SDB_FILLED, 1, SIZE - 8, 16);
	expect_error(&s, EINVAL, AMP_SDB_FILLED, 1);
	amp_client_sdb_send(&s, AMP_SDB_RELEASE, HOST_COUNT, 0, 0);
	expect_error(&s, EPERM, AMP_SDB_RELEASE, HOST_COUNT);
	amp_client_sdb_send(&s, 99, 0, 0, 0);
	expect_error(&s, EINVAL, 99, 0);
	/* Nothing changed: buffer 0 comes back once, when given back. */
	ctl("sdb-release", buf, sizeof(buf));
	assert_string_equal(buf, "ok sdb-release 1");
	m = expect(&s, AMP_SDB_RELEASE);
	assert_int_equal(m.index, 0);
	/* And the pool still works: all four host buffers, checked. */
	push(&s, 8, 65536);
	stats(buf, sizeof(buf));
	assert_string_equal(buf, "good 9 bad 0");
	amp_client_sdb_close(&s);
}

/* The daemon's log holds `what` (within WAIT_MS). */
static void wait_log(const char *what)
{
	char path[128], *log = malloc(1 << 20);
	size_t n;
	FILE *f;

	assert_non_null(log);
	snprintf(path, sizeof(path), "%s/%s", run_dir, AMP_CLIENT_LOG);
	for (int ms = 0; ms < WAIT_MS; ms += 10) {
		f = fopen(path, "r");
		n = f ? fread(log, 1, (1 << 20) - 1, f) : 0;
		if (f)
			fclose(f);
		log[n] = '\0';
		if (strstr(log, what)) {
			free(log);
			return;
		}
		usleep(10000);
	}
	free(log);
	fail_msg("no \"%s\" in the daemon log", what);
}

/* A client that goes away holding firmware buffers: the daemon gives
 * them back, so the firmware can hand all of its buffers over again (to
 * the ended session's endpoint, which gives them back too). */
static void test_client_gone_gives_back(void **state)
{
	struct amp_client_sdb s;
	char buf[64], cmd[64], want[64], line[128];
	int fd;

	(void)state;
	start();
	sdb_open(&s);
	fd = ctl_open();
	snprintf(cmd, sizeof(cmd), "sdb-produce %u 4096", COUNT - HOST_COUNT);
	assert_int_equal(send(fd, cmd, strlen(cmd), MSG_NOSIGNAL),
			 (ssize_t)strlen(cmd));
	for (uint32_t k = 0; k < COUNT - HOST_COUNT; k++)
		expect(&s, AMP_SDB_FILLED); /* and kept */
	ctl_read(fd, buf, sizeof(buf));
	snprintf(want, sizeof(want), "ok sdb-produce %u", COUNT - HOST_COUNT);
	assert_string_equal(buf, want);
	close(fd);
	amp_client_sdb_close(&s);
	snprintf(line, sizeof(line),
		 "rpmsg-sdb: client gone, %u firmware buffers given back",
		 COUNT - HOST_COUNT);
	wait_log(line);
	/* A new ctl endpoint: the ended session keeps its address, so the
	 * FILLEDs the firmware sends there are not this one's to read. */
	ctl(cmd, buf, sizeof(buf));
	assert_string_equal(buf, want);
	/* And given back by the daemon at once: again. */
	ctl(cmd, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void test_firmware_killed_gives_eof(void **state)
{
	struct amp_client_sdb s;
	struct amp_sdb_msg m;
	pid_t fwpid;

	(void)state;
	start();
	sdb_open(&s);
	push(&s, 2, 4096);
	if (!strcmp(platform, "qemu-m4")) {
		/* QEMU is the coprocessor there: a stop ends it. */
		assert_int_equal(ampkit("stop", NULL), 0);
	} else {
		fwpid = firmware_of(daemon_pid(), -1);
		assert_true(fwpid > 0);
		assert_int_equal(kill(fwpid, SIGKILL), 0);
	}
	assert_int_equal(amp_client_sdb_recv(&s, &m, WAIT_MS), 0);
	amp_client_sdb_close(&s);
}

/* amp_client_sdb_open refused with `want` and a reason naming why. */
static void open_refused(int want, const char *why)
{
	struct amp_client_sdb s;
	char err[256] = "";

	assert_int_equal(amp_client_sdb_open(NULL, NULL, COUNT, HOST_COUNT,
					     SIZE, &s, err, sizeof(err)),
			 want);
	if (!strstr(err, why))
		fail_msg("refused (%d) for '%s', not '%s'", want, err, why);
}

/* A firmware that judges the layout by less than its carveout (the
 * daemon's own check passes it): the client gets the firmware's refusal,
 * and once it takes it again everything works. */
static void test_firmware_refuses_layout(void **state)
{
	struct amp_client_sdb s;
	char buf[64], cmd[40], want[48];

	(void)state;
	start();
	/* One buffer short of the layout asked for below. */
	snprintf(cmd, sizeof(cmd), "sdb-pool %u",
		 (unsigned)((COUNT - 1) * SIZE));
	snprintf(want, sizeof(want), "ok %s", cmd);
	ctl(cmd, buf, sizeof(buf));
	assert_string_equal(buf, want);
	open_refused(-EPROTO, "the firmware refused the layout");
	ctl("sdb-pool 0", buf, sizeof(buf));
	assert_int_equal(strncmp(buf, "ok sdb-pool", 11), 0);
	sdb_open(&s);
	push(&s, 2 * HOST_COUNT, 4096);
	amp_client_sdb_close(&s);
	stats(buf, sizeof(buf));
	snprintf(want, sizeof(want), "good %u bad 0", 2 * HOST_COUNT);
	assert_string_equal(buf, want);
}

/* A firmware that never answers the HELLO: the daemon gives up after
 * its deadline and says so; nothing is left half open. */
static void test_firmware_never_answers(void **state)
{
	struct amp_client_sdb s;
	char buf[64];

	(void)state;
	start();
	ctl("sdb-mute on", buf, sizeof(buf));
	assert_string_equal(buf, "ok sdb-mute on");
	open_refused(-ETIMEDOUT, "no answer from the firmware");
	ctl("sdb-mute off", buf, sizeof(buf));
	assert_string_equal(buf, "ok sdb-mute off");
	sdb_open(&s);
	push(&s, 2 * HOST_COUNT, 4096);
	amp_client_sdb_close(&s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_listed_and_one_client,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_to_firmware, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_firmware_to_host, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_bad_messages_change_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_gone_gives_back,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_firmware_killed_gives_eof,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_firmware_refuses_layout,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_firmware_never_answers,
						setup, teardown),
	};

	if (argc > 1 && !strcmp(argv[1], "qemu-m4")) {
		platform = "qemu-m4";
		COUNT = 4;
		HOST_COUNT = 2;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
