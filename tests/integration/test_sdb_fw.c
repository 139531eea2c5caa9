/*
 * test_sdb_fw.c - the shared-buffer service (rpmsg-sdb) against the real
 * bench firmware, through amp_rproc in process: this process is the host
 * end, on the pool carveout the firmware declares (ampkit-sdb), with a
 * layout it chooses.  1 GiB each way with every buffer's CRC16 checked by
 * its consumer; every buffer of a side in flight at once; a full pool
 * that makes the producer wait (the host's deadline honoured, nothing
 * lent overwritten, the firmware alive while it waits); a layout the
 * carveout cannot hold refused, and the host's end re-opened after it;
 * the firmware crashing with buffers held both ways, then the pool whole
 * again after recovery and the next transfer checked.
 *
 * `test_sdb_fw` runs it on posix (8 x 1 MiB, 4 each side); `test_sdb_fw
 * qemu-m4` on the emulated Cortex-M4 (4 x 1 MiB, 2 each side, 64 MiB
 * each way).  Every buffer is one seed test of its length (header, CRC16
 * of the rest); the pattern starts at the buffer's sequence number, so
 * two buffers differ and a buffer rewritten while lent would show.
 * Throughput is printed, never asserted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <ampkit/bench_proto.h>
#include <ampkit/rproc.h>
#include <ampkit/sdb.h>
#include "integration/fw_ctl.h"
#include "integration/proc.h"

#define MS 1000000ull
#define SEC (1000 * MS)
#define MIB (1024u * 1024u)
#define CTL "ampkit-ctl"
/* Generous: a loaded 2-core VM, a sanitizer, an emulated core. */
#define WAIT (60 * SEC)

/* What one platform runs. */
struct plat {
	const char *name, *fw;
	uint32_t count, host_count, size;
	uint64_t total; /* bytes each way in the big transfers */
};

static struct plat plat;
static char fw_path[512];

struct host {
	struct amp_rproc *rp;
	struct amp_rpmsg_dev *dev;
	uint32_t sdb_addr, ctl_addr; /* as announced; 0: down */
	unsigned downs;		     /* rpmsg-sdb CHANNEL_DOWNs */
	uint64_t pool_pa, pool_len;
	uint8_t *pool;
	struct amp_sdb sdb;
	bool sdb_live;
	struct amp_rpmsg_ept ctl;
	bool ctl_live;
	struct fw_answer ans; /* ampkit-ctl's */
	/* as the consumer of the firmware's buffers */
	bool keep; /* hold them instead of releasing */
	uint32_t good, bad;
	uint32_t held[AMP_SDB_MAX_BUFS], nheld;
	uint16_t held_sum[AMP_SDB_MAX_BUFS]; /* CRC of all of it, on arrival */
	uint32_t held_len[AMP_SDB_MAX_BUFS];
	uint32_t seq; /* our next buffer's sequence number */
};

static struct host H;

/* ---- buffers: one seed test each ---- */

static void on_filled(struct amp_sdb *s, uint32_t index, void *data,
		      uint32_t len)
{
	struct host *h = s->priv;

	if (amp_bench_buf_check(data, len))
		h->good++;
	else
		h->bad++;
	if (h->keep) {
		assert_true(h->nheld < AMP_SDB_MAX_BUFS);
		h->held_sum[h->nheld] = amp_crc16(0, data, len);
		h->held_len[h->nheld] = len;
		h->held[h->nheld++] = index;
		return;
	}
	assert_int_equal(
		amp_sdb_release(s, index,
				amp_port_deadline(s->ept.dev->port, WAIT)),
		0);
}

/* The firmware's buffers we hold have not changed since they came. */
static void held_unchanged(struct host *h)
{
	for (uint32_t i = 0; i < h->nheld; i++) {
		const uint8_t *p = h->pool + (size_t)h->held[i] * plat.size;

		assert_int_equal(amp_crc16(0, p, h->held_len[i]),
				 h->held_sum[i]);
	}
}

static void release_held(struct host *h)
{
	for (uint32_t i = 0; i < h->nheld; i++)
		assert_int_equal(
			amp_sdb_release(&h->sdb, h->held[i],
					amp_port_deadline(h->dev->port, WAIT)),
			0);
	h->nheld = 0;
}

/* ---- the rproc (one start per test), its channels, our endpoints ---- */

