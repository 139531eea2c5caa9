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
 *
 * Beside each size, the direct modes move the same bytes through the
 * rings on rpmsg-raw, in transfers of that size (one seed test each way
 * to the firmware, one "raw-produce" back): "copy" writes the data once
 * into the application's buffer and the send copies it into 512-byte
 * RPMsg buffers (to the host, the receiver copies it out, as a read() of
 * /dev/rpmsgN would); "zerocopy" writes it in place in the RPMsg buffers.
 * The firmware reads what it receives once ("raw-mode touch"), as the
 * sdb consumer does, so every row pays the one pass over the data.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ampkit/bench_proto.h>
#include <ampkit/client.h>
#include <ampkit/rproc.h>
#include <ampkit/sdb.h>

#include "bench.h"

#define SDB_CHANNEL "rpmsg-sdb"
#define CTL_CHANNEL "ampkit-ctl"
#define RAW_CHANNEL "rpmsg-raw"
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

/* ---- the direct modes: the same bytes through the rings ---- */

struct direct {
	struct amp_rpmsg_ept ept;
	struct amp_rpmsg_dev *dev;
	bool zc, to_host;
	uint8_t *app; /* the application's buffer, a transfer's size */
	uint32_t size;
	uint64_t got; /* to the host: bytes received */
	int64_t ack;  /* to the firmware: the test's count, -1 until acked */
	volatile uint64_t sink;
};

static void direct_cb(struct amp_rpmsg_ept *ept, void *data, uint32_t len,
		      uint32_t src)
{
	struct direct *d = ept->priv;

	(void)src;
	if (!d->to_host) {
		d->ack = amp_bench_ack_parse(data, len);
		return;
	}
	if (d->zc)
		d->sink = amp_bench_read_once(data, len);
	else if (d->got + len <= d->size) /* more would fail the count */
		memcpy(d->app + d->got, data, len);
	d->got += len;
}

static bool acked(struct direct *d, uint64_t deadline_ns)
{
	while (d->ack < 0) {
		int ret = amp_rpmsg_wait(
			d->dev,
			amp_port_deadline(d->dev->port,
					  deadline_ns - amp_bench_now_ns()));

		if ((ret < 0 && ret != -AMP_ETIMEDOUT) ||
		    amp_bench_now_ns() >= deadline_ns)
			return false;
	}
	return true;
}

/* One transfer of `size` bytes to the firmware as a seed test (its
 * header first), written once; true when acknowledged whole. */
static bool direct_h2r(struct direct *d, uint32_t size, uint32_t k)
{
	uint64_t end = amp_bench_now_ns() + 30 * SEC;
	uint64_t dl = amp_port_deadline(d->dev->port, 30 * SEC);
	uint32_t max = amp_rpmsg_max_payload(d->dev), off, n, cap;
	int err = 0;

	d->ack = -1;
	if (!d->zc) {
		memset(d->app, (int)k, size);
		amp_bench_hdr_write(d->app, size, 0);
	}
	for (off = 0; off < size && !err; off += n) {
		n = size - off < max ? size - off : max;
		if (d->zc) {
			uint8_t *buf =
				amp_rpmsg_get_tx_buf(d->dev, &cap, dl, &err);

			if (!buf)
				break;
			memset(buf, (int)k, n);
			if (!off)
				amp_bench_hdr_write(buf, size, 0);
			err = amp_rpmsg_send_nocopy(&d->ept, AMP_RPMSG_ADDR_ANY,
						    buf, n);
		} else {
			err = amp_rpmsg_send_deadline(&d->ept,
						      AMP_RPMSG_ADDR_ANY,
						      d->app + off, n, dl);
		}
	}
	return err >= 0 && acked(d, end) && d->ack == size;
}

/* One transfer of `size` bytes from the firmware. */
static bool direct_r2h(struct direct *d, struct amp_bench_xport *cx,
		       uint32_t size)
{
	char cmd[64], err[100];

	snprintf(cmd, sizeof(cmd), "raw-produce %u %u %s",
		 (unsigned)d->ept.addr, (unsigned)size, d->zc ? "zc" : "copy");
	d->got = 0;
	d->size = size;
	/* The answer follows the data on the same ring. */
	return !ctl(cx, cmd, err, sizeof(err)) && d->got == size;
}

