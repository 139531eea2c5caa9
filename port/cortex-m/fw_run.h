/*
 * fw_run.h - the part of main() every ampkit firmware on a Cortex-M board
 * shares (port/mps2-an386, port/stm32mp15): check the live resource table
 * through a copy, attach the trace buffer, wait for DRIVER_OK, bring
 * RPMsg up as the remote, hand it to the app and deliver messages until
 * the host asks the core to stop.
 *
 * A board says where things may be and how its core stops and beats in a
 * struct amp_fw_board; amp_fw_run() does the rest and also provides
 * amp_app_carveout() (app.h) from the checked copy.
 */
#ifndef AMPKIT_CORTEX_M_FW_RUN_H
#define AMPKIT_CORTEX_M_FW_RUN_H

#include <stdint.h>

#include "ampkit/port.h"
#include "ampkit/region.h"

struct amp_fw_board {
	struct amp_port *port;
	/* Where the host places vrings, buffers and carveouts (the pa in
	 * descriptors and in the table is the core's address). */
	const struct amp_region *shm;
	/* Where the trace buffer may be: shm when the host places it, the
	 * core's own RAM when the table fixes it in the image. */
	const struct amp_region *trace;
	/* The live table: the image's .resource_table. */
	uint8_t *table;
	uint32_t table_size;
	/* The loop wakes at least this often (ns; 0: only for messages)
	 * and calls beat() after every wait, if set. */
	uint64_t beat_ns;
	void (*beat)(struct amp_fw_board *b);
	/* Called once the table is checked and the trace attached, before
	 * the port is first used: the place for the board's first log line
	 * and for bringing up what may fail (its errors then reach the
	 * trace).  0, or a negative AMP_E* that stops the firmware.  May
	 * be NULL. */
	int (*start)(struct amp_fw_board *b);
	/* Nonzero once the host asked the core to stop (its shutdown
	 * doorbell); the port's wait() then returns -AMP_EPIPE as well. */
	int (*stopping)(struct amp_fw_board *b);
};

/* Run the firmware on board b.  Returns 0 when the host asked it to stop
 * (after logging so), or a negative AMP_E* after logging what failed
 * ("firmware: <what> (error N); halted").  Either way the board then
 * parks the core the way it does. */
int amp_fw_run(struct amp_fw_board *b);

#endif
