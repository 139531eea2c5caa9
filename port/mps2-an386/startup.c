/*
 * startup.c - the emulated Cortex-M4's vector table and its fault hook,
 * which leaves a record the host can read (the reset handler and the
 * fault trampoline are port/cortex-m/crt.c).
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

extern uint32_t __stack_top[];

void UART1_RX_Handler(void);

__attribute__((section(".isr_vector"),
	       used)) static const amp_cm_vector_fn vectors[16 + 32] = {
	AMP_CM_CORE_VECTORS(__stack_top),
	[16 + IRQ_UART1_RX] = UART1_RX_Handler,
};

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

void amp_cm_fault(uint32_t *frame, uint32_t ipsr)
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
