/*
 * test_bench_tty.c - the bench over a terminal: the tty transport against
 * a pty whose master a forked child serves with the seed responder (the
 * seed and extended matrices pass), with a responder that lies, one that
 * never answers and one that cuts every header; the pty-pair baseline;
 * and `ampkit bench --tty PATH` end to end (exit 0, 1 and 2, a bad path).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <ampkit/bench_proto.h>

#include "bench.h"

#define MS 1000000ull

static struct amp_bench_xport *
tty_or_die(amp_bench_serve_fn serve, pid_t *child, char *path, size_t pathlen)
{
	struct amp_bench_xport *x;
	char err[160] = "";

	*child = amp_bench_pty_serve(serve, path, pathlen, err, sizeof(err));
	if (*child < 0)
		fail_msg("%s", err);
	x = amp_bench_tty_open(path, 0, err, sizeof(err));
	if (!x)
		fail_msg("%s", err);
	return x;
}

/* The real responder, but every ack counts one byte too many. */
static int serve_liar(int fd, uint32_t max)
{
	struct amp_bench_resp resp = { 0 };
	uint8_t ack[4], buf[4096];
	uint32_t n;
	ssize_t r;

	(void)max;
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		n = amp_bench_resp_feed(&resp, buf, (uint32_t)r, ack);
		if (!n)
			continue;
		ack[0]++;
		if (write(fd, ack, n) != (ssize_t)n)
			break;
	}
	return 0;
}

static int serve_silent(int fd, uint32_t max)
{
	uint8_t buf[4096];

	(void)max;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	return 0;
}

/*
 * The stream responder given its bytes in pieces: a SEQPACKET socket
 * makes every read() return exactly one of the pieces sent, so the header
 * is cut where the test says.  cuts[] lists the piece sizes up to the
 * header's end; the rest of the test follows in 4 KiB pieces.
 */
static void feed_cut(int fd, uint32_t total, const uint32_t *cuts, int ncuts)
{
	uint8_t *buf = malloc(total), ack[4];
	uint32_t off = 0, n, ack_size = amp_bench_ack_size(total);
	int i;

	assert_non_null(buf);
	amp_bench_pattern(buf, 0, total);
	amp_bench_hdr_write(buf, total, 0);
	for (i = 0; i < ncuts; off += cuts[i++])
		assert_int_equal(send(fd, buf + off, cuts[i], 0), cuts[i]);
	/* (in pieces a SEQPACKET socket and the reader's buffer take) */
	for (; off < total; off += n) {
		n = total - off < 4096 ? total - off : 4096;
		assert_int_equal(send(fd, buf + off, n, 0), (ssize_t)n);
	}
	assert_int_equal(recv(fd, ack, sizeof(ack), 0), (ssize_t)ack_size);
	assert_int_equal(amp_bench_ack_parse(ack, ack_size), total);
	free(buf);
}

