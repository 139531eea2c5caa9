/*
 * fw_main.c - main() of a native (posix) firmware: the part of the
 * coprocessor's startup code that the platform, not the app, owns.
 *
 * Attach to the link the host created, validate the resource table the
 * host wrote (a copy is checked, so the host cannot change it under the
 * check), wait for DRIVER_OK, bring RPMsg up as the remote, let the app
 * create its endpoints, then deliver messages (giving the app its idle
 * turn before each wait) until the host goes away
 * or asks it to shut down (a doorbell on AMP_POSIX_CH_SHUTDOWN, like
 * ST's IPCC channel 2).  Meanwhile it shows a heartbeat in the control
 * block, so the host can tell a hung firmware from a quiet one.  Exit
 * status: 0 when the host left or asked, 1 on a link error, 2 when not
 * started by a host at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ampkit/app.h"
#include "ampkit/config.h"
#include "ampkit/posix.h"
#include "ampkit/rpmsg.h"
#include "ampkit/rsc_table.h"

static struct amp_posix_remote remote;
static struct amp_rpmsg_dev rpmsg;
static uint8_t *checked; /* the checked copy of the table, kept */

static int die(const char *prog, const char *what, int err)
{
	fprintf(stderr, "%s: %s (error %d)\n", prog, what, -err);
	return 1;
}

/* The trace buffer the host placed, from the checked copy: the live
 * table's da could change after the check, the copy's cannot. */
static void attach_trace(const char *prog, void *copy)
{
	struct amp_fw_rsc_trace *t =
		(void *)amp_rsc_find(copy, AMP_RSC_TRACE, 0);
	void *va;

	if (!t)
		return;
	va = amp_region_pa_to_va(&remote.shm.region, t->da, t->len);
	if (!va) {
		fprintf(stderr,
			"%s: trace buffer da 0x%x len %u is outside the shared "
			"memory; not logging\n",
			prog, (unsigned)t->da, (unsigned)t->len);
		return;
	}
	amp_app_trace_attach(va, t->len);
}

int amp_app_carveout(const char *name, uint64_t *pa, uint32_t *len)
{
	struct amp_fw_rsc_carveout *c = amp_rsc_find_carveout(checked, name);

	if (!c)
		return -AMP_ENOENT;
	if (c->da == AMP_FW_RSC_ADDR_ANY ||
	    !amp_region_pa_to_va(&remote.shm.region, c->da, c->len))
		return -AMP_EFAULT;
	*pa = c->da;
	*len = c->len;
	return 0;
}

/* Fault in our mapping of everything messages may touch (rings, the
 * buffer pool, the table), so the first messages do not pay for it; the
 * carveouts are the application's, faulted in as it uses them (a large
 * pool would cost its whole size at every start). */
static void populate_except_carveouts(void)
{
	const struct amp_region *w = &remote.shm.region;
	struct amp_fw_rsc_hdr *h;
	uint64_t at = 0;

	for (;;) {
		uint64_t next = w->size, skip = 0;

		/* the carveout that starts first at or after `at` */
		for (uint32_t n = 0;
		     (h = amp_rsc_find(checked, AMP_RSC_CARVEOUT, n)); n++) {
			const struct amp_fw_rsc_carveout *c = (const void *)h;
			uint64_t off = (uint64_t)c->da - w->pa;

			if (c->da < w->pa || off < at || off >= next)
				continue;
			next = off;
			skip = c->len;
		}
		amp_posix_populate(w, at, next - at);
		if (next >= w->size)
			return;
		at = next + (skip ? skip : 1); /* an empty one moves on */
	}
}

/* The rpmsg vdev of the live table, located through a private copy that
 * was checked, so the host cannot change offsets after the check.  The
 * copy is kept for amp_app_carveout(). */
static struct amp_fw_rsc_vdev *find_vdev(const char *prog)
{
	struct amp_diag diag = { 0 };
	struct amp_fw_rsc_hdr *h;
	uint8_t *copy = malloc(remote.rsc_size);
	struct amp_fw_rsc_vdev *live = NULL;

	if (!copy)
		return NULL;
	memcpy(copy, remote.rsc, remote.rsc_size);
	if (amp_rsc_table_check(copy, remote.rsc_size, AMP_VQ_MAX_NUM, &diag)) {
		fprintf(stderr,
			"%s: resource table from the host: %s (offset 0x%x)\n",
			prog, diag.msg ? diag.msg : "invalid",
			(unsigned)diag.offset);
		free(copy);
		return NULL;
	}
	for (uint32_t n = 0; (h = amp_rsc_find(copy, AMP_RSC_VDEV, n)); n++) {
		struct amp_fw_rsc_vdev *v = (struct amp_fw_rsc_vdev *)h;

		if (v->id == AMP_VIRTIO_ID_RPMSG) {
			uint8_t *at =
				(uint8_t *)remote.rsc + ((uint8_t *)h - copy);

			live = (struct amp_fw_rsc_vdev *)(void *)at;
			break;
		}
	}
	if (!live) {
		fprintf(stderr,
			"%s: resource table has no rpmsg vdev (id %u)\n", prog,
			AMP_VIRTIO_ID_RPMSG);
		free(copy);
		return NULL;
	}
	attach_trace(prog, copy);
	checked = copy;
	return live;
}

int main(int argc, char **argv)
{
	const char *prog = argc > 0 ? argv[0] : "firmware";
	struct amp_posix_port *port = &remote.port;
	struct amp_fw_rsc_vdev *vdev;
	char err[256];
	int r;

	r = amp_posix_remote_attach(&remote, err, sizeof(err));
	if (r == -AMP_ENOENT) {
		fprintf(stderr,
			"%s: this is ampkit coprocessor firmware; start it "
			"with `ampkit bench --firmware %s` (or "
			"amp_rproc_start)\n",
			prog, prog);
		return 2;
	}
	if (r) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return 1;
	}
	vdev = find_vdev(prog);
	if (!vdev)
		return 1;
	populate_except_carveouts();
	r = amp_rpmsg_wait_ready(vdev, &port->port, AMP_DEADLINE_NEVER);
	if (r == -AMP_EPIPE)
		return 0;
	if (r)
		return die(prog, "waiting for DRIVER_OK", r);
	r = amp_rpmsg_init(&rpmsg, AMP_RPMSG_REMOTE, vdev, &remote.shm.region,
			   &remote.port.port, NULL);
	if (r)
		return die(prog, "rpmsg init on the host's vrings", r);
	r = amp_app_init(&rpmsg);
	if (r)
		return die(prog, "amp_app_init", r);
	for (;;) {
		/* A deadline, not NEVER: a firmware kept busy by a stream
		 * never blocks, yet must still beat.  While blocked, the port
		 * beats by itself.  The next beat is due at a time the last
		 * one set, so the loop reads no clock for it. */
		uint64_t deadline =
			port->beat_ns ? port->next_beat : AMP_DEADLINE_NEVER;
		int busy = amp_app_idle(&rpmsg, deadline);

		if (busy < 0)
			return die(prog, "amp_app_idle", busy);
		r = amp_rpmsg_wait(&rpmsg, busy ? AMP_DEADLINE_NOW : deadline);
		amp_posix_heartbeat(port);
		if (r == -AMP_EPIPE || amp_posix_exit_requested(port))
			break;
		if (r < 0 && r != -AMP_ETIMEDOUT)
			return die(prog, "rpmsg wait", r);
	}
	amp_app_trace_attach(NULL, 0);
	amp_posix_remote_detach(&remote);
	free(checked);
	return 0;
}
