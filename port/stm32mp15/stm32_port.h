/*
 * stm32_port.h - what the stm32mp15 port's files share: the amp_port the
 * core waits on, over the IPCC mailbox (ipcc.h) and the SysTick clock.
 */
#ifndef AMPKIT_STM32MP15_PORT_H
#define AMPKIT_STM32MP15_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "ampkit/port.h"
#include "ipcc.h"

struct amp_stm32_port {
	struct amp_port port;
	struct amp_ipcc ipcc;
	volatile bool shutdown; /* Linux rang "shutdown" */
	volatile bool detached; /* Linux rang "detach" */
};

/* Bring up SysTick and the M4's side of the IPCC (its two interrupts
 * enabled).  0, or the driver's error (the IPCC block is not what the
 * port expects). */
int amp_stm32_port_init(struct amp_stm32_port *p, uint32_t spin_ns);

void IPCC_RX1_IRQHandler(void);
void IPCC_TX1_IRQHandler(void);

#endif
