/*
 * fw_run.c - the shared main() body of Cortex-M ampkit firmware
 * (fw_run.h).
 *
 * The image's .resource_table is the live table the host negotiated
 * into (remoteproc writes the vring addresses, gfeatures and DRIVER_OK
 * there), so nothing in it is trusted: a copy is checked with the core's
 * validator and kept, and every address the firmware uses later (the
 * trace buffer, carveouts) comes from that copy, translated through the
 * board's regions.  Only the vdev itself is used in place, because the
 * host's DRIVER_OK arrives there; amp_rpmsg_wait_ready() and
 * amp_rpmsg_init() check what they read of it.
 */
#include <string.h>

#include "ampkit/app.h"
#include "ampkit/config.h"
#include "ampkit/rpmsg.h"
#include "ampkit/rsc_table.h"
#include "fw_run.h"

#define TABLE_COPY_MAX 1024u

static struct amp_fw_board *board;
static struct amp_rpmsg_dev rpmsg;
static uint8_t table_copy[TABLE_COPY_MAX] __attribute__((aligned(8)));

static int failed(const char *what, int err)
{
	amp_app_log("firmware: %s (error %d); halted", what, -err);
	return err;
}

int amp_app_carveout(const char *name, uint64_t *pa, uint32_t *len)
{
	struct amp_fw_rsc_carveout *c;

	if (!board)
		return -AMP_ENOENT;
	c = amp_rsc_find_carveout(table_copy, name);
	if (!c)
		return -AMP_ENOENT;
	if (c->da == AMP_FW_RSC_ADDR_ANY ||
	    !amp_region_pa_to_va(board->shm, c->da, c->len))
		return -AMP_EFAULT;
	*pa = c->da;
	*len = c->len;
	return 0;
}

static void attach_trace(const struct amp_fw_board *b)
{
	struct amp_fw_rsc_trace *t;
	void *va;

	t = (struct amp_fw_rsc_trace *)amp_rsc_find(table_copy, AMP_RSC_TRACE,
						    0);
	if (!t)
		return;
	va = amp_region_pa_to_va(b->trace, t->da, t->len);
	if (va)
		amp_app_trace_attach(va, t->len);
	/* Logged, for a console if the board has one. */
	else
		amp_app_log("firmware: trace da 0x%x outside memory; not "
			    "tracing",
			    (unsigned)t->da);
}

/* Check a copy of the live table; then the live table's rpmsg vdev. */
static int find_vdev(struct amp_fw_board *b, struct amp_fw_rsc_vdev **vdev)
{
	struct amp_diag diag = { 0 };
	struct amp_fw_rsc_hdr *h;

	if (b->table_size > sizeof(table_copy))
		return failed("resource table larger than the copy buffer",
			      -AMP_E2BIG);
	memcpy(table_copy, b->table, b->table_size);
	if (amp_rsc_table_check(table_copy, b->table_size, AMP_VQ_MAX_NUM,
				&diag)) {
		amp_app_log("firmware: resource table: %s (offset 0x%x)",
			    diag.msg ? diag.msg : "invalid",
			    (unsigned)diag.offset);
		return failed("bad resource table", -AMP_EINVAL);
	}
	attach_trace(b);
	for (uint32_t n = 0; (h = amp_rsc_find(table_copy, AMP_RSC_VDEV, n));
	     n++) {
		struct amp_fw_rsc_vdev *v = (struct amp_fw_rsc_vdev *)h;

		if (v->id == AMP_VIRTIO_ID_RPMSG) {
			*vdev = (struct amp_fw_rsc_vdev
					 *)(void *)(b->table + ((uint8_t *)h -
								table_copy));
			return 0;
		}
	}
	return failed("no rpmsg vdev in the resource table", -AMP_ENODEV);
}

static int stopping(struct amp_fw_board *b)
{
	return b->stopping && b->stopping(b);
}

int amp_fw_run(struct amp_fw_board *b)
{
	struct amp_fw_rsc_vdev *vdev;
	int r;

	r = find_vdev(b, &vdev);
	if (r)
		return r;
	board = b;
	r = b->start ? b->start(b) : 0;
	if (r)
		return failed("board start", r);
	r = amp_rpmsg_wait_ready(vdev, b->port, AMP_DEADLINE_NEVER);
	if (r == -AMP_EPIPE)
		goto out;
	if (r)
		return failed("waiting for DRIVER_OK", r);
	r = amp_rpmsg_init(&rpmsg, AMP_RPMSG_REMOTE, vdev, b->shm, b->port,
			   NULL);
	if (r)
		return failed("rpmsg init on the host's vrings", r);
	r = amp_app_init(&rpmsg);
	if (r)
		return failed("amp_app_init", r);
	for (;;) {
		uint64_t deadline = amp_port_deadline(
			b->port, b->beat_ns ? b->beat_ns : AMP_DEADLINE_NEVER);
		int busy = amp_app_idle(&rpmsg, deadline);

		if (busy < 0)
			return failed("amp_app_idle", busy);
		r = amp_rpmsg_wait(&rpmsg, busy ? AMP_DEADLINE_NOW : deadline);
		if (b->beat)
			b->beat(b);
		if (r == -AMP_EPIPE || stopping(b))
			break;
		if (r < 0 && r != -AMP_ETIMEDOUT)
			return failed("rpmsg wait", r);
	}
out:
	amp_app_log("firmware: shutdown requested, stopping");
	return 0;
}