/* Endpoints go with their channel (before recovery remaps the memory). */
static void on_event(struct amp_rproc *rp, enum amp_rproc_event ev,
		     const char *detail, uint32_t addr, void *priv)
{
	struct host *h = priv;

	(void)rp;
	if (ev == AMP_RPROC_EV_CHANNEL_UP && !strcmp(detail, AMP_SDB_NAME))
		h->sdb_addr = addr;
	if (ev == AMP_RPROC_EV_CHANNEL_UP && !strcmp(detail, CTL))
		h->ctl_addr = addr;
	if (ev == AMP_RPROC_EV_CHANNEL_DOWN && !strcmp(detail, AMP_SDB_NAME)) {
		h->sdb_addr = 0;
		h->downs++;
		if (h->sdb_live)
			amp_sdb_close(&h->sdb);
		h->sdb_live = false;
	}
	if (ev == AMP_RPROC_EV_CHANNEL_DOWN && !strcmp(detail, CTL)) {
		h->ctl_addr = 0;
		if (h->ctl_live)
			amp_rpmsg_destroy_ept(&h->ctl);
		h->ctl_live = false;
	}
}

static void fail_trace(const char *what, int err)
{
	fw_fail(H.rp, plat.name, what, err);
}

/* Run the loop until both channels are up (again). */
static void wait_channels(struct host *h)
{
	uint64_t end = now_ns() + WAIT;

	while (!h->sdb_addr || !h->ctl_addr) {
		if (now_ns() > end)
			fail_trace("waiting for rpmsg-sdb and ampkit-ctl", 0);
		assert_true(amp_rproc_run(h->rp, NULL, 0, 100 * MS) >= 0);
	}
}

/* Deliver messages until *n reaches want. */
static void pump(struct host *h, const uint32_t *n, uint32_t want,
		 const char *what)
{
	uint64_t deadline = amp_port_deadline(h->dev->port, WAIT);

	while (*n < want) {
		int r = amp_rpmsg_wait(h->dev, deadline);

		if (r < 0)
			fail_trace(what, r);
	}
}

static void ctl_send(struct host *h, const char *cmd)
{
	assert_int_equal(amp_rpmsg_send(&h->ctl, cmd, (uint32_t)strlen(cmd)),
			 0);
}

/* A command and its answer, which must start with `want`. */
static void ctl_cmd(struct host *h, const char *cmd, const char *want)
{
	unsigned n = h->ans.n;

	ctl_send(h, cmd);
	pump(h, &h->ans.n, n + 1, cmd);
	if (strncmp(h->ans.text, want, strlen(want)))
		fail_msg("%s: answer \"%s\", expected \"%s...\"", cmd,
			 h->ans.text, want);
}

/* The firmware's consumer counts: good and bad so far. */
static void fw_stats(struct host *h, uint32_t *good, uint32_t *bad)
{
	unsigned g, b;

	ctl_cmd(h, "sdb-stats", "good ");
	assert_int_equal(sscanf(h->ans.text, "good %u bad %u", &g, &b), 2);
	*good = g;
	*bad = b;
}

/* Open the sdb with a layout of count x size, host_count ours, in the
 * carveout and `extra` bytes past it, and wait for the firmware's answer:
 * 0, or -AMP_EPROTO if it refused. */
static int sdb_open_past(struct host *h, uint32_t count, uint32_t host_count,
			 uint32_t size, uint64_t extra)
{
	struct amp_sdb_cfg cfg = { 0 };
	uint64_t deadline;
	void *va;

	assert_int_equal(amp_rproc_carveout(h->rp, AMP_SDB_CARVEOUT,
					    &h->pool_pa, &va, &h->pool_len),
			 0);
	h->pool = va;
	cfg.pool_pa = h->pool_pa;
	cfg.pool_len = h->pool_len + extra;
	cfg.count = count;
	cfg.host_count = host_count;
	cfg.size = size;
	assert_int_equal(amp_sdb_open(&h->sdb, h->dev, &cfg, AMP_RPMSG_ADDR_ANY,
				      h->sdb_addr, on_filled, h),
			 0);
	h->sdb_live = true;
	deadline = amp_port_deadline(h->dev->port, WAIT);
	while (!h->sdb.matched && !h->sdb.refused) {
		int r = amp_rpmsg_wait(h->dev, deadline);

		if (r < 0)
			fail_trace("waiting for the firmware's HELLO", r);
	}
	return h->sdb.refused ? -AMP_EPROTO : 0;
}

static int sdb_open_layout(struct host *h, uint32_t count, uint32_t host_count,
			   uint32_t size)
{
	return sdb_open_past(h, count, host_count, size, 0);
}

