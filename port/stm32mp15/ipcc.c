/*
 * ipcc.c - the STM32MP15 IPCC mailbox driver (ipcc.h): doorbells, queued
 * kicks, the RX-occupied and TX-free handlers.
 *
 * Portable, freestanding C11 with no state outside struct amp_ipcc, so
 * the same file runs on the M4 and, against a register model, in the
 * host's unit tests.  Every register access is one amp_ipcc_rd() or
 * amp_ipcc_wr() (ipcc_regs.h); the strobes that change the flags are
 * written once per call, a bit per channel, never read back.
 */
#include "ampkit/errno.h"
#include "ipcc.h"

/* Bits 0..n-1. */
static uint32_t low_bits(uint32_t n)
{
	return n >= 32 ? 0xffffffffu : (1u << n) - 1u;
}

/* A set of channels (bit ch) as the matching TX bits (bit 16 + ch). */
static uint32_t tx_bits(uint32_t chans)
{
	return (chans & 0xffffu) << 16;
}

static uint32_t all_masked(const struct amp_ipcc *ipcc)
{
	uint32_t chans = low_bits(ipcc->channels);

	return chans | tx_bits(chans);
}

int amp_ipcc_init(struct amp_ipcc *ipcc, volatile struct amp_ipcc_hw *hw,
		  uint32_t proc, uint32_t rx_mask)
{
	uint32_t n;

	if (proc != 1 && proc != 2)
		return -AMP_EINVAL;
	n = amp_ipcc_rd(&hw->hwcfgr) & AMP_IPCC_HWCFGR_CHANNELS;
	if (n == 0 || n > AMP_IPCC_MAX_CHANNELS)
		return -AMP_ENODEV;
	if (rx_mask & ~low_bits(n))
		return -AMP_EINVAL;
	ipcc->own = proc == 1 ? &hw->c1 : &hw->c2;
	ipcc->peer = proc == 1 ? &hw->c2 : &hw->c1;
	ipcc->channels = n;
	ipcc->rx_mask = rx_mask;
	__atomic_store_n(&ipcc->rx_flag, 0, __ATOMIC_RELAXED);
	ipcc->tx_queued = 0;
	/* A doorbell the peer rang before we came up stays occupied: it
	 * interrupts as soon as its channel is unmasked. */
	amp_ipcc_wr(&ipcc->own->mr, all_masked(ipcc) & ~rx_mask);
	amp_ipcc_wr(&ipcc->own->cr, AMP_IPCC_CR_RXOIE | AMP_IPCC_CR_TXFIE);
	return 0;
}

void amp_ipcc_stop(struct amp_ipcc *ipcc)
{
	amp_ipcc_wr(&ipcc->own->cr, 0);
	amp_ipcc_wr(&ipcc->own->mr, all_masked(ipcc));
	ipcc->tx_queued = 0;
}

int amp_ipcc_send(struct amp_ipcc *ipcc, uint32_t ch)
{
	if (ch >= ipcc->channels)
		return -AMP_EINVAL;
	if (amp_ipcc_rd(&ipcc->own->tosr) & AMP_IPCC_RX_BIT(ch))
		return -AMP_EBUSY;
	amp_ipcc_wr(&ipcc->own->scr, AMP_IPCC_TX_BIT(ch));
	return 0;
}

int amp_ipcc_kick(struct amp_ipcc *ipcc, uint32_t ch)
{
	int r;

	if (ch < ipcc->channels && (ipcc->tx_queued & AMP_IPCC_RX_BIT(ch)))
		return 0; /* already waiting: one doorbell says it all */
	r = amp_ipcc_send(ipcc, ch);
	if (r != -AMP_EBUSY)
		return r;
	/* Unmasked, a channel freed meanwhile interrupts at once: the
	 * TX-free line is a level, not an edge. */
	ipcc->tx_queued |= AMP_IPCC_RX_BIT(ch);
	amp_ipcc_wr(&ipcc->own->mr,
		    amp_ipcc_rd(&ipcc->own->mr) & ~AMP_IPCC_TX_BIT(ch));
	return 0;
}

uint32_t amp_ipcc_rx_irq(struct amp_ipcc *ipcc)
{
	uint32_t occ = amp_ipcc_rd(&ipcc->peer->tosr) & ipcc->rx_mask;

	if (!occ)
		return 0;
	/* Free first, then say so: the core looks at the rings only after
	 * the flag, so a doorbell rung after this write interrupts again
	 * instead of being lost. */
	amp_ipcc_wr(&ipcc->own->scr, occ);
	__atomic_fetch_or(&ipcc->rx_flag, occ, __ATOMIC_RELEASE);
	return occ;
}

uint32_t amp_ipcc_tx_irq(struct amp_ipcc *ipcc)
{
	uint32_t busy = amp_ipcc_rd(&ipcc->own->tosr);
	uint32_t ring = ipcc->tx_queued & ~busy;
	uint32_t mr = amp_ipcc_rd(&ipcc->own->mr);

	if (ring)
		amp_ipcc_wr(&ipcc->own->scr, tx_bits(ring));
	ipcc->tx_queued &= ~ring;
	mr |= tx_bits(low_bits(ipcc->channels) & ~ipcc->tx_queued);
	amp_ipcc_wr(&ipcc->own->mr, mr);
	return ring;
}

uint32_t amp_ipcc_take(struct amp_ipcc *ipcc)
{
	return __atomic_exchange_n(&ipcc->rx_flag, 0, __ATOMIC_ACQUIRE);
}
