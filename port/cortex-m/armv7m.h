/*
 * armv7m.h - the Cortex-M4 core registers the board ports touch (SysTick,
 * NVIC, System Control Block), from the ARMv7-M architecture manual, the
 * 1 kHz SysTick clock they share (systick.c) and the start and fault
 * handlers (crt.c).
 */
#ifndef AMPKIT_CORTEX_M_ARMV7M_H
#define AMPKIT_CORTEX_M_ARMV7M_H

#include <stdint.h>

#define REG32(a) (*(volatile uint32_t *)(uintptr_t)(a))

#define SYST_CSR REG32(0xe000e010u)
#define SYST_RVR REG32(0xe000e014u)
#define SYST_CVR REG32(0xe000e018u)
#define NVIC_ISER(n) REG32(0xe000e100u + 4u * (n))
#define SCB_VTOR REG32(0xe000ed08u)
#define SCB_SHCSR REG32(0xe000ed24u)
#define SCB_CFSR REG32(0xe000ed28u)
#define SCB_HFSR REG32(0xe000ed2cu)
#define SCB_MMFAR REG32(0xe000ed34u)
#define SCB_BFAR REG32(0xe000ed38u)
#define SCB_CPACR REG32(0xe000ed88u)

/* Enable external interrupt irq in the NVIC. */
static inline void amp_nvic_enable(uint32_t irq)
{
	NVIC_ISER(irq / 32u) = 1u << (irq % 32u);
}

/* SysTick as a 1 kHz tick from the processor clock of hz Hz (at most
 * 16.7 GHz / 1000, SysTick's 24 bits), and the monotonic clock built on
 * it: milliseconds counted by SysTick_Handler plus the current count. */
void amp_systick_init(uint32_t hz);
uint32_t amp_systick_ms(void);
uint64_t amp_systick_ns(void);
void SysTick_Handler(void);

/* crt.c: the handlers every board's vector table names, and the
 * board's fault hook they end in (frame: the exception frame the core
 * pushed, r0 r1 r2 r3 r12 lr pc xpsr; ipsr: the exception number). */
void Reset_Handler(void);
void Fault_Handler(void);
void Default_Handler(void);
__attribute__((noreturn)) void amp_cm_fault(uint32_t *frame, uint32_t ipsr);

typedef void (*amp_cm_vector_fn)(void);

/* The 16 core vectors a board's table starts with (designators, for its
 * initializer); vectors left 0 fault when taken (a branch to an even
 * address is an INVSTATE UsageFault), which the fault hook reports. */
/* clang-format off */
#define AMP_CM_CORE_VECTORS(stack_top)					\
	[0] = (amp_cm_vector_fn)(uintptr_t)(stack_top),			\
	[1] = Reset_Handler,						\
	[2] = Default_Handler,	/* NMI */				\
	[3] = Fault_Handler,	/* HardFault */				\
	[4] = Fault_Handler,	/* MemManage */				\
	[5] = Fault_Handler,	/* BusFault */				\
	[6] = Fault_Handler,	/* UsageFault */			\
	[11] = Default_Handler,	/* SVC */				\
	[14] = Default_Handler,	/* PendSV */				\
	[15] = SysTick_Handler
/* clang-format on */

#endif
