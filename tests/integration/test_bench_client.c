/*
 * test_bench_client.c - the seed client against socketpair children that
 * answer right, answer a wrong count, answer malformed, never answer, or
 * die; the ping-pong against good and bad echoes; and the whole run's
 * exit status when an acknowledgement is wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include <ampkit/bench_proto.h>

#include "bench.h"

#define MS 1000000ull

static struct amp_bench_xport *open_or_die(amp_bench_serve_fn serve,
					   uint32_t max)
{
	char err[160] = "";
	struct amp_bench_xport *x =
		amp_bench_sock_open(serve, max, err, sizeof(err));

	if (!x)
		fail_msg("%s", err);
	return x;
}

/* The real responder, but every ack counts one byte too many. */
static int serve_liar(int fd, uint32_t max)
{
	struct amp_bench_resp resp = { 0 };
	uint8_t ack[4], *buf = malloc(max);
	uint32_t n;
	ssize_t r;

	while ((r = recv(fd, buf, max, 0)) > 0) {
		n = amp_bench_resp_feed(&resp, buf, (uint32_t)r, ack);
		if (!n)
			continue;
		ack[0]++;
		if (send(fd, ack, n, MSG_NOSIGNAL) < 0)
			break;
	}
	free(buf);
	return 0;
}

/* Acks of three bytes: neither the seed's nor the extension's shape. */
static int serve_odd_ack(int fd, uint32_t max)
{
	struct amp_bench_resp resp = { 0 };
	uint8_t ack[4] = { 0 }, *buf = malloc(max);
	ssize_t r;

	while ((r = recv(fd, buf, max, 0)) > 0)
		if (amp_bench_resp_feed(&resp, buf, (uint32_t)r, ack) &&
		    send(fd, ack, 3, MSG_NOSIGNAL) < 0)
			break;
	free(buf);
	return 0;
}

static int serve_silent(int fd, uint32_t max)
{
	uint8_t *buf = malloc(max);

	while (recv(fd, buf, max, 0) > 0)
		;
	free(buf);
	return 0;
}

static int serve_dead(int fd, uint32_t max)
{
	(void)fd;
	(void)max;
	return 0;
}

static int serve_bad_echo(int fd, uint32_t max)
{
	uint8_t *buf = malloc(max);
	ssize_t r;

	while ((r = recv(fd, buf, max, 0)) > 0) {
		buf[r - 1] ^= 0xFF;
		if (send(fd, buf, (size_t)r, MSG_NOSIGNAL) < 0)
			break;
	}
	free(buf);
	return 0;
}

static void test_seed_ok(void **state)
{
	struct amp_bench_xport *x = open_or_die(amp_bench_serve_resp, 496);
	struct amp_bench_result res;

	(void)state;
	memset(&res, 0, sizeof(res));
	assert_int_equal(
		amp_bench_run_test(x, 512, 2, 5, true, 5000 * MS, &res), 0);
	assert_true(res.ok);
	assert_int_equal(res.reps, 5);
	assert_int_equal(res.total, 1024);
	assert_int_equal(res.msgs, 4); /* 496 + 16, twice */
	assert_int_equal(res.msg_max, 496);
	assert_true(res.st.median_ns > 0);
	assert_true(res.st.p99_ns >= res.st.median_ns);
	assert_true(res.bytes_per_s > 0);

	/* A block smaller than a message and exactly a message. */
	assert_int_equal(
		amp_bench_run_test(x, 496, 3, 3, false, 5000 * MS, &res), 0);
	assert_int_equal(res.msgs, 3);
	amp_bench_xport_close(x);
}

