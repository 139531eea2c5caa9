/*
 * startup.c - what runs before main() on the STM32MP157's Cortex-M4: the
 * vector table (16 core exceptions, then the SoC's 150 interrupt lines;
 * the IPCC's are 103 and 104) and the board's fault hook, which leaves
 * one line in the trace buffer and halts the core.
 *
 * The reset handler (port/cortex-m/crt.c) copies .data from its load
 * address in RETRAM to MCUSRAM and zeroes .bss, so an image Linux loaded
 * once starts clean after every reset of the core.  The resource table
 * is never copied or cleared: Linux wrote the vring addresses and
 * DRIVER_OK into it after loading, before it released the core.
 */
#include <stdint.h>

#include "ampkit/app.h"
#include "ampkit/stm32mp15.h"
#include "armv7m.h"
#include "stm32_port.h"

#define NUM_IRQS 150u

extern uint32_t __stack_top[];

__attribute__((section(".isr_vector"),
	       used)) static const amp_cm_vector_fn vectors[16 + NUM_IRQS] = {
	AMP_CM_CORE_VECTORS(__stack_top),
	[16 + AMP_STM32MP15_IRQ_IPCC_RX1] = IPCC_RX1_IRQHandler,
	[16 + AMP_STM32MP15_IRQ_IPCC_TX1] = IPCC_TX1_IRQHandler,
};

void amp_cm_fault(uint32_t *frame, uint32_t ipsr)
{
	__asm volatile("cpsid i" ::: "memory");
	amp_app_log("fault: exception %u at pc 0x%08x (lr 0x%08x, cfsr "
		    "0x%08x, hfsr 0x%08x, bfar 0x%08x)",
		    (unsigned)(ipsr & 0x1ffu), (unsigned)frame[6],
		    (unsigned)frame[5], (unsigned)SCB_CFSR, (unsigned)SCB_HFSR,
		    (unsigned)SCB_BFAR);
	for (;;)
		__asm volatile("wfi");
}
