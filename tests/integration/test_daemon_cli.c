/*
 * test_daemon_cli.c - the CLI's remoteproc policies through the daemon,
 * driven as a user would (the ampkit CLI run as a separate process, see
 * cli_run.h):
 *
 * - `recovery disabled`, the firmware killed: `state` says exactly
 *   `crashed` and keeps saying it until `recovery recover`, then
 *   `running` and rpmsg-raw carries the seed again;
 * - `coredump enabled`, a crash: a core file in <run-dir>/coredump/ that
 *   `readelf -lW` reads without complaint and that holds the trace;
 * - `trace` shows the firmware's log lines;
 * - the firmware aborted (ampkit-ctl "crash") under a client of the
 *   rpmsg-raw socket in the middle of a seed test: the client reads an
 *   error or end-of-file, not a hang; the daemon logs the crash, recovery
 *   brings the channel back (or, disabled, the state stays crashed) and a
 *   fresh client runs the seed;
 * - without AMPKIT_RUN_DIR the daemon serves $XDG_RUNTIME_DIR/ampkit;
 * - every line of the daemon's log starts with its timestamp.
 *
 * Deadlines are generous (seconds) for a loaded machine; nothing here
 * measures speed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <ampkit/bench_proto.h>
#include <ampkit/client.h>

#include "cli_run.h"

#define DEADLINE_MS 10000

static int setup(void **state)
{
	(void)state;
	return cli_setup("/tmp/ampkit-cli-XXXXXX");
}

static int teardown(void **state)
{
	char xdg_dir[128];

	(void)state;
	/* test_default_run_dir's daemon, if it failed before shutting it
	 * down: it lives inside run_dir */
	snprintf(xdg_dir, sizeof(xdg_dir), "%s/ampkit", run_dir);
	ampkit("shutdown", "--run-dir", xdg_dir, NULL);
	return cli_teardown();
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 +
	       (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void start(void)
{
	assert_int_equal(ampkit("start", fw, "--wait", "rpmsg-raw", NULL), 0);
}

/* The daemon's answer once `channel` is announced (recovery or recover
 * brings it back a moment after the state says running). */
static void wait_channel(const char *channel)
{
	const char *f[4] = { "wait", AMP_CLIENT_RPROC_DEFAULT, channel,
			     "10000" };
	char err[256];

	if (amp_client_request(run_dir, f, 4, NULL, 0, err, sizeof(err)) < 0)
		fail_msg("wait %s: %s", channel, err);
}

static int open_channel(const char *channel)
{
	char err[256];
	int fd = amp_client_open(run_dir, NULL, channel, err, sizeof(err));

	if (fd < 0)
		fail_msg("open %s: %s", channel, err);
	return fd;
}

/* `ampkit state` until it no longer prints `from`; what it prints then. */
static const char *state_leaving(const char *from)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		assert_int_equal(ampkit("state", NULL), 0);
		if (strcmp(out, from))
			return out;
		usleep(10000);
	} while (ms_since(&t0) < DEADLINE_MS);
	fail_msg("state still %s after %d ms", from, DEADLINE_MS);
	return NULL;
}

static void state_becomes(const char *want)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		assert_int_equal(ampkit("state", NULL), 0);
		if (!strcmp(out, want))
			return;
		usleep(10000);
	} while (ms_since(&t0) < DEADLINE_MS);
	fail_msg("state %s, not %s, after %d ms", out, want, DEADLINE_MS);
}

