/*
 * bench.c - the benchmark firmware: the seed's responder on "rpmsg-raw"
 * and the OpenAMP demo's echo on "rpmsg-openamp-demo-channel".
 *
 * Platform-free: it sees only the RPMsg device its platform brought up,
 * so this file builds unchanged for the native and the Cortex-M4 targets.
 * Replies go to the sender's address rather than the endpoint's bound
 * peer, so several host endpoints can share one channel.
 */
#include "ampkit/app.h"
#include "ampkit/bench_proto.h"
#include "ampkit/rpmsg.h"

static struct amp_rpmsg_ept raw_ept;
static struct amp_rpmsg_ept echo_ept;
static struct amp_bench_resp resp;

static void raw_cb(struct amp_rpmsg_ept *ept, void *data, uint32_t len,
		   uint32_t src)
{
	uint8_t ack[4];
	uint32_t n = amp_bench_resp_feed(&resp, data, len, ack);

	if (n)
		amp_rpmsg_sendto(ept, src, ack, n);
}

static void echo_cb(struct amp_rpmsg_ept *ept, void *data, uint32_t len,
		    uint32_t src)
{
	amp_rpmsg_sendto(ept, src, data, len);
}

int amp_app_init(struct amp_rpmsg_dev *dev)
{
	int r;

	r = amp_rpmsg_create_ept(&raw_ept, dev, "rpmsg-raw", AMP_RPMSG_ADDR_ANY,
				 AMP_RPMSG_ADDR_ANY, raw_cb, NULL);
	if (r)
		return r;
	return amp_rpmsg_create_ept(
		&echo_ept, dev, "rpmsg-openamp-demo-channel",
		AMP_RPMSG_ADDR_ANY, AMP_RPMSG_ADDR_ANY, echo_cb, NULL);
}
