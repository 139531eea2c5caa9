/*
 * client.c - the seed's test client and the ping-pong, over any transport.
 *
 * A test is the seed's tester.add_test(block, blocks): `blocks` writes of
 * `block` bytes, each cut into messages of at most max_msg bytes (as the
 * seed's tty writes were cut into 496-byte RPMsg payloads), the header at
 * the front of the first one, then one acknowledgement that must equal the
 * byte count.  A stream transport (a tty) gets each block in one write,
 * as the seed's tty client wrote it, and is asked for exactly the ack's
 * size since a stream has no message boundaries.  Everything a repetition needs
 * is prepared before its clock starts: the message path only sends slices of a
 * constant pattern buffer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ampkit/bench_proto.h>

#include "bench.h"

/*
 * The pattern repeats every 256 bytes, so a message starting at stream
 * offset off is simply pat + (off & 0xFF): one buffer of max_msg + 256
 * bytes serves a stream of any length without a copy.
 */
static uint8_t *pattern_new(uint32_t max_msg)
{
	uint8_t *pat = malloc((size_t)max_msg + 256);

	if (pat)
		amp_bench_pattern(pat, 0, max_msg + 256);
	return pat;
}

static uint16_t pattern_crc(const uint8_t *pat, uint32_t max_msg, uint64_t from,
			    uint64_t to)
{
	uint16_t crc = 0;
	uint64_t n;

	for (; from < to; from += n) {
		n = to - from < max_msg ? to - from : max_msg;
		crc = amp_crc16(crc, pat + (from & 0xFF), (size_t)n);
	}
	return crc;
}

static void fail(struct amp_bench_result *res, uint32_t rep, const char *what,
		 int err)
{
	if (!res->ok)
		return; /* keep the first reason */
	res->ok = false;
	if (err)
		snprintf(res->why, sizeof(res->why), "rep %u: %s: %s", rep,
			 what, strerror(-err));
	else
		snprintf(res->why, sizeof(res->why), "rep %u: %s", rep, what);
}

static void pause_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull),
			       .tv_nsec = (long)(ns % 1000000000ull) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* One repetition; its time in *ns.  0 or -1 (reason in res). */
static int run_once(struct amp_bench_xport *x, const uint8_t *first,
		    const uint8_t *pat, uint32_t block, uint32_t blocks,
		    uint64_t total, uint64_t timeout_ns, uint32_t rep,
		    struct amp_bench_result *res, uint64_t *ns)
{
	uint32_t max = x->max_msg,
		 ack_size = amp_bench_ack_size((uint32_t)total);
	uint64_t off = 0, t0, deadline;
	uint8_t ack[8];
	char what[96];
	int64_t count;
	uint32_t b, left, n;
	int r;

	t0 = amp_bench_now_ns();
	deadline = t0 + timeout_ns;
	for (b = 0; b < blocks; b++) {
		if (b && x->block_gap_ns)
			pause_ns(x->block_gap_ns);
		for (left = block; left; left -= n, off += n) {
			n = left < max ? left : max;
			r = x->ops->send(x, off ? pat + (off & 0xFF) : first, n,
					 deadline);
			if (r < 0) {
				snprintf(what, sizeof(what),
					 "send at byte %llu of %llu",
					 (unsigned long long)off,
					 (unsigned long long)total);
				fail(res, rep, what, r);
				x->broken = true;
				return -1;
			}
		}
	}
	/* A stream cannot mark where the ack ends: read the size owed. */
	r = x->ops->recv(x, ack, x->stream ? ack_size : sizeof(ack), deadline);
	*ns = amp_bench_now_ns() - t0;
	if (r < 0) {
		fail(res, rep,
		     r == -ETIMEDOUT ? "no ack by the deadline" : "ack",
		     r == -ETIMEDOUT ? 0 : r);
		x->broken = true;
		return -1;
	}
	count = (uint32_t)r == ack_size ? amp_bench_ack_parse(ack, ack_size)
					: -1;
	if (count < 0) {
		snprintf(what, sizeof(what), "ack of %d bytes, expected %u", r,
			 ack_size);
		fail(res, rep, what, 0);
		return -1;
	}
	if ((uint64_t)count != total) {
		snprintf(what, sizeof(what), "ack says %lld bytes, sent %llu",
			 (long long)count, (unsigned long long)total);
		fail(res, rep, what, 0);
		return -1;
	}
	return 0;
}

/* One transport's part of a test: its buffers, its samples. */
struct test_run {
	struct amp_bench_xport *x;
	struct amp_bench_result *res;
	uint8_t *pat, *first;
	uint64_t *samples;
	uint32_t done;
	bool live; /* set up, and no repetition has failed */
};

static void test_begin(struct test_run *t, struct amp_bench_xport *x,
		       uint32_t block, uint32_t blocks, uint32_t reps,
		       struct amp_bench_result *res)
{
	uint64_t total = (uint64_t)block * blocks;
	uint32_t max = x->max_msg, hdr, first_len;

	memset(t, 0, sizeof(*t));
	t->x = x;
	t->res = res;
	res->block = block;
	res->blocks = blocks;
	res->total = total;
	res->msg_max = max;
	res->msgs = (uint64_t)((block + max - 1) / max) * blocks;
	res->ok = true;
	res->why[0] = '\0';
	res->reps = 0;
	memset(&res->st, 0, sizeof(res->st));
	res->bytes_per_s = res->msgs_per_s = 0;

