/*
 * ipcc_model.c - the IPCC register model (ipcc_model.h) and the register
 * accessors the driver calls when built with AMP_IPCC_MMIO_HOOKS.
 */
#include <stddef.h>

#include "ipcc_model.h"

static struct ipcc_model *cur;

void ipcc_model_reset(struct ipcc_model *m, uint32_t hwcfgr)
{
	*m = (struct ipcc_model){ 0 };
	/* After reset every channel is masked (RM0436: XMR resets to
	 * all ones in the implemented channels). */
	m->hw.hwcfgr = hwcfgr;
	cur = m;
	m->hw.c1.mr = m->hw.c2.mr = 0xffffffffu;
}

static uint32_t chans(const struct ipcc_model *m)
{
	uint32_t n = m->hw.hwcfgr & AMP_IPCC_HWCFGR_CHANNELS;

	if (n > AMP_IPCC_MAX_CHANNELS)
		n = AMP_IPCC_MAX_CHANNELS;
	return (1u << n) - 1u;
}

struct amp_ipcc_proc *ipcc_model_proc(struct ipcc_model *m, uint32_t proc)
{
	return proc == 1 ? &m->hw.c1 : &m->hw.c2;
}

static const struct amp_ipcc_proc *cproc(const struct ipcc_model *m,
					 uint32_t proc)
{
	return proc == 1 ? &m->hw.c1 : &m->hw.c2;
}

int ipcc_model_rx_line(const struct ipcc_model *m, uint32_t proc)
{
	const struct amp_ipcc_proc *own = cproc(m, proc);
	const struct amp_ipcc_proc *peer = cproc(m, proc == 1 ? 2 : 1);

	return (own->cr & AMP_IPCC_CR_RXOIE) &&
	       (peer->tosr & ~own->mr & chans(m)) != 0;
}

int ipcc_model_tx_line(const struct ipcc_model *m, uint32_t proc)
{
	const struct amp_ipcc_proc *own = cproc(m, proc);

	return (own->cr & AMP_IPCC_CR_TXFIE) &&
	       (~own->tosr & ~(own->mr >> 16) & chans(m)) != 0;
}

/* Which register `reg` is: its byte offset in the block, or -1. */
static long offset_of(const volatile uint32_t *reg)
{
	const volatile uint8_t *p = (const volatile uint8_t *)reg;
	const uint8_t *base = (const uint8_t *)&cur->hw;
	long off;

	if (p < base || p >= base + sizeof(cur->hw))
		return -1;
	off = (long)(p - base);
	return off % 4 ? -1 : off;
}

uint32_t amp_ipcc_rd(const volatile uint32_t *reg)
{
	long off = offset_of(reg);

	if (off < 0) {
		cur->bad++;
		return 0;
	}
	cur->reads++;
	if (off == offsetof(struct amp_ipcc_hw, c1.scr) ||
	    off == offsetof(struct amp_ipcc_hw, c2.scr))
		return 0;
	return *reg;
}

static void strobe(struct ipcc_model *m, uint32_t proc, uint32_t v)
{
	struct amp_ipcc_proc *own = ipcc_model_proc(m, proc);
	struct amp_ipcc_proc *peer = ipcc_model_proc(m, proc == 1 ? 2 : 1);
	uint32_t c = chans(m);

	peer->tosr &= ~(v & c);	    /* bit ch: free the peer's channel */
	own->tosr |= (v >> 16) & c; /* bit 16+ch: occupy our own */
}

void amp_ipcc_wr(volatile uint32_t *reg, uint32_t val)
{
	struct ipcc_model *m = cur;
	long off = offset_of(reg);
	uint32_t c = chans(m);

	if (off < 0) {
		m->bad++;
		return;
	}
	m->writes++;
	for (uint32_t proc = 1; proc <= 2; proc++) {
		struct amp_ipcc_proc *p = ipcc_model_proc(m, proc);
		long base = proc == 1 ? 0x00 : 0x10;

		if (off == base + 0x0) {
			p->cr = val & (AMP_IPCC_CR_RXOIE | AMP_IPCC_CR_TXFIE);
			return;
		}
		if (off == base + 0x4) {
			/* Unimplemented channels read as masked. */
			p->mr = val | ~(c | (c << 16));
			return;
		}
		if (off == base + 0x8) {
			strobe(m, proc, val);
			return;
		}
	}
	m->ro_writes++;
}