/* One repetition of a direct mode: n transfers of `size` bytes one way.
 * The time, or 0 on a failure (why in err). */
static uint64_t direct_rep(struct direct *d, struct amp_bench_xport *cx,
			   bool to_host, uint32_t size, uint32_t n, char *err,
			   size_t errlen)
{
	uint64_t t0 = amp_bench_now_ns();

	d->to_host = to_host;
	for (uint32_t i = 0; i < n; i++)
		if (!(to_host ? direct_r2h(d, cx, size)
			      : direct_h2r(d, size, i))) {
			snprintf(err, errlen, "transfer %u of %u B failed",
				 (unsigned)i, (unsigned)size);
			return 0;
		}
	return amp_bench_now_ns() - t0;
}

/* The rows of one size: an sdb one, a copy one, a zero-copy one, each
 * way, each kind's repetitions back to back after WARM_NS of the same
 * kind unmeasured.  On this project's VMs a core that has been waiting
 * (another kind blocks where these spin, or a pause) runs slow for
 * longer than a repetition takes - an sdb-only run with a 50 ms pause
 * before each repetition drops from 43 to 11 GB/s - and the rows are
 * meant as streaming figures. */
#define WARM_NS (200 * 1000000ull)
enum { SDB_H2R, SDB_R2H, COPY_H2R, COPY_R2H, ZC_H2R, ZC_R2H, KINDS };

/* One repetition of kind j: n buffers or transfers of `size` bytes. */
static uint64_t kind_rep(struct sdb_run *r, struct direct *d,
			 struct amp_bench_xport *cx, int j, uint32_t size,
			 uint32_t n, char *why, size_t wl)
{
	d->zc = j >= ZC_H2R;
	return j == SDB_H2R   ? h2r(r, n, why, wl)
	       : j == SDB_R2H ? r2h(r, cx, n, size, why, wl)
			      : direct_rep(d, cx, j % 2, size, n, why, wl);
}

static void size_rows(struct sdb_run *r, struct direct *d,
		      struct amp_bench_xport *cx, uint32_t size, uint32_t n,
		      uint32_t reps, uint64_t *t,
		      const struct amp_bench_result *proto,
		      void (*rec)(void *ctx, const struct amp_bench_result *),
		      void *ctx)
{
	struct amp_bench_result res[KINDS];
	uint32_t max = amp_rpmsg_max_payload(d->dev);

	for (int j = 0; j < KINDS; j++) {
		bool sdb = j < COPY_H2R;

		res[j] = *proto;
		res[j].mode = sdb ? "sdb" : j < ZC_H2R ? "copy" : "zerocopy";
		res[j].matrix = j % 2 ? "r2h" : "h2r";
		res[j].buf_size = sdb ? size : d->dev->buf_size;
		res[j].block = size;
		res[j].blocks = n;
		res[j].total = (uint64_t)n * size;
		res[j].msg_max = sdb ? size : max;
		res[j].msgs = sdb ? n : res[j].total / max;
		res[j].ok = true;
	}
	for (int j = 0; j < KINDS; j++) {
		uint64_t warm = 0;

		while (res[j].ok && warm < WARM_NS) {
			uint64_t ns = kind_rep(r, d, cx, j, size, n, res[j].why,
					       sizeof(res[j].why));

			res[j].ok = ns != 0;
			warm += ns;
		}
		for (uint32_t k = 0; k < reps && res[j].ok; k++) {
			t[j * reps + k] =
				kind_rep(r, d, cx, j, size, n, res[j].why,
					 sizeof(res[j].why));
			res[j].ok = t[j * reps + k] != 0;
		}
	}
	for (int j = 0; j < KINDS; j++) {
		if (res[j].ok)
			amp_bench_result_timed(&res[j], t + j * reps, reps);
		rec(ctx, &res[j]);
	}
}