/* After a start or a recovery: our endpoints on the new link. */
static void attach(struct host *h)
{
	wait_channels(h);
	h->dev = amp_rproc_rpmsg(h->rp);
	assert_non_null(h->dev);
	assert_int_equal(amp_rpmsg_create_ept(&h->ctl, h->dev, "test-ctl",
					      AMP_RPMSG_ADDR_ANY, h->ctl_addr,
					      fw_answer_cb, &h->ans),
			 0);
	h->ctl_live = true;
	h->keep = false;
	h->nheld = 0;
	assert_int_equal(
		sdb_open_layout(h, plat.count, plat.host_count, plat.size), 0);
}

static int setup(void **state)
{
	struct amp_rproc_cfg cfg;

	(void)state;
	memset(&H, 0, sizeof(H));
	H.rp = amp_rproc_new(NULL);
	assert_non_null(H.rp);
	amp_rproc_cfg_default(&cfg);
	cfg.firmware = fw_path;
	cfg.platform = plat.name;
	cfg.on_event = on_event;
	cfg.priv = &H;
	if (amp_rproc_start(H.rp, &cfg))
		fail_msg("start %s on %s: %s", fw_path, plat.name,
			 amp_rproc_error(H.rp));
	attach(&H);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (H.sdb_live)
		amp_sdb_close(&H.sdb);
	if (H.ctl_live)
		amp_rpmsg_destroy_ept(&H.ctl);
	amp_rproc_free(H.rp);
	return 0;
}

/* ---- transfers ---- */

static void report(const char *what, uint64_t bytes, uint64_t ns)
{
	printf("sdb %s on %s: %llu MiB in %u x %u KiB buffers: %.3f s, "
	       "%.0f MB/s\n",
	       what, plat.name, (unsigned long long)(bytes / MIB),
	       (unsigned)plat.count, (unsigned)(plat.size / 1024),
	       (double)ns / 1e9, (double)bytes * 1e3 / (double)ns);
	fflush(stdout);
}

/* `total` bytes to the firmware in full buffers: fill in place, hand
 * over, wait for a free one only when all are lent.  Every buffer must
 * come back and pass the firmware's check. */
static void to_firmware(struct host *h, uint64_t total, bool print)
{
	uint32_t n = (uint32_t)(total / plat.size), good0, bad0, good, bad;
	uint32_t inflight = 0, released0 = h->sdb.stats.released_rx;
	uint64_t t0;

	fw_stats(h, &good0, &bad0);
	t0 = now_ns();
	for (uint32_t k = 0; k < n; k++) {
		void *data;
		uint32_t cap, lent;
		int i = amp_sdb_alloc(&h->sdb, &data, &cap,
				      amp_port_deadline(h->dev->port, WAIT));

		if (i < 0)
			fail_trace("alloc", i);
		assert_int_equal(cap, plat.size);
		amp_bench_buf_fill(data, cap, h->seq++);
		assert_int_equal(
			amp_sdb_send(&h->sdb, (uint32_t)i, 0, cap,
				     amp_port_deadline(h->dev->port, WAIT)),
			0);
		lent = plat.host_count - amp_sdb_free_count(&h->sdb);
		if (lent > inflight)
			inflight = lent;
	}
	pump(h, &h->sdb.stats.released_rx, released0 + n, "releases");
	if (print)
		report("host -> firmware", (uint64_t)n * plat.size,
		       now_ns() - t0);
	assert_int_equal(amp_sdb_free_count(&h->sdb), plat.host_count);
	assert_true(inflight >= 1 && inflight <= plat.host_count);
	fw_stats(h, &good, &bad);
	assert_int_equal(good - good0, n);
	assert_int_equal(bad, bad0);
	assert_int_equal(h->sdb.stats.bad, 0);
}

/* `total` bytes from the firmware: it fills its own buffers, we check
 * each in place and give it back at once. */
static void from_firmware(struct host *h, uint64_t total, bool print)
{
	uint32_t n = (uint32_t)(total / plat.size), good0 = h->good;
	unsigned answers = h->ans.n;
	char cmd[64], want[32];
	uint64_t t0;

	snprintf(cmd, sizeof(cmd), "sdb-produce %u %u", (unsigned)n,
		 (unsigned)plat.size);
	snprintf(want, sizeof(want), "ok sdb-produce %u", (unsigned)n);
	t0 = now_ns();
	ctl_send(h, cmd);
	pump(h, &h->good, good0 + n, "the firmware's buffers");
	if (print)
		report("firmware -> host", (uint64_t)n * plat.size,
		       now_ns() - t0);
	pump(h, &h->ans.n, answers + 1, cmd);
	assert_string_equal(h->ans.text, want);
	assert_int_equal(h->bad, 0);
	assert_int_equal(h->good - good0, n);
	assert_int_equal(amp_sdb_held_count(&h->sdb), 0);
	assert_int_equal(h->sdb.stats.bad, 0);
}