/* The daemon's log, whole (NUL-terminated, caller frees). */
static char *read_log(const char *dir)
{
	char path[256];
	size_t n = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	FILE *f;

	assert_non_null(buf);
	snprintf(path, sizeof(path), "%s/%s", dir, AMP_CLIENT_LOG);
	f = fopen(path, "r");
	if (f) {
		n = fread(buf, 1, cap - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* The log line holding `what`, once it is there (NULL-free: fails). */
static char *wait_log(const char *what, char *line, size_t len)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		char *log = read_log(run_dir), *at = strstr(log, what);

		if (at) {
			char *nl = strchr(at, '\n');

			while (at > log && at[-1] != '\n')
				at--;
			if (nl) {
				snprintf(line, len, "%.*s", (int)(nl - at), at);
				free(log);
				return line;
			}
		}
		free(log);
		usleep(10000);
	} while (ms_since(&t0) < DEADLINE_MS);
	fail_msg("no \"%s\" in the daemon log after %d ms", what, DEADLINE_MS);
	return NULL;
}

static void ctl_send(const char *cmd)
{
	int fd = open_channel("ampkit-ctl");

	assert_int_equal(send(fd, cmd, strlen(cmd), MSG_NOSIGNAL),
			 (ssize_t)strlen(cmd));
	close(fd);
}

/* ---- recovery disabled, then recover ---- */

static void test_recovery_disabled_until_recover(void **state)
{
	char buf[16], line[512];
	pid_t daemon, old, now;
	int fd;

	(void)state;
	start();
	assert_int_equal(ampkit("recovery", "disabled", NULL), 0);
	assert_string_equal(out, "");
	assert_int_equal(ampkit("recovery", NULL), 0);
	assert_string_equal(out, "disabled\n");
	fd = open_channel("rpmsg-raw");
	assert_int_equal(channel_seed_test(fd, 1024), 1024);
	daemon = daemon_pid();
	old = firmware_of(daemon, -1);
	assert_true(old > 0);

	assert_int_equal(kill(old, SIGKILL), 0);
	assert_string_equal(state_leaving("running\n"), "crashed\n");
	wait_log("crash detected: firmware killed by signal 9", line,
		 sizeof(line));
	/* the connected client was told: end-of-file, not a hang */
	{
		struct pollfd p = { .fd = fd, .events = POLLIN };

		assert_int_equal(poll(&p, 1, DEADLINE_MS), 1);
		assert_true(amp_client_recv(fd, buf, sizeof(buf), 0) <= 0);
		close(fd);
	}
	/* it stays crashed: nothing restarts it, no channel comes back */
	for (int i = 0; i < 10; i++) {
		usleep(50000);
		assert_int_equal(ampkit("state", NULL), 0);
		assert_string_equal(out, "crashed\n");
	}
	assert_int_equal(firmware_of(daemon, -1), -1);
	{
		char err[256];

		assert_true(amp_client_open(run_dir, NULL, "rpmsg-raw", err,
					    sizeof(err)) < 0);
		assert_non_null(strstr(err, "crashed"));
	}
	/* its memory is still there to read */
	assert_int_equal(ampkit("trace", NULL), 0);
	assert_non_null(strstr(out, "ampkit bench firmware booting"));
	assert_int_equal(ampkit("channels", NULL), 0);
	assert_null(strstr(out, "rpmsg-raw"));

	/* ... until recover */
	assert_int_equal(ampkit("recovery", "recover", NULL), 0);
	assert_int_equal(ampkit("state", NULL), 0);
	assert_string_equal(out, "running\n");
	now = firmware_of(daemon, -1);
	assert_true(now > 0 && now != old);
	wait_channel("rpmsg-raw");
	fd = open_channel("rpmsg-raw");
	assert_int_equal(channel_seed_test(fd, 4096), 4096);
	assert_int_equal(channel_seed_test(fd, 512), 512);
	close(fd);
	/* the policy is still disabled */
	assert_int_equal(ampkit("recovery", NULL), 0);
	assert_string_equal(out, "disabled\n");
}

/* ---- coredump ---- */

static void test_coredump_on_crash(void **state)
{
	char line[512], cmd[700], dir[128], text[8192];
	const char *path;
	size_t n;
	FILE *p;
	int fd;

	(void)state;
	if (system("command -v readelf >/dev/null 2>&1"))
		fail_msg("readelf not found (binutils comes with gcc)");
	start();
	assert_int_equal(ampkit("coredump", "enabled", NULL), 0);
	assert_int_equal(ampkit("coredump", NULL), 0);
	assert_string_equal(out, "enabled\n");
	fd = open_channel("rpmsg-raw");
	assert_int_equal(channel_seed_test(fd, 2048), 2048);
	close(fd);
	ctl_send("crash");

	/* logged once the file is complete */
	wait_log("coredump written to ", line, sizeof(line));
	path = strstr(line, "coredump written to ") + 20;
	snprintf(dir, sizeof(dir), "%s/coredump/", run_dir);
	if (strncmp(path, dir, strlen(dir)) || !strstr(path, ".elf"))
		fail_msg("core file %s is not under %s", path, dir);
	snprintf(cmd, sizeof(cmd), "readelf -lW '%s' 2>&1; echo rc=$?", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(text, 1, sizeof(text) - 1, p);
	text[n] = '\0';
	assert_int_equal(pclose(p), 0);
	if (!strstr(text, "rc=0\n") || !strstr(text, "Elf file type is CORE") ||
	    !strstr(text, "NOTE") || !strstr(text, "LOAD") ||
	    strstr(text, "Warning") || strstr(text, "Error"))
		fail_msg("readelf -lW %s:\n%s", path, text);
	/* it holds the firmware's memory: the trace, with its last line */
	{
		FILE *f = fopen(path, "rb");
		struct stat st;
		char *core;

		assert_non_null(f);
		assert_int_equal(fstat(fileno(f), &st), 0);
		assert_true(st.st_size > 64);
		core = malloc((size_t)st.st_size);
		assert_non_null(core);
		assert_int_equal(fread(core, 1, (size_t)st.st_size, f),
				 (size_t)st.st_size);
		fclose(f);
		assert_non_null(memmem(core, (size_t)st.st_size,
				       "test done: 2048 bytes", 21));
		assert_non_null(memmem(core, (size_t)st.st_size,
				       "ctl: crash requested", 20));
		free(core);
	}
	/* recovery (enabled by default) went on after the dump */
	state_becomes("running\n");
	wait_channel("rpmsg-raw");
	fd = open_channel("rpmsg-raw");
	assert_int_equal(channel_seed_test(fd, 1024), 1024);
	close(fd);
}

/* ---- trace ---- */

static void test_trace_shows_firmware_log(void **state)
{
	int fd;

	(void)state;
	assert_int_equal(ampkit("trace", NULL), 1); /* no daemon yet */
	assert_non_null(strstr(errout, "offline"));
	start();
	fd = open_channel("rpmsg-raw");
	assert_int_equal(channel_seed_test(fd, 4096), 4096);
	assert_int_equal(channel_seed_test(fd, 1536), 1536);
	close(fd);
	assert_int_equal(ampkit("trace", NULL), 0);
	assert_string_equal(errout, "");
	if (!strstr(out, "ampkit bench firmware booting: 512-byte buffers\n") ||
	    !strstr(out, "channel rpmsg-raw at 0x") ||
	    !strstr(out, "channel ampkit-ctl at 0x") ||
	    !strstr(out, "test done: 4096 bytes\ntest done: 1536 bytes\n"))
		fail_msg("ampkit trace:\n%s", out);
	/* lines, whole */
	assert_true(out[strlen(out) - 1] == '\n');
}

/* ---- a crash under a client, mid-benchmark ---- */

/* Half a seed test on `fd`, then the firmware aborts: the client's next
 * read returns (error or end-of-file) and its writes fail. */
static void crash_under_client(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint8_t chunk[496] = { 0 }, buf[16];
	struct timespec t0;
	ssize_t r;

	amp_bench_hdr_write(chunk, 4096, 0);
	assert_int_equal(send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL),
			 sizeof(chunk));
	ctl_send("crash");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* the client waits for its ack, as the seed's does */
	assert_int_equal(poll(&p, 1, DEADLINE_MS), 1);
	r = amp_client_recv(fd, buf, sizeof(buf), 0);
	print_message("client saw the crash after %.1f ms (read %zd)\n",
		      ms_since(&t0), r);
	assert_true(r <= 0);
	/* and its writes fail from now on */
	errno = 0;
	assert_int_equal(send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL), -1);
	assert_int_equal(errno, EPIPE);
	close(fd);
}

