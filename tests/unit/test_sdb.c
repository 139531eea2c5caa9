/*
 * test_sdb.c - the shared-buffer service between a host and a remote in
 * one process (pair.h): the HELLO handshake, buffers both ways with their
 * bytes checked in place, a full pool that makes the producer wait (and
 * a deadline that ends the wait), every ownership error a peer can commit
 * refused and counted with nothing changed, a restart giving the pool
 * back, a host end opened again at another address, the on_released
 * callback, a buffer taken by index, and many megabytes through
 * a small pool, CRC-checked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ampkit/bench_proto.h"
#include "ampkit/sdb.h"
#include "unit/pair.h"

#define COUNT 8
#define HOST_COUNT 4
#define SIZE 4096

struct side {
	struct amp_sdb sdb;
	uint32_t got, last_index, last_len;
	uint8_t last_first;
	bool release; /* give each buffer back from the callback */
	uint16_t crc;
};

struct fixture {
	struct pair p;
	struct side h, r;
	struct amp_rpmsg_ept liar; /* a raw remote endpoint, to lie with */
};

static void on_filled(struct amp_sdb *s, uint32_t index, void *data,
		      uint32_t len)
{
	struct side *d = s->priv;

	d->got++;
	d->last_index = index;
	d->last_len = len;
	d->last_first = len ? *(uint8_t *)data : 0;
	d->crc = amp_crc16(d->crc, data, len);
	if (d->release)
		assert_int_equal(amp_sdb_release(s, index, AMP_DEADLINE_NOW),
				 0);
}

static uint32_t released_n, released_last;

static void on_released(struct amp_sdb *s, uint32_t index)
{
	(void)s;
	released_n++;
	released_last = index;
}

static void ignore_rx(struct amp_rpmsg_ept *ept, void *data, uint32_t len,
		      uint32_t src)
{
	(void)ept;
	(void)data;
	(void)len;
	(void)src;
}

static void pump(struct fixture *f)
{
	for (int i = 0; i < 4; i++) {
		amp_rpmsg_poll(&f->p.remote);
		amp_rpmsg_poll(&f->p.host);
	}
}

static struct amp_sdb_cfg cfg_of(struct fixture *f)
{
	return (struct amp_sdb_cfg){ .pool_pa = f->p.extra_pa,
				     .pool_len = COUNT * SIZE,
				     .count = COUNT,
				     .host_count = HOST_COUNT,
				     .size = SIZE };
}

/* Both ends open and matched: the remote announces, the host binds to the
 * announced address and says hello, the remote answers. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct amp_sdb_cfg cfg;

	assert_non_null(f);
	assert_int_equal(pair_init_extra(&f->p, 16, 512, AMP_RPMSG_FEATURES,
					 AMP_RPMSG_FEATURES, COUNT * SIZE),
			 0);
	cfg = cfg_of(f);
	assert_int_equal(amp_sdb_open(&f->r.sdb, &f->p.remote, &cfg,
				      AMP_RPMSG_ADDR_ANY, AMP_RPMSG_ADDR_ANY,
				      on_filled, &f->r),
			 0);
	pump(f);
	assert_int_equal(amp_sdb_open(&f->h.sdb, &f->p.host, &cfg,
				      AMP_RPMSG_ADDR_ANY, f->r.sdb.ept.addr,
				      on_filled, &f->h),
			 0);
	assert_false(f->h.sdb.matched);
	pump(f);
	assert_true(f->h.sdb.matched);
	assert_true(f->r.sdb.matched);
	assert_int_equal(f->r.sdb.ept.dest_addr, f->h.sdb.ept.addr);
	/* The liar speaks from the remote's side, to the host's service. */
	assert_int_equal(amp_rpmsg_create_ept(
				 &f->liar, &f->p.remote, "", AMP_RPMSG_ADDR_ANY,
				 f->h.sdb.ept.addr, ignore_rx, NULL),
			 0);
	f->h.release = f->r.release = true;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pair_free(&f->p);
	free(f);
	return 0;
}

