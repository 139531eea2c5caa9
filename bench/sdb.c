/*
 * sdb.c - the shared-buffer rows of the bench (mode sdb): the bench
 * firmware's rpmsg-sdb pool driven in process, buffer sizes 4 KiB to
 * 4 MiB, host to firmware and back.
 *
 * What is timed is the indirect mode as an application would use it: the
 * producer writes each buffer once, in place (a fill), and hands it over;
 * the consumer reads it once (a sum of its words) and gives it back.  The
 * firmware is put in its "touch" mode for these rows, so no CRC or
 * pattern check runs on either side: the rows measure the hand-over and
 * the one pass over the data, and the tests check the bytes instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ampkit/bench_proto.h>
#include <ampkit/rproc.h>
#include <ampkit/sdb.h>

#include "bench.h"

#define SDB_CHANNEL "rpmsg-sdb"
#define CTL_CHANNEL "ampkit-ctl"
#define SEC 1000000000ull

static const uint32_t sizes[] = {
	4096, 16384, 65536, 262144, 1048576, 4194304
};

struct sdb_run {
	struct amp_sdb sdb;
	uint32_t got;
	volatile uint64_t sink;
};

static void on_filled(struct amp_sdb *s, uint32_t index, void *data,
		      uint32_t len)
{
	struct sdb_run *r = s->priv;
	struct amp_rpmsg_dev *dev = s->ept.dev;

	r->sink = amp_bench_read_once(data, len);
	r->got++;
	amp_sdb_release(s, index, amp_port_deadline(dev->port, 5 * SEC));
}

/* A ctl command and the firmware's answer, which must start "ok". */
static int ctl(struct amp_bench_xport *x, const char *cmd, char *err,
	       size_t errlen)
{
	uint64_t deadline = amp_bench_now_ns() + 10 * SEC;
	char ans[64];
	int n;

	if (x->ops->send(x, cmd, (uint32_t)strlen(cmd), deadline) < 0 ||
	    (n = x->ops->recv(x, ans, sizeof(ans) - 1, deadline)) < 0) {
		snprintf(err, errlen, "\"%s\": no answer", cmd);
		return -1;
	}
	ans[n] = '\0';
	if (strncmp(ans, "ok", 2)) {
		snprintf(err, errlen, "\"%s\": %s", cmd, ans);
		return -1;
	}
	return 0;
}

/* Pump messages until cond(r) or the deadline. */
static int pump_until(struct sdb_run *r, bool (*cond)(struct sdb_run *),
		      uint64_t deadline_ns)
{
	struct amp_rpmsg_dev *dev = r->sdb.ept.dev;
	uint64_t d =
		amp_port_deadline(dev->port, deadline_ns - amp_bench_now_ns());

	while (!cond(r)) {
		int ret = amp_rpmsg_wait(dev, d);

		if (ret < 0 && ret != -AMP_ETIMEDOUT)
			return ret;
		if (amp_bench_now_ns() >= deadline_ns)
			return -AMP_ETIMEDOUT;
	}
	return 0;
}

static bool matched(struct sdb_run *r)
{
	return r->sdb.matched || r->sdb.refused;
}

static bool all_home(struct sdb_run *r)
{
	return amp_sdb_free_count(&r->sdb) == r->sdb.cfg.host_count;
}

static uint32_t want_got;
static bool got_all(struct sdb_run *r)
{
	return r->got >= want_got;
}

/* Host to firmware: n buffers written once each and handed over, until
 * every one came back.  The time, or 0 on a failure (why in err). */
static uint64_t h2r(struct sdb_run *r, uint32_t n, char *err, size_t errlen)
{
	struct amp_rpmsg_dev *dev = r->sdb.ept.dev;
	uint64_t t0 = amp_bench_now_ns(), end = t0 + 30 * SEC;
	uint64_t d = amp_port_deadline(dev->port, 30 * SEC);

	for (uint32_t k = 0; k < n; k++) {
		uint32_t cap;
		void *data;
		int i = amp_sdb_alloc(&r->sdb, &data, &cap, d);

		if (i >= 0) {
			memset(data, (int)k, cap); /* written once, in place */
			i = amp_sdb_send(&r->sdb, (uint32_t)i, 0, cap, d);
		}
		if (i < 0) {
			snprintf(err, errlen, "buffer %u: error %d", k, i);
			return 0;
		}
	}
	if (pump_until(r, all_home, end) < 0) {
		snprintf(err, errlen, "the firmware did not give all back");
		return 0;
	}
	return amp_bench_now_ns() - t0;
}