static void test_crash_mid_benchmark(void **state)
{
	char line[512], err[256];
	int fd;

	(void)state;
	start();
	fd = open_channel("rpmsg-raw");
	assert_int_equal(channel_seed_test(fd, 4096), 4096);
	crash_under_client(fd);
	/* the daemon saw an abort, then recovery (on by default) */
	wait_log("crash detected: firmware killed by signal 6", line,
		 sizeof(line));
	state_becomes("running\n");
	wait_channel("rpmsg-raw");
	fd = open_channel("rpmsg-raw");
	assert_int_equal(channel_seed_test(fd, 4096), 4096);
	assert_int_equal(channel_seed_test(fd, 1024), 1024);

	/* Again with recovery disabled: crashed, and it stays so. */
	assert_int_equal(ampkit("recovery", "disabled", NULL), 0);
	crash_under_client(fd);
	assert_string_equal(state_leaving("running\n"), "crashed\n");
	usleep(200000);
	assert_int_equal(ampkit("state", NULL), 0);
	assert_string_equal(out, "crashed\n");
	assert_true(amp_client_open(run_dir, NULL, "rpmsg-raw", err,
				    sizeof(err)) < 0);
	assert_non_null(strstr(err, "crashed"));
	assert_int_equal(ampkit("recovery", "recover", NULL), 0);
	wait_channel("rpmsg-raw");
	fd = open_channel("rpmsg-raw");
	assert_int_equal(channel_seed_test(fd, 2048), 2048);
	close(fd);
}