/* Fill one of s's buffers with `first`, first + 1, ... and send len. */
static int produce(struct amp_sdb *s, uint8_t first, uint32_t len,
		   uint64_t deadline)
{
	uint32_t cap;
	void *data;
	int i = amp_sdb_alloc(s, &data, &cap, deadline);

	if (i < 0)
		return i;
	assert_int_equal(cap, SIZE);
	for (uint32_t k = 0; k < len; k++)
		((uint8_t *)data)[k] = (uint8_t)(first + k);
	assert_int_equal(amp_sdb_send(s, (uint32_t)i, 0, len, deadline), 0);
	return i;
}

static void lie(struct fixture *f, uint32_t type, uint32_t index,
		uint32_t offset, uint32_t length)
{
	struct amp_sdb_msg m = { type, index, offset, length };

	assert_int_equal(amp_rpmsg_send(&f->liar, &m, sizeof(m)), 0);
	pump(f);
}

static void test_layout_checked(void **state)
{
	struct fixture *f = *state;
	struct amp_sdb s;
	struct amp_sdb_cfg c = cfg_of(f);

	c.count = 0;
	assert_int_equal(amp_sdb_open(&s, &f->p.host, &c, AMP_RPMSG_ADDR_ANY,
				      AMP_RPMSG_ADDR_ANY, NULL, NULL),
			 -AMP_EINVAL);
	c = cfg_of(f);
	c.count = AMP_SDB_MAX_BUFS + 1;
	assert_int_equal(amp_sdb_open(&s, &f->p.host, &c, AMP_RPMSG_ADDR_ANY,
				      AMP_RPMSG_ADDR_ANY, NULL, NULL),
			 -AMP_EINVAL);
	c = cfg_of(f);
	c.host_count = COUNT + 1;
	assert_int_equal(amp_sdb_open(&s, &f->p.host, &c, AMP_RPMSG_ADDR_ANY,
				      AMP_RPMSG_ADDR_ANY, NULL, NULL),
			 -AMP_EINVAL);
	c = cfg_of(f);
	c.size = 4095;
	assert_int_equal(amp_sdb_open(&s, &f->p.host, &c, AMP_RPMSG_ADDR_ANY,
				      AMP_RPMSG_ADDR_ANY, NULL, NULL),
			 -AMP_EINVAL);
	/* One byte more than the region holds. */
	c = cfg_of(f);
	c.pool_pa += 8;
	assert_int_equal(amp_sdb_open(&s, &f->p.host, &c, AMP_RPMSG_ADDR_ANY,
				      AMP_RPMSG_ADDR_ANY, NULL, NULL),
			 -AMP_EFAULT);
}

static void test_both_directions_in_place(void **state)
{
	struct fixture *f = *state;
	int i;

	i = produce(&f->h.sdb, 10, 1000, AMP_DEADLINE_NOW);
	assert_true(i >= 0 && i < HOST_COUNT);
	assert_int_equal(f->h.sdb.state[i], AMP_SDB_LENT);
	pump(f);
	assert_int_equal(f->r.got, 1);
	assert_int_equal(f->r.last_index, (uint32_t)i);
	assert_int_equal(f->r.last_len, 1000);
	assert_int_equal(f->r.last_first, 10);
	/* Released from the callback: home again. */
	assert_int_equal(f->h.sdb.state[i], AMP_SDB_FREE);
	assert_int_equal(f->h.sdb.stats.released_rx, 1);

	i = produce(&f->r.sdb, 77, SIZE, AMP_DEADLINE_NOW);
	assert_true(i >= HOST_COUNT && i < COUNT);
	pump(f);
	assert_int_equal(f->h.got, 1);
	assert_int_equal(f->h.last_len, SIZE);
	assert_int_equal(f->h.last_first, 77);
	assert_int_equal(f->r.sdb.state[i], AMP_SDB_FREE);
	/* The consumer read the producer's bytes where they were written. */
	{
		uint8_t want[SIZE];

		for (uint32_t k = 0; k < SIZE; k++)
			want[k] = (uint8_t)(77 + k);
		assert_int_equal(f->h.crc, amp_crc16(0, want, SIZE));
	}
	assert_int_equal(f->h.sdb.stats.bad + f->r.sdb.stats.bad, 0);

	/* An offset inside the buffer is passed on as such. */
	{
		uint32_t cap;
		void *data;
		int k = amp_sdb_alloc(&f->h.sdb, &data, &cap, AMP_DEADLINE_NOW);

		assert_true(k >= 0);
		((uint8_t *)data)[100] = 0x5a;
		assert_int_equal(amp_sdb_send(&f->h.sdb, (uint32_t)k, 100, 1,
					      AMP_DEADLINE_NOW),
				 0);
		pump(f);
		assert_int_equal(f->r.last_len, 1);
		assert_int_equal(f->r.last_first, 0x5a);
	}
}

