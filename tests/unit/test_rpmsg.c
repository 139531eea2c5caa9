/*
 * test_rpmsg.c - RPMsg over virtio, host and remote in one process (see
 * pair.h): name service both ways, endpoint addressing, buffer limits,
 * blocking and non-blocking sends, zero-copy ownership, and a peer that
 * corrupts shared memory.  Run under ASan in CI: the region is allocated
 * to its exact size, so any access outside it is caught.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "unit/pair.h"

struct inbox {
	int count;
	uint32_t len, src;
	uint8_t data[65536];
	void *last;	/* payload pointer of the last message */
	uint16_t flags; /* rpmsg header flags of the last message */
	int hold;	/* hold each message */
};

static void inbox_cb(struct amp_rpmsg_ept *ept, void *data, uint32_t len,
		     uint32_t src)
{
	struct inbox *in = ept->priv;

	in->count++;
	in->len = len;
	in->src = src;
	in->last = data;
	in->flags = amp_rpmsg_rx_flags(ept->dev);
	memcpy(in->data, data, len);
	if (in->hold)
		assert_int_equal(amp_rpmsg_hold_rx(ept->dev, data), 0);
}

#define MAX_NS 8
static struct ns_log {
	int n;
	char name[MAX_NS][32];
	uint32_t addr[MAX_NS], flags[MAX_NS];
} ns_log;

static void ns_record(struct amp_rpmsg_dev *dev, const char *name,
		      uint32_t addr, uint32_t flags)
{
	(void)dev;
	assert_true(ns_log.n < MAX_NS);
	snprintf(ns_log.name[ns_log.n], 32, "%s", name);
	ns_log.addr[ns_log.n] = addr;
	ns_log.flags[ns_log.n++] = flags;
}

static int unbound;
static void on_unbind(struct amp_rpmsg_ept *ept)
{
	(void)ept;
	unbound++;
}

static struct pair *pair_new(uint32_t num, uint32_t buf_size, uint32_t features)
{
	struct pair *p = malloc(sizeof(*p));

	assert_int_equal(pair_init(p, num, buf_size, features), 0);
	memset(&ns_log, 0, sizeof(ns_log));
	p->host.ns_cb = ns_record;
	return p;
}

static void pair_del(struct pair *p)
{
	pair_free(p);
	free(p);
}

/* A remote endpoint announced to the host, and a host endpoint bound to
 * it: the usual shape of a channel. */
struct chan {
	struct amp_rpmsg_ept h, r;
	struct inbox hin, rin;
};

static void chan_open(struct pair *p, struct chan *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	assert_int_equal(amp_rpmsg_create_ept(
				 &c->r, &p->remote, name, AMP_RPMSG_ADDR_ANY,
				 AMP_RPMSG_ADDR_ANY, inbox_cb, &c->rin),
			 0);
	assert_int_equal(amp_rpmsg_poll(&p->host), 1);
	assert_int_equal(amp_rpmsg_create_ept(&c->h, &p->host, name,
					      AMP_RPMSG_ADDR_ANY, c->r.addr,
					      inbox_cb, &c->hin),
			 0);
}

