/*
 * startup.c - what runs before main() on the STM32MP157's Cortex-M4: the
 * vector table (16 core exceptions, then the SoC's 150 interrupt lines;
 * the IPCC's are 103 and 104), the reset handler, and a fault handler
 * that leaves one line in the trace buffer and halts the core.
 *
 * The reset handler copies .data from its load address in RETRAM to
 * MCUSRAM and zeroes .bss, so an image Linux loaded once starts clean
 * after every reset of the core.  The resource table is never copied or
 * cleared: Linux wrote the vring addresses and DRIVER_OK into it after
 * loading, before it released the core.
 */
#include <stdint.h>

#include "ampkit/app.h"
#include "ampkit/stm32mp15.h"
#include "armv7m.h"
#include "stm32_port.h"

#define NUM_IRQS 150u

extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[], __stack_top[];
int main(void);

void Reset_Handler(void);
void Fault_Handler(void);
void Default_Handler(void);

typedef void (*vector_fn)(void);

/* Vectors left 0 fault when taken (a branch to an even address is an
 * INVSTATE UsageFault), which the fault handler reports. */
__attribute__((section(".isr_vector"),
	       used)) static const vector_fn vectors[16 + NUM_IRQS] = {
	[0] = (vector_fn)(uintptr_t)__stack_top,
	[1] = Reset_Handler,
	[2] = Default_Handler,	/* NMI */
	[3] = Fault_Handler,	/* HardFault */
	[4] = Fault_Handler,	/* MemManage */
	[5] = Fault_Handler,	/* BusFault */
	[6] = Fault_Handler,	/* UsageFault */
	[11] = Default_Handler, /* SVC */
	[14] = Default_Handler, /* PendSV */
	[15] = SysTick_Handler,
	[16 + AMP_STM32MP15_IRQ_IPCC_RX1] = IPCC_RX1_IRQHandler,
	[16 + AMP_STM32MP15_IRQ_IPCC_TX1] = IPCC_TX1_IRQHandler,
};

void Reset_Handler(void)
{
	const uint32_t *src = __data_load;

	/* Built for the FPU (-mfloat-abi=hard): on before any code can
	 * use it. */
	SCB_CPACR |= 0xfu << 20;
	__asm volatile("dsb\n\tisb" ::: "memory");
	SCB_VTOR = (uint32_t)(uintptr_t)vectors;
	for (uint32_t *p = __data_start; p < __data_end; p++)
		*p = *src++;
	for (uint32_t *p = __bss_start; p < __bss_end; p++)
		*p = 0;
	/* MemManage, BusFault and UsageFault report as themselves. */
	SCB_SHCSR |= 7u << 16;
	main();
	for (;;)
		__asm volatile("wfi");
}

__attribute__((used, noreturn)) static void fault_record(uint32_t *frame,
							 uint32_t ipsr)
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

/* The frame is on whichever stack was in use (EXC_RETURN bit 2). */
__attribute__((naked)) void Fault_Handler(void)
{
	__asm volatile("tst lr, #4\n\t"
		       "ite eq\n\t"
		       "mrseq r0, msp\n\t"
		       "mrsne r0, psp\n\t"
		       "mrs r1, ipsr\n\t"
		       "b fault_record\n\t");
}

void Default_Handler(void)
{
	Fault_Handler();
}

/* The app's "crash" command calls abort(): a real fault (an undefined
 * instruction), which is what a bug looks like to Linux. */
void abort(void)
{
	__asm volatile("udf #0");
	for (;;)
		;
}
