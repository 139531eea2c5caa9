/*
 * test_vuart.c - the virtual UART service over a host+remote pair (see
 * pair.h): credits negotiated or not (then the wire carries exactly the
 * payload, as upstream), several ports on one link, big writes split and
 * reassembled, auto and manual windows, writers waiting on credit with a
 * deadline, the CLOSED message (a port's user went away) in order with
 * the data, and a peer that overruns its window or sends nonsense control
 * messages - each followed by a check that the stream goes on byte-exact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "ampkit/vuart.h"
#include "unit/pair.h"

/* What one port received, in order. */
struct sink {
	struct amp_vuart vu;
	uint8_t *data;
	uint32_t cap, n, msgs;
};

static void sink_cb(struct amp_vuart *vu, const void *data, uint32_t len)
{
	struct sink *s = vu->priv;

	assert_true(s->n + len <= s->cap);
	memcpy(s->data + s->n, data, len);
	s->n += len;
	s->msgs++;
}

static void sink_init(struct sink *s, uint32_t cap)
{
	memset(s, 0, sizeof(*s));
	s->data = malloc(cap);
	s->cap = cap;
}

/* A plain endpoint, to see the wire as the peer's rpmsg layer does. */
#define WIRE_MAX 64
struct wire {
	struct amp_rpmsg_ept ept;
	int count;
	uint32_t len[WIRE_MAX];
	uint16_t flags[WIRE_MAX];
	uint8_t data[WIRE_MAX][512];
	uint32_t src;
};

static void wire_cb(struct amp_rpmsg_ept *ept, void *data, uint32_t len,
		    uint32_t src)
{
	struct wire *w = ept->priv;

	assert_true(w->count < WIRE_MAX && len <= 512);
	w->len[w->count] = len;
	w->flags[w->count] = amp_rpmsg_rx_flags(ept->dev);
	memcpy(w->data[w->count++], data, len);
	w->src = src;
}

static struct pair *pair_new(uint32_t num, uint32_t dfeatures,
			     uint32_t host_features)
{
	struct pair *p = malloc(sizeof(*p));

	assert_int_equal(
		pair_init_features(p, num, 512, dfeatures, host_features), 0);
	return p;
}

static void pair_del(struct pair *p)
{
	pair_free(p);
	free(p);
}

/* Each side's waits run the other side once, as a concurrent peer. */
static void pair_link(struct pair *p)
{
	p->hport.peer = &p->remote;
	p->rport.peer = &p->host;
}

static void fill(uint8_t *b, uint32_t off, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		b[i] = (uint8_t)((off + i) * 7 + ((off + i) >> 8));
}

static void check_stream(const struct sink *s, uint32_t n)
{
	uint8_t *want = malloc(n ? n : 1);

	fill(want, 0, n);
	assert_int_equal(s->n, n);
	assert_memory_equal(s->data, want, n);
	free(want);
}

/* Remote port announced, host port opened on it, and (with credits) both
 * opening grants delivered. */
static void ports_open(struct pair *p, struct sink *h, struct sink *r,
		       const char *name, uint32_t h_window, uint32_t r_window)
{
	assert_int_equal(amp_vuart_open(&r->vu, &p->remote, name,
					AMP_RPMSG_ADDR_ANY, AMP_RPMSG_ADDR_ANY,
					r_window, sink_cb, r),
			 0);
	assert_int_equal(amp_rpmsg_poll(&p->host), 1); /* NS */
	assert_int_equal(amp_vuart_open(&h->vu, &p->host, name,
					AMP_RPMSG_ADDR_ANY, r->vu.ept.addr,
					h_window, sink_cb, h),
			 0);
	if (p->host.credits) {
		assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
		assert_int_equal(r->vu.ept.dest_addr, h->vu.ept.addr);
		assert_int_equal(amp_rpmsg_poll(&p->host), 1);
	}
}