static void test_both_roles_agree(void **state)
{
	struct pair *p = pair_new(16, 512, AMP_RPMSG_FEATURES);

	(void)state;
	assert_int_equal(p->vdev->status & AMP_VIRTIO_STATUS_DRIVER_OK,
			 AMP_VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(p->vdev->gfeatures, AMP_RPMSG_FEATURES);
	assert_true(p->host.ns && p->remote.ns);
	assert_int_equal(amp_rpmsg_max_payload(&p->host), 496);
	assert_int_equal(amp_rpmsg_max_payload(&p->remote), 496);
	pair_del(p);
}

/* F_CREDITS is on only when the remote offers it and the host accepts it;
 * Linux never acks it, OpenAMP never offers it. */
static void test_credits_negotiation(void **state)
{
	const uint32_t cr = 1u << AMP_VIRTIO_RPMSG_F_CREDITS;
	struct pair p;

	(void)state;
	assert_true(AMP_RPMSG_FEATURES & cr);
	assert_int_equal(pair_init(&p, 16, 512, AMP_RPMSG_FEATURES), 0);
	assert_true(p.host.credits && p.remote.credits);
	assert_true(p.vdev->gfeatures & cr);
	pair_free(&p);

	assert_int_equal(pair_init(&p, 16, 512, AMP_RPMSG_FEATURES & ~cr), 0);
	assert_false(p.host.credits || p.remote.credits);
	assert_false(p.vdev->gfeatures & cr);
	assert_true(p.host.ns && p.remote.ns);
	pair_free(&p);

	assert_int_equal(pair_init_features(&p, 16, 512, AMP_RPMSG_FEATURES,
					    AMP_RPMSG_FEATURES & ~cr),
			 0);
	assert_false(p.host.credits || p.remote.credits);
	assert_false(p.vdev->gfeatures & cr);
	pair_free(&p);
}

/* Header flags travel both ways and are read once, per message; a plain
 * send carries 0; a message may be empty. */
static void test_send_flags(void **state)
{
	struct pair *p = pair_new(16, 512, AMP_RPMSG_FEATURES);
	struct chan c;

	(void)state;
	chan_open(p, &c, "rpmsg-raw");
	assert_int_equal(amp_rpmsg_send_flags(&c.h, AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_F_CTL, "ab", 2,
					      AMP_DEADLINE_NOW),
			 0);
	assert_int_equal(amp_rpmsg_send(&c.h, "cd", 2), 0);
	assert_int_equal(amp_rpmsg_send_flags(&c.h, AMP_RPMSG_ADDR_ANY, 0x1234,
					      "", 0, AMP_DEADLINE_NOW),
			 0);
	assert_int_equal(amp_rpmsg_wait(&p->remote, AMP_DEADLINE_NEVER), 3);
	assert_int_equal(c.rin.count, 3);
	assert_int_equal(c.rin.flags, 0x1234);
	assert_int_equal(c.rin.len, 0);
	assert_memory_equal(c.rin.data, "cd", 2); /* the empty one copied 0 */

	c.rin.count = 0;
	assert_int_equal(amp_rpmsg_send(&c.h, "ef", 2), 0);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	assert_int_equal(c.rin.flags, 0);
	assert_int_equal(amp_rpmsg_send_flags(&c.r, c.rin.src, AMP_RPMSG_F_CTL,
					      "gh", 2, AMP_DEADLINE_NOW),
			 0);
	assert_int_equal(amp_rpmsg_poll(&p->host), 1);
	assert_int_equal(c.hin.flags, AMP_RPMSG_F_CTL);
	assert_memory_equal(c.hin.data, "gh", 2);
	assert_int_equal(amp_rpmsg_send_flags(&c.r, AMP_RPMSG_ADDR_ANY, 1, "x",
					      1, AMP_DEADLINE_NOW),
			 -AMP_ENOTCONN); /* the remote endpoint is not bound */
	assert_int_equal(p->host.stats.bad + p->remote.stats.bad, 0);
	pair_del(p);
}

static void test_ns_announce_and_destroy(void **state)
{
	struct pair *p = pair_new(16, 512, AMP_RPMSG_FEATURES);
	struct chan c;

	(void)state;
	chan_open(p, &c, "rpmsg-raw");
	assert_int_equal(c.r.addr, AMP_RPMSG_ADDR_BASE);
	assert_int_equal(ns_log.n, 1);
	assert_string_equal(ns_log.name[0], "rpmsg-raw");
	assert_int_equal(ns_log.addr[0], c.r.addr);
	assert_int_equal(ns_log.flags[0], AMP_RPMSG_NS_CREATE);

	/* Traffic both ways over the channel. */
	assert_int_equal(amp_rpmsg_send(&c.h, "ping", 4), 0);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	assert_int_equal(c.rin.count, 1);
	assert_memory_equal(c.rin.data, "ping", 4);
	assert_int_equal(c.rin.src, c.h.addr);
	assert_int_equal(amp_rpmsg_send_deadline(&c.r, c.rin.src, "pong", 4,
						 AMP_DEADLINE_NEVER),
			 0);
	assert_int_equal(amp_rpmsg_poll(&p->host), 1);
	assert_memory_equal(c.hin.data, "pong", 4);

	/* The remote withdraws it: the host hears, its endpoint unbinds. */
	c.h.unbind = on_unbind;
	amp_rpmsg_destroy_ept(&c.r);
	assert_int_equal(amp_rpmsg_poll(&p->host), 1);
	assert_int_equal(ns_log.n, 2);
	assert_int_equal(ns_log.flags[1], AMP_RPMSG_NS_DESTROY);
	assert_int_equal(unbound, 1);
	assert_int_equal(c.h.dest_addr, AMP_RPMSG_ADDR_ANY);
	assert_int_equal(amp_rpmsg_trysend(&c.h, "x", 1), -AMP_ENOTCONN);

	/* And the other direction: the host announces, the remote binds
	 * its waiting endpoint of the same name. */
	struct amp_rpmsg_ept waiting;
	struct inbox win = { 0 };

	p->remote.ns = 0; /* create quietly, as if announced earlier */
	assert_int_equal(amp_rpmsg_create_ept(&waiting, &p->remote, "host-svc",
					      AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_ADDR_ANY, inbox_cb,
					      &win),
			 0);
	p->remote.ns = 1;
	struct amp_rpmsg_ept hsvc;
	assert_int_equal(amp_rpmsg_create_ept(&hsvc, &p->host, "host-svc",
					      AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_ADDR_ANY, NULL, NULL),
			 0);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	assert_int_equal(waiting.dest_addr, hsvc.addr);
	assert_int_equal(amp_rpmsg_send(&waiting, "hi", 2), 0);
	assert_int_equal(amp_rpmsg_poll(&p->host), 0);
	/* hsvc has no callback: counted as dropped, buffer recycled */
	assert_int_equal(p->host.stats.dropped, 1);
	pair_del(p);
}

/* The host withdraws a service it announced: the remote's name service
 * hears DESTROY for that name and address, and the remote endpoint bound
 * to it (and only that one) unbinds.  An endpoint that was never
 * announced goes without a word. */
static void test_host_ns_destroy(void **state)
{
	struct pair *p = pair_new(16, 512, AMP_RPMSG_FEATURES);
	struct amp_rpmsg_ept hsvc, hsvc2, hother, rsvc, rother, quiet;
	struct inbox rin = { 0 }, oin = { 0 }, hoin = { 0 };
	struct chan c;
	uint32_t svc_addr;

	(void)state;
	p->remote.ns_cb = ns_record;
	unbound = 0;
	/* Remote endpoints waiting for the host's two services. */
	p->remote.ns = 0; /* created quietly: they wait, not announce */
	assert_int_equal(amp_rpmsg_create_ept(&rsvc, &p->remote, "host-svc",
					      AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_ADDR_ANY, inbox_cb,
					      &rin),
			 0);
	assert_int_equal(amp_rpmsg_create_ept(&rother, &p->remote, "host-other",
					      AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_ADDR_ANY, inbox_cb,
					      &oin),
			 0);
	p->remote.ns = 1;
	rsvc.unbind = on_unbind;
	rother.unbind = on_unbind;
	assert_int_equal(amp_rpmsg_create_ept(&hsvc, &p->host, "host-svc",
					      AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_ADDR_ANY, NULL, NULL),
			 0);
	assert_int_equal(amp_rpmsg_create_ept(&hother, &p->host, "host-other",
					      AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_ADDR_ANY, inbox_cb,
					      &hoin),
			 0);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 2);
	assert_int_equal(ns_log.n, 2);
	assert_int_equal(ns_log.flags[0], AMP_RPMSG_NS_CREATE);
	assert_int_equal(rsvc.dest_addr, hsvc.addr);
	assert_int_equal(rother.dest_addr, hother.addr);
	assert_int_equal(amp_rpmsg_send(&rsvc, "hi", 2), 0);

	/* A host endpoint bound to a remote channel was never announced:
	 * destroying it sends nothing. */
	chan_open(p, &c, "rpmsg-raw");
	assert_int_equal(ns_log.n, 3); /* the host heard the remote's */
	amp_rpmsg_destroy_ept(&c.h);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 0);
	assert_int_equal(ns_log.n, 3);

	/* Withdraw host-svc: DESTROY, name and address, on the remote. */
	svc_addr = hsvc.addr;
	amp_rpmsg_destroy_ept(&hsvc);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	assert_int_equal(ns_log.n, 4);
	assert_string_equal(ns_log.name[3], "host-svc");
	assert_int_equal(ns_log.addr[3], svc_addr);
	assert_int_equal(ns_log.flags[3], AMP_RPMSG_NS_DESTROY);
	assert_int_equal(unbound, 1);
	assert_int_equal(rsvc.dest_addr, AMP_RPMSG_ADDR_ANY);
	assert_int_equal(amp_rpmsg_trysend(&rsvc, "x", 1), -AMP_ENOTCONN);
	/* the other service is untouched and still carries messages */
	assert_int_equal(rother.dest_addr, hother.addr);
	assert_int_equal(amp_rpmsg_send(&rother, "yo", 2), 0);
	/* the message sent before the withdrawal finds no endpoint */
	assert_int_equal(amp_rpmsg_poll(&p->host), 1);
	assert_int_equal(p->host.stats.dropped, 1);
	assert_int_equal(hoin.count, 1);
	assert_memory_equal(hoin.data, "yo", 2);

	/* Announced again: the waiting endpoint binds to the new one. */
	assert_int_equal(amp_rpmsg_create_ept(&hsvc, &p->host, "host-svc",
					      AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_ADDR_ANY, NULL, NULL),
			 0);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	assert_int_equal(ns_log.flags[4], AMP_RPMSG_NS_CREATE);
	assert_int_equal(rsvc.dest_addr, hsvc.addr);

	/* Two ports of one name: withdrawing one unbinds only the remote
	 * endpoint bound to its address. */
	p->remote.ns = 0;
	assert_int_equal(amp_rpmsg_create_ept(&quiet, &p->remote, "host-svc",
					      AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_ADDR_ANY, NULL, NULL),
			 0);
	p->remote.ns = 1;
	quiet.unbind = on_unbind;
	assert_int_equal(amp_rpmsg_create_ept(&hsvc2, &p->host, "host-svc",
					      AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_ADDR_ANY, NULL, NULL),
			 0);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	assert_int_equal(quiet.dest_addr, hsvc2.addr);
	assert_int_equal(rsvc.dest_addr, hsvc.addr);
	svc_addr = hsvc2.addr;
	amp_rpmsg_destroy_ept(&hsvc2);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	assert_int_equal(ns_log.flags[6], AMP_RPMSG_NS_DESTROY);
	assert_int_equal(ns_log.addr[6], svc_addr);
	assert_int_equal(unbound, 2);
	assert_int_equal(quiet.dest_addr, AMP_RPMSG_ADDR_ANY);
	assert_int_equal(rsvc.dest_addr, hsvc.addr);
	/* and the other service's endpoint goes with its own withdrawal */
	amp_rpmsg_destroy_ept(&hother);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	assert_int_equal(ns_log.flags[7], AMP_RPMSG_NS_DESTROY);
	assert_string_equal(ns_log.name[7], "host-other");
	assert_int_equal(unbound, 3);
	assert_int_equal(rother.dest_addr, AMP_RPMSG_ADDR_ANY);
	assert_int_equal(rsvc.dest_addr, hsvc.addr);
	pair_del(p);
}

