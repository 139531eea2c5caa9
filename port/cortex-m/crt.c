/*
 * crt.c - what runs before main() and on a fault, the same on every
 * Cortex-M4 board (the vector tables are the boards'): the reset handler,
 * the fault trampoline, and abort().
 *
 * The reset handler turns the FPU on (the images are built hard-float),
 * copies .data from its load address when the linker script puts it
 * elsewhere (stm32mp15: RETRAM), zeroes .bss (a loader may already have;
 * the image is then still correct after a reset without one), gives
 * MemManage, BusFault and UsageFault their own exception numbers, and
 * calls main().  A fault lands in the board's amp_cm_fault() with the
 * exception frame and IPSR.
 */
#include "armv7m.h"

extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
int main(void);

void Reset_Handler(void)
{
	const uint32_t *src = __data_load;

	SCB_CPACR |= 0xfu << 20;
	__asm volatile("dsb\n\tisb" ::: "memory");
	if (src != __data_start)
		for (uint32_t *p = __data_start; p < __data_end; p++)
			*p = *src++;
	for (uint32_t *p = __bss_start; p < __bss_end; p++)
		*p = 0;
	SCB_SHCSR |= 7u << 16;
	main();
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
		       "b amp_cm_fault\n\t");
}

void Default_Handler(void)
{
	Fault_Handler();
}

/* The app's "crash" command calls abort(): on a board that is a real
 * fault (an undefined instruction), so the host sees what a bug would
 * look like rather than a clean exit. */
void abort(void)
{
	__asm volatile("udf #0");
	for (;;)
		;
}
