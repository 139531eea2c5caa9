/*
 * boot.c - the boot stub QEMU starts (-kernel, at address 0): the part
 * of a real SoC's reset logic that holds the coprocessor until the host
 * has loaded it.
 *
 * It says it is waiting (ctrl.stage), spins on the control page until
 * the host writes the release word, then re-reads and rewrites every
 * word of the image so QEMU drops any code it translated from an earlier
 * image at those addresses (a host write to the file goes around QEMU's
 * tracking; a guest write does not), points VTOR at the image's vector
 * table and jumps through it like a reset would.
 */
#include <stdint.h>

#include "ampkit/mps2.h"
#include "cmsdk.h"

#define STUB_STACK_TOP 0x20001000u /* SSRAM2: private to the guest */

void stub_reset(void);

__attribute__((section(".vectors"), used)) static const uint32_t vectors[2] = {
	STUB_STACK_TOP,
	(uint32_t)(uintptr_t)stub_reset,
};

static __attribute__((noreturn)) void jump(uint32_t vtor)
{
	const volatile uint32_t *v = (const volatile uint32_t *)(uintptr_t)vtor;
	uint32_t sp = v[0], pc = v[1];

	SCB_VTOR = vtor;
	__asm volatile("dsb\n\tisb\n\t"
		       "msr msp, %0\n\t"
		       "bx %1\n\t" ::"r"(sp),
		       "r"(pc)
		       : "memory");
	__builtin_unreachable();
}

__attribute__((noreturn)) void stub_reset(void)
{
	volatile struct amp_mps2_ctrl *c =
		(volatile struct amp_mps2_ctrl *)(uintptr_t)AMP_MPS2_CTRL_PA;
	volatile uint32_t *w;
	uint32_t n;

	c->stage = AMP_MPS2_STAGE_STUB;
	while (c->magic != AMP_MPS2_MAGIC || c->release != AMP_MPS2_RELEASE)
		;
	__asm volatile("dmb" ::: "memory");
	w = (volatile uint32_t *)(uintptr_t)c->image_pa;
	for (n = c->image_len / 4; n; n--, w++)
		*w = *w;
	c->stage = AMP_MPS2_STAGE_JUMPED;
	jump(c->vtor);
}