static void test_addresses(void **state)
{
	struct pair *p = pair_new(16, 512, 0); /* no name service */
	struct amp_rpmsg_ept a, b, c;

	(void)state;
	assert_int_equal(amp_rpmsg_create_ept(&a, &p->host, "a", 0x500,
					      AMP_RPMSG_ADDR_ANY, NULL, NULL),
			 0);
	assert_int_equal(amp_rpmsg_create_ept(&b, &p->host, "b", 0x500,
					      AMP_RPMSG_ADDR_ANY, NULL, NULL),
			 -AMP_EADDRINUSE);
	assert_int_equal(amp_rpmsg_create_ept(&b, &p->host, "b",
					      AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_ADDR_ANY, NULL, NULL),
			 0);
	assert_int_equal(b.addr, 1024);
	amp_rpmsg_destroy_ept(&b);
	assert_int_equal(amp_rpmsg_create_ept(&c, &p->host, "c",
					      AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_ADDR_ANY, NULL, NULL),
			 0);
	assert_int_equal(c.addr, 1024); /* freed address reused */
	pair_del(p);
}

static void test_unknown_destination_dropped(void **state)
{
	struct pair *p = pair_new(16, 512, AMP_RPMSG_FEATURES);
	struct chan c;

	(void)state;
	chan_open(p, &c, "rpmsg-raw");
	for (int i = 0; i < 40; i++) { /* more than the ring holds */
		assert_int_equal(amp_rpmsg_send_deadline(&c.h, 0x999, "?", 1,
							 AMP_DEADLINE_NOW),
				 0);
		assert_int_equal(amp_rpmsg_poll(&p->remote), 0);
	}
	assert_int_equal(p->remote.stats.dropped, 40);
	assert_int_equal(c.rin.count, 0);
	assert_int_equal(amp_rpmsg_send(&c.h, "ok", 2), 0);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	assert_int_equal(c.rin.count, 1);
	pair_del(p);
}

