/*
 * fw_main.c - main() of an ampkit firmware on the emulated Cortex-M4:
 * the board's counterpart of port/posix/fw_main.c.
 *
 * The image runs where the host loaded it, inside the shared window, so
 * its own .resource_table is the live table the host negotiated into (as
 * remoteproc writes into a real M4's loaded table), and the host places
 * the trace buffer, rings, buffers and carveouts in the same window.
 * port/cortex-m/fw_run.c does the rest; this file adds what is the
 * board's: the control page's stage, the heartbeat in it, and how the
 * core says it stopped.
 */
#include "ampkit/app.h"
#include "fw_run.h"
#include "mps2_port.h"

/* How long the core looks at the rings before it sleeps in WFI.  Longer
 * than posix's: a doorbell (a UART byte through QEMU) costs ~25 us each
 * way, far more than the host takes to answer, so a core that waits 1 ms
 * rarely needs one (16-byte round trip ~170 us with 50 us, ~1 us with
 * 1 ms).  The price is QEMU's vCPU thread busy for that long after the
 * last message. */
#define MPS2_SPIN_NS 1000000u

extern uint8_t __rsc_table_start[], __rsc_table_end[];

static struct amp_mps2_port port;

/* Everything the host placed is in the window below the control page. */
static const struct amp_region window = {
	.va = (uint8_t *)(uintptr_t)AMP_MPS2_WINDOW_PA,
	.pa = AMP_MPS2_WINDOW_PA,
	.size = AMP_MPS2_CTRL_OFF,
};

static void beat(struct amp_fw_board *b)
{
	(void)b;
	amp_mps2_heartbeat(&port);
}

static int stopping(struct amp_fw_board *b)
{
	(void)b;
	return port.shutdown;
}

static int start(struct amp_fw_board *b)
{
	struct amp_mps2_ctrl *c = amp_mps2_ctrl();

	(void)b;
	amp_app_log("firmware: cortex-m4 up, image 0x%08x..0x%08x",
		    (unsigned)c->image_pa,
		    (unsigned)(c->image_pa + c->image_len - 1));
	return 0;
}

int main(void)
{
	struct amp_fw_board b = {
		.port = &port.port,
		.shm = &window,
		.trace = &window,
		.table = __rsc_table_start,
		.table_size = (uint32_t)(__rsc_table_end - __rsc_table_start),
		.beat = beat,
		.start = start,
		.stopping = stopping,
	};

	amp_mps2_port_init(&port, MPS2_SPIN_NS);
	b.beat_ns = port.beat_ms * 1000000ull;
	AMP_STORE(&amp_mps2_ctrl()->stage, AMP_MPS2_STAGE_RUNNING);
	amp_fw_run(&b);
	/* Stopped, by request or on an error amp_fw_run() logged: say so;
	 * the host then resets (ends) the core. */
	amp_mps2_console_flush();
	AMP_STORE(&amp_mps2_ctrl()->stage, AMP_MPS2_STAGE_EXITED);
	amp_mps2_bell(AMP_MPS2_BELL_EXITED);
	for (;;)
		__asm volatile("wfi");
}