/* on_released tells the producer each buffer that came home, once,
 * and only for a release that was accepted. */
static void test_released_callback(void **state)
{
	struct fixture *f = *state;
	int i;

	released_n = 0;
	f->h.sdb.on_released = on_released;
	f->r.release = false;
	i = produce(&f->h.sdb, 1, 100, AMP_DEADLINE_NOW);
	assert_true(i >= 0);
	pump(f);
	assert_int_equal(f->r.got, 1);
	assert_int_equal(released_n, 0); /* still held by the remote */
	/* A release of a buffer not lent is refused: no callback. */
	lie(f, AMP_SDB_RELEASE, (uint32_t)(i + 1) % HOST_COUNT, 0, 0);
	assert_int_equal(released_n, 0);
	assert_int_equal(f->h.sdb.stats.bad, 1);
	assert_int_equal(
		amp_sdb_release(&f->r.sdb, (uint32_t)i, AMP_DEADLINE_NOW), 0);
	pump(f);
	assert_int_equal(released_n, 1);
	assert_int_equal(released_last, (uint32_t)i);
	assert_int_equal(f->h.sdb.state[i], AMP_SDB_FREE);
	/* A double release: refused, no second callback. */
	lie(f, AMP_SDB_RELEASE, (uint32_t)i, 0, 0);
	assert_int_equal(released_n, 1);
	assert_int_equal(f->h.sdb.stats.bad, 2);
}

/* amp_sdb_take: one buffer by index, only one of ours that is free. */
static void test_take_by_index(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(amp_sdb_take(&f->h.sdb, COUNT), -AMP_EINVAL);
	assert_int_equal(amp_sdb_take(&f->h.sdb, HOST_COUNT), -AMP_EINVAL);
	assert_int_equal(amp_sdb_take(&f->r.sdb, 0), -AMP_EINVAL);
	assert_int_equal(amp_sdb_take(&f->h.sdb, 2), 0);
	assert_int_equal(f->h.sdb.state[2], AMP_SDB_TAKEN);
	assert_int_equal(amp_sdb_take(&f->h.sdb, 2), -AMP_EBUSY);
	assert_int_equal(amp_sdb_send(&f->h.sdb, 2, 0, 8, AMP_DEADLINE_NOW), 0);
	assert_int_equal(amp_sdb_take(&f->h.sdb, 2), -AMP_EBUSY); /* lent */
	pump(f);
	assert_int_equal(f->r.got, 1);
	assert_int_equal(f->r.last_index, 2);
	assert_int_equal(amp_sdb_take(&f->h.sdb, 2), 0); /* back home */
	assert_int_equal(amp_sdb_unalloc(&f->h.sdb, 2), 0);
	assert_int_equal(amp_sdb_take(&f->r.sdb, HOST_COUNT), 0);
	assert_int_equal(f->h.sdb.stats.bad + f->r.sdb.stats.bad, 0);
}

/* Every host buffer lent and held by the remote: the host's producer
 * waits, until its deadline, and nothing is overwritten. */