/* Firmware to host: n buffers asked for, each read once here. */
static uint64_t r2h(struct sdb_run *r, struct amp_bench_xport *cx, uint32_t n,
		    uint32_t size, char *err, size_t errlen)
{
	char cmd[48];
	uint64_t t0, t;

	snprintf(cmd, sizeof(cmd), "sdb-produce %u %u", (unsigned)n,
		 (unsigned)size);
	r->got = 0;
	want_got = n;
	t0 = amp_bench_now_ns();
	/* The answer comes once all are handed over; the last ones may
	 * still be on their way here, so count them too. */
	if (ctl(cx, cmd, err, errlen) < 0)
		return 0;
	if (pump_until(r, got_all, t0 + 30 * SEC) < 0) {
		snprintf(err, errlen, "%u of %u buffers arrived",
			 (unsigned)r->got, (unsigned)n);
		return 0;
	}
	t = amp_bench_now_ns() - t0;
	return t;
}

int amp_bench_sdb_rows(struct amp_rproc *rp, uint32_t reps, uint64_t total,
		       const struct amp_bench_result *proto,
		       void (*rec)(void *ctx, const struct amp_bench_result *),
		       void *ctx, char *err, size_t errlen)
{
	struct amp_bench_xport *cx;
	struct amp_rpmsg_dev *dev = amp_rproc_rpmsg(rp);
	struct sdb_run *r = calloc(1, sizeof(*r));
	uint64_t pa, len, *t = calloc(reps, sizeof(*t));
	uint32_t addr;
	void *va;
	int ret = -1;

	if (!r || !t || !dev) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (amp_rproc_carveout(rp, AMP_SDB_CARVEOUT, &pa, &va, &len) ||
	    amp_rproc_wait_channel(rp, SDB_CHANNEL, &addr, 5 * SEC)) {
		snprintf(err, errlen, "the firmware has no %s pool",
			 SDB_CHANNEL);
		goto out;
	}
	cx = amp_bench_rpmsg_open(rp, CTL_CHANNEL, 5 * SEC, err, errlen);
	if (!cx)
		goto out;
	if (ctl(cx, "sdb-mode touch", err, errlen) < 0)
		goto close;
	for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		uint32_t size = sizes[si], count = (uint32_t)(len / size);
		struct amp_sdb_cfg cfg = { .pool_pa = pa, .pool_len = len };
		struct amp_bench_result res = *proto;
		uint32_t n;

		count = count > 8 ? 8 : count;
		if (count < 2)
			continue;
		cfg.count = count;
		cfg.host_count = count / 2;
		cfg.size = size;
		n = (uint32_t)(total / size);
		n = n < 2 * count ? 2 * count : n;
		if (amp_sdb_open(&r->sdb, dev, &cfg, AMP_RPMSG_ADDR_ANY, addr,
				 on_filled, r)) {
			snprintf(err, errlen, "%u x %u B: cannot open",
				 (unsigned)count, (unsigned)size);
			goto close;
		}
		if (pump_until(r, matched, amp_bench_now_ns() + 5 * SEC) < 0 ||
		    !r->sdb.matched) {
			snprintf(err, errlen, "%u x %u B: layout not taken",
				 (unsigned)count, (unsigned)size);
			amp_sdb_close(&r->sdb);
			goto close;
		}
		for (int dir = 0; dir < 2; dir++) {
			res = *proto;
			res.matrix = dir ? "r2h" : "h2r";
			res.buf_size = size;
			res.block = size;
			res.blocks = n;
			res.total = (uint64_t)n * size;
			res.msgs = n;
			res.msg_max = size;
			res.ok = true;
			for (uint32_t k = 0; k <= reps && res.ok; k++) {
				uint64_t ns = dir ? r2h(r, cx, n, size, res.why,
							sizeof(res.why))
						  : h2r(r, n, res.why,
							sizeof(res.why));

				res.ok = ns != 0;
				if (k) /* the first is the warm-up */
					t[k - 1] = ns;
			}
			if (res.ok) {
				res.reps = reps;
				amp_bench_stats(t, reps, &res.st);
				res.bytes_per_s = (double)res.total * 1e9 /
						  (double)res.st.median_ns;
				res.msgs_per_s = (double)res.msgs * 1e9 /
						 (double)res.st.median_ns;
			}
			rec(ctx, &res);
		}
		amp_sdb_close(&r->sdb);
	}
	ret = ctl(cx, "sdb-mode check", err, errlen);
close:
	amp_bench_xport_close(cx);
out:
	free(t);
	free(r);
	return ret;
}