static void test_negotiated(void **state)
{
	struct pair *p = pair_new(16, AMP_RPMSG_FEATURES, AMP_RPMSG_FEATURES);
	struct sink h, r;

	(void)state;
	assert_true(p->host.credits && p->remote.credits);
	assert_true(p->vdev->gfeatures & (1u << AMP_VIRTIO_RPMSG_F_CREDITS));
	sink_init(&h, 4096);
	sink_init(&r, 4096);
	ports_open(p, &h, &r, AMP_VUART_NAME, 0, 0);
	assert_true(h.vu.credits && r.vu.credits);
	assert_int_equal(amp_vuart_write_room(&h.vu), AMP_VUART_WINDOW_DEFAULT);
	assert_int_equal(amp_vuart_write_room(&r.vu), AMP_VUART_WINDOW_DEFAULT);
	assert_int_equal(h.vu.stats.credits_tx, 1);
	assert_int_equal(r.vu.stats.credits_rx, 1);

	uint8_t buf[300];
	fill(buf, 0, sizeof(buf));
	assert_int_equal(amp_vuart_write(&h.vu, buf, 300, AMP_DEADLINE_NOW),
			 300);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	check_stream(&r, 300);
	assert_int_equal(amp_vuart_write_room(&h.vu),
			 AMP_VUART_WINDOW_DEFAULT - 300);
	assert_int_equal(amp_vuart_write(&r.vu, buf, 100, AMP_DEADLINE_NOW),
			 100);
	assert_int_equal(amp_rpmsg_poll(&p->host), 1);
	check_stream(&h, 100);
	/* Far below half the window consumed: no grant traffic yet. */
	assert_int_equal(r.vu.stats.credits_tx, 1);
	assert_int_equal(r.vu.stats.rx_bytes, 300);
	assert_int_equal(h.vu.stats.tx_bytes, 300);
	free(h.data);
	free(r.data);
	pair_del(p);
}

/* The ampkit side's data messages are the payload alone, flags 0, and
 * the only control message is the host's opening grant. */
static void test_negotiated_wire(void **state)
{
	struct pair *p = pair_new(16, AMP_RPMSG_FEATURES, AMP_RPMSG_FEATURES);
	struct wire w = { 0 };
	struct sink h;
	static const uint8_t grant[8] = { 1, 0, 0, 0, 0, 0, 1, 0 };

	(void)state;
	sink_init(&h, 16);
	assert_int_equal(amp_rpmsg_create_ept(&w.ept, &p->remote, "rpmsg-tty",
					      AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_ADDR_ANY, wire_cb, &w),
			 0);
	assert_int_equal(amp_rpmsg_poll(&p->host), 1);
	assert_int_equal(amp_vuart_open(&h.vu, &p->host, AMP_VUART_NAME,
					AMP_RPMSG_ADDR_ANY, w.ept.addr, 0,
					sink_cb, &h),
			 0);
	assert_int_equal(amp_vuart_write(&h.vu, "abc", 3, AMP_DEADLINE_NOW),
			 -AMP_EAGAIN); /* no grant from the remote yet */
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	assert_int_equal(w.count, 1);
	assert_int_equal(w.flags[0], AMP_RPMSG_F_CTL);
	assert_int_equal(w.len[0], 8);
	assert_memory_equal(w.data[0], grant, 8);

	/* Grant 5 bytes by hand; a write of 9 sends exactly 5. */
	static const uint8_t five[8] = { 1, 0, 0, 0, 5, 0, 0, 0 };
	w.ept.dest_addr = w.src;
	assert_int_equal(amp_rpmsg_send_flags(&w.ept, AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_F_CTL, five, 8,
					      AMP_DEADLINE_NOW),
			 0);
	assert_int_equal(amp_rpmsg_poll(&p->host), 1);
	assert_int_equal(amp_vuart_write_room(&h.vu), 5);
	assert_int_equal(
		amp_vuart_write(&h.vu, "012345678", 9, AMP_DEADLINE_NOW), 5);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	assert_int_equal(w.count, 2);
	assert_int_equal(w.flags[1], 0);
	assert_int_equal(w.len[1], 5);
	assert_memory_equal(w.data[1], "01234", 5);

	/* The host's user went away: one 8-byte control message, type 2,
	 * argument 0, after the data. */
	static const uint8_t closed[8] = { 2, 0, 0, 0, 0, 0, 0, 0 };
	assert_int_equal(amp_vuart_send_closed(&h.vu, AMP_DEADLINE_NOW), 0);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	assert_int_equal(w.count, 3);
	assert_int_equal(w.flags[2], AMP_RPMSG_F_CTL);
	assert_int_equal(w.len[2], 8);
	assert_memory_equal(w.data[2], closed, 8);
	assert_int_equal(h.vu.stats.closed_tx, 1);
	free(h.data);
	pair_del(p);
}

/* No F_CREDITS: the host's vuart faces a plain remote endpoint (as an
 * OpenAMP firmware would have) and the remote's vuart a plain host
 * endpoint (as Linux rpmsg_tty).  The wire carries exactly the payload,
 * flags 0, never a control message, and flags from the peer are data. */