static void test_full_pool_waits(void **state)
{
	struct fixture *f = *state;
	uint32_t cap;
	void *data;
	uint64_t t0;

	f->r.release = false;
	for (int k = 0; k < HOST_COUNT; k++)
		assert_true(produce(&f->h.sdb, (uint8_t)k, 64,
				    AMP_DEADLINE_NOW) >= 0);
	pump(f);
	assert_int_equal(f->r.got, HOST_COUNT);
	assert_int_equal(amp_sdb_held_count(&f->r.sdb), HOST_COUNT);
	assert_int_equal(amp_sdb_free_count(&f->h.sdb), 0);
	assert_int_equal(
		amp_sdb_alloc(&f->h.sdb, &data, &cap, AMP_DEADLINE_NOW),
		-AMP_EAGAIN);
	t0 = f->p.hport.now;
	assert_int_equal(amp_sdb_alloc(&f->h.sdb, &data, &cap, t0 + 50000),
			 -AMP_ETIMEDOUT);
	assert_true(f->p.hport.now >= t0 + 50000);
	assert_int_equal(f->h.sdb.stats.waits, 1);
	/* The buffers the remote holds still say what they said. */
	for (int k = 0; k < HOST_COUNT; k++)
		assert_int_equal(f->h.sdb.pool[(size_t)k * SIZE], (uint8_t)k);

	/* One comes back while the producer waits (the fake port runs the
	 * remote, whose callback now releases): the wait ends with it. */
	assert_int_equal(amp_sdb_release(&f->r.sdb, 2, AMP_DEADLINE_NOW), 0);
	f->p.hport.peer = &f->p.remote;
	assert_int_equal(
		amp_sdb_alloc(&f->h.sdb, &data, &cap, f->p.hport.now + 50000),
		2);
	assert_ptr_equal(data, f->h.sdb.pool + 2 * SIZE);
	assert_int_equal(amp_sdb_unalloc(&f->h.sdb, 2), 0);
	assert_int_equal(amp_sdb_unalloc(&f->h.sdb, 2), -AMP_EINVAL);
}

