/*
 * startup.c - what runs before main() on the emulated Cortex-M4: the
 * vector table, the reset handler, and the fault handlers that leave a
 * record the host can read.
 *
 * The host's ELF loader has already placed code and data and zero-filled
 * .bss; the reset handler zeroes .bss again anyway, so a firmware is also
 * correct under a loader that does not.  A fault writes its exception
 * frame and the fault status registers into the control page, tells the
 * host with a doorbell byte, prints one line on the console and halts
 * the core: a crashed coprocessor stays as it was for the coredump.
 */
#include <stdint.h>

#include "ampkit/app.h"
#include "ampkit/mps2.h"
#include "cmsdk.h"
#include "mps2_port.h"

extern uint32_t __bss_start[], __bss_end[], __stack_top[];
int main(void);

void Reset_Handler(void);
void Fault_Handler(void);
void Default_Handler(void);
void SysTick_Handler(void);
void UART1_RX_Handler(void);

typedef void (*vector_fn)(void);

__attribute__((section(".isr_vector"),
	       used)) static const vector_fn vectors[16 + 32] = {
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
	[16 + IRQ_UART1_RX] = UART1_RX_Handler,
};

void Reset_Handler(void)
{
	/* The port is built for the FPU (-mfloat-abi=hard): turn it on
	 * before any code can use it. */
	SCB_CPACR |= 0xfu << 20;
	__asm volatile("dsb\n\tisb" ::: "memory");
	for (uint32_t *p = __bss_start; p < __bss_end; p++)
		*p = 0;
	/* MemManage, BusFault and UsageFault get their own exception
	 * number in the record instead of escalating to HardFault. */
	SCB_SHCSR |= 7u << 16;
	main();
	for (;;)
		__asm volatile("wfi");
}

static const char *fault_name(uint32_t exc)
{
	switch (exc) {
	case 3:
		return "HardFault";
	case 4:
		return "MemManage";
	case 5:
		return "BusFault";
	case 6:
		return "UsageFault";
	default:
		return "exception";
	}
}

__attribute__((used, noreturn)) static void fault_record(uint32_t *frame,
							 uint32_t ipsr)
{
	struct amp_mps2_ctrl *c = amp_mps2_ctrl();
	struct amp_mps2_fault *f = &c->fault;

	__asm volatile("cpsid i" ::: "memory");
	f->exception = ipsr & 0x1ffu;
	f->r0 = frame[0];
	f->r1 = frame[1];
	f->r2 = frame[2];
	f->r3 = frame[3];
	f->r12 = frame[4];
	f->lr = frame[5];
	f->pc = frame[6];
	f->xpsr = frame[7];
	f->sp = (uint32_t)(uintptr_t)(frame + 8);
	f->cfsr = SCB_CFSR;
	f->hfsr = SCB_HFSR;
	f->mmfar = SCB_MMFAR;
	f->bfar = SCB_BFAR;
	__asm volatile("dmb" ::: "memory");
	AMP_STORE(&c->stage, AMP_MPS2_STAGE_FAULT);
	amp_app_log("fault: %s at pc 0x%08x (lr 0x%08x, cfsr 0x%08x)",
		    fault_name(f->exception), (unsigned)f->pc, (unsigned)f->lr,
		    (unsigned)f->cfsr);
	amp_mps2_console_flush();
	amp_mps2_bell(AMP_MPS2_BELL_FAULT);
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

/* The app's "crash" command calls abort(): on this board that is a real
 * fault (an undefined instruction), so the host sees what a bug would
 * look like rather than a clean exit. */
void abort(void)
{
	__asm volatile("udf #0");
	for (;;)
		;
}