/* Above 65535 bytes: the extended header and a 4-byte ack. */
static void test_extended_ok(void **state)
{
	struct amp_bench_xport *x = open_or_die(amp_bench_serve_resp, 65520);
	struct amp_bench_result res;

	(void)state;
	memset(&res, 0, sizeof(res));
	assert_int_equal(
		amp_bench_run_test(x, 65536, 1, 3, true, 5000 * MS, &res), 0);
	assert_int_equal(res.msgs, 2);
	assert_int_equal(
		amp_bench_run_test(x, 1 << 20, 2, 2, false, 5000 * MS, &res),
		0);
	assert_true(res.ok);
	assert_int_equal(res.total, 2u << 20);
	/* Exactly at the seed's limit, and one past it. */
	assert_int_equal(
		amp_bench_run_test(x, 65535, 1, 2, false, 5000 * MS, &res), 0);
	assert_int_equal(
		amp_bench_run_test(x, 65536, 1, 2, false, 5000 * MS, &res), 0);
	amp_bench_xport_close(x);
}

static void test_wrong_count(void **state)
{
	struct amp_bench_xport *x = open_or_die(serve_liar, 496);
	struct amp_bench_result res;

	(void)state;
	memset(&res, 0, sizeof(res));
	assert_int_equal(
		amp_bench_run_test(x, 512, 1, 5, false, 5000 * MS, &res), -1);
	assert_false(res.ok);
	assert_int_equal(res.reps, 0);
	assert_non_null(strstr(res.why, "ack says 513 bytes, sent 512"));
	assert_false(x->broken); /* the peer is idle again: keep going */
	amp_bench_xport_close(x);

	x = open_or_die(serve_odd_ack, 496);
	assert_int_equal(
		amp_bench_run_test(x, 512, 1, 5, false, 5000 * MS, &res), -1);
	assert_non_null(strstr(res.why, "ack of 3 bytes, expected 2"));
	amp_bench_xport_close(x);
}

/* Two transports, repetitions alternating: each gets its own row; one
 * that lies fails alone and the other still runs every repetition. */
static void test_pair(void **state)
{
	struct amp_bench_xport *a = open_or_die(amp_bench_serve_resp, 496),
			       *b = open_or_die(amp_bench_serve_resp, 496);
	struct amp_bench_result ra, rb;

	(void)state;
	memset(&ra, 0, sizeof(ra));
	memset(&rb, 0, sizeof(rb));
	assert_int_equal(amp_bench_run_test_pair(a, b, 1024, 2, 7, true,
						 5000 * MS, &ra, &rb),
			 0);
	assert_true(ra.ok && rb.ok);
	assert_int_equal(ra.reps, 7);
	assert_int_equal(rb.reps, 7);
	assert_int_equal(ra.total, 2048);
	assert_int_equal(rb.msgs, 6);
	assert_true(ra.st.median_ns > 0 && rb.st.median_ns > 0);
	amp_bench_xport_close(b);

	b = open_or_die(serve_liar, 496);
	assert_int_equal(amp_bench_run_test_pair(b, a, 512, 1, 5, false,
						 5000 * MS, &rb, &ra),
			 -1);
	assert_false(rb.ok);
	assert_int_equal(rb.reps, 0);
	assert_non_null(strstr(rb.why, "ack says 513 bytes, sent 512"));
	assert_true(ra.ok);
	assert_int_equal(ra.reps, 5);
	amp_bench_xport_close(b);
	amp_bench_xport_close(a);
}

static void test_timeout_breaks_transport(void **state)
{
	struct amp_bench_xport *x = open_or_die(serve_silent, 496);
	struct amp_bench_result res;
	uint64_t t0 = amp_bench_now_ns();

	(void)state;
	memset(&res, 0, sizeof(res));
	assert_int_equal(
		amp_bench_run_test(x, 1024, 1, 3, false, 200 * MS, &res), -1);
	assert_non_null(strstr(res.why, "no ack by the deadline"));
	assert_true(x->broken);
	/* The socket wakes once a second to look at the deadline. */
	assert_true(amp_bench_now_ns() - t0 < 3000 * MS);
	assert_int_equal(
		amp_bench_run_test(x, 512, 1, 3, false, 200 * MS, &res), -1);
	assert_non_null(strstr(res.why, "skipped"));
	amp_bench_xport_close(x);
}