static void check_raw(uint32_t dfeatures, uint32_t host_features)
{
	struct pair *p = pair_new(16, dfeatures, host_features);
	struct wire rw = { 0 }, hw = { 0 };
	struct sink h, r;
	uint8_t *big = malloc(5000);

	assert_false(p->host.credits || p->remote.credits);
	sink_init(&h, 8192);
	sink_init(&r, 8192);
	fill(big, 0, 5000);
	pair_link(p);

	/* Host vuart -> plain remote endpoint. */
	assert_int_equal(amp_rpmsg_create_ept(&rw.ept, &p->remote, "rpmsg-tty",
					      AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_ADDR_ANY, wire_cb, &rw),
			 0);
	assert_int_equal(amp_rpmsg_poll(&p->host), 1);
	assert_int_equal(amp_vuart_open(&h.vu, &p->host, AMP_VUART_NAME,
					AMP_RPMSG_ADDR_ANY, rw.ept.addr, 1000,
					sink_cb, &h),
			 0);
	assert_false(h.vu.credits);
	/* Upstream has no CLOSED: refused, and nothing goes out. */
	assert_int_equal(amp_vuart_send_closed(&h.vu, AMP_DEADLINE_NOW),
			 -AMP_ENOTSUP);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 0); /* nothing sent */
	assert_int_equal(amp_vuart_write_room(&h.vu), UINT32_MAX);
	assert_int_equal(amp_vuart_write(&h.vu, big, 5000, AMP_DEADLINE_NEVER),
			 5000);
	amp_rpmsg_poll(&p->remote);
	assert_int_equal(rw.count, 11); /* 10 x 496 + 40 */
	for (int i = 0; i < rw.count; i++) {
		assert_int_equal(rw.flags[i], 0);
		assert_int_equal(rw.len[i], i < 10 ? 496 : 40);
		assert_memory_equal(rw.data[i], big + i * 496, rw.len[i]);
	}
	/* The plain peer sends with F_CTL set: without credits it is data,
	 * and a manual window is not enforced (nothing was granted). */
	rw.ept.dest_addr = rw.src;
	assert_int_equal(amp_rpmsg_send_flags(&rw.ept, AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_F_CTL, big, 496,
					      AMP_DEADLINE_NOW),
			 0);
	assert_int_equal(amp_rpmsg_send_deadline(&rw.ept, AMP_RPMSG_ADDR_ANY,
						 big + 496, 496,
						 AMP_DEADLINE_NOW),
			 0);
	assert_int_equal(amp_rpmsg_send_deadline(&rw.ept, AMP_RPMSG_ADDR_ANY,
						 big + 992, 496,
						 AMP_DEADLINE_NOW),
			 0);
	assert_int_equal(amp_rpmsg_poll(&p->host), 3);
	check_stream(&h, 1488);
	assert_int_equal(amp_vuart_consumed(&h.vu, 1488), 0);
	assert_int_equal(h.vu.stats.overrun + h.vu.stats.bad_ctl, 0);
	assert_int_equal(h.vu.stats.credits_tx + h.vu.stats.credits_rx, 0);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 0);

	/* Remote vuart <- plain host endpoint (the address is learned from
	 * the host's first message, as with Linux rpmsg_tty). */
	assert_int_equal(amp_vuart_open(&r.vu, &p->remote, AMP_VUART_NAME_ST,
					AMP_RPMSG_ADDR_ANY, AMP_RPMSG_ADDR_ANY,
					0, sink_cb, &r),
			 0);
	assert_int_equal(amp_vuart_write(&r.vu, "x", 1, AMP_DEADLINE_NOW),
			 -AMP_ENOTCONN);
	assert_int_equal(amp_rpmsg_poll(&p->host), 1); /* NS */
	assert_int_equal(amp_rpmsg_create_ept(&hw.ept, &p->host,
					      "rpmsg-tty-channel",
					      AMP_RPMSG_ADDR_ANY, r.vu.ept.addr,
					      wire_cb, &hw),
			 0);
	assert_int_equal(amp_rpmsg_send(&hw.ept, big, 10), 0);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	check_stream(&r, 10);
	assert_int_equal(amp_rpmsg_poll(&p->host), 0); /* no grant, ever */
	assert_int_equal(amp_vuart_write(&r.vu, big, 700, AMP_DEADLINE_NEVER),
			 700);
	assert_int_equal(amp_rpmsg_poll(&p->host), 2);
	assert_int_equal(hw.count, 2);
	assert_int_equal(hw.flags[0] | hw.flags[1], 0);
	assert_int_equal(hw.len[0], 496);
	assert_int_equal(hw.len[1], 204);
	assert_memory_equal(hw.data[0], big, 496);
	assert_memory_equal(hw.data[1], big + 496, 204);
	assert_int_equal(r.vu.stats.credits_tx, 0);

	free(big);
	free(h.data);
	free(r.data);
	pair_del(p);
}

static void test_raw_remote_without_credits(void **state)
{
	(void)state;
	check_raw(AMP_RPMSG_FEATURES & ~(1u << AMP_VIRTIO_RPMSG_F_CREDITS),
		  AMP_RPMSG_FEATURES);
}