/* ---- the default run directory ---- */

static void test_default_run_dir(void **state)
{
	char want[128], got[256], sock[160];
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char *saved = xdg ? strdup(xdg) : NULL;
	struct stat st;
	int fd;

	(void)state;
	/* the rule, as the client library resolves it */
	setenv("XDG_RUNTIME_DIR", "/x/y", 1);
	assert_int_equal(amp_client_run_dir(got, sizeof(got)), 0);
	assert_string_equal(got, run_dir); /* AMPKIT_RUN_DIR first */
	unsetenv(AMP_CLIENT_RUN_DIR_ENV);
	assert_int_equal(amp_client_run_dir(got, sizeof(got)), 0);
	assert_string_equal(got, "/x/y/ampkit");
	setenv(AMP_CLIENT_RUN_DIR_ENV, "", 1); /* empty: not set */
	assert_int_equal(amp_client_run_dir(got, sizeof(got)), 0);
	assert_string_equal(got, "/x/y/ampkit");
	unsetenv(AMP_CLIENT_RUN_DIR_ENV);
	setenv("XDG_RUNTIME_DIR", "", 1);
	snprintf(want, sizeof(want), "/tmp/ampkit-%u", (unsigned)geteuid());
	assert_int_equal(amp_client_run_dir(got, sizeof(got)), 0);
	assert_string_equal(got, geteuid() == 0 ? "/run/ampkit" : want);
	unsetenv("XDG_RUNTIME_DIR");
	assert_int_equal(amp_client_run_dir(got, sizeof(got)), 0);
	assert_string_equal(got, geteuid() == 0 ? "/run/ampkit" : want);

	/* and the daemon the CLI starts serves it */
	setenv("XDG_RUNTIME_DIR", run_dir, 1);
	snprintf(want, sizeof(want), "%s/ampkit", run_dir);
	assert_int_equal(amp_client_run_dir(got, sizeof(got)), 0);
	assert_string_equal(got, want);
	assert_int_equal(ampkit("start", fw, "--wait", "rpmsg-raw", NULL), 0);
	snprintf(sock, sizeof(sock), "%s/%s", want, AMP_CLIENT_SOCK);
	assert_int_equal(stat(sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(stat(want, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(sock, sizeof(sock), "%s/remoteproc0/rpmsg-raw", want);
	assert_int_equal(stat(sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	/* found by the library's default (NULL run directory) */
	{
		char err[256];

		fd = amp_client_open(NULL, NULL, "rpmsg-raw", err, sizeof(err));
		if (fd < 0)
			fail_msg("open with the default run dir: %s", err);
		assert_int_equal(channel_seed_test(fd, 1024), 1024);
		close(fd);
	}
	assert_int_equal(ampkit("channels", NULL), 0);
	assert_non_null(strstr(out, want));
	/* nothing went to the directory AMPKIT_RUN_DIR named before */
	snprintf(sock, sizeof(sock), "%s/%s", run_dir, AMP_CLIENT_SOCK);
	assert_int_equal(stat(sock, &st), -1);
	assert_int_equal(ampkit("shutdown", NULL), 0);
	snprintf(sock, sizeof(sock), "%s/%s", want, AMP_CLIENT_SOCK);
	assert_int_equal(stat(sock, &st), -1);

	if (saved)
		setenv("XDG_RUNTIME_DIR", saved, 1);
	else
		unsetenv("XDG_RUNTIME_DIR");
	free(saved);
	setenv(AMP_CLIENT_RUN_DIR_ENV, run_dir, 1); /* for the teardown */
}

/* ---- the log ---- */

/* "YYYY-MM-DD HH:MM:SS.mmm WHO: text", WHO ampkitd or an rproc name. */
static void test_log_lines_timestamped(void **state)
{
	const char *pat = "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:"
			  "[0-9]{2}\\.[0-9]{3} [A-Za-z0-9._-]+: [^ ]";
	char *log, *line, *save = NULL, first[32];
	struct tm tm = { 0 };
	regex_t re;
	int n = 0, fd;
	double skew;

	(void)state;
	/* a life with many kinds of lines: start, refusal, crash and
	 * recovery, a client, stop, two rprocs, shutdown */
	start();
	assert_int_equal(ampkit("firmware", "/tmp/other.elf", NULL), 1);
	fd = open_channel("rpmsg-raw");
	assert_int_equal(channel_seed_test(fd, 1024), 1024);
	crash_under_client(fd);
	state_becomes("running\n");
	wait_channel("rpmsg-raw");
	assert_int_equal(ampkit("start", fw, "--rproc", "remoteproc1", "--wait",
				"rpmsg-raw", NULL),
			 0);
	assert_int_equal(ampkit("stop", NULL), 0);
	assert_int_equal(ampkit("shutdown", NULL), 0);

	log = read_log(run_dir);
	assert_true(strlen(log) > 0);
	assert_true(log[strlen(log) - 1] == '\n'); /* no partial line */
	assert_int_equal(regcomp(&re, pat, REG_EXTENDED | REG_NOSUB), 0);
	snprintf(first, sizeof(first), "%.23s", log);
	for (line = strtok_r(log, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), n++)
		if (regexec(&re, line, 0, NULL, 0))
			fail_msg("log line %d without its timestamp: \"%s\"",
				 n + 1, line);
	regfree(&re);
	print_message("%d log lines, all timestamped\n", n);
	assert_true(n >= 10);
	free(log);
	/* the wall clock, local time: within a day of now */
	assert_non_null(strptime(first, "%Y-%m-%d %H:%M:%S", &tm));
	tm.tm_isdst = -1;
	skew = difftime(time(NULL), mktime(&tm));
	assert_true(skew > -86400 && skew < 86400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_recovery_disabled_until_recover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coredump_on_crash, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_trace_shows_firmware_log,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_mid_benchmark, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_default_run_dir, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_log_lines_timestamped,
						setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
