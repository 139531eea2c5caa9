/*
 * mps2_port.h - what the mps2-an386 port's files share: the control
 * page, the doorbell and the amp_port the core waits on.  (The console,
 * UART0, is amp_app_console(): every amp_app_log() line goes there,
 * queued and written out while the core is idle.)
 */
#ifndef AMPKIT_MPS2_PORT_H
#define AMPKIT_MPS2_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "ampkit/mps2.h"
#include "ampkit/port.h"

static inline struct amp_mps2_ctrl *amp_mps2_ctrl(void)
{
	return (struct amp_mps2_ctrl *)(uintptr_t)AMP_MPS2_CTRL_PA;
}

/* The coprocessor's side of the link: UART1 doorbell in both directions,
 * SysTick as the clock, WFI as the wait. */
struct amp_mps2_port {
	struct amp_port port;
	volatile uint32_t rang;	     /* doorbell bytes seen, by the IRQ */
	volatile bool shutdown;	     /* the host asked us to stop */
	uint32_t beat_ms, next_beat; /* heartbeat period and due time (ms) */
};

/* Bring up SysTick, the console (UART0) and the doorbell (UART1). */
void amp_mps2_port_init(struct amp_mps2_port *p, uint32_t spin_ns);
/* Milliseconds since amp_mps2_port_init (SysTick). */
uint32_t amp_mps2_ms(void);
/* Bump the heartbeat if it is due. */
void amp_mps2_heartbeat(struct amp_mps2_port *p);
/* Write out every console line still queued, waiting for UART0 (for a
 * core about to halt). */
void amp_mps2_console_flush(void);
/* One doorbell byte to the host.  Safe in any context. */
void amp_mps2_bell(uint8_t byte);

#endif