static void test_raw_host_without_credits(void **state)
{
	(void)state;
	check_raw(AMP_RPMSG_FEATURES,
		  AMP_RPMSG_FEATURES & ~(1u << AMP_VIRTIO_RPMSG_F_CREDITS));
}

static void test_several_ports(void **state)
{
	struct pair *p = pair_new(16, AMP_RPMSG_FEATURES, AMP_RPMSG_FEATURES);
	struct sink h[3], r[3];
	uint8_t buf[1500];

	(void)state;
	for (int i = 0; i < 3; i++) {
		sink_init(&h[i], 8192);
		sink_init(&r[i], 8192);
		ports_open(p, &h[i], &r[i], AMP_VUART_NAME, 0, 0);
	}
	/* Interleaved, each port with its own slice of the pattern. */
	for (uint32_t off = 0; off < 3000; off += 1500) {
		for (int i = 0; i < 3; i++) {
			fill(buf, off, 1500);
			assert_int_equal(amp_vuart_write(&h[i].vu, buf, 1500,
							 AMP_DEADLINE_NOW),
					 1500);
			assert_int_equal(amp_rpmsg_poll(&p->remote), 4);
			assert_int_equal(amp_vuart_write(&r[i].vu, buf, 1500,
							 AMP_DEADLINE_NOW),
					 1500);
			assert_int_equal(amp_rpmsg_poll(&p->host), 4);
		}
	}
	for (int i = 0; i < 3; i++) {
		check_stream(&r[i], 3000);
		check_stream(&h[i], 3000);
		assert_int_equal(r[i].msgs, 8);
		free(h[i].data);
		free(r[i].data);
	}
	pair_del(p);
}

/* 1 MiB each way through 16 buffers and a default window: writes split,
 * wait for buffers and grants, and the stream arrives in order. */
static void test_big_writes(void **state)
{
	struct pair *p = pair_new(16, AMP_RPMSG_FEATURES, AMP_RPMSG_FEATURES);
	const uint32_t n = 1u << 20;
	uint8_t *big = malloc(n);
	struct sink h, r;

	(void)state;
	sink_init(&h, n);
	sink_init(&r, n);
	fill(big, 0, n);
	ports_open(p, &h, &r, AMP_VUART_NAME, 0, 0);
	pair_link(p);
	assert_int_equal(amp_vuart_write(&h.vu, big, n, AMP_DEADLINE_NEVER),
			 (int)n);
	while (amp_rpmsg_poll(&p->remote) > 0)
		;
	check_stream(&r, n);
	assert_true(r.msgs >= (n + 495) / 496);
	assert_int_equal(amp_vuart_write(&r.vu, big, n, AMP_DEADLINE_NEVER),
			 (int)n);
	while (amp_rpmsg_poll(&p->host) > 0)
		;
	check_stream(&h, n);
	/* Batched: about one grant per half window, not one per message. */
	assert_true(r.vu.stats.credits_tx <=
		    2 * n / AMP_VUART_WINDOW_DEFAULT + 2);
	assert_true(h.vu.stats.credits_rx >= n / AMP_VUART_WINDOW_DEFAULT);
	assert_true(h.vu.stats.tx_waits >= 1);
	assert_int_equal(r.vu.stats.overrun + r.vu.stats.bad_ctl, 0);
	assert_int_equal(h.vu.stats.overrun + h.vu.stats.bad_ctl, 0);
	free(big);
	free(h.data);
	free(r.data);
	pair_del(p);
}

/* A manual window: the sender never has more than rx_window unconsumed
 * bytes out; NOW sends what fits, then -EAGAIN; consumed() grants back. */