static void test_to_firmware(void **state)
{
	(void)state;
	to_firmware(&H, plat.total, true);
}

static void test_from_firmware(void **state)
{
	(void)state;
	from_firmware(&H, plat.total, true);
}

/* Host as producer: with the firmware holding what it gets, every host
 * buffer is in flight at once, then alloc waits until its deadline and
 * no lent buffer changes; released, they are free again. */
static void test_full_pool_host_waits(void **state)
{
	uint32_t hc = plat.host_count, waits = H.sdb.stats.waits;
	uint32_t idx[AMP_SDB_MAX_BUFS], good0, bad0, good, bad;
	uint16_t sum[AMP_SDB_MAX_BUFS];
	uint64_t t0, dt;
	char want[32];
	void *data;
	uint32_t cap;
	int i;

	(void)state;
	fw_stats(&H, &good0, &bad0);
	ctl_cmd(&H, "sdb-hold", "ok sdb-hold");
	for (uint32_t k = 0; k < hc; k++) {
		i = amp_sdb_alloc(&H.sdb, &data, &cap,
				  amp_port_deadline(H.dev->port, WAIT));
		assert_true(i >= 0);
		amp_bench_buf_fill(data, cap, H.seq++);
		idx[k] = (uint32_t)i;
		sum[k] = amp_crc16(0, data, cap);
		assert_int_equal(
			amp_sdb_send(&H.sdb, idx[k], 0, cap, AMP_DEADLINE_NOW),
			0);
	}
	assert_int_equal(amp_sdb_free_count(&H.sdb), 0);
	assert_int_equal(amp_sdb_alloc(&H.sdb, &data, &cap, AMP_DEADLINE_NOW),
			 -AMP_EAGAIN);
	t0 = now_ns();
	i = amp_sdb_alloc(&H.sdb, &data, &cap,
			  amp_port_deadline(H.dev->port, 300 * MS));
	dt = now_ns() - t0;
	assert_int_equal(i, -AMP_ETIMEDOUT);
	assert_true(dt >= 300 * MS);
	assert_int_equal(H.sdb.stats.waits, waits + 1);
	/* all of them arrived, checked, and are held */
	fw_stats(&H, &good, &bad);
	assert_int_equal(good - good0, hc);
	assert_int_equal(bad, bad0);
	for (uint32_t k = 0; k < hc; k++)
		assert_int_equal(amp_crc16(0,
					   H.pool + (size_t)idx[k] * plat.size,
					   plat.size),
				 sum[k]);
	snprintf(want, sizeof(want), "ok sdb-release %u", (unsigned)hc);
	ctl_cmd(&H, "sdb-release", want);
	/* the releases went before the answer */
	assert_int_equal(amp_sdb_free_count(&H.sdb), hc);
	i = amp_sdb_alloc(&H.sdb, &data, &cap, AMP_DEADLINE_NOW);
	assert_true(i >= 0);
	assert_int_equal(amp_sdb_unalloc(&H.sdb, (uint32_t)i), 0);
}

/* Firmware as producer: asked for twice its pool while we hold what
 * comes, it hands over all its buffers, then waits (alive: the loop's
 * heartbeat check runs meanwhile) without touching one we hold; our
 * releases let it finish. */
static void test_full_pool_firmware_waits(void **state)
{
	uint32_t fc = plat.count - plat.host_count, good0 = H.good;
	unsigned answers = H.ans.n;
	char cmd[64], want[32];
	uint64_t end;

	(void)state;
	H.keep = true;
	snprintf(cmd, sizeof(cmd), "sdb-produce %u 65536", (unsigned)(2 * fc));
	ctl_send(&H, cmd);
	pump(&H, &H.good, good0 + fc, "the firmware's first buffers");
	end = now_ns() + 1500 * MS;
	while (now_ns() < end)
		assert_true(amp_rproc_run(H.rp, NULL, 0, 100 * MS) >= 0);
	assert_int_equal(amp_rproc_state(H.rp), AMP_RPROC_RUNNING);
	assert_int_equal(H.good, good0 + fc); /* no more: the pool is ours */
	assert_int_equal(H.ans.n, answers);   /* and it is still waiting */
	assert_int_equal(H.nheld, fc);
	assert_int_equal(amp_sdb_held_count(&H.sdb), fc);
	held_unchanged(&H);
	H.keep = false;
	release_held(&H);
	pump(&H, &H.good, good0 + 2 * fc, "the firmware's other buffers");
	pump(&H, &H.ans.n, answers + 1, cmd);
	snprintf(want, sizeof(want), "ok sdb-produce %u", (unsigned)(2 * fc));
	assert_string_equal(H.ans.text, want);
	assert_int_equal(H.bad, 0);
}