int amp_bench_sdb_rows(struct amp_rproc *rp, uint32_t reps, uint64_t total,
		       const struct amp_bench_result *proto,
		       void (*rec)(void *ctx, const struct amp_bench_result *),
		       void *ctx, char *err, size_t errlen)
{
	const uint32_t max_size = sizes[sizeof(sizes) / sizeof(sizes[0]) - 1];
	struct amp_bench_xport *cx;
	struct amp_rpmsg_dev *dev = amp_rproc_rpmsg(rp);
	struct sdb_run *r = calloc(1, sizeof(*r));
	struct direct *d = calloc(1, sizeof(*d));
	uint64_t pa, len, *t = calloc((size_t)KINDS * reps, sizeof(*t));
	uint32_t addr, raw_addr;
	void *va;
	int ret = -1;

	if (!r || !t || !d || !dev || !(d->app = malloc(max_size))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (amp_rproc_carveout(rp, AMP_SDB_CARVEOUT, &pa, &va, &len) ||
	    amp_rproc_wait_channel(rp, SDB_CHANNEL, &addr, 5 * SEC)) {
		snprintf(err, errlen, "the firmware has no %s pool",
			 SDB_CHANNEL);
		goto out;
	}
	if (amp_rproc_wait_channel(rp, RAW_CHANNEL, &raw_addr, 5 * SEC) ||
	    amp_rpmsg_create_ept(&d->ept, dev, RAW_CHANNEL, AMP_RPMSG_ADDR_ANY,
				 raw_addr, direct_cb, d)) {
		snprintf(err, errlen, "no endpoint on %s", RAW_CHANNEL);
		goto out;
	}
	d->dev = dev;
	cx = amp_bench_rpmsg_open(rp, CTL_CHANNEL, 5 * SEC, err, errlen);
	if (!cx)
		goto ept;
	if (ctl(cx, "sdb-mode touch", err, errlen) < 0 ||
	    ctl(cx, "raw-mode touch", err, errlen) < 0)
		goto close;
	for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		uint32_t size = sizes[si], count = (uint32_t)(len / size);
		struct amp_sdb_cfg cfg = { .pool_pa = pa, .pool_len = len };
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
		size_rows(r, d, cx, size, n, reps, t, proto, rec, ctx);
		amp_sdb_close(&r->sdb);
	}
	ret = ctl(cx, "sdb-mode check", err, errlen);
	if (!ret)
		ret = ctl(cx, "raw-mode count", err, errlen);
close:
	amp_bench_xport_close(cx);
ept:
	amp_rpmsg_destroy_ept(&d->ept);
out:
	if (d)
		free(d->app);
	free(d);
	free(t);
	free(r);
	return ret;
}

/* ---- the same rows through the daemon (mode sdb-daemon) ---- */

struct dsdb {
	struct amp_client_sdb s;
	uint64_t free_mask; /* the host's buffers not lent */
	uint32_t got;
	volatile uint64_t sink;
};

/* One message from the daemon, handled: a RELEASE frees a host buffer,
 * a FILLED is read once and given back.  0, or -errno (-EPIPE at
 * end-of-file, -EPROTO for an ERROR: a message of ours was refused). */
static int dsdb_one(struct dsdb *d, int timeout_ms)
{
	struct amp_sdb_msg m;
	int r = amp_client_sdb_recv(&d->s, &m, timeout_ms);

	if (r <= 0)
		return r ? r : -EPIPE;
	if (m.type == AMP_SDB_RELEASE && m.index < d->s.host_count) {
		d->free_mask |= 1ull << m.index;
		return 0;
	}
	if (m.type != AMP_SDB_FILLED || m.index < d->s.host_count ||
	    m.index >= d->s.count || m.offset > d->s.size ||
	    m.length > d->s.size - m.offset)
		return -EPROTO;
	d->sink = amp_bench_read_once(
		d->s.pool + (size_t)m.index * d->s.size + m.offset, m.length);
	d->got++;
	return amp_client_sdb_send(&d->s, AMP_SDB_RELEASE, m.index, 0, 0);
}

