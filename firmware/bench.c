/*
 * bench.c - the benchmark firmware: the seed's responder on "rpmsg-raw",
 * the OpenAMP demo's echo on "rpmsg-openamp-demo-channel", and
 * "ampkit-ctl", a control channel for the life-cycle tests.
 *
 * Platform-free: it sees only the RPMsg device its platform brought up,
 * so this file builds unchanged for the native and the Cortex-M4 targets.
 * Replies go to the sender's address rather than the endpoint's bound
 * peer, so several host endpoints can share one channel.  The echo stays
 * a pure echo; fault injection has its own channel, so no payload sent to
 * the benchmark channels can ever crash the firmware.
 */
#include <stdlib.h>
#include <string.h>

#include "ampkit/app.h"
#include "ampkit/bench_proto.h"
#include "ampkit/rpmsg.h"

static struct amp_rpmsg_ept raw_ept;
static struct amp_rpmsg_ept echo_ept;
static struct amp_rpmsg_ept ctl_ept;
static struct amp_bench_resp resp;

static void raw_cb(struct amp_rpmsg_ept *ept, void *data, uint32_t len,
		   uint32_t src)
{
	uint8_t ack[4];
	uint32_t n = amp_bench_resp_feed(&resp, data, len, ack);

	if (n) {
		/* logged first: a host that has the ack finds the line */
		amp_app_log("test done: %u bytes",
			    (unsigned)amp_bench_ack_parse(ack, n));
		amp_rpmsg_sendto(ept, src, ack, n);
	}
}

static void echo_cb(struct amp_rpmsg_ept *ept, void *data, uint32_t len,
		    uint32_t src)
{
	amp_rpmsg_sendto(ept, src, data, len);
}

static int is_cmd(const void *data, uint32_t len, const char *cmd)
{
	size_t n = strlen(cmd);

	return len == n && !memcmp(data, cmd, n);
}

/* "crash": die the way a firmware fault does (SIGABRT on posix, a
 * HardFault on the M4).  "hang": spin forever with interrupts on, so only
 * a missing heartbeat (the M4's watchdog) can tell. */
static void ctl_cb(struct amp_rpmsg_ept *ept, void *data, uint32_t len,
		   uint32_t src)
{
	(void)ept;
	(void)src;
	if (is_cmd(data, len, "crash")) {
		amp_app_log("ctl: crash requested");
		abort();
	}
	if (is_cmd(data, len, "hang")) {
		volatile uint32_t spin = 0;

		amp_app_log("ctl: hang requested");
		for (;;)
			spin++;
	}
	amp_app_log("ctl: unknown command (%u bytes)", (unsigned)len);
}

static int channel(struct amp_rpmsg_ept *ept, struct amp_rpmsg_dev *dev,
		   const char *name, amp_rpmsg_cb cb)
{
	int r = amp_rpmsg_create_ept(ept, dev, name, AMP_RPMSG_ADDR_ANY,
				     AMP_RPMSG_ADDR_ANY, cb, NULL);

	if (r)
		amp_app_log("channel %s: error %d", name, r);
	else
		amp_app_log("channel %s at 0x%x", name, (unsigned)ept->addr);
	return r;
}

int amp_app_init(struct amp_rpmsg_dev *dev)
{
	int r;

	amp_app_log("ampkit bench firmware booting: %u-byte buffers",
		    (unsigned)dev->buf_size);
	r = channel(&raw_ept, dev, "rpmsg-raw", raw_cb);
	if (!r)
		r = channel(&echo_ept, dev, "rpmsg-openamp-demo-channel",
			    echo_cb);
	if (!r)
		r = channel(&ctl_ept, dev, "ampkit-ctl", ctl_cb);
	return r;
}