static void test_oversize(void **state)
{
	struct pair *p = pair_new(16, 512, AMP_RPMSG_FEATURES);
	static uint8_t big[600];
	struct chan c;

	(void)state;
	chan_open(p, &c, "rpmsg-raw");
	assert_int_equal(amp_rpmsg_send(&c.h, big, 497), -AMP_EMSGSIZE);
	assert_int_equal(amp_rpmsg_send_deadline(&c.r, c.h.addr, big, 497,
						 AMP_DEADLINE_NEVER),
			 -AMP_EMSGSIZE);
	assert_int_equal(amp_rpmsg_send(&c.h, big, 496), 0);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	assert_int_equal(c.rin.len, 496);
	pair_del(p);
}

static void test_large_buffers(void **state)
{
	struct pair *p = pair_new(4, 65536, AMP_RPMSG_FEATURES);
	static uint8_t big[65536];
	struct chan c;

	(void)state;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	chan_open(p, &c, "rpmsg-raw");
	assert_int_equal(amp_rpmsg_max_payload(&p->remote), 65520);
	assert_int_equal(amp_rpmsg_send(&c.h, big, 65521), -AMP_EMSGSIZE);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(amp_rpmsg_send(&c.h, big, 65520), 0);
		assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
		assert_int_equal(c.rin.len, 65520);
		assert_memory_equal(c.rin.data, big, 65520);
		assert_int_equal(amp_rpmsg_send_deadline(&c.r, c.h.addr, big,
							 65520,
							 AMP_DEADLINE_NEVER),
				 0);
		assert_int_equal(amp_rpmsg_poll(&p->host), 1);
		assert_memory_equal(c.hin.data, big, 65520);
	}
	pair_del(p);
}

