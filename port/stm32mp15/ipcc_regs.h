/*
 * ipcc_regs.h - the register layout of the STM32MP15 IPCC (inter-processor
 * communication controller), from REFERENCE.md section 8: two identical
 * per-processor blocks (processor 1 = the Cortex-A7s running Linux,
 * processor 2 = the Cortex-M4), then the hardware configuration word.
 *
 * Every access the driver makes goes through amp_ipcc_rd()/amp_ipcc_wr().
 * On the board they are plain volatile loads and stores; a host build
 * that defines AMP_IPCC_MMIO_HOOKS supplies them itself, so the unit test
 * runs the same driver source against a model of the block that sees
 * every access in order (tests/unit/ipcc_model.c).
 */
#ifndef AMPKIT_STM32MP15_IPCC_REGS_H
#define AMPKIT_STM32MP15_IPCC_REGS_H

#include <stddef.h>
#include <stdint.h>

#include "ampkit/compiler.h"

#define AMP_IPCC_BASE 0x4C001000u
#define AMP_IPCC_MAX_CHANNELS 16u /* mask and status fields are 16 wide */

/* One processor's block.  "X" is the owner, "Y" the other processor. */
struct amp_ipcc_proc {
	uint32_t cr;   /* XCR: interrupt enables */
	uint32_t mr;   /* XMR: per-channel masks, 1 = masked */
	uint32_t scr;  /* XSCR: write-only set/clear strobes, reads 0 */
	uint32_t tosr; /* XTOYSR: X's channels occupied towards Y (RO) */
};

struct amp_ipcc_hw {
	struct amp_ipcc_proc c1; /* 0x000: processor 1 (Linux) */
	struct amp_ipcc_proc c2; /* 0x010: processor 2 (the M4) */
	uint32_t reserved[(0x3f0 - 0x020) / 4];
	uint32_t hwcfgr; /* 0x3f0: bits 7:0 channel count */
	uint32_t verr, ipidr, sidr;
};

AMP_STATIC_ASSERT(offsetof(struct amp_ipcc_hw, c1.cr) == 0x00, "C1CR");
AMP_STATIC_ASSERT(offsetof(struct amp_ipcc_hw, c1.mr) == 0x04, "C1MR");
AMP_STATIC_ASSERT(offsetof(struct amp_ipcc_hw, c1.scr) == 0x08, "C1SCR");
AMP_STATIC_ASSERT(offsetof(struct amp_ipcc_hw, c1.tosr) == 0x0c, "C1TOC2SR");
AMP_STATIC_ASSERT(offsetof(struct amp_ipcc_hw, c2.cr) == 0x10, "C2CR");
AMP_STATIC_ASSERT(offsetof(struct amp_ipcc_hw, c2.mr) == 0x14, "C2MR");
AMP_STATIC_ASSERT(offsetof(struct amp_ipcc_hw, c2.scr) == 0x18, "C2SCR");
AMP_STATIC_ASSERT(offsetof(struct amp_ipcc_hw, c2.tosr) == 0x1c, "C2TOC1SR");
AMP_STATIC_ASSERT(offsetof(struct amp_ipcc_hw, hwcfgr) == 0x3f0, "HWCFGR");
AMP_STATIC_ASSERT(sizeof(struct amp_ipcc_hw) == 0x400, "IPCC block");

/* XCR */
#define AMP_IPCC_CR_RXOIE (1u << 0)  /* RX occupied interrupt enable */
#define AMP_IPCC_CR_TXFIE (1u << 16) /* TX free interrupt enable */
/* XMR and XSCR: channel ch's RX bit is ch, its TX bit 16 + ch. */
#define AMP_IPCC_RX_BIT(ch) (1u << (ch))
#define AMP_IPCC_TX_BIT(ch) (1u << (16u + (ch)))
#define AMP_IPCC_HWCFGR_CHANNELS 0xffu

#ifdef AMP_IPCC_MMIO_HOOKS
uint32_t amp_ipcc_rd(const volatile uint32_t *reg);
void amp_ipcc_wr(volatile uint32_t *reg, uint32_t val);
#else
static inline uint32_t amp_ipcc_rd(const volatile uint32_t *reg)
{
	return *reg;
}

static inline void amp_ipcc_wr(volatile uint32_t *reg, uint32_t val)
{
	*reg = val;
}
#endif

#endif
