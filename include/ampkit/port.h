/*
 * port.h - what a platform gives the portable core: a mailbox to ring the
 * peer's doorbell, a way to block until our own doorbell rings (or a
 * deadline passes, or the peer is gone), and a monotonic clock.
 *
 * Each platform (port/posix, port/mps2-an386, port/stm32mp15) embeds a
 * struct amp_port in its own state and fills the ops table.  The core
 * spins on the rings for spin_ns before it asks the port to block, so a
 * port's wait() may be as simple as WFI or as involved as ppoll().
 */
#ifndef AMPKIT_PORT_H
#define AMPKIT_PORT_H

#include <stdint.h>

/* Deadlines are absolute times on the port's clock, in ns. */
#define AMP_DEADLINE_NOW 0ull
#define AMP_DEADLINE_NEVER UINT64_MAX

struct amp_port;

struct amp_port_ops {
	/* Ring the peer's doorbell for mailbox channel ch (a vring's
	 * notifyid).  Must not block. */
	void (*notify)(struct amp_port *port, uint32_t ch);
	/* Block until our doorbell rings or the deadline passes.  Returns 0
	 * when woken (spurious wake-ups allowed), -AMP_ETIMEDOUT at the
	 * deadline, -AMP_EPIPE once the peer is known to be gone. */
	int (*wait)(struct amp_port *port, uint64_t deadline_ns);
	/* Monotonic time in ns. */
	uint64_t (*now_ns)(struct amp_port *port);
};

struct amp_port {
	const struct amp_port_ops *ops;
	uint32_t spin_ns; /* spin on the rings this long before blocking */
};

static inline uint64_t amp_port_now(struct amp_port *p)
{
	return p->ops->now_ns(p);
}

/* now + ns, saturating at AMP_DEADLINE_NEVER. */
static inline uint64_t amp_port_deadline(struct amp_port *p, uint64_t ns)
{
	uint64_t now = amp_port_now(p);

	return ns >= AMP_DEADLINE_NEVER - now ? AMP_DEADLINE_NEVER : now + ns;
}

#endif