static void test_stream_resp_cut_headers(void **state)
{
	static const uint32_t ones[10] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	static const uint32_t threes[] = { 3, 3 }, four_six[] = { 4, 6 };
	int sv[2], status;
	pid_t pid;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		_exit(amp_bench_serve_stream_resp(sv[1], 1 << 20));
	}
	close(sv[1]);
	feed_cut(sv[0], 512, ones, 6);	      /* standard, byte by byte */
	feed_cut(sv[0], 70000, ones, 10);     /* extended, byte by byte */
	feed_cut(sv[0], 1024, threes, 2);     /* cut inside the length */
	feed_cut(sv[0], 100000, four_six, 2); /* length 0 seen, then more */
	feed_cut(sv[0], 6, ones, 6);	      /* the header is the test */
	feed_cut(sv[0], 4096, NULL, 0);	      /* whole, as usual */
	close(sv[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_tty_seed_ok(void **state)
{
	static const uint32_t seed[11][2] = {
		{ 512, 1 },  { 512, 2 },  { 512, 4 },  { 512, 8 },
		{ 1024, 1 }, { 1024, 2 }, { 1024, 4 }, { 1024, 5 },
		{ 2048, 1 }, { 2048, 2 }, { 4096, 1 },
	};
	struct amp_bench_result res;
	int i;
	struct amp_bench_xport *x;
	char path[64];
	pid_t child;

	(void)state;
	x = tty_or_die(amp_bench_serve_stream_resp, &child, path, sizeof(path));
	assert_true(x->stream);
	memset(&res, 0, sizeof(res));
	/* The seed's whole matrix, each block one write. */
	for (i = 0; i < 11; i++) {
		assert_int_equal(amp_bench_run_test(x, seed[i][0], seed[i][1],
						    5, true, 5000 * MS, &res),
				 0);
		assert_true(res.ok);
		assert_int_equal(res.msgs, seed[i][1]);
		assert_int_equal(res.total, seed[i][0] * seed[i][1]);
	}
	/* Far past the seed's 5-6 KB hang, with the 4-byte ack. */
	assert_int_equal(
		amp_bench_run_test(x, 1 << 20, 1, 3, true, 10000 * MS, &res),
		0);
	assert_true(res.ok);
	assert_int_equal(res.msgs, 1);
	/* A 6-byte test is the header alone. */
	assert_int_equal(amp_bench_run_test(x, 6, 1, 3, false, 5000 * MS, &res),
			 0);
	amp_bench_xport_close(x);
	amp_bench_pty_stop(child);
}

static void test_tty_wrong_ack(void **state)
{
	struct amp_bench_result res;
	struct amp_bench_xport *x;
	char path[64];
	pid_t child;

	(void)state;
	x = tty_or_die(serve_liar, &child, path, sizeof(path));
	memset(&res, 0, sizeof(res));
	assert_int_equal(
		amp_bench_run_test(x, 512, 2, 5, false, 5000 * MS, &res), -1);
	assert_false(res.ok);
	assert_non_null(strstr(res.why, "ack says 1025 bytes, sent 1024"));
	assert_false(x->broken);
	amp_bench_xport_close(x);
	amp_bench_pty_stop(child);
}

static void test_tty_silent_times_out(void **state)
{
	struct amp_bench_result res;
	struct amp_bench_xport *x;
	uint64_t t0;
	char path[64];
	pid_t child;

	(void)state;
	x = tty_or_die(serve_silent, &child, path, sizeof(path));
	memset(&res, 0, sizeof(res));
	t0 = amp_bench_now_ns();
	assert_int_equal(
		amp_bench_run_test(x, 2048, 2, 3, false, 200 * MS, &res), -1);
	assert_non_null(strstr(res.why, "no ack by the deadline"));
	assert_true(x->broken);
	assert_true(amp_bench_now_ns() - t0 < 2000 * MS);
	/* The stream's state is unknown now: nothing more runs on it. */
	assert_int_equal(
		amp_bench_run_test(x, 512, 1, 3, false, 200 * MS, &res), -1);
	assert_non_null(strstr(res.why, "skipped"));
	amp_bench_xport_close(x);
	amp_bench_pty_stop(child);
}

/* The firmware side vanishes: the tty hangs up, the test fails at once. */
static void test_tty_peer_gone(void **state)
{
	struct amp_bench_result res;
	struct amp_bench_xport *x;
	uint64_t t0;
	char path[64];
	pid_t child;

	(void)state;
	x = tty_or_die(amp_bench_serve_stream_resp, &child, path, sizeof(path));
	memset(&res, 0, sizeof(res));
	assert_int_equal(
		amp_bench_run_test(x, 512, 1, 3, false, 5000 * MS, &res), 0);
	amp_bench_pty_stop(child); /* the master's last holder */
	t0 = amp_bench_now_ns();
	assert_int_equal(
		amp_bench_run_test(x, 4096, 1, 3, false, 5000 * MS, &res), -1);
	assert_false(res.ok);
	assert_true(x->broken);
	assert_null(strstr(res.why, "deadline"));
	assert_true(amp_bench_now_ns() - t0 < 1000 * MS);
	amp_bench_xport_close(x);
}

/* A path that is not there, and one that is not a terminal. */
static void test_tty_open_errors(void **state)
{
	char err[160];

	(void)state;
	assert_null(amp_bench_tty_open("/nonexistent/ttyRPMSG0", 0, err,
				       sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/ttyRPMSG0: No such file"));
	assert_null(amp_bench_tty_open("/dev/null", 0, err, sizeof(err)));
	assert_string_equal(err, "/dev/null: not a terminal");
	assert_null(amp_bench_tty_open("/dev/null", 12345, err, sizeof(err)));
	assert_non_null(strstr(err, "12345 baud"));
	assert_true(amp_bench_tty_baud_ok(115200));
	assert_false(amp_bench_tty_baud_ok(0));
}

/* The baseline: the client writes a pty master, a child reads the slave. */
static void test_ptypair(void **state)
{
	struct amp_bench_result res;
	struct amp_bench_xport *x;
	char err[160];

	(void)state;
	x = amp_bench_ptypair_open(amp_bench_serve_stream_resp, err,
				   sizeof(err));
	if (!x)
		fail_msg("%s", err);
	memset(&res, 0, sizeof(res));
	assert_int_equal(
		amp_bench_run_test(x, 1 << 20, 1, 3, true, 10000 * MS, &res),
		0);
	assert_true(res.bytes_per_s > 0);
	assert_int_equal(
		amp_bench_run_test(x, 512, 2, 3, true, 5000 * MS, &res), 0);
	amp_bench_xport_close(x);
}

/*
 * Run `ampkit bench ARGS...`, its stdout and stderr into one buffer.
 * Returns the exit status (-1 if it did not exit).
 */
static int ampkit(char **out, const char *const *args)
{
	char *argv[16], tmpl[] = "/tmp/ampkit-bench-tty-XXXXXX";
	int fd, status, n = 0;
	size_t len = 0;
	FILE *f;
	pid_t pid;

	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	unlink(tmpl);
	argv[n++] = (char *)"ampkit";
	argv[n++] = (char *)"bench";
	while (*args && n < 15)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execv(AMPKIT_EXE, argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	f = fdopen(fd, "r");
	assert_non_null(f);
	rewind(f);
	*out = NULL;
	assert_true(getdelim(out, &len, '\0', f) >= 0);
	fclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* `ampkit bench --tty PATH` against a pty served by the seed responder:
 * every row ok, the baseline measured, the target computed. */
static void test_cli_tty_ok(void **state)
{
	char path[64], err[160], json[] = "/tmp/ampkit-bench-tty-json-XXXXXX";
	const char *args[] = { "--tty", path, "--quick", "--json", json, NULL };
	char *out, *doc, *t, *v;
	pid_t child;
	int fd;

	(void)state;
	child = amp_bench_pty_serve(amp_bench_serve_stream_resp, path,
				    sizeof(path), err, sizeof(err));
	if (child < 0)
		fail_msg("%s", err);
	fd = mkstemp(json);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(ampkit(&out, args), 0);
	amp_bench_pty_stop(child);
	assert_non_null(strstr(out, "tty        seed"));
	assert_non_null(strstr(out, "tty        extended"));
	assert_non_null(strstr(out, "ptypair    extended"));
	assert_null(strstr(out, "FAIL"));
	/* The target is measured: PASS or MISS, not n/a. */
	t = strstr(out, "tty 1 MiB / pty pair 1 MiB");
	assert_non_null(t);
	*strchrnul(t, '\n') = '\0';
	assert_true(strstr(t, "PASS") || strstr(t, "MISS"));
	free(out);

	doc = slurp(json);
	unlink(json);
	assert_non_null(strstr(doc, "\"mode\": \"tty\", \"matrix\": \"seed\""));
	assert_non_null(
		strstr(doc, "\"mode\": \"ptypair\", \"matrix\": \"extended\""));
	v = strstr(doc, "\"name\": \"tty_vs_ptypair\"");
	assert_non_null(v);
	v = strstr(v, "\"value\": ");
	assert_non_null(v);
	assert_true(strncmp(v + 9, "null", 4) != 0);
	assert_non_null(strstr(doc, "\"ok\": true\n}"));
	free(doc);
}

/* A wrong count fails the run (exit 1) and names the row; a path that is
 * not there or not a terminal fails before anything runs; a bad speed is
 * a usage error. */
static void test_cli_tty_errors(void **state)
{
	char path[64], err[160];
	const char *liar[] = { "--tty",	   path,   "--quick",
			       "--matrix", "seed", NULL };
	const char *missing[] = { "--tty", "/nonexistent/ttyRPMSG0", NULL };
	const char *notty[] = { "--tty", "/dev/null", NULL };
	const char *baud[] = { "--tty", "/dev/null", "--tty-baud", "1234",
			       NULL };
	char *out;
	pid_t child;

	(void)state;
	child = amp_bench_pty_serve(serve_liar, path, sizeof(path), err,
				    sizeof(err));
	if (child < 0)
		fail_msg("%s", err);
	assert_int_equal(ampkit(&out, liar), 1);
	amp_bench_pty_stop(child);
	assert_non_null(strstr(out, "11 test(s) FAILED"));
	assert_non_null(strstr(out, "tty seed 512x1 (buf 0): rep 0: ack "
				    "says 513 bytes, sent 512"));
	free(out);

	assert_int_equal(ampkit(&out, missing), 1);
	assert_string_equal(out, "ampkit bench: --tty /nonexistent/ttyRPMSG0: "
				 "No such file or directory\n");
	free(out);
	assert_int_equal(ampkit(&out, notty), 1);
	assert_string_equal(out,
			    "ampkit bench: --tty /dev/null: not a terminal\n");
	free(out);
	assert_int_equal(ampkit(&out, baud), 2);
	assert_non_null(strstr(out, "--tty-baud: '1234' is not a termios"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_resp_cut_headers),
		cmocka_unit_test(test_tty_seed_ok),
		cmocka_unit_test(test_tty_wrong_ack),
		cmocka_unit_test(test_tty_silent_times_out),
		cmocka_unit_test(test_tty_peer_gone),
		cmocka_unit_test(test_tty_open_errors),
		cmocka_unit_test(test_ptypair),
		cmocka_unit_test(test_cli_tty_ok),
		cmocka_unit_test(test_cli_tty_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
