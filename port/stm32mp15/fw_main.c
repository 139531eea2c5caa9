/*
 * fw_main.c - main() of an ampkit firmware on the STM32MP157's Cortex-M4,
 * facing the Linux kernel's remoteproc and rpmsg.
 *
 * Linux loads the image into RETRAM and MCUSRAM, writes the vring
 * addresses and DRIVER_OK into the image's own .resource_table, and
 * shares SRAM3 with the core for the vdev (the vrings and the RPMsg
 * buffers, stm32mp15.h).  The trace buffer is the firmware's own, at the
 * address the table fixes, in MCUSRAM.  port/cortex-m/fw_run.c does the
 * rest; this file says where things are and brings the port up.
 */
#include "ampkit/app.h"
#include "ampkit/stm32mp15.h"
#include "fw_run.h"
#include "stm32_port.h"

/* How long the core looks at the rings before it sleeps in WFI: about
 * one Linux round trip (an IPCC interrupt, a workqueue, the reply's
 * kick), so a reply that comes at once is caught without a wake-up. */
#define STM32_SPIN_NS 50000u

extern uint8_t __rsc_table_start[], __rsc_table_end[];

static struct amp_stm32_port port;

/* SRAM3 as Linux shares it: vrings and buffers, da = pa = va. */
static const struct amp_region shm = {
	.va = (uint8_t *)(uintptr_t)AMP_STM32MP15_SHM_DA,
	.pa = AMP_STM32MP15_SHM_DA,
	.size = AMP_STM32MP15_SHM_SIZE,
};

/* The firmware's own MCUSRAM, where the table fixes the trace buffer. */
static const struct amp_region own = {
	.va = (uint8_t *)(uintptr_t)AMP_STM32MP15_MCURAM2_DA,
	.pa = AMP_STM32MP15_MCURAM2_DA,
	.size = AMP_STM32MP15_MCURAM2_SIZE,
};

static int start(struct amp_fw_board *b)
{
	int r = amp_stm32_port_init(&port, STM32_SPIN_NS);

	(void)b;
	if (r)
		return r;
	amp_app_log(
		"firmware: stm32mp15 cortex-m4 up at %u MHz, %u IPCC "
		"channels, vdev memory 0x%08x..0x%08x",
		(unsigned)(AMP_STM32MP15_M4_HZ / 1000000u),
		(unsigned)port.ipcc.channels, (unsigned)AMP_STM32MP15_SHM_DA,
		(unsigned)(AMP_STM32MP15_SHM_DA + AMP_STM32MP15_SHM_SIZE - 1));
	return 0;
}

static int stopping(struct amp_fw_board *b)
{
	(void)b;
	return port.shutdown;
}

int main(void)
{
	struct amp_fw_board b = {
		.port = &port.port,
		.shm = &shm,
		.trace = &own,
		.table = __rsc_table_start,
		.table_size = (uint32_t)(__rsc_table_end - __rsc_table_start),
		.start = start,
		.stopping = stopping,
	};

	amp_fw_run(&b);
	/* Stopped, by request (the shutdown channel is already freed: that
	 * was Linux's acknowledgement) or on an error amp_fw_run() logged
	 * into the trace.  Linux resets the core next. */
	if (port.ipcc.own)
		amp_ipcc_stop(&port.ipcc);
	__asm volatile("cpsid i" ::: "memory");
	for (;;)
		__asm volatile("wfi");
}