static void test_manual_window(void **state)
{
	struct pair *p = pair_new(16, AMP_RPMSG_FEATURES, AMP_RPMSG_FEATURES);
	uint8_t buf[3000];
	struct sink h, r;

	(void)state;
	sink_init(&h, 16);
	sink_init(&r, 8192);
	fill(buf, 0, sizeof(buf));
	ports_open(p, &h, &r, AMP_VUART_NAME, 0, 1000);
	assert_int_equal(amp_vuart_write_room(&h.vu), 1000);
	assert_int_equal(amp_vuart_write(&h.vu, buf, 3000, AMP_DEADLINE_NOW),
			 1000);
	assert_int_equal(
		amp_vuart_write(&h.vu, buf + 1000, 2000, AMP_DEADLINE_NOW),
		-AMP_EAGAIN);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 3); /* 496+496+8 */
	check_stream(&r, 1000);
	assert_int_equal(r.vu.stats.credits_tx, 1); /* held: nothing back */

	/* More than held is refused and grants nothing. */
	assert_int_equal(amp_vuart_consumed(&r.vu, 1001), -AMP_EINVAL);
	/* Below half, but the sender has nothing left: granted at once. */
	assert_int_equal(amp_vuart_consumed(&r.vu, 100), 0);
	assert_int_equal(r.vu.stats.credits_tx, 2);
	assert_int_equal(
		amp_vuart_write(&h.vu, buf + 1000, 2000, AMP_DEADLINE_NOW),
		100); /* NOW polled the grant in */
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	/* Half the window or more goes back at once... */
	assert_int_equal(amp_vuart_consumed(&r.vu, 900), 0);
	assert_int_equal(r.vu.stats.credits_tx, 3);
	/* ...less waits while the sender still has credit... */
	assert_int_equal(amp_vuart_consumed(&r.vu, 100), 0);
	assert_int_equal(r.vu.stats.credits_tx, 3);
	assert_int_equal(
		amp_vuart_write(&h.vu, buf + 1100, 1900, AMP_DEADLINE_NOW),
		900);
	/* ...and goes as soon as the sender has used it all up. */
	assert_int_equal(amp_rpmsg_poll(&p->remote), 2);
	assert_int_equal(r.vu.stats.credits_tx, 4);
	check_stream(&r, 2000);
	assert_int_equal(r.vu.stats.overrun, 0);
	free(h.data);
	free(r.data);
	pair_del(p);
}

/* A writer out of credit waits until its deadline (-ETIMEDOUT, nothing
 * sent), and goes on once the reader consumes, nothing lost. */
static void test_credit_timeout(void **state)
{
	struct pair *p = pair_new(16, AMP_RPMSG_FEATURES, AMP_RPMSG_FEATURES);
	uint8_t buf[2000];
	struct sink h, r;

	(void)state;
	sink_init(&h, 16);
	sink_init(&r, 8192);
	fill(buf, 0, sizeof(buf));
	ports_open(p, &h, &r, AMP_VUART_NAME, 0, 1000);
	/* The remote runs during the host's waits but never consumes. */
	p->hport.peer = &p->remote;
	uint64_t deadline = p->hport.now + 100000;
	assert_int_equal(amp_vuart_write(&h.vu, buf, 2000, deadline), 1000);
	assert_int_equal(amp_vuart_write(&h.vu, buf + 1000, 1000, deadline),
			 -AMP_ETIMEDOUT);
	assert_true(p->hport.now >= deadline);
	assert_int_equal(h.vu.stats.tx_waits, 2);
	check_stream(&r, 1000);

	assert_int_equal(amp_vuart_consumed(&r.vu, 1000), 0);
	assert_int_equal(
		amp_vuart_write(&h.vu, buf + 1000, 1000, AMP_DEADLINE_NEVER),
		1000);
	amp_rpmsg_poll(&p->remote);
	check_stream(&r, 2000);

	/* Called from inside a receive callback, a write that would wait
	 * refuses instead of deadlocking. */
	p->hport.peer = NULL;
	assert_int_equal(amp_vuart_write_room(&h.vu), 0);
	p->host.dispatching = 1;
	assert_int_equal(amp_vuart_write(&h.vu, buf, 10, AMP_DEADLINE_NEVER),
			 -AMP_EBUSY);
	p->host.dispatching = 0;
	free(h.data);
	free(r.data);
	pair_del(p);
}

/* The remote cannot write before the host's first message tells it
 * where the host is; afterwards it can. */
static void test_not_connected(void **state)
{
	struct pair *p = pair_new(16, AMP_RPMSG_FEATURES, AMP_RPMSG_FEATURES);
	struct sink h, r;

	(void)state;
	sink_init(&h, 16);
	sink_init(&r, 16);
	assert_int_equal(amp_vuart_open(&r.vu, &p->remote, AMP_VUART_NAME,
					AMP_RPMSG_ADDR_ANY, AMP_RPMSG_ADDR_ANY,
					0, sink_cb, &r),
			 0);
	assert_int_equal(amp_vuart_write(&r.vu, "x", 1, AMP_DEADLINE_NEVER),
			 -AMP_ENOTCONN);
	assert_int_equal(amp_vuart_send_closed(&r.vu, AMP_DEADLINE_NOW),
			 -AMP_ENOTCONN);
	assert_int_equal(amp_rpmsg_poll(&p->host), 1);
	assert_int_equal(amp_vuart_open(&h.vu, &p->host, AMP_VUART_NAME,
					AMP_RPMSG_ADDR_ANY, r.vu.ept.addr, 0,
					sink_cb, &h),
			 0);
	assert_int_equal(amp_vuart_write(&r.vu, "x", 1, AMP_DEADLINE_NOW),
			 -AMP_ENOTCONN); /* the grant is not delivered yet */
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	assert_int_equal(amp_vuart_write(&r.vu, "x", 1, AMP_DEADLINE_NOW), 1);
	assert_int_equal(amp_rpmsg_poll(&p->host), 2); /* grant + data */
	assert_int_equal(h.n, 1);

	/* The remote withdraws the port: the host's credit is void. */
	amp_vuart_close(&r.vu);
	assert_int_equal(amp_rpmsg_poll(&p->host), 1);
	assert_int_equal(amp_vuart_write_room(&h.vu), 0);
	assert_int_equal(amp_vuart_write(&h.vu, "x", 1, AMP_DEADLINE_NEVER),
			 -AMP_ENOTCONN);
	assert_int_equal(amp_vuart_open(&h.vu, &p->host, AMP_VUART_NAME,
					AMP_RPMSG_ADDR_ANY, 5000,
					AMP_VUART_MAX_WINDOW + 1, sink_cb, &h),
			 -AMP_EINVAL);
	free(h.data);
	free(r.data);
	pair_del(p);
}

