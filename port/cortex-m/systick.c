/*
 * systick.c - the monotonic clock of the Cortex-M boards (armv7m.h): a
 * 1 kHz SysTick interrupt counts milliseconds, the counter gives the
 * time within one.  The ns per tick are kept as a 32.32 fixed-point
 * factor, so a clock that is no whole number of MHz (the STM32MP15 M4's
 * 209 MHz) costs no division per reading.
 */
#include "armv7m.h"

static volatile uint32_t ms_count;
static uint32_t reload;
static uint64_t ns_per_tick_q32;

void SysTick_Handler(void)
{
	ms_count++;
}

void amp_systick_init(uint32_t hz)
{
	reload = hz / 1000u - 1u;
	ns_per_tick_q32 = (1000000000ull << 32) / hz;
	SYST_RVR = reload;
	SYST_CVR = 0;
	SYST_CSR = 7u; /* processor clock, interrupt, enable */
}

uint32_t amp_systick_ms(void)
{
	return ms_count;
}

uint64_t amp_systick_ns(void)
{
	uint32_t ms, val;

	do {
		ms = ms_count;
		val = SYST_CVR;
	} while (ms != ms_count);
	return (uint64_t)ms * 1000000u +
	       (((uint64_t)(reload - val) * ns_per_tick_q32) >> 32);
}
