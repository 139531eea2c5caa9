/*
 * port.c - what the STM32MP157's Cortex-M4 gives the core: the IPCC as
 * the mailbox, SysTick as the clock and WFI as the wait.
 *
 * Doorbells follow Linux's m4_rproc mailboxes (stm32mp15.h): a vring's
 * notify id is its IPCC channel (vring0 on channel 0, vring1 on 1), and
 * Linux rings channel 2 to ask the core to stop and 3 when it detaches.
 * The RX interrupt frees the channels at once (for "shutdown" that is
 * the acknowledgement Linux waits up to 500 ms for) and only sets the
 * driver's coalesced flag; the core finds the work on the rings itself.
 * A doorbell on a channel Linux has not freed yet is queued in the driver
 * and rung from the TX-free interrupt, so notify() never waits.
 *
 * Clock assumptions: SysTick counts the M4's clock, AMP_STM32MP15_M4_HZ
 * (209 MHz in ST's default DK2 clock tree, which Linux and TF-A set up
 * before the core starts); the firmware does not program the RCC.  The
 * IPCC's bus clock is Linux's to enable too (its mailbox driver probes
 * before remoteproc starts the core).
 */
#include "ampkit/errno.h"
#include "ampkit/stm32mp15.h"
#include "armv7m.h"
#include "stm32_port.h"

#define RX_CHANNELS                                                            \
	(AMP_IPCC_RX_BIT(AMP_STM32MP15_CH_VQ0) |                               \
	 AMP_IPCC_RX_BIT(AMP_STM32MP15_CH_VQ1) |                               \
	 AMP_IPCC_RX_BIT(AMP_STM32MP15_CH_SHUTDOWN) |                          \
	 AMP_IPCC_RX_BIT(AMP_STM32MP15_CH_DETACH))
#define VQ_CHANNELS                                                            \
	(AMP_IPCC_RX_BIT(AMP_STM32MP15_CH_VQ0) |                               \
	 AMP_IPCC_RX_BIT(AMP_STM32MP15_CH_VQ1))

static struct amp_stm32_port *the_port;

void IPCC_RX1_IRQHandler(void)
{
	uint32_t rang;

	if (!the_port)
		return;
	rang = amp_ipcc_rx_irq(&the_port->ipcc);
	if (rang & AMP_IPCC_RX_BIT(AMP_STM32MP15_CH_SHUTDOWN))
		the_port->shutdown = true;
	if (rang & AMP_IPCC_RX_BIT(AMP_STM32MP15_CH_DETACH))
		the_port->detached = true;
}

void IPCC_TX1_IRQHandler(void)
{
	if (the_port)
		amp_ipcc_tx_irq(&the_port->ipcc);
}

static uint64_t stm32_now_ns(struct amp_port *port)
{
	(void)port;
	return amp_systick_ns();
}

static void stm32_notify(struct amp_port *port, uint32_t ch)
{
	struct amp_stm32_port *p = (struct amp_stm32_port *)port;
	uint32_t primask;

	/* The kick and the IPCC handlers share the mask register. */
	__asm volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
	(void)amp_ipcc_kick(&p->ipcc, ch);
	__asm volatile("msr primask, %0" ::"r"(primask) : "memory");
}

static int stm32_wait(struct amp_port *port, uint64_t deadline)
{
	struct amp_stm32_port *p = (struct amp_stm32_port *)port;
	uint64_t now;

	for (;;) {
		if (p->shutdown)
			return -AMP_EPIPE;
		/* Shutdown and detach are flags of their own. */
		if (amp_ipcc_take(&p->ipcc) & VQ_CHANNELS)
			return 0;
		now = amp_systick_ns();
		if (now >= deadline)
			return -AMP_ETIMEDOUT;
		/* SysTick wakes us every millisecond at the latest, so a
		 * deadline closer than that is waited out awake. */
		if (deadline - now < 1000000u)
			continue;
		/* Masked, so a doorbell between this look and WFI still
		 * ends the WFI (it pends) instead of being slept through. */
		__asm volatile("cpsid i" ::: "memory");
		if (!amp_ipcc_rang(&p->ipcc) && !p->shutdown)
			__asm volatile("wfi");
		__asm volatile("cpsie i" ::: "memory");
	}
}

static const struct amp_port_ops stm32_ops = {
	.notify = stm32_notify,
	.wait = stm32_wait,
	.now_ns = stm32_now_ns,
};

int amp_stm32_port_init(struct amp_stm32_port *p, uint32_t spin_ns)
{
	int r;

	p->port.ops = &stm32_ops;
	p->port.spin_ns = spin_ns;
	p->shutdown = false;
	p->detached = false;
	amp_systick_init(AMP_STM32MP15_M4_HZ);
	r = amp_ipcc_init(
		&p->ipcc,
		(volatile struct amp_ipcc_hw *)(uintptr_t)AMP_IPCC_BASE, 2,
		RX_CHANNELS);
	if (r)
		return r;
	the_port = p;
	amp_nvic_enable(AMP_STM32MP15_IRQ_IPCC_RX1);
	amp_nvic_enable(AMP_STM32MP15_IRQ_IPCC_TX1);
	return 0;
}
