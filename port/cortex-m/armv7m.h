/*
 * armv7m.h - the Cortex-M4 core registers the board ports touch (SysTick,
 * NVIC, System Control Block), from the ARMv7-M architecture manual, and
 * the 1 kHz SysTick clock they share (systick.c).
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

#endif
