/*
 * echo.c - the smallest ampkit firmware: one channel,
 * "rpmsg-openamp-demo-channel", that sends every message back to its
 * sender, as OpenAMP's echo demo does.  A starting point for an app, and
 * the second image the tests load to show a reload runs new code.
 */
#include "ampkit/app.h"
#include "ampkit/rpmsg.h"

static struct amp_rpmsg_ept echo_ept;

static void echo_cb(struct amp_rpmsg_ept *ept, void *data, uint32_t len,
		    uint32_t src)
{
	amp_rpmsg_sendto(ept, src, data, len);
}

int amp_app_init(struct amp_rpmsg_dev *dev)
{
	amp_app_log("ampkit echo firmware booting");
	return amp_rpmsg_create_ept(&echo_ept, dev,
				    "rpmsg-openamp-demo-channel",
				    AMP_RPMSG_ADDR_ANY, AMP_RPMSG_ADDR_ANY,
				    echo_cb, NULL);
}

int amp_app_idle(struct amp_rpmsg_dev *dev, uint64_t deadline)
{
	(void)dev;
	(void)deadline;
	return 0;
}
