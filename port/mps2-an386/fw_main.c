/*
 * fw_main.c - main() of an ampkit firmware on the emulated Cortex-M4:
 * the board's counterpart of port/posix/fw_main.c.
 *
 * The image runs where the host loaded it, inside the shared window, so
 * its own .resource_table is the live table the host negotiated into
 * (as remoteproc writes into a real M4's loaded table).  A copy is
 * checked before anything in it is trusted; then the firmware waits for
 * DRIVER_OK, brings RPMsg up as the remote, lets the app create its
 * endpoints, and delivers messages until the host's shutdown doorbell.
 * It beats in the control page meanwhile, so the host can tell a hung
 * core from a quiet one.
 */
#include <string.h>

#include "ampkit/app.h"
#include "ampkit/config.h"
#include "ampkit/rpmsg.h"
#include "ampkit/rsc_table.h"
#include "mps2_port.h"

#define TABLE_COPY_MAX 1024u
/* How long the core looks at the rings before it sleeps in WFI.  Longer
 * than posix's: a doorbell (a UART byte through QEMU) costs ~25 us each
 * way, far more than the host takes to answer, so a core that waits 1 ms
 * rarely needs one (16-byte round trip ~170 us with 50 us, ~1 us with
 * 1 ms).  The price is QEMU's vCPU thread busy for that long after the
 * last message. */
#define MPS2_SPIN_NS 1000000u

extern uint8_t __rsc_table_start[], __rsc_table_end[];

static struct amp_mps2_port port;
static struct amp_rpmsg_dev rpmsg;
static uint8_t table_copy[TABLE_COPY_MAX] __attribute__((aligned(8)));

/* Everything the host placed is in the window below the control page. */
static const struct amp_region window = {
	.va = (uint8_t *)(uintptr_t)AMP_MPS2_WINDOW_PA,
	.pa = AMP_MPS2_WINDOW_PA,
	.size = AMP_MPS2_CTRL_OFF,
};

/* Say so and stop: the host then resets (ends) the core. */
static __attribute__((noreturn)) void stopped(void)
{
	amp_mps2_console_flush();
	AMP_STORE(&amp_mps2_ctrl()->stage, AMP_MPS2_STAGE_EXITED);
	amp_mps2_bell(AMP_MPS2_BELL_EXITED);
	for (;;)
		__asm volatile("wfi");
}

static __attribute__((noreturn)) void halt(const char *what, int err)
{
	amp_app_log("firmware: %s (error %d); halted", what, -err);
	stopped();
	__asm volatile("wfi");
}

int amp_app_carveout(const char *name, uint64_t *pa, uint32_t *len)
{
	struct amp_fw_rsc_carveout *c = amp_rsc_find_carveout(table_copy, name);

	if (!c)
		return -AMP_ENOENT;
	if (c->da == AMP_FW_RSC_ADDR_ANY ||
	    !amp_region_pa_to_va(&window, c->da, c->len))
		return -AMP_EFAULT;
	*pa = c->da;
	*len = c->len;
	return 0;
}

/* The rpmsg vdev of the live table, found through the checked copy (kept
 * for amp_app_carveout()). */
static struct amp_fw_rsc_vdev *find_vdev(void)
{
	uint32_t size = (uint32_t)(__rsc_table_end - __rsc_table_start);
	struct amp_diag diag = { 0 };
	struct amp_fw_rsc_hdr *h;
	struct amp_fw_rsc_trace *t;

	if (size > sizeof(table_copy))
		halt("resource table larger than the copy buffer", AMP_E2BIG);
	memcpy(table_copy, __rsc_table_start, size);
	if (amp_rsc_table_check(table_copy, size, AMP_VQ_MAX_NUM, &diag)) {
		amp_app_log("firmware: resource table: %s (offset 0x%x)",
			    diag.msg ? diag.msg : "invalid",
			    (unsigned)diag.offset);
		halt("bad resource table", AMP_EINVAL);
	}
	t = (struct amp_fw_rsc_trace *)amp_rsc_find(table_copy, AMP_RSC_TRACE,
						    0);
	if (t) {
		void *va = amp_region_pa_to_va(&window, t->da, t->len);

		if (va)
			amp_app_trace_attach(va, t->len);
		else
			amp_app_log("firmware: trace da 0x%x outside the "
				    "window; not tracing",
				    (unsigned)t->da);
	}
	for (uint32_t n = 0; (h = amp_rsc_find(table_copy, AMP_RSC_VDEV, n));
	     n++) {
		struct amp_fw_rsc_vdev *v = (struct amp_fw_rsc_vdev *)h;

		if (v->id == AMP_VIRTIO_ID_RPMSG)
			return (struct amp_fw_rsc_vdev
					*)(void *)(__rsc_table_start +
						   ((uint8_t *)h - table_copy));
	}
	halt("no rpmsg vdev in the resource table", AMP_ENODEV);
}

int main(void)
{
	struct amp_mps2_ctrl *c = amp_mps2_ctrl();
	struct amp_fw_rsc_vdev *vdev;
	int r;

	amp_mps2_port_init(&port, MPS2_SPIN_NS);
	AMP_STORE(&c->stage, AMP_MPS2_STAGE_RUNNING);
	vdev = find_vdev(); /* attaches the trace buffer too */
	amp_app_log("firmware: cortex-m4 up, image 0x%08x..0x%08x",
		    (unsigned)c->image_pa,
		    (unsigned)(c->image_pa + c->image_len - 1));
	r = amp_rpmsg_wait_ready(vdev, &port.port, AMP_DEADLINE_NEVER);
	if (r == -AMP_EPIPE)
		goto out;
	if (r)
		halt("waiting for DRIVER_OK", r);
	r = amp_rpmsg_init(&rpmsg, AMP_RPMSG_REMOTE, vdev, &window, &port.port,
			   NULL);
	if (r)
		halt("rpmsg init on the host's vrings", r);
	r = amp_app_init(&rpmsg);
	if (r)
		halt("amp_app_init", r);
	for (;;) {
		uint64_t deadline = amp_port_deadline(
			&port.port, port.beat_ms ? port.beat_ms * 1000000ull
						 : AMP_DEADLINE_NEVER);
		int busy = amp_app_idle(&rpmsg, deadline);

		if (busy < 0)
			halt("amp_app_idle", busy);
		r = amp_rpmsg_wait(&rpmsg, busy ? AMP_DEADLINE_NOW : deadline);
		amp_mps2_heartbeat(&port);
		if (r == -AMP_EPIPE || port.shutdown)
			break;
		if (r < 0 && r != -AMP_ETIMEDOUT)
			halt("rpmsg wait", r);
	}
out:
	amp_app_log("firmware: shutdown requested, stopping");
	stopped();
}