/* The ctl commands' refusals, buffers that fail the firmware's check,
 * and a layout the carveout cannot hold: refused, then the host's end
 * opened again with a good one. */
static void ignore_cb(struct amp_rpmsg_ept *ept, void *data, uint32_t len,
		      uint32_t src)
{
	(void)ept;
	(void)data;
	(void)len;
	(void)src;
}

static void test_refusals(void **state)
{
	struct amp_rpmsg_ept other;
	char cmd[64];
	void *data;
	uint32_t cap, good, bad;

	(void)state;
	ctl_cmd(&H, "sdb-produce 0 4096", "error: sdb-produce");
	ctl_cmd(&H, "sdb-produce 1 5", "error: sdb-produce");
	snprintf(cmd, sizeof(cmd), "sdb-produce 1 %u", (unsigned)plat.size + 8);
	ctl_cmd(&H, cmd, "error: sdb-produce");
	ctl_cmd(&H, "sdb-produce 1 4096 7", "error: sdb-produce");
	ctl_cmd(&H, "sdb-frobnicate", "error: unknown sdb command");
	ctl_cmd(&H, "sdb-pool 1 2", "error: sdb-pool");
	snprintf(cmd, sizeof(cmd), "sdb-pool %u", (unsigned)H.pool_len + 8);
	ctl_cmd(&H, cmd, "error: sdb-pool");
	ctl_cmd(&H, "sdb-mute maybe", "error: unknown sdb command");
	/* and the direct-mode rows' commands */
	ctl_cmd(&H, "raw-produce 1024 0 copy", "error: raw-mode");
	ctl_cmd(&H, "raw-produce 1024 100 both", "error: raw-mode");
	ctl_cmd(&H, "raw-produce 1024", "error: raw-mode");
	ctl_cmd(&H, "raw-mode peek", "error: raw-mode");

	/* The firmware's check fails what it should: a flipped byte, a
	 * FILLED length the header does not say, a header that is not. */
	for (int k = 0; k < 3; k++) {
		uint8_t *p;
		int i = amp_sdb_alloc(&H.sdb, &data, &cap,
				      amp_port_deadline(H.dev->port, WAIT));

		assert_true(i >= 0);
		p = data;
		amp_bench_buf_fill(p, 4096, H.seq++);
		if (k == 0)
			p[1000] ^= 0x10;
		if (k == 2)
			p[0] = 0;
		assert_int_equal(
			amp_sdb_send(&H.sdb, (uint32_t)i, 0,
				     k == 1 ? 4088 : 4096,
				     amp_port_deadline(H.dev->port, WAIT)),
			0);
	}
	fw_stats(&H, &good, &bad);
	assert_int_equal(good, 0);
	assert_int_equal(bad, 3);

	/* A host that takes 8 KiB past the carveout (the RPMsg buffers lie
	 * there) for two halves a little larger than the firmware's. */
	amp_sdb_close(&H.sdb);
	H.sdb_live = false;
	assert_int_equal(sdb_open_past(&H, 2, 1,
				       (uint32_t)(H.pool_len / 2) + 4096, 8192),
			 -AMP_EPROTO);
	assert_int_equal(amp_sdb_alloc(&H.sdb, &data, &cap, AMP_DEADLINE_NOW),
			 -AMP_EPROTO);
	/* opened again at another address: the firmware answers there */
	amp_sdb_close(&H.sdb);
	H.sdb_live = false;
	assert_int_equal(amp_rpmsg_create_ept(&other, H.dev, "test-other",
					      AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_ADDR_ANY, ignore_cb,
					      NULL),
			 0);
	assert_int_equal(
		sdb_open_layout(&H, plat.count, plat.host_count, plat.size), 0);
	assert_int_not_equal(H.sdb.ept.addr, other.addr);
	amp_rpmsg_destroy_ept(&other);
	to_firmware(&H, 4ull * plat.size, false);
	from_firmware(&H, 4ull * plat.size, false);
}

