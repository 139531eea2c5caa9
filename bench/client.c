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

int amp_bench_run_test(struct amp_bench_xport *x, uint32_t block,
		       uint32_t blocks, uint32_t reps, bool warmup,
		       uint64_t timeout_ns, struct amp_bench_result *res)
{
	uint64_t total = (uint64_t)block * blocks, ns, *samples = NULL;
	uint32_t max = x->max_msg, hdr, first_len, done = 0, i;
	uint8_t *pat = NULL, *first = NULL;

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
		return -1;
	}
	if (total > UINT32_MAX || block == 0 || blocks == 0 || reps == 0 ||
	    first_len < hdr) {
		fail(res, 0, "test shape not supported", 0);
		return -1;
	}
	pat = pattern_new(max);
	first = malloc(max);
	samples = calloc(reps, sizeof(*samples));
	if (!pat || !first || !samples) {
		fail(res, 0, "out of memory", 0);
		goto out;
	}
	memcpy(first, pat, first_len);
	amp_bench_hdr_write(first, (uint32_t)total,
			    pattern_crc(pat, max, hdr, total));

	if (warmup && run_once(x, first, pat, block, blocks, total, timeout_ns,
			       0, res, &ns) < 0)
		goto out;
	for (i = 0; i < reps; i++) {
		if (run_once(x, first, pat, block, blocks, total, timeout_ns, i,
			     res, &ns) < 0)
			break;
		samples[done++] = ns;
	}
	res->reps = done;
	amp_bench_stats(samples, done, &res->st);
	if (res->st.median_ns) {
		res->bytes_per_s = (double)total * 1e9 / res->st.median_ns;
		res->msgs_per_s = (double)res->msgs * 1e9 / res->st.median_ns;
	}
out:
	free(samples);
	free(first);
	free(pat);
	return res->ok ? 0 : -1;
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