/* Everything a peer can get wrong: refused, counted, nothing changed. */
static void test_ownership_errors(void **state)
{
	struct fixture *f = *state;
	struct amp_sdb *h = &f->h.sdb;
	uint8_t before[COUNT];
	uint32_t bad = 0;
	int lent;

	f->r.release = false;
	lent = produce(h, 1, 8, AMP_DEADLINE_NOW); /* one lent, held there */
	pump(f);
	assert_int_equal(h->state[lent], AMP_SDB_LENT);
	memcpy(before, h->state, COUNT);

#define REFUSED(type, ...)                                                     \
	do {                                                                   \
		lie(f, type, __VA_ARGS__);                                     \
		assert_int_equal(h->stats.bad, ++bad);                         \
		assert_int_equal(h->stats.bad_last, type);                     \
		assert_memory_equal(h->state, before, COUNT);                  \
	} while (0)

	/* release of a buffer not held (free at home) */
	REFUSED(AMP_SDB_RELEASE, (uint32_t)(lent + 1) % HOST_COUNT, 0, 0);
	/* index out of range */
	REFUSED(AMP_SDB_RELEASE, COUNT, 0, 0);
	REFUSED(AMP_SDB_FILLED, COUNT + 100, 0, 8);
	/* a release that carries a range */
	REFUSED(AMP_SDB_RELEASE, (uint32_t)lent, 0, 8);
	/* handing over a buffer it does not own: one of the host's */
	REFUSED(AMP_SDB_FILLED, (uint32_t)lent, 0, 8);
	REFUSED(AMP_SDB_FILLED, 0 == lent ? 1 : 0, 0, 8);
	/* offset + length past the buffer, and an offset past it */
	REFUSED(AMP_SDB_FILLED, HOST_COUNT, 8, SIZE - 7);
	REFUSED(AMP_SDB_FILLED, HOST_COUNT, SIZE + 1, 0);
	REFUSED(AMP_SDB_FILLED, HOST_COUNT, 0xffffffffu, 2);
	/* an unknown type */
	REFUSED(9, 0, 0, 0);
	assert_int_equal(f->h.got, 0);

	/* A short message */
	{
		uint8_t shortmsg[8] = { AMP_SDB_RELEASE };

		assert_int_equal(
			amp_rpmsg_send(&f->liar, shortmsg, sizeof(shortmsg)),
			0);
		pump(f);
		assert_int_equal(h->stats.bad, ++bad);
	}

	/* A legal hand-over from the liar, then the same one again (a
	 * double hand-over) and a double release by the host itself. */
	f->h.release = false;
	lie(f, AMP_SDB_FILLED, HOST_COUNT + 1, 0, 16);
	assert_int_equal(h->stats.bad, bad);
	assert_int_equal(f->h.got, 1);
	memcpy(before, h->state, COUNT);
	REFUSED(AMP_SDB_FILLED, HOST_COUNT + 1, 0, 16);
	assert_int_equal(amp_sdb_release(h, HOST_COUNT + 1, AMP_DEADLINE_NOW),
			 0);
	assert_int_equal(amp_sdb_release(h, HOST_COUNT + 1, AMP_DEADLINE_NOW),
			 -AMP_EINVAL);
	/* Local misuse: sending what was not allocated. */
	assert_int_equal(
		amp_sdb_send(h, (uint32_t)lent, 0, 8, AMP_DEADLINE_NOW),
		-AMP_EINVAL);
	assert_int_equal(amp_sdb_send(h, COUNT, 0, 8, AMP_DEADLINE_NOW),
			 -AMP_EINVAL);
	{
		uint32_t cap;
		void *data;
		int k = amp_sdb_alloc(h, &data, &cap, AMP_DEADLINE_NOW);

		assert_true(k >= 0);
		assert_int_equal(
			amp_sdb_send(h, (uint32_t)k, 1, SIZE, AMP_DEADLINE_NOW),
			-AMP_EINVAL);
		assert_int_equal(h->state[k], AMP_SDB_TAKEN);
	}

	/* An answer with another layout is a refusal: nothing more can be
	 * exchanged. */
	lie(f, AMP_SDB_HELLO, HOST_COUNT, COUNT, SIZE * 2);
	assert_int_equal(h->stats.bad, ++bad);
	assert_false(h->matched);
	{
		uint32_t cap;
		void *data;

		assert_int_equal(
			amp_sdb_alloc(h, &data, &cap, AMP_DEADLINE_NOW),
			-AMP_EPROTO);
	}
#undef REFUSED
}

/* The host chooses the layout; the remote takes any that fits its
 * carveout and refuses one that does not. */
