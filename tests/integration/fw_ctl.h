/*
 * fw_ctl.h - what the tests that drive the bench firmware in process
 * share: the text answers of its ampkit-ctl channel kept by an endpoint
 * callback, and a failure that shows the rproc's state and the
 * firmware's trace.  Include after <cmocka.h>.
 */
#ifndef AMPKIT_TEST_FW_CTL_H
#define AMPKIT_TEST_FW_CTL_H

#include <string.h>

#include <ampkit/rproc.h>

struct fw_answer {
	char text[256]; /* the last one, NUL-terminated */
	uint32_t n;	/* how many so far */
};

/* An amp_rpmsg_cb whose endpoint's priv is a struct fw_answer. */
static inline void fw_answer_cb(struct amp_rpmsg_ept *ept, void *data,
				uint32_t len, uint32_t src)
{
	struct fw_answer *a = ept->priv;

	(void)src;
	if (len >= sizeof(a->text))
		len = sizeof(a->text) - 1;
	memcpy(a->text, data, len);
	a->text[len] = 0;
	a->n++;
}

/* Fail the test: what went wrong (err), where, and the firmware's own
 * account of it. */
static inline void fw_fail(struct amp_rproc *rp, const char *plat,
			   const char *what, int err)
{
	static char trace[8192];
	long n = amp_rproc_trace(rp, trace, sizeof(trace));

	fail_msg("%s: error %d (%s); rproc %s: %s; firmware trace:\n%s", what,
		 err, plat, amp_rproc_state_name(amp_rproc_state(rp)),
		 amp_rproc_error(rp), n > 0 ? trace : "");
}

#endif
