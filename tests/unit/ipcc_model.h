/*
 * ipcc_model.h - a model of the STM32MP15 IPCC block for host tests: both
 * processors' register blocks and HWCFGR in a struct amp_ipcc_hw the
 * driver's pointer points at, with the hardware's side effects applied
 * on every access the driver makes through amp_ipcc_rd()/amp_ipcc_wr().
 *
 * Writing bit 16+ch of XSCR sets X's occupied flag ch (XTOYSR); writing
 * bit ch frees the other processor's flag ch; XSCR reads 0; XTOYSR and
 * HWCFGR ignore writes (counted, so a test can say the driver never
 * tried).  The interrupt lines are computed the way the block drives
 * them: RX-occupied = RXOIE and some unmasked channel the peer occupies,
 * TX-free = TXFIE and some unmasked channel of our own that is free.
 */
#ifndef AMPKIT_TEST_IPCC_MODEL_H
#define AMPKIT_TEST_IPCC_MODEL_H

#include <stdint.h>

#include "ipcc_regs.h"

struct ipcc_model {
	struct amp_ipcc_hw hw;
	uint32_t writes;    /* register writes, every register */
	uint32_t reads;	    /* register reads */
	uint32_t ro_writes; /* writes to XTOYSR, HWCFGR or a reserved word */
	uint32_t bad;	    /* accesses outside the block or misaligned */
};

/* Reset to the block's state after reset with `hwcfgr` as its
 * configuration word, and make it the model the accessors act on. */
void ipcc_model_reset(struct ipcc_model *m, uint32_t hwcfgr);

/* Processor proc's (1 or 2) interrupt lines, as the block drives them. */
int ipcc_model_rx_line(const struct ipcc_model *m, uint32_t proc);
int ipcc_model_tx_line(const struct ipcc_model *m, uint32_t proc);

/* Processor proc's block. */
struct amp_ipcc_proc *ipcc_model_proc(struct ipcc_model *m, uint32_t proc);

#endif