static void test_layout_from_host(void **state)
{
	struct fixture *f = *state;
	struct amp_sdb_cfg cfg = cfg_of(f);
	uint32_t cap;
	void *data;
	int i;

	amp_sdb_close(&f->h.sdb);
	cfg.count = 2;
	cfg.host_count = 1;
	cfg.size = COUNT * SIZE / 2; /* two buffers fill the carveout */
	assert_int_equal(amp_sdb_open(&f->h.sdb, &f->p.host, &cfg,
				      AMP_RPMSG_ADDR_ANY, f->r.sdb.ept.addr,
				      on_filled, &f->h),
			 0);
	pump(f);
	assert_true(f->h.sdb.matched && f->r.sdb.matched);
	assert_int_equal(f->r.sdb.cfg.size, COUNT * SIZE / 2);
	assert_int_equal(f->r.sdb.cfg.count, 2);
	i = amp_sdb_alloc(&f->r.sdb, &data, &cap, AMP_DEADLINE_NOW);
	assert_int_equal(i, 1);
	assert_int_equal(cap, COUNT * SIZE / 2);
	assert_int_equal(amp_sdb_send(&f->r.sdb, 1, 0, cap, AMP_DEADLINE_NOW),
			 0);
	pump(f);
	assert_int_equal(f->h.got, 1);
	assert_int_equal(f->h.last_len, COUNT * SIZE / 2);

	/* A firmware whose carveout is half the host's idea of it. */
	amp_sdb_close(&f->h.sdb);
	amp_sdb_close(&f->r.sdb);
	pump(f);
	cfg = cfg_of(f);
	cfg.pool_len /= 2;
	assert_int_equal(amp_sdb_open(&f->r.sdb, &f->p.remote, &cfg,
				      AMP_RPMSG_ADDR_ANY, AMP_RPMSG_ADDR_ANY,
				      on_filled, &f->r),
			 0);
	pump(f);
	cfg = cfg_of(f);
	assert_int_equal(amp_sdb_open(&f->h.sdb, &f->p.host, &cfg,
				      AMP_RPMSG_ADDR_ANY, f->r.sdb.ept.addr,
				      on_filled, &f->h),
			 0);
	pump(f);
	assert_false(f->r.sdb.matched);
	assert_int_equal(f->r.sdb.stats.bad, 1);
	assert_false(f->h.sdb.matched);
	assert_int_equal(
		amp_sdb_alloc(&f->h.sdb, &data, &cap, f->p.hport.now + 1000),
		-AMP_EPROTO);
	assert_int_equal(
		amp_sdb_alloc(&f->r.sdb, &data, &cap, AMP_DEADLINE_NOW),
		-AMP_ENOTCONN);
}

/* The remote restarts holding host buffers and owing nothing: its HELLO
 * gives the whole pool back on both sides. */
static void test_restart_gives_pool_back(void **state)
{
	struct fixture *f = *state;
	struct amp_sdb_cfg cfg = cfg_of(f);

	f->r.release = false;
	f->h.release = false;
	for (int k = 0; k < 3; k++)
		assert_true(produce(&f->h.sdb, 0, 8, AMP_DEADLINE_NOW) >= 0);
	assert_true(produce(&f->r.sdb, 0, 8, AMP_DEADLINE_NOW) >= 0);
	pump(f);
	assert_int_equal(amp_sdb_free_count(&f->h.sdb), HOST_COUNT - 3);
	assert_int_equal(amp_sdb_held_count(&f->h.sdb), 1);

	/* The firmware's side starts again; the host says hello again, as
	 * it does when the channel is announced anew. */
	amp_sdb_close(&f->r.sdb);
	pump(f);
	assert_int_equal(amp_sdb_open(&f->r.sdb, &f->p.remote, &cfg,
				      AMP_RPMSG_ADDR_ANY, AMP_RPMSG_ADDR_ANY,
				      on_filled, &f->r),
			 0);
	pump(f);
	amp_sdb_close(&f->h.sdb);
	assert_int_equal(amp_sdb_open(&f->h.sdb, &f->p.host, &cfg,
				      AMP_RPMSG_ADDR_ANY, f->r.sdb.ept.addr,
				      on_filled, &f->h),
			 0);
	pump(f);
	assert_true(f->h.sdb.matched && f->r.sdb.matched);
	assert_int_equal(amp_sdb_free_count(&f->h.sdb), HOST_COUNT);
	assert_int_equal(amp_sdb_held_count(&f->h.sdb), 0);
	assert_int_equal(amp_sdb_free_count(&f->r.sdb), COUNT - HOST_COUNT);

	/* And a peer that says hello again without closing: the same. */
	assert_true(produce(&f->h.sdb, 0, 8, AMP_DEADLINE_NOW) >= 0);
	pump(f);
	assert_int_equal(amp_sdb_free_count(&f->h.sdb), HOST_COUNT - 1);
	lie(f, AMP_SDB_HELLO, HOST_COUNT, COUNT, SIZE);
	assert_int_equal(f->h.sdb.stats.resets, 1);
	assert_int_equal(amp_sdb_free_count(&f->h.sdb), HOST_COUNT);
	assert_int_equal(f->h.sdb.stats.bad, 0);
}

