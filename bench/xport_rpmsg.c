/*
 * xport_rpmsg.c - the bench transport over an RPMsg endpoint in this
 * process, bound to a channel the firmware announced.  Receiving is the
 * endpoint callback: it copies the (small) reply aside and the client's
 * recv() returns it; amp_rpmsg_wait() spins on the ring, then blocks.
 *
 * Deadlines arrive on CLOCK_MONOTONIC and the core wants the port's clock;
 * the offset between the two is taken once, so the message path reads no
 * extra clock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ampkit/rproc.h>

#include "bench.h"

#define RX_KEEP 256 /* replies are acks (2-4 B) or 16-byte echoes */

struct rpmsg_xport {
	struct amp_bench_xport x;
	struct amp_rpmsg_dev *dev;
	struct amp_rpmsg_ept ept;
	int64_t clk_off; /* port clock - CLOCK_MONOTONIC */
	bool ready;
	uint32_t len;
	uint8_t rx[RX_KEEP];
};

/*
 * One reply is outstanding at a time in this protocol; if a second one
 * came before the client took the first, the newest wins and the client's
 * length/count check reports the confusion.
 */
static void rx_cb(struct amp_rpmsg_ept *ept, void *data, uint32_t len,
		  uint32_t src)
{
	struct rpmsg_xport *r = ept->priv;

	(void)src;
	memcpy(r->rx, data, len < RX_KEEP ? len : RX_KEEP);
	r->len = len;
	r->ready = true;
}

static uint64_t to_port(const struct rpmsg_xport *r, uint64_t deadline)
{
	int64_t d = (int64_t)deadline + r->clk_off;

	return d < 0 ? AMP_DEADLINE_NOW : (uint64_t)d;
}

static int rpmsg_send(struct amp_bench_xport *x, const void *msg, uint32_t len,
		      uint64_t deadline)
{
	struct rpmsg_xport *r = (struct rpmsg_xport *)x;

	return amp_rpmsg_send_deadline(&r->ept, AMP_RPMSG_ADDR_ANY, msg, len,
				       to_port(r, deadline));
}

static int rpmsg_recv(struct amp_bench_xport *x, void *buf, uint32_t cap,
		      uint64_t deadline)
{
	struct rpmsg_xport *r = (struct rpmsg_xport *)x;
	uint64_t port_deadline = to_port(r, deadline);
	int ret;

	while (!r->ready) {
		ret = amp_rpmsg_wait(r->dev, port_deadline);
		if (ret < 0)
			return ret;
	}
	r->ready = false;
	memcpy(buf, r->rx, r->len < cap ? r->len : cap);
	return (int)r->len;
}

static void rpmsg_close(struct amp_bench_xport *x)
{
	struct rpmsg_xport *r = (struct rpmsg_xport *)x;

	amp_rpmsg_destroy_ept(&r->ept);
	free(r);
}

static const struct amp_bench_xport_ops rpmsg_ops = {
	.send = rpmsg_send,
	.recv = rpmsg_recv,
	.close = rpmsg_close,
};

struct amp_bench_xport *amp_bench_rpmsg_open(struct amp_rproc *rp,
					     const char *channel,
					     uint64_t timeout_ns, char *err,
					     size_t errlen)
{
	struct rpmsg_xport *r;
	uint32_t addr;
	int ret;

	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "rpmsg transport: out of memory");
		return NULL;
	}
	ret = amp_rproc_wait_channel(rp, channel, &addr, timeout_ns);
	if (ret < 0) {
		snprintf(err, errlen, "channel \"%s\" not announced: %s",
			 channel, strerror(-ret));
		free(r);
		return NULL;
	}
	r->dev = amp_rproc_rpmsg(rp);
	ret = amp_rpmsg_create_ept(&r->ept, r->dev, channel, AMP_RPMSG_ADDR_ANY,
				   addr, rx_cb, r);
	if (ret < 0) {
		snprintf(err, errlen, "endpoint for \"%s\": %s", channel,
			 strerror(-ret));
		free(r);
		return NULL;
	}
	r->clk_off = (int64_t)(amp_port_now(r->dev->port) - amp_bench_now_ns());
	r->x.ops = &rpmsg_ops;
	r->x.max_msg = amp_rpmsg_max_payload(r->dev);
	return &r->x;
}