	hdr = amp_bench_hdr_size((uint32_t)total);
	first_len = block < max ? block : max;
	if (x->broken) {
		fail(res, 0, "skipped: the transport broke in an earlier test",
		     0);
		return;
	}
	if (total > UINT32_MAX || block == 0 || blocks == 0 || reps == 0 ||
	    first_len < hdr) {
		fail(res, 0, "test shape not supported", 0);
		return;
	}
	t->pat = pattern_new(max);
	t->first = malloc(max);
	t->samples = calloc(reps, sizeof(*t->samples));
	if (!t->pat || !t->first || !t->samples) {
		fail(res, 0, "out of memory", 0);
		return;
	}
	memcpy(t->first, t->pat, first_len);
	amp_bench_hdr_write(t->first, (uint32_t)total,
			    pattern_crc(t->pat, max, hdr, total));
	t->live = true;
}

/* Repetition `rep`; its time kept as a sample unless it is the warm-up.
 * A failed repetition ends this transport's part of the test. */
static void test_rep(struct test_run *t, uint64_t timeout_ns, uint32_t rep,
		     bool keep)
{
	const struct amp_bench_result *res = t->res;
	uint64_t ns;

	if (!t->live)
		return;
	if (run_once(t->x, t->first, t->pat, res->block, res->blocks,
		     res->total, timeout_ns, rep, t->res, &ns) < 0)
		t->live = false;
	else if (keep)
		t->samples[t->done++] = ns;
}

static int test_end(struct test_run *t)
{
	struct amp_bench_result *res = t->res;

	amp_bench_result_timed(res, t->samples, t->done);
	free(t->samples);
	free(t->first);
	free(t->pat);
	return res->ok ? 0 : -1;
}

int amp_bench_run_test(struct amp_bench_xport *x, uint32_t block,
		       uint32_t blocks, uint32_t reps, bool warmup,
		       uint64_t timeout_ns, struct amp_bench_result *res)
{
	struct test_run t;
	uint32_t i;

	test_begin(&t, x, block, blocks, reps, res);
	if (warmup)
		test_rep(&t, timeout_ns, 0, false);
	for (i = 0; i < reps && t.live; i++)
		test_rep(&t, timeout_ns, i, true);
	return test_end(&t);
}

int amp_bench_run_test_pair(struct amp_bench_xport *a,
			    struct amp_bench_xport *b, uint32_t block,
			    uint32_t blocks, uint32_t reps, bool warmup,
			    uint64_t timeout_ns, struct amp_bench_result *res_a,
			    struct amp_bench_result *res_b)
{
	struct test_run t[2];
	uint32_t i;
	int ra, rb;

	test_begin(&t[0], a, block, blocks, reps, res_a);
	test_begin(&t[1], b, block, blocks, reps, res_b);
	if (warmup) {
		test_rep(&t[0], timeout_ns, 0, false);
		test_rep(&t[1], timeout_ns, 0, false);
	}
	for (i = 0; i < reps && (t[0].live || t[1].live); i++) {
		test_rep(&t[0], timeout_ns, i, true);
		test_rep(&t[1], timeout_ns, i, true);
	}
	ra = test_end(&t[0]);
	rb = test_end(&t[1]);
	return ra || rb ? -1 : 0;
}

int amp_bench_run_pingpong(struct amp_bench_xport *x, uint32_t size,
			   uint32_t iters, uint32_t warmup,
			   struct amp_bench_result *res)
{
	uint8_t msg[256], back[256];
	uint64_t *samples, t0, t1;
	uint32_t i, done = 0;
	char what[96];
	int r;

	res->block = size;
	res->blocks = 1;
	res->total = size;
	res->msgs = 1;
	res->msg_max = x->max_msg;
	res->ok = true;
	res->why[0] = '\0';
	res->reps = 0;
	memset(&res->st, 0, sizeof(res->st));
	res->bytes_per_s = res->msgs_per_s = 0;
	if (x->broken || size < 4 || size > sizeof(msg) || size > x->max_msg ||
	    iters == 0) {
		fail(res, 0,
		     x->broken ? "skipped: the transport is broken"
			       : "ping-pong shape not supported",
		     0);
		return -1;
	}
	samples = calloc(iters, sizeof(*samples));
	if (!samples) {
		fail(res, 0, "out of memory", 0);
		return -1;
	}
	amp_bench_pattern(msg, 0, size);
	for (i = 0; i < warmup + iters; i++) {
		/* A sequence number, so a stale or replayed echo is caught. */
		memcpy(msg, &i, sizeof(i));
		t0 = amp_bench_now_ns();
		r = x->ops->send(x, msg, size, t0 + 5000000000ull);
		if (r < 0) {
			fail(res, i, "send", r);
			x->broken = true;
			break;
		}
		r = x->ops->recv(x, back, x->stream ? size : sizeof(back),
				 t0 + 5000000000ull);
		t1 = amp_bench_now_ns();
		if (r < 0) {
			fail(res, i,
			     r == -ETIMEDOUT ? "no echo in 5 s" : "echo",
			     r == -ETIMEDOUT ? 0 : r);
			x->broken = true;
			break;
		}
		if ((uint32_t)r != size || memcmp(back, msg, size)) {
			snprintf(what, sizeof(what),
				 "echo of %d bytes does not match the %u sent",
				 r, size);
			fail(res, i, what, 0);
			break;
		}
		if (i >= warmup)
			samples[done++] = t1 - t0;
	}
	res->reps = done;
	amp_bench_stats(samples, done, &res->st);
	if (res->st.median_ns) {
		res->msgs_per_s = 1e9 / res->st.median_ns;
		res->bytes_per_s = size * 1e9 / res->st.median_ns;
	}
	free(samples);
	return res->ok ? 0 : -1;
}