/* The host closes its end and opens it again at another address (its
 * old one taken meanwhile): the remote follows the new HELLO's source,
 * and buffers flow both ways again. */
static void test_host_reopens_elsewhere(void **state)
{
	struct fixture *f = *state;
	struct amp_sdb_cfg cfg = cfg_of(f);
	struct amp_rpmsg_ept squatter;
	uint32_t old = f->h.sdb.ept.addr;

	amp_sdb_close(&f->h.sdb);
	assert_int_equal(amp_rpmsg_create_ept(&squatter, &f->p.host, "", old,
					      AMP_RPMSG_ADDR_ANY, ignore_rx,
					      NULL),
			 0);
	assert_int_equal(amp_sdb_open(&f->h.sdb, &f->p.host, &cfg,
				      AMP_RPMSG_ADDR_ANY, f->r.sdb.ept.addr,
				      on_filled, &f->h),
			 0);
	assert_int_not_equal(f->h.sdb.ept.addr, old);
	pump(f);
	assert_true(f->h.sdb.matched && f->r.sdb.matched);
	assert_int_equal(f->r.sdb.ept.dest_addr, f->h.sdb.ept.addr);
	assert_true(produce(&f->h.sdb, 1, 8, AMP_DEADLINE_NOW) >= 0);
	assert_true(produce(&f->r.sdb, 2, 8, AMP_DEADLINE_NOW) >= 0);
	pump(f);
	assert_int_equal(f->r.got, 1);
	assert_int_equal(f->h.got, 1);
	assert_int_equal(amp_sdb_free_count(&f->h.sdb), HOST_COUNT);
	assert_int_equal(amp_sdb_free_count(&f->r.sdb), COUNT - HOST_COUNT);
	assert_int_equal(f->r.sdb.stats.bad + f->h.sdb.stats.bad, 0);
	amp_rpmsg_destroy_ept(&squatter);
}

/* 32 MiB each way through the 8-buffer pool, every byte checked by CRC
 * on the consumer's side against the producer's. */
static void test_many_megabytes_crc(void **state)
{
	struct fixture *f = *state;
	const uint32_t rounds = (32u << 20) / SIZE;
	uint16_t want_h = 0, want_r = 0;
	uint8_t buf[SIZE];

	for (uint32_t n = 0; n < rounds; n++) {
		for (uint32_t k = 0; k < SIZE; k++)
			buf[k] = (uint8_t)(n * 131 + k * 7);
		want_r = amp_crc16(want_r, buf, SIZE);
		want_h = amp_crc16(want_h, buf, SIZE - (n & 7));
		for (int dir = 0; dir < 2; dir++) {
			struct amp_sdb *s = dir ? &f->r.sdb : &f->h.sdb;
			uint32_t cap, len = dir ? SIZE - (n & 7) : SIZE;
			void *data;
			int i = amp_sdb_alloc(s, &data, &cap, AMP_DEADLINE_NOW);

			assert_true(i >= 0);
			memcpy(data, buf, len);
			assert_int_equal(amp_sdb_send(s, (uint32_t)i, 0, len,
						      AMP_DEADLINE_NOW),
					 0);
		}
		pump(f);
	}
	assert_int_equal(f->r.got, rounds);
	assert_int_equal(f->h.got, rounds);
	assert_int_equal(f->r.crc, want_r);
	assert_int_equal(f->h.crc, want_h);
	assert_int_equal(f->h.sdb.stats.bad + f->r.sdb.stats.bad, 0);
	assert_int_equal(amp_sdb_free_count(&f->h.sdb), HOST_COUNT);
	assert_int_equal(amp_sdb_free_count(&f->r.sdb), COUNT - HOST_COUNT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layout_checked, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_both_directions_in_place,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_released_callback, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_take_by_index, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_full_pool_waits, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ownership_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_layout_from_host, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_restart_gives_pool_back,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_reopens_elsewhere,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_megabytes_crc, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
