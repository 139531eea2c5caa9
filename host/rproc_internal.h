/*
 * rproc_internal.h - what host/rproc.c (the backend-independent life
 * cycle) and its backends (rproc_process.c; later rproc_qemu.c) share.
 *
 * rproc.c owns the state machine, the firmware image checks, the layout
 * of the shared memory and the host end of RPMsg.  A backend owns how the
 * memory and mailbox exist and how the firmware runs: it provides them
 * through struct amp_rproc_ops, the way Linux remoteproc drivers fill
 * struct rproc_ops.
 */
#ifndef AMPKIT_HOST_RPROC_INTERNAL_H
#define AMPKIT_HOST_RPROC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ampkit/posix.h"
#include "ampkit/rproc.h"

struct amp_rproc;

struct amp_rproc_ops {
	const char *name;
	uint64_t pa_base;  /* peer address of shared memory byte 0 */
	uint64_t max_size; /* largest shared memory the backend can give */
	/* Create `size` bytes of zeroed shared memory (rp->shm) and the
	 * mailbox (rp->port).  On failure nothing is left allocated. */
	int (*prepare)(struct amp_rproc *rp, uint64_t size);
	/* Run the firmware over the prepared memory.  On failure the
	 * firmware is not running and prepare's resources remain. */
	int (*start)(struct amp_rproc *rp);
	/* Make sure the firmware is no longer running: give it grace_ns to
	 * exit by itself, then ask, then force.  Writes how it ended into
	 * rp->exit_msg.  Idempotent. */
	void (*stop)(struct amp_rproc *rp, uint64_t grace_ns);
	bool (*is_alive)(struct amp_rproc *rp);
	/* Release what prepare created.  Idempotent. */
	void (*unprepare)(struct amp_rproc *rp);
};

/* A channel the firmware announced through the name service. */
struct amp_rproc_channel {
	char name[AMP_RPMSG_NAME_SIZE];
	uint32_t addr;
	struct amp_rproc_channel *next;
};

struct amp_rproc {
	enum amp_rproc_state state;
	const struct amp_rproc_ops *ops;
	char name[32];  /* "remoteproc0" */
	char *firmware; /* path of the running image */
	char err[320];
	char exit_msg[96]; /* "firmware exited with status N" */

	struct amp_region shm; /* valid between prepare and unprepare */
	struct amp_port *port;
	uint32_t rsc_offset, rsc_size; /* live table inside shm */
	uint32_t spin_ns;

	struct amp_rpmsg_dev rpmsg;
	amp_rpmsg_ns_cb user_ns_cb;
	struct amp_rproc_channel *channels;

	void *backend; /* the backend's own state */
};

extern const struct amp_rproc_ops amp_rproc_process_ops;

/* Record a one-line error for amp_rproc_error() and return err. */
int amp_rproc_fail(struct amp_rproc *rp, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The firmware's process id (posix backend), or -1: for tests and
 * diagnostics only. */
int amp_rproc_process_pid(const struct amp_rproc *rp);

#endif
