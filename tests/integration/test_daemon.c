/*
 * test_daemon.c - `ampkit daemon` end to end, driven as a user would:
 * the ampkit CLI run as a separate process against a temporary run
 * directory, and channel sockets opened with the client library.
 *
 * Covers the life cycle words, the firmware refused while running, the
 * channel listing and its sockets, the seed benchmark from another
 * process through the daemon, an oversized write, a firmware killed under
 * a connected client, one killed while the daemon waits for a tx buffer
 * (clients not read or not accepted yet still read end-of-file), the
 * malformed firmware corpus refused while another coprocessor keeps
 * serving, two coprocessors at once, and shutdown removing every socket.
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

static int setup(void **state)
{
	(void)state;
	return cli_setup("/tmp/ampkit-test-XXXXXX");
}

static int teardown(void **state)
{
	(void)state;
	return cli_teardown();
}

static bool exists(const char *rel)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", run_dir, rel);
	return stat(p, &st) == 0;
}

static void start(const char *rproc)
{
	assert_int_equal(ampkit("start", fw, "--rproc", rproc, "--wait",
				"rpmsg-raw", NULL),
			 0);
}

static void test_life_cycle(void **state)
{
	(void)state;
	assert_int_equal(ampkit("state", NULL), 0);
	assert_string_equal(out, "offline\n");
	start("remoteproc0");
	assert_int_equal(ampkit("state", NULL), 0);
	assert_string_equal(out, "running\n");
	assert_int_equal(ampkit("firmware", NULL), 0);
	assert_non_null(strstr(out, "ampkit-fw-bench"));

	assert_int_equal(ampkit("firmware", "/tmp/other.elf", NULL), 1);
	assert_non_null(strstr(errout, "only be changed while offline"));
	assert_int_equal(ampkit("start", fw, NULL), 1);
	assert_non_null(strstr(errout, "running"));

	assert_int_equal(ampkit("channels", NULL), 0);
	assert_non_null(strstr(out, "rpmsg-raw"));
	assert_non_null(strstr(out, "/remoteproc0/rpmsg-raw\n"));
	assert_true(exists("remoteproc0/rpmsg-raw"));

	assert_int_equal(ampkit("recovery", NULL), 0);
	assert_string_equal(out, "enabled\n");
	assert_int_equal(ampkit("recovery", "sometimes", NULL), 2);
	assert_int_equal(ampkit("coredump", NULL), 0);
	assert_string_equal(out, "disabled\n");

	assert_int_equal(ampkit("stop", NULL), 0);
	assert_int_equal(ampkit("state", NULL), 0);
	assert_string_equal(out, "offline\n");
	assert_false(exists("remoteproc0/rpmsg-raw"));
	assert_int_equal(ampkit("firmware", "/tmp/other.elf", NULL), 0);
	assert_int_equal(ampkit("firmware", NULL), 0);
	assert_string_equal(out, "/tmp/other.elf\n");
	assert_int_equal(ampkit("start", NULL), 1);
	assert_non_null(strstr(errout, "other.elf"));

	assert_int_equal(ampkit("state", "--bogus", NULL), 2);
	assert_non_null(strstr(errout, "unknown option '--bogus'"));
}

/* The seed matrix from another process, through the daemon's socket. */
static void test_bench_through_daemon(void **state)
{
	(void)state;
	start("remoteproc0");
	assert_int_equal(ampkit("bench", "--via", "daemon", "--quick", "--reps",
				"3", NULL),
			 0);
	assert_non_null(strstr(out, "daemon     seed"));
	assert_non_null(strstr(out, "daemon socket path / in-process"));
	assert_null(strstr(out, "FAIL"));
}