/* The host's side lies: data beyond the remote's window is dropped whole
 * and counted, and the stream continues byte-exact after it. */
static void test_overrun(void **state)
{
	struct pair *p = pair_new(16, AMP_RPMSG_FEATURES, AMP_RPMSG_FEATURES);
	uint8_t buf[1200], junk[496];
	struct sink h, r;

	(void)state;
	sink_init(&h, 16);
	sink_init(&r, 8192);
	fill(buf, 0, sizeof(buf));
	memset(junk, 0xEE, sizeof(junk));
	ports_open(p, &h, &r, AMP_VUART_NAME, 0, 1000);
	assert_int_equal(amp_vuart_write(&h.vu, buf, 600, AMP_DEADLINE_NOW),
			 600);
	/* 496 more raw bytes: past the 400 still allowed. */
	assert_int_equal(amp_rpmsg_send_deadline(&h.vu.ept, AMP_RPMSG_ADDR_ANY,
						 junk, 496, AMP_DEADLINE_NOW),
			 0);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 3);
	assert_int_equal(r.vu.stats.overrun, 1);
	check_stream(&r, 600);
	assert_int_equal(r.vu.rx_allowed, 400);
	/* The honest rest of the window still arrives. */
	assert_int_equal(
		amp_vuart_write(&h.vu, buf + 600, 600, AMP_DEADLINE_NOW), 400);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	check_stream(&r, 1000);
	assert_int_equal(amp_vuart_consumed(&r.vu, 1000), 0);
	assert_int_equal(
		amp_vuart_write(&h.vu, buf + 1000, 200, AMP_DEADLINE_NOW), 200);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	check_stream(&r, 1200);
	assert_int_equal(r.vu.stats.overrun, 1);
	free(h.data);
	free(r.data);
	pair_del(p);
}

static void send_ctl(struct amp_rpmsg_ept *ept, const void *m, uint32_t len)
{
	assert_int_equal(amp_rpmsg_send_flags(ept, AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_F_CTL, m, len,
					      AMP_DEADLINE_NOW),
			 0);
}

/* Control messages that are not a sane grant change nothing. */
static void test_bad_control(void **state)
{
	struct pair *p = pair_new(16, AMP_RPMSG_FEATURES, AMP_RPMSG_FEATURES);
	struct sink h, r;
	uint8_t m[12] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, buf[1000];
	uint32_t room;

	(void)state;
	sink_init(&h, 8192);
	sink_init(&r, 16);
	fill(buf, 0, sizeof(buf));
	ports_open(p, &h, &r, AMP_VUART_NAME, 0, 0);
	room = amp_vuart_write_room(&r.vu);
	send_ctl(&h.vu.ept, m, 7);  /* short */
	send_ctl(&h.vu.ept, m, 12); /* long */
	send_ctl(&h.vu.ept, m, 0);  /* empty */
	m[0] = 3;		    /* unknown type */
	m[4] = 1;
	send_ctl(&h.vu.ept, m, 8);
	m[0] = 1; /* a grant past AMP_VUART_MAX_WINDOW */
	amp_put_le32(m + 4, AMP_VUART_MAX_WINDOW - room + 1);
	send_ctl(&h.vu.ept, m, 8);
	amp_put_le32(m + 4, UINT32_MAX); /* would wrap */
	send_ctl(&h.vu.ept, m, 8);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 6);
	assert_int_equal(r.vu.stats.bad_ctl, 6);
	assert_int_equal(amp_vuart_write_room(&r.vu), room);
	assert_int_equal(r.n, 0); /* never handed to the application */

	/* Exactly up to the maximum is a legal grant. */
	amp_put_le32(m + 4, AMP_VUART_MAX_WINDOW - room);
	send_ctl(&h.vu.ept, m, 8);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	assert_int_equal(amp_vuart_write_room(&r.vu), AMP_VUART_MAX_WINDOW);
	assert_int_equal(r.vu.stats.bad_ctl, 6);

	assert_int_equal(amp_vuart_write(&r.vu, buf, 1000, AMP_DEADLINE_NOW),
			 1000);
	assert_int_equal(amp_rpmsg_poll(&p->host), 3);
	check_stream(&h, 1000);
	free(h.data);
	free(r.data);
	pair_del(p);
}