static void check_tx_exhaustion(uint32_t features)
{
	struct pair *p = pair_new(16, 512, features);
	struct chan c;
	uint64_t t0, deadline;
	uint32_t waits;

	chan_open(p, &c, "rpmsg-raw");
	for (int i = 0; i < 16; i++)
		assert_int_equal(amp_rpmsg_trysend(&c.h, &i, sizeof(i)), 0);
	/* All tx buffers are in flight. */
	waits = p->hport.waits;
	assert_int_equal(amp_rpmsg_trysend(&c.h, "x", 1), -AMP_EAGAIN);
	assert_int_equal(p->hport.waits, waits); /* returned at once */

	t0 = p->hport.now;
	deadline = t0 + 500000;
	assert_int_equal(amp_rpmsg_send_deadline(&c.h, AMP_RPMSG_ADDR_ANY, "x",
						 1, deadline),
			 -AMP_ETIMEDOUT);
	assert_true(p->hport.now >= deadline);
	assert_true(p->hport.now < deadline + 100);  /* not much later */
	assert_int_equal(p->hport.waits, waits + 1); /* blocked, not polled */

	/* The peer frees buffers while we wait: the send goes through. */
	p->hport.peer = &p->remote;
	assert_int_equal(amp_rpmsg_send(&c.h, "y", 1), 0);
	assert_int_equal(c.rin.count, 16);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	assert_int_equal(c.rin.data[0], 'y');
	assert_int_equal(p->host.stats.tx_waits, 2);
	pair_del(p);
}

static void test_tx_exhaustion_flags(void **state)
{
	(void)state;
	check_tx_exhaustion(1u << AMP_VIRTIO_RPMSG_F_NS);
}

static void test_tx_exhaustion_event_idx(void **state)
{
	(void)state;
	check_tx_exhaustion(AMP_RPMSG_FEATURES);
}