static void test_oversize(void **state)
{
	char err[256], big[600] = { 0 }, note[200];
	int fd;

	(void)state;
	start("remoteproc0");
	fd = amp_client_open(run_dir, NULL, "rpmsg-raw", err, sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(send(fd, big, sizeof(big), 0), sizeof(big));
	errno = 0;
	assert_int_equal(amp_client_recv(fd, note, sizeof(note), 0), -1);
	assert_int_equal(errno, EMSGSIZE);
	/* Still usable, and the responder saw nothing of the big one. */
	assert_int_equal(channel_seed_test(fd, 512), 512);
	assert_int_equal(channel_seed_test(fd, 4096), 4096);
	close(fd);

	fd = amp_client_open(run_dir, NULL, "no-such", err, sizeof(err));
	assert_true(fd < 0);
	assert_non_null(strstr(err, "no-such"));
}

static void test_crash(void **state)
{
	struct pollfd p = { .events = POLLIN };
	struct timespec t0, t1;
	char err[256], buf[16];
	pid_t fwpid;
	double ms;
	int fd;

	(void)state;
	start("remoteproc0");
	fd = amp_client_open(run_dir, NULL, "rpmsg-raw", err, sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(channel_seed_test(fd, 1024), 1024);
	fwpid = firmware_of(daemon_pid(), -1);
	assert_true(fwpid > 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(kill(fwpid, SIGKILL), 0);
	p.fd = fd;
	assert_int_equal(poll(&p, 1, 3000), 1);
	assert_true(amp_client_recv(fd, buf, sizeof(buf), 0) <= 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("client saw the crash after %.1f ms\n", ms);
	assert_true(ms < 1000);
	close(fd);

	/* Recovery (enabled by default) brings the channel back. */
	assert_int_equal(ampkit("start", "--wait", "rpmsg-raw", NULL), 1);
	fd = -1;
	for (int i = 0; i < 100 && fd < 0; i++) {
		fd = amp_client_open(run_dir, NULL, "rpmsg-raw", err,
				     sizeof(err));
		if (fd < 0)
			usleep(20000);
	}
	assert_true(fd >= 0);
	assert_int_equal(channel_seed_test(fd, 2048), 2048);
	close(fd);
}

/* What a client reads once the daemon has closed its end: every message
 * still queued for it, then end-of-file (0) rather than an error. */
static ssize_t read_to_eof(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[512];
	ssize_t r;

	do {
		assert_int_equal(poll(&p, 1, 5000), 1);
		r = recv(fd, buf, sizeof(buf), 0);
	} while (r > 0);
	if (r < 0)
		print_message("recv: %s\n", strerror(errno));
	return r;
}

/*
 * The firmware dies while the daemon's thread waits for a tx buffer: a
 * client whose messages the daemon has not read yet, and one that
 * connected but was not accepted yet, both read end-of-file.  (Closing a
 * socket with unread data, or a listener with a pending connection,
 * makes the kernel report ECONNRESET instead.)
 */
static void test_crash_unread(void **state)
{
	char err[256], msg[496] = { 0 };
	pid_t fwpid;
	int a, b, idle;

	(void)state;
	start("remoteproc0");
	a = amp_client_open(run_dir, NULL, "rpmsg-raw", err, sizeof(err));
	assert_true(a >= 0);
	assert_int_equal(channel_seed_test(a, 512), 512); /* accepted */
	fwpid = firmware_of(daemon_pid(), -1);
	assert_true(fwpid > 0);
	assert_int_equal(kill(fwpid, SIGSTOP), 0);
	/* Fill the tx ring, then a's socket: the thread blocks in send. */
	for (idle = 0; idle < 20;) {
		if (send(a, msg, sizeof(msg), MSG_DONTWAIT | MSG_NOSIGNAL) >=
		    0) {
			idle = 0;
			continue;
		}
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		idle++;
		usleep(10000);
	}
	b = amp_client_open(run_dir, NULL, "rpmsg-raw", err, sizeof(err));
	assert_true(b >= 0);
	assert_int_equal(kill(fwpid, SIGKILL), 0);
	assert_int_equal(read_to_eof(a), 0);
	assert_int_equal(read_to_eof(b), 0);
	close(a);
	close(b);
}

/*
 * Every malformed firmware of the corpus, started through the daemon on a
 * second coprocessor, is refused with its own message while the first one
 * keeps serving a connected client.  Returns the number of cases run.
 */
static int refuse_corpus(const char *dir, int client)
{
	char path[700], line[512];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/INDEX", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');

		if (line[0] == '#' || !tab)
			continue;
		*tab = '\0';
		if (nl)
			*nl = '\0';
		snprintf(path, sizeof(path), "%s/%s", dir, line);
		if (ampkit("start", path, "--rproc", "remoteproc1", NULL) !=
			    1 ||
		    !strstr(errout, tab + 1))
			fail_msg("%s: \"%s\", expected \"%s\"", line, errout,
				 tab + 1);
		assert_int_equal(
			ampkit("state", "--rproc", "remoteproc1", NULL), 0);
		assert_string_equal(out, "offline\n");
		if (++n % 16 == 0)
			assert_int_equal(channel_seed_test(client, 1024), 1024);
	}
	fclose(f);
	return n;
}

static void test_corpus_daemon_still_serving(void **state)
{
	char err[256];
	int fd, n;

	(void)state;
	start("remoteproc0");
	fd = amp_client_open(run_dir, NULL, "rpmsg-raw", err, sizeof(err));
	assert_true(fd >= 0);
	n = refuse_corpus(AMP_CORPUS_DIR, fd) +
	    refuse_corpus(AMP_CORPUS_FW_DIR, fd);
	print_message("%d malformed firmware files refused\n", n);
	assert_true(n >= 30);
	assert_int_equal(channel_seed_test(fd, 4096), 4096);
	close(fd);
	/* The second coprocessor still starts good firmware. */
	start("remoteproc1");
}

static void test_two_rprocs(void **state)
{
	char err[256];
	int a, b;

	(void)state;
	start("remoteproc0");
	start("remoteproc1");
	assert_int_equal(ampkit("state", "--rproc", "remoteproc1", NULL), 0);
	assert_string_equal(out, "running\n");
	assert_int_equal(ampkit("channels", "--rproc", "remoteproc1", NULL), 0);
	assert_non_null(strstr(out, "/remoteproc1/rpmsg-raw"));
	a = amp_client_open(run_dir, "remoteproc0", "rpmsg-raw", err,
			    sizeof(err));
	b = amp_client_open(run_dir, "remoteproc1", "rpmsg-raw", err,
			    sizeof(err));
	assert_true(a >= 0 && b >= 0);
	assert_int_equal(channel_seed_test(a, 1024), 1024);
	assert_int_equal(channel_seed_test(b, 2048), 2048);
	assert_int_equal(channel_seed_test(a, 512), 512);
	close(a);
	close(b);
	assert_int_equal(ampkit("stop", "--rproc", "remoteproc1", NULL), 0);
	assert_false(exists("remoteproc1/rpmsg-raw"));
	assert_true(exists("remoteproc0/rpmsg-raw"));
}

static void test_shutdown_removes_sockets(void **state)
{
	char err[256], buf[8];
	int fd;

	(void)state;
	start("remoteproc0");
	fd = amp_client_open(run_dir, NULL, "rpmsg-raw", err, sizeof(err));
	assert_true(fd >= 0);
	assert_true(exists(AMP_CLIENT_SOCK));
	assert_int_equal(ampkit("shutdown", NULL), 0);
	assert_int_equal(recv(fd, buf, sizeof(buf), 0), 0);
	close(fd);
	assert_false(exists(AMP_CLIENT_SOCK));
	assert_false(exists(AMP_CLIENT_PIDFILE));
	assert_false(exists("remoteproc0/rpmsg-raw"));
	assert_false(exists("remoteproc0"));
	assert_true(exists(AMP_CLIENT_LOG));
	assert_int_equal(ampkit("state", NULL), 0);
	assert_string_equal(out, "offline\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_life_cycle, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bench_through_daemon,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_unread, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_corpus_daemon_still_serving, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_rprocs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_shutdown_removes_sockets,
						setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
