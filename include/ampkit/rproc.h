/*
 * rproc.h - host side of a coprocessor: the remoteproc life cycle.
 *
 * An amp_rproc loads a firmware image, reads its .resource_table, creates
 * the shared memory, lays out vrings and the buffer pool, brings up the
 * host end of RPMsg, starts the firmware through a backend (posix: a child
 * process), and tears all of it down on stop.  State names are Linux's
 * (/sys/class/remoteproc/remoteprocN/state).
 *
 * Host objects may allocate and own fds; amp_rproc_free() releases them
 * on every path.  Not thread-safe: one thread drives one rproc.
 */
#ifndef AMPKIT_RPROC_H
#define AMPKIT_RPROC_H

#include <stdint.h>
#include "rpmsg.h"

enum amp_rproc_state {
	AMP_RPROC_OFFLINE,
	AMP_RPROC_RUNNING,
	AMP_RPROC_CRASHED,
};

/* "offline", "running", "crashed" */
const char *amp_rproc_state_name(enum amp_rproc_state s);

struct amp_rproc_cfg {
	const char *firmware;       /* path of the firmware ELF */
	struct amp_rpmsg_cfg rpmsg; /* buf_size, buf_count, features; the
				       pool address is chosen by rproc */
	uint32_t vring_num;         /* 0: as the resource table says */
	uint32_t spin_ns;           /* 0: AMP_SPIN_NS_DEFAULT */
};

void amp_rproc_cfg_default(struct amp_rproc_cfg *cfg);

struct amp_rproc;

struct amp_rproc *amp_rproc_new(void);
void amp_rproc_free(struct amp_rproc *rp); /* stops it first if running */

/* Load, lay out, start.  0 or a negative AMP_E*; amp_rproc_error() then
 * names what was wrong (e.g. "fw.elf: .resource_table: vring 1 num 12 is
 * not a power of two (offset 0x48)"). */
int amp_rproc_start(struct amp_rproc *rp, const struct amp_rproc_cfg *cfg);
/* Stop the firmware and release its memory and fds.  Idempotent. */
int amp_rproc_stop(struct amp_rproc *rp);

enum amp_rproc_state amp_rproc_state(const struct amp_rproc *rp);
const char *amp_rproc_error(const struct amp_rproc *rp);

/* The host end of the RPMsg link (valid while running). */
struct amp_rpmsg_dev *amp_rproc_rpmsg(struct amp_rproc *rp);

/* Deliver messages until the remote has announced channel `name`; its
 * address in *addr.  -AMP_ETIMEDOUT, or -AMP_EPIPE if the firmware died. */
int amp_rproc_wait_channel(struct amp_rproc *rp, const char *name,
			   uint32_t *addr, uint64_t timeout_ns);

#endif