static void test_peer_gone(void **state)
{
	struct pair *p = pair_new(4, 512, AMP_RPMSG_FEATURES);
	struct chan c;

	(void)state;
	chan_open(p, &c, "rpmsg-raw");
	for (int i = 0; i < 4; i++)
		assert_int_equal(amp_rpmsg_trysend(&c.h, "x", 1), 0);
	p->hport.gone = 1;
	assert_int_equal(amp_rpmsg_send(&c.h, "x", 1), -AMP_EPIPE);
	assert_int_equal(amp_rpmsg_wait(&p->host, AMP_DEADLINE_NEVER),
			 -AMP_EPIPE);
	pair_del(p);
}

static void test_wait_delivers(void **state)
{
	struct pair *p = pair_new(16, 512, AMP_RPMSG_FEATURES);
	struct chan c;

	(void)state;
	chan_open(p, &c, "rpmsg-raw");
	assert_int_equal(amp_rpmsg_wait(&p->remote, 1000), -AMP_ETIMEDOUT);
	assert_int_equal(amp_rpmsg_send(&c.h, "abc", 3), 0);
	assert_int_equal(amp_rpmsg_wait(&p->remote, AMP_DEADLINE_NEVER), 1);
	assert_int_equal(c.rin.count, 1);
	pair_del(p);
}

static void test_arm_for_own_event_loop(void **state)
{
	struct pair *p = pair_new(16, 512, AMP_RPMSG_FEATURES);
	struct chan c;
	uint32_t n;

	(void)state;
	chan_open(p, &c, "rpmsg-raw");
	/* Disarmed (busy) remote: the host sends without ringing. */
	n = p->hport.notifies;
	assert_int_equal(amp_rpmsg_send(&c.h, "a", 1), 0);
	assert_int_equal(p->hport.notifies, n);
	assert_true(amp_rpmsg_arm(&p->remote, false)); /* pending: no block */
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	/* Armed and idle: the next send rings the remote's doorbell. */
	assert_false(amp_rpmsg_arm(&p->remote, false));
	assert_int_equal(amp_rpmsg_send(&c.h, "b", 1), 0);
	assert_int_equal(p->hport.notifies, n + 1);
	amp_rpmsg_disarm(&p->remote);
	assert_int_equal(amp_rpmsg_send(&c.h, "c", 1), 0);
	assert_int_equal(p->hport.notifies, n + 1);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 2);
	pair_del(p);
}

static void test_zero_copy_receive(void **state)
{
	struct pair *p = pair_new(4, 512, AMP_RPMSG_FEATURES);
	struct chan c;
	void *held;

	(void)state;
	chan_open(p, &c, "rpmsg-raw");
	/* The host holds a message from the remote. */
	c.hin.hold = 1;
	assert_int_equal(amp_rpmsg_send_deadline(&c.r, c.h.addr, "KEEP", 4,
						 AMP_DEADLINE_NEVER),
			 0);
	assert_int_equal(amp_rpmsg_poll(&p->host), 1);
	held = c.hin.last;
	c.hin.hold = 0;
	/* The remote can use the other 3 buffers, not the held one. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(amp_rpmsg_send_deadline(&c.r, c.h.addr, "zzzz",
							 4, AMP_DEADLINE_NOW),
				 0);
	assert_int_equal(amp_rpmsg_send_deadline(&c.r, c.h.addr, "zzzz", 4,
						 AMP_DEADLINE_NOW),
			 -AMP_EAGAIN);
	assert_int_equal(amp_rpmsg_poll(&p->host), 3);
	assert_memory_equal(held, "KEEP", 4);
	assert_int_equal(amp_rpmsg_release_rx(&p->host, held), 0);
	assert_int_equal(amp_rpmsg_release_rx(&p->host, held), -AMP_EINVAL);
	assert_int_equal(amp_rpmsg_release_rx(&p->host, c.hin.last),
			 -AMP_EINVAL);
	assert_int_equal(amp_rpmsg_hold_rx(&p->host, held), -AMP_EINVAL);
	/* All four buffers are back. */
	for (int i = 0; i < 4; i++)
		assert_int_equal(amp_rpmsg_send_deadline(&c.r, c.h.addr, "w", 1,
							 AMP_DEADLINE_NOW),
				 0);
	assert_int_equal(amp_rpmsg_poll(&p->host), 4);

	/* And the remote holding what the host sent. */
	c.rin.hold = 1;
	assert_int_equal(amp_rpmsg_send(&c.h, "R", 1), 0);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	assert_int_equal(amp_rpmsg_release_rx(&p->remote, c.rin.last), 0);
	assert_int_equal(amp_rpmsg_release_rx(&p->remote, c.rin.last),
			 -AMP_EINVAL);
	pair_del(p);
}