/* A sink that also notes where in the stream its peer closed. */
struct esink {
	struct sink s;
	uint32_t n, at[4];
};

static void event_cb(struct amp_vuart *vu, uint32_t event)
{
	struct sink *s = vu->priv;
	struct esink *e = AMP_CONTAINER_OF(s, struct esink, s);

	assert_int_equal(event, AMP_VUART_EV_PEER_CLOSED);
	assert_true(e->n < 4);
	e->at[e->n++] = s->n;
}

/*
 * CLOSED in both directions: delivered to on_event in order with the
 * data around it, credits untouched, the stream going on after it; and
 * CLOSED messages with a wrong length or a non-zero argument are
 * malformed: counted, never delivered.
 */
static void test_closed(void **state)
{
	struct pair *p = pair_new(16, AMP_RPMSG_FEATURES, AMP_RPMSG_FEATURES);
	struct esink h = { 0 }, r = { 0 };
	uint8_t buf[900], m[12] = { 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 };

	(void)state;
	sink_init(&h.s, 8192);
	sink_init(&r.s, 8192);
	fill(buf, 0, sizeof(buf));
	ports_open(p, &h.s, &r.s, AMP_VUART_NAME, 0, 0);
	h.s.vu.on_event = event_cb;
	r.s.vu.on_event = event_cb;

	assert_int_equal(amp_vuart_write(&h.s.vu, buf, 600, AMP_DEADLINE_NOW),
			 600);
	assert_int_equal(amp_vuart_send_closed(&h.s.vu, AMP_DEADLINE_NOW), 0);
	assert_int_equal(
		amp_vuart_write(&h.s.vu, buf + 600, 300, AMP_DEADLINE_NOW),
		300);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 4); /* 496+104, C, 300 */
	check_stream(&r.s, 900);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.at[0], 600); /* after the bytes before it */
	assert_int_equal(r.s.vu.stats.closed_rx, 1);
	assert_int_equal(h.s.vu.stats.closed_tx, 1);
	assert_int_equal(amp_vuart_write_room(&h.s.vu),
			 AMP_VUART_WINDOW_DEFAULT - 900);
	assert_int_equal(r.s.vu.stats.bad_ctl, 0);

	/* The remote may send it too. */
	assert_int_equal(amp_vuart_send_closed(&r.s.vu, AMP_DEADLINE_NOW), 0);
	assert_int_equal(amp_rpmsg_poll(&p->host), 1);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.at[0], 0);

	/* Malformed: an argument, too short, too long. */
	send_ctl(&h.s.vu.ept, m, 8);
	send_ctl(&h.s.vu.ept, m, 4);
	m[4] = 0;
	send_ctl(&h.s.vu.ept, m, 12);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 3);
	assert_int_equal(r.s.vu.stats.bad_ctl, 3);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.s.vu.stats.closed_rx, 1);
	assert_int_equal(r.s.n, 900);

	/* Without on_event a CLOSED is counted and nothing else. */
	r.s.vu.on_event = NULL;
	assert_int_equal(amp_vuart_send_closed(&h.s.vu, AMP_DEADLINE_NOW), 0);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	assert_int_equal(r.s.vu.stats.closed_rx, 2);
	assert_int_equal(r.n, 1);
	free(h.s.data);
	free(r.s.data);
	pair_del(p);
}

/* A grant that waits for a tx buffer delivers messages meanwhile; their
 * callbacks must not grant the same consumed bytes a second time. */