static bool dsdb_h2r(struct dsdb *d, uint32_t n)
{
	uint64_t all = (1ull << d->s.host_count) - 1;

	for (uint32_t k = 0; k < n; k++) {
		int i;

		while (!d->free_mask)
			if (dsdb_one(d, 30000) < 0)
				return false;
		i = __builtin_ctzll(d->free_mask);
		memset(d->s.pool + (size_t)i * d->s.size, (int)k, d->s.size);
		d->free_mask &= ~(1ull << i);
		if (amp_client_sdb_send(&d->s, AMP_SDB_FILLED, (uint32_t)i, 0,
					d->s.size) < 0)
			return false;
	}
	while (d->free_mask != all)
		if (dsdb_one(d, 30000) < 0)
			return false;
	return true;
}

static bool dsdb_r2h(struct dsdb *d, struct amp_bench_xport *cx, uint32_t n)
{
	uint64_t deadline = amp_bench_now_ns() + 30 * SEC;
	char cmd[48], ans[64];
	int len;

	snprintf(cmd, sizeof(cmd), "sdb-produce %u %u", (unsigned)n,
		 (unsigned)d->s.size);
	d->got = 0;
	if (cx->ops->send(cx, cmd, (uint32_t)strlen(cmd), deadline) < 0)
		return false;
	/* The answer comes once all are handed over: after our releases. */
	while (d->got < n)
		if (dsdb_one(d, 30000) < 0)
			return false;
	len = cx->ops->recv(cx, ans, sizeof(ans), deadline);
	return len > 2 && !strncmp(ans, "ok", 2);
}

int amp_bench_sdb_daemon_rows(const char *run_dir, const char *rproc,
			      uint64_t spin_ns, uint32_t reps, uint64_t total,
			      const struct amp_bench_result *proto,
			      void (*rec)(void *ctx,
					  const struct amp_bench_result *),
			      void *ctx, char *err, size_t errlen)
{
	struct amp_bench_xport *cx;
	struct dsdb *d = calloc(1, sizeof(*d));
	uint64_t *t = calloc(reps, sizeof(*t));
	int ret = -1;

	if (!d || !t) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	cx = amp_bench_daemon_open(run_dir, rproc, CTL_CHANNEL, spin_ns, err,
				   errlen);
	if (!cx)
		goto out;
	if (ctl(cx, "sdb-mode touch", err, errlen) < 0)
		goto close;
	for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		uint32_t size = sizes[si], count = 8, n;
		int r;

		/* The largest layout up to 8 buffers the pool takes. */
		while ((r = amp_client_sdb_open(run_dir, rproc, count,
						count / 2, size, &d->s, err,
						errlen)) == -EINVAL &&
		       count > 2)
			count /= 2;
		if (r == -EINVAL)
			continue; /* not even two buffers of this size */
		if (r < 0)
			goto close;
		d->free_mask = (1ull << d->s.host_count) - 1;
		n = (uint32_t)(total / size);
		n = n < 2 * count ? 2 * count : n;
		for (int dir = 0; dir < 2; dir++) {
			struct amp_bench_result res = *proto;

			res.matrix = dir ? "r2h" : "h2r";
			res.buf_size = size;
			res.block = size;
			res.blocks = n;
			res.total = (uint64_t)n * size;
			res.msgs = n;
			res.msg_max = size;
			res.ok = true;
			for (uint32_t k = 0; k <= reps && res.ok; k++) {
				uint64_t t0 = amp_bench_now_ns();

				res.ok = dir ? dsdb_r2h(d, cx, n)
					     : dsdb_h2r(d, n);
				if (k)
					t[k - 1] = amp_bench_now_ns() - t0;
			}
			if (res.ok)
				amp_bench_result_timed(&res, t, reps);
			else
				snprintf(res.why, sizeof(res.why),
					 "%u x %u B through the daemon failed",
					 (unsigned)n, (unsigned)size);
			rec(ctx, &res);
		}
		amp_client_sdb_close(&d->s);
	}
	ret = ctl(cx, "sdb-mode check", err, errlen);
close:
	amp_bench_xport_close(cx);
out:
	free(t);
	free(d);
	return ret;
}