static void test_zero_copy_send(void **state)
{
	struct pair *p = pair_new(4, 512, AMP_RPMSG_FEATURES);
	struct chan c;
	uint32_t cap;
	int err;
	char *buf, *again;

	(void)state;
	chan_open(p, &c, "rpmsg-raw");
	for (int side = 0; side < 2; side++) {
		struct amp_rpmsg_dev *d = side ? &p->remote : &p->host;
		struct amp_rpmsg_ept *e = side ? &c.r : &c.h;
		uint32_t dst = side ? c.h.addr : c.r.addr;
		struct amp_rpmsg_dev *peer = side ? &p->host : &p->remote;
		struct inbox *in = side ? &c.hin : &c.rin;

		buf = amp_rpmsg_get_tx_buf(d, &cap, AMP_DEADLINE_NOW, &err);
		assert_non_null(buf);
		assert_int_equal(cap, 496);
		/* Given back unsent, it is the next one used. */
		assert_int_equal(amp_rpmsg_release_tx(d, buf), 0);
		assert_int_equal(amp_rpmsg_release_tx(d, buf), -AMP_EINVAL);
		again = amp_rpmsg_get_tx_buf(d, &cap, AMP_DEADLINE_NOW, &err);
		assert_ptr_equal(again, buf);
		strcpy(buf, "in place");
		assert_int_equal(amp_rpmsg_send_nocopy(e, dst, buf, 9), 0);
		assert_int_equal(amp_rpmsg_send_nocopy(e, dst, buf, 9),
				 -AMP_EINVAL);
		assert_int_equal(amp_rpmsg_poll(peer), 1);
		assert_string_equal((char *)in->data, "in place");
		/* A pointer never borrowed is refused. */
		assert_int_equal(amp_rpmsg_send_nocopy(e, dst, in->data, 1),
				 -AMP_EINVAL);
		buf = amp_rpmsg_get_tx_buf(d, &cap, AMP_DEADLINE_NOW, &err);
		assert_int_equal(amp_rpmsg_send_nocopy(e, dst, buf, cap + 1),
				 -AMP_EMSGSIZE);
		assert_int_equal(amp_rpmsg_release_tx(d, buf), 0);
	}
	pair_del(p);
}

/* ---- a peer that lies ---- */

/* The remote sends one message; return the host's used entry for it. */
static struct amp_vring_used_elem *remote_sends(struct pair *p, struct chan *c)
{
	struct amp_vq *q = &p->host.rvq;

	assert_int_equal(amp_rpmsg_send_deadline(&c->r, c->h.addr, "data", 4,
						 AMP_DEADLINE_NOW),
			 0);
	return &q->used->ring[(uint16_t)(q->used->idx - 1) & q->mask];
}

static void expect_host_survives(struct pair *p, struct chan *c,
				 uint32_t bad_before)
{
	int before = c->hin.count;

	assert_int_equal(amp_rpmsg_poll(&p->host), 0);
	assert_int_equal(p->host.stats.bad, bad_before + 1);
	assert_int_equal(c->hin.count, before);
	/* Keeps working. */
	remote_sends(p, c);
	assert_int_equal(amp_rpmsg_poll(&p->host), 1);
	assert_int_equal(c->hin.count, before + 1);
}