static void test_dead_peer(void **state)
{
	struct amp_bench_xport *x = open_or_die(serve_dead, 496);
	struct amp_bench_result res;

	(void)state;
	usleep(50000); /* let the child exit first */
	memset(&res, 0, sizeof(res));
	assert_int_equal(
		amp_bench_run_test(x, 2048, 2, 3, false, 5000 * MS, &res), -1);
	assert_false(res.ok);
	assert_true(x->broken);
	amp_bench_xport_close(x);
}

static void test_bad_shape(void **state)
{
	struct amp_bench_xport *x = open_or_die(amp_bench_serve_resp, 496);
	struct amp_bench_result res;

	(void)state;
	memset(&res, 0, sizeof(res));
	/* The header cannot fit a 4-byte first message. */
	assert_int_equal(
		amp_bench_run_test(x, 4, 10, 1, false, 5000 * MS, &res), -1);
	assert_non_null(strstr(res.why, "not supported"));
	assert_false(x->broken);
	amp_bench_xport_close(x);
}

static void test_pingpong(void **state)
{
	struct amp_bench_xport *x = open_or_die(amp_bench_serve_echo, 496);
	struct amp_bench_result res;

	(void)state;
	memset(&res, 0, sizeof(res));
	assert_int_equal(amp_bench_run_pingpong(x, 16, 200, 20, &res), 0);
	assert_true(res.ok);
	assert_int_equal(res.reps, 200);
	assert_true(res.st.median_ns > 0);
	assert_true(res.msgs_per_s > 0);
	amp_bench_xport_close(x);

	x = open_or_die(serve_bad_echo, 496);
	assert_int_equal(amp_bench_run_pingpong(x, 16, 200, 20, &res), -1);
	assert_non_null(strstr(res.why, "does not match"));
	amp_bench_xport_close(x);
}

static void test_run_exit_status(void **state)
{
	struct amp_bench_opts o;
	char *out = NULL;
	size_t len = 0;

	(void)state;
	amp_bench_opts_default(&o);
	o.modes = AMP_BENCH_MODE_SOCKETPAIR;
	o.matrices = AMP_BENCH_MATRIX_SEED;
	o.quick = true;
	o.out = open_memstream(&out, &len);
	assert_int_equal(amp_bench_run(&o), 0);
	fclose(o.out);
	assert_non_null(strstr(out, "socketpair"));
	assert_non_null(strstr(out, "floors & ratios"));
	assert_null(strstr(out, "FAIL"));
	free(out);

	o.sock_serve = serve_liar;
	o.out = open_memstream(&out, &len);
	assert_int_equal(amp_bench_run(&o), 1);
	fclose(o.out);
	assert_non_null(strstr(out, "FAIL"));
	assert_non_null(strstr(out, "11 test(s) FAILED"));
	assert_non_null(strstr(out, "ack says 513 bytes, sent 512"));
	free(out);
}

static void test_floors(void **state)
{
	struct amp_bench_floors f;
	char err[128];

	(void)state;
	assert_int_equal(
		amp_bench_measure_floors(&f, 500, 50, err, sizeof(err)), 0);
	assert_true(f.busy_poll_rtt_ns > 0 && f.busy_poll_rtt_ns < 1e8);
	assert_true(f.wake_rtt_ns > 0 && f.wake_rtt_ns < 1e9);
	assert_true(f.memcpy_gbps > 0.1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_ok),
		cmocka_unit_test(test_extended_ok),
		cmocka_unit_test(test_wrong_count),
		cmocka_unit_test(test_pair),
		cmocka_unit_test(test_timeout_breaks_transport),
		cmocka_unit_test(test_dead_peer),
		cmocka_unit_test(test_bad_shape),
		cmocka_unit_test(test_pingpong),
		cmocka_unit_test(test_run_exit_status),
		cmocka_unit_test(test_floors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