static void test_grant_not_doubled(void **state)
{
	struct pair *p = pair_new(16, AMP_RPMSG_FEATURES, AMP_RPMSG_FEATURES);
	static const uint8_t zero_grant[8] = { 1, 0, 0, 0, 0, 0, 0, 0 };
	uint8_t buf[16 * 496];
	struct sink h, r;
	int sent;

	(void)state;
	sink_init(&h, sizeof(buf));
	sink_init(&r, 1000);
	fill(buf, 0, sizeof(buf));
	ports_open(p, &h, &r, AMP_VUART_NAME, 0, 1000);
	assert_int_equal(amp_vuart_write(&h.vu, buf, 1000, AMP_DEADLINE_NOW),
			 1000);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 3);
	/* Every remote tx buffer in use, the host not reading yet. */
	sent = amp_vuart_write(&r.vu, buf, sizeof(buf), AMP_DEADLINE_NOW);
	assert_true(sent > 0);
	assert_int_equal(amp_vuart_write(&r.vu, buf, 1, AMP_DEADLINE_NOW),
			 -AMP_EAGAIN);
	/* A message for the remote port, pending when it starts to grant. */
	send_ctl(&h.vu.ept, zero_grant, 8);
	p->rport.peer = &p->host;
	assert_int_equal(amp_vuart_consumed(&r.vu, 1000), 0);
	assert_int_equal(r.vu.stats.credits_rx, 2); /* the zero grant came */
	assert_int_equal(r.vu.stats.credits_tx, 2); /* opening + this one */
	assert_int_equal(r.vu.rx_allowed, 1000);
	assert_int_equal(r.vu.rx_unacked, 0);
	while (amp_rpmsg_poll(&p->host) > 0)
		;
	assert_int_equal(amp_vuart_write_room(&h.vu), 1000);
	assert_int_equal(h.vu.stats.bad_ctl, 0);
	check_stream(&h, (uint32_t)sent);
	free(h.data);
	free(r.data);
	pair_del(p);
}

/* The host consumes inside its receive callback while every tx buffer is
 * in flight: the grant does not wait there (the peer might be waiting in
 * its own callback for our buffers), stays due, and goes with
 * amp_vuart_flush() once a buffer is back. */
static void consume_in_cb(struct amp_vuart *vu, const void *data, uint32_t len)
{
	sink_cb(vu, data, len);
	assert_int_equal(amp_vuart_consumed(vu, len), 0);
}

static void test_grant_in_callback_never_waits(void **state)
{
	struct pair *p = pair_new(16, AMP_RPMSG_FEATURES, AMP_RPMSG_FEATURES);
	uint8_t buf[16 * 496];
	struct sink h, r;
	uint64_t t0;
	int sent;

	(void)state;
	sink_init(&h, 2000);
	sink_init(&r, sizeof(buf));
	fill(buf, 0, sizeof(buf));
	ports_open(p, &h, &r, AMP_VUART_NAME, 1000, 0);
	h.vu.cb = consume_in_cb;
	sent = amp_vuart_write(&h.vu, buf, sizeof(buf), AMP_DEADLINE_NOW);
	assert_int_equal(sent, (int)sizeof(buf)); /* every host tx buffer */
	assert_int_equal(amp_vuart_write(&r.vu, buf, 1000, AMP_DEADLINE_NOW),
			 1000);
	t0 = p->hport.now;
	assert_int_equal(amp_rpmsg_poll(&p->host), 3);
	check_stream(&h, 1000);
	assert_true(p->hport.now - t0 < 1000);	    /* did not wait */
	assert_int_equal(h.vu.stats.credits_tx, 1); /* only the opening */
	assert_int_equal(amp_vuart_flush(&h.vu, AMP_DEADLINE_NOW), -AMP_EAGAIN);
	/* The remote writes on: no credit, nothing goes. */
	assert_int_equal(amp_vuart_write(&r.vu, buf, 10, AMP_DEADLINE_NOW),
			 -AMP_EAGAIN);
	/* The remote reads, the host's buffers come back, the grant goes. */
	while (amp_rpmsg_poll(&p->remote) > 0)
		;
	check_stream(&r, sizeof(buf));
	assert_int_equal(amp_vuart_flush(&h.vu, AMP_DEADLINE_NOW), 0);
	assert_int_equal(h.vu.stats.credits_tx, 2);
	assert_int_equal(amp_vuart_flush(&h.vu, AMP_DEADLINE_NOW), 0);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	assert_int_equal(amp_vuart_write_room(&r.vu), 1000);
	free(h.data);
	free(r.data);
	pair_del(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiated),
		cmocka_unit_test(test_negotiated_wire),
		cmocka_unit_test(test_raw_remote_without_credits),
		cmocka_unit_test(test_raw_host_without_credits),
		cmocka_unit_test(test_several_ports),
		cmocka_unit_test(test_big_writes),
		cmocka_unit_test(test_manual_window),
		cmocka_unit_test(test_credit_timeout),
		cmocka_unit_test(test_not_connected),
		cmocka_unit_test(test_overrun),
		cmocka_unit_test(test_bad_control),
		cmocka_unit_test(test_closed),
		cmocka_unit_test(test_grant_not_doubled),
		cmocka_unit_test(test_grant_in_callback_never_waits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