static void test_lying_remote(void **state)
{
	struct pair *p = pair_new(16, 512, AMP_RPMSG_FEATURES);
	struct amp_vring_used_elem *e;
	struct amp_rpmsg_hdr *h;
	struct chan c;

	(void)state;
	chan_open(p, &c, "rpmsg-raw");

	e = remote_sends(p, &c); /* descriptor index >= num */
	e->id = 16;
	expect_host_survives(p, &c, 0);

	e = remote_sends(p, &c); /* length > buffer */
	e->len = 513;
	expect_host_survives(p, &c, 1);

	e = remote_sends(p, &c); /* rpmsg length past the used length */
	h = (struct amp_rpmsg_hdr *)((uint8_t *)p->host.pool +
				     e->id * p->host.buf_size);
	h->len = 497;
	expect_host_survives(p, &c, 2);

	/* Used index jumping ahead by more than num: nothing consumed,
	 * wait() reports the broken ring instead of spinning. */
	uint16_t idx = p->host.rvq.used->idx;
	p->host.rvq.used->idx = idx + 17;
	assert_int_equal(amp_rpmsg_poll(&p->host), -AMP_EPROTO);
	assert_int_equal(p->host.stats.bad, 4);
	/* A send that has to wait meanwhile still honours its deadline. */
	for (int i = 0; i < 16; i++)
		amp_rpmsg_trysend(&c.h, "x", 1);
	assert_int_equal(amp_rpmsg_send_deadline(&c.h, AMP_RPMSG_ADDR_ANY, "x",
						 1, p->hport.now + 1000),
			 -AMP_ETIMEDOUT);
	assert_int_equal(amp_rpmsg_wait(&p->host, AMP_DEADLINE_NEVER),
			 -AMP_EPROTO);
	p->host.rvq.used->idx = idx;
	remote_sends(p, &c);
	assert_int_equal(amp_rpmsg_poll(&p->host), 1);
	assert_int_equal(amp_rpmsg_poll(&p->remote), 16);
	assert_int_equal(amp_rpmsg_send(&c.h, "x", 1), 0);
	pair_del(p);
}

static void test_lying_host(void **state)
{
	struct pair *p = pair_new(16, 512, AMP_RPMSG_FEATURES);
	struct amp_vring_desc *d;
	struct chan c;
	struct amp_vq *q;
	const uint64_t bad_addr[] = {
		PAIR_PA - 512,		   /* below the region */
		PAIR_PA + p->shm.size - 8, /* runs past its end */
		PAIR_PA + p->shm.size,	   /* just past it */
		UINT64_MAX - 4,		   /* wraps around */
	};

	(void)state;
	chan_open(p, &c, "rpmsg-raw");
	q = &p->host.svq;
	for (unsigned i = 0; i < AMP_ARRAY_SIZE(bad_addr); i++) {
		uint32_t bad = p->remote.stats.bad;

		assert_int_equal(amp_rpmsg_send(&c.h, "data", 4), 0);
		d = &q->desc[q->avail->ring[(uint16_t)(q->head - 1) & q->mask]];
		d->addr = bad_addr[i];
		assert_int_equal(amp_rpmsg_poll(&p->remote), 0);
		assert_int_equal(p->remote.stats.bad, bad + 1);
		/* Returned to the host; the host's real address is back on
		 * the next send, because the host owns its descriptors. */
		d->addr = p->pool_pa + (16 + (d - q->desc)) * 512;
		assert_int_equal(amp_rpmsg_send(&c.h, "more", 4), 0);
		assert_int_equal(amp_rpmsg_poll(&p->remote), 1);
	}
	/* Remote tx: the host offers an rx buffer outside the region. */
	q = &p->host.rvq;
	d = &q->desc[q->avail->ring[p->remote.svq.tail & q->mask]];
	uint64_t good = d->addr;
	d->addr = PAIR_PA + p->shm.size;
	assert_int_equal(amp_rpmsg_send_deadline(&c.r, c.h.addr, "x", 1,
						 AMP_DEADLINE_NOW),
			 0);
	assert_int_equal(p->remote.stats.bad, 4 + 1);
	d->addr = good;
	assert_int_equal(amp_rpmsg_poll(&p->host), 1);
	assert_int_equal(c.hin.count, 1);
	pair_del(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_roles_agree),
		cmocka_unit_test(test_credits_negotiation),
		cmocka_unit_test(test_send_flags),
		cmocka_unit_test(test_ns_announce_and_destroy),
		cmocka_unit_test(test_host_ns_destroy),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_unknown_destination_dropped),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_large_buffers),
		cmocka_unit_test(test_tx_exhaustion_flags),
		cmocka_unit_test(test_tx_exhaustion_event_idx),
		cmocka_unit_test(test_peer_gone),
		cmocka_unit_test(test_wait_delivers),
		cmocka_unit_test(test_arm_for_own_event_loop),
		cmocka_unit_test(test_zero_copy_receive),
		cmocka_unit_test(test_zero_copy_send),
		cmocka_unit_test(test_lying_remote),
		cmocka_unit_test(test_lying_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