/* The firmware crashes holding some of our buffers while we hold some
 * of its: after recovery the pool is whole on both sides and the next
 * transfer verifies. */
static void test_crash_with_buffers_held(void **state)
{
	uint32_t hc = plat.host_count, fc = plat.count - hc;
	uint32_t lend = hc > 1 ? hc - 1 : 1, hold = fc > 1 ? fc - 1 : 1;
	unsigned downs = H.downs;
	char cmd[64], want[32];
	uint64_t end;
	void *data;
	uint32_t cap, good, bad;
	int i;

	(void)state;
	ctl_cmd(&H, "sdb-hold", "ok sdb-hold");
	for (uint32_t k = 0; k < lend; k++) {
		i = amp_sdb_alloc(&H.sdb, &data, &cap,
				  amp_port_deadline(H.dev->port, WAIT));
		assert_true(i >= 0);
		amp_bench_buf_fill(data, cap, H.seq++);
		assert_int_equal(amp_sdb_send(&H.sdb, (uint32_t)i, 0, cap,
					      AMP_DEADLINE_NOW),
				 0);
	}
	H.keep = true;
	snprintf(cmd, sizeof(cmd), "sdb-produce %u 4096", (unsigned)hold);
	snprintf(want, sizeof(want), "ok sdb-produce %u", (unsigned)hold);
	ctl_cmd(&H, cmd, want);
	fw_stats(&H, &good, &bad); /* ours arrived before the command */
	assert_int_equal(good, lend);
	assert_int_equal(bad, 0);
	assert_int_equal(amp_sdb_free_count(&H.sdb), hc - lend);
	assert_int_equal(amp_sdb_held_count(&H.sdb), hold);

	ctl_send(&H, "crash");
	end = now_ns() + WAIT;
	while (H.downs == downs || !H.sdb_addr || !H.ctl_addr ||
	       amp_rproc_state(H.rp) != AMP_RPROC_RUNNING) {
		if (now_ns() > end)
			fail_trace("waiting for the recovery", 0);
		assert_true(amp_rproc_run(H.rp, NULL, 0, 100 * MS) >= 0);
	}
	assert_false(H.sdb_live); /* closed with its channel */
	attach(&H);
	/* whole again: every buffer of ours free, none of theirs here */
	assert_int_equal(amp_sdb_free_count(&H.sdb), hc);
	assert_int_equal(amp_sdb_held_count(&H.sdb), 0);
	/* and on the firmware: a fresh count, and all its buffers free,
	 * since it hands over its whole pool while we hold every one */
	fw_stats(&H, &good, &bad);
	assert_int_equal(good, 0);
	assert_int_equal(bad, 0);
	H.keep = true;
	snprintf(cmd, sizeof(cmd), "sdb-produce %u 4096", (unsigned)fc);
	snprintf(want, sizeof(want), "ok sdb-produce %u", (unsigned)fc);
	ctl_cmd(&H, cmd, want);
	assert_int_equal(amp_sdb_held_count(&H.sdb), fc);
	held_unchanged(&H);
	H.keep = false;
	release_held(&H);
	to_firmware(&H, 8ull * plat.size, false);
	from_firmware(&H, 8ull * plat.size, false);
}

int main(int argc, char **argv)
{
	const char *dir = getenv("AMPKIT_FW_DIR");
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_to_firmware),
		T(test_from_firmware),
		T(test_full_pool_host_waits),
		T(test_full_pool_firmware_waits),
		T(test_refusals),
		T(test_crash_with_buffers_held),
	};
#undef T

	if (argc > 1 && !strcmp(argv[1], "qemu-m4"))
		plat = (struct plat){ "qemu-m4", "ampkit-fw-bench-m4.elf",
				      4,	 2,
				      MIB,	 64ull * MIB };
	else
		plat = (struct plat){ "posix", "ampkit-fw-bench", 8, 4,
				      MIB,     1024ull * MIB };
#ifdef UNDER_ASAN
	plat.total /= 4; /* the checks run instrumented on both sides */
#endif
	if (!dir) {
		fprintf(stderr, "AMPKIT_FW_DIR is not set\n");
		return 1;
	}
	snprintf(fw_path, sizeof(fw_path), "%s/%s", dir, plat.fw);
	return cmocka_run_group_tests_name(plat.name, tests, NULL, NULL);
}
