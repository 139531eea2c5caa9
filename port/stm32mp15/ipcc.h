/*
 * ipcc.h - a driver for one processor's side of the STM32MP15 IPCC
 * mailbox: the doorbells both ways, the two interrupt handlers, and the
 * coalesced "which channels rang" flag the port's wait() looks at.
 *
 * Semantics (REFERENCE.md section 8, as Linux's stm32-ipcc.c uses them):
 * sending on channel ch sets bit 16+ch of our XSCR, which sets bit ch of
 * our XTOYSR ("occupied"); the peer sees that as RX occupied and frees the
 * channel by writing bit ch of its own XSCR.  So a channel carries one
 * doorbell at a time.  amp_ipcc_send() refuses an occupied channel
 * (-AMP_EBUSY, nothing written); amp_ipcc_kick() never fails for that
 * reason: it queues the doorbell, unmasks the channel's TX-free interrupt
 * and amp_ipcc_tx_irq() rings it once the peer has freed the channel.  A
 * queued kick that is kicked again stays one doorbell: a doorbell only
 * says "look at the rings", and the peer looks at all of them.
 *
 * amp_ipcc_rx_irq() frees every occupied channel we listen to, in one
 * write, before anyone looks at the rings, and ORs them into rx_flag;
 * amp_ipcc_take() reads and clears that flag.  Several doorbells between
 * two takes coalesce into one bit.
 *
 * Concurrency: rx_flag is safe between the RX handler and take().  kick()
 * and the two handlers read-modify-write the mask register and the queue:
 * call kick() where the IPCC interrupts cannot run (the board port masks
 * interrupts around it).
 */
#ifndef AMPKIT_STM32MP15_IPCC_H
#define AMPKIT_STM32MP15_IPCC_H

#include <stdint.h>

#include "ipcc_regs.h"

struct amp_ipcc {
	volatile struct amp_ipcc_proc *own;  /* enables, masks, strobes, TX */
	volatile struct amp_ipcc_proc *peer; /* its TX flags are our RX */
	uint32_t channels;		     /* from HWCFGR */
	uint32_t rx_mask;		     /* channels we listen to */
	uint32_t rx_flag;   /* rang since the last take (atomic) */
	uint32_t tx_queued; /* kicks waiting for a free channel */
};

/* Take processor `proc`'s side (1 = Linux's, 2 = the M4's) of the block
 * at `hw`, listening on the channels of rx_mask: every channel masked but
 * those, both interrupts enabled.  0, -AMP_EINVAL (proc not 1 or 2, or
 * rx_mask names a channel the block lacks; nothing is written), or
 * -AMP_ENODEV (HWCFGR says 0 or more than 16 channels). */
int amp_ipcc_init(struct amp_ipcc *ipcc, volatile struct amp_ipcc_hw *hw,
		  uint32_t proc, uint32_t rx_mask);

/* Mask every channel and disable both interrupts. */
void amp_ipcc_stop(struct amp_ipcc *ipcc);

/* Ring channel ch now: 0, -AMP_EINVAL (no such channel) or -AMP_EBUSY
 * (the peer has not freed the last doorbell yet; nothing written). */
int amp_ipcc_send(struct amp_ipcc *ipcc, uint32_t ch);

/* Ring channel ch now or, if it is occupied, as soon as it is free (see
 * above).  0 or -AMP_EINVAL.  Not concurrently with the handlers. */
int amp_ipcc_kick(struct amp_ipcc *ipcc, uint32_t ch);

/* The RX-occupied interrupt: free every occupied channel of rx_mask and
 * add them to rx_flag.  Returns the channels freed (a bit each). */
uint32_t amp_ipcc_rx_irq(struct amp_ipcc *ipcc);

/* The TX-free interrupt: ring every queued channel the peer has freed
 * and mask the TX-free interrupt of every channel no longer queued.
 * Returns the channels rung. */
uint32_t amp_ipcc_tx_irq(struct amp_ipcc *ipcc);

/* The channels that rang since the last call (a bit each), cleared. */
uint32_t amp_ipcc_take(struct amp_ipcc *ipcc);

/* Whether any rang since the last take, without clearing. */
static inline int amp_ipcc_rang(struct amp_ipcc *ipcc)
{
	return __atomic_load_n(&ipcc->rx_flag, __ATOMIC_ACQUIRE) != 0;
}

#endif
