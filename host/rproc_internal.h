/*
 * rproc_internal.h - what host/rproc.c (the backend-independent life
 * cycle) and its backends (rproc_process.c, rproc_qemu.c) share.
 *
 * rproc.c owns the state machine, the firmware image checks, the layout
 * of the shared memory and the host end of RPMsg.  A backend owns how the
 * memory and mailbox exist and how the firmware runs: it provides them
 * through struct amp_rproc_ops, the way Linux remoteproc drivers fill
 * struct rproc_ops (rproc_process.c: a native child process;
 * rproc_qemu.c: a Cortex-M4 in QEMU).
 */
#ifndef AMPKIT_HOST_RPROC_INTERNAL_H
#define AMPKIT_HOST_RPROC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ampkit/posix.h"
#include "ampkit/rproc.h"
#include "ampkit/rsc_table.h"
#include "ampkit/srm.h"

struct amp_rproc;

struct amp_rproc_ops {
	const char *name;
	uint64_t pa_base;  /* peer address of shared memory byte 0 */
	uint64_t max_size; /* largest shared memory the backend can give */
	/* The coprocessor's own memory, where image segments may also go
	 * (posix: the native executable's link range). */
	uint64_t image_base, image_size;
	/* Create `size` bytes of zeroed shared memory (rp->shm) and the
	 * mailbox (rp->port).  On failure nothing is left allocated. */
	int (*prepare)(struct amp_rproc *rp, uint64_t size);
	/* Copy the checked image's segments into the prepared memory, as
	 * remoteproc loads a real core (NULL: the backend's start loads it,
	 * as exec does for the process backend).  A backend with load()
	 * runs the image inside its window: the live resource table is the
	 * loaded .resource_table, and rings go past the image. */
	int (*load)(struct amp_rproc *rp, const uint8_t *elf, size_t size);
	/* Run the firmware over the prepared memory.  On failure the
	 * firmware is not running and prepare's resources remain. */
	int (*start)(struct amp_rproc *rp);
	/* Make sure the firmware is no longer running: give it grace_ns to
	 * exit by itself (after a shutdown request, or a hang-up), then
	 * force it.  Writes how it ended into rp->exit_msg and whether it
	 * exited cleanly into rp->exit_clean.  Idempotent. */
	void (*stop)(struct amp_rproc *rp, uint64_t grace_ns);
	bool (*is_alive)(struct amp_rproc *rp);
	/* The child process that is the coprocessor (the firmware, QEMU),
	 * or -1. */
	int (*pid)(const struct amp_rproc *rp);
	/* The mailbox's own round trip, with nothing behind it: n samples
	 * in ns (NULL: the platform has no such measurement). */
	int (*bell_rtt)(struct amp_rproc *rp, uint32_t n, uint64_t *samples);
	/* Block until the doorbell rings, the firmware dies, one of the
	 * caller's fds is ready, or the deadline: AMP_POSIX_WOKE_* bits. */
	int (*wait_fds)(struct amp_rproc *rp, struct pollfd *fds, int nfds,
			uint64_t deadline);
	/* Release what prepare created.  Idempotent. */
	void (*unprepare)(struct amp_rproc *rp);
	/* The fd of the prepared shared memory, whose offset 0 is pa_base
	 * (rp->shm.va), or -1 (NULL: the backend has none to give). */
	int (*shm_fd)(const struct amp_rproc *rp);
};

/* What lives in the shared memory, as the resource handling placed it
 * (rsc.c): for the live table, the coredump and the trace reader. */
enum amp_rproc_area_kind {
	AMP_AREA_TABLE, /* control block + live resource table */
	AMP_AREA_CARVEOUT,
	AMP_AREA_DEVMEM,
	AMP_AREA_TRACE,
	AMP_AREA_VRING,
	AMP_AREA_POOL,
	AMP_AREA_IMAGE, /* the loaded firmware, table inside (ops->load) */
};

#define AMP_RPROC_MAX_AREAS 32

struct amp_rproc_area {
	uint8_t kind;  /* enum amp_rproc_area_kind */
	uint8_t fixed; /* the firmware chose the address */
	char name[AMP_RSC_NAME_SIZE + 1];
	uint32_t entry;	   /* its entry's offset in the table, for messages */
	uint32_t index;	   /* vring number */
	uint64_t off, len; /* in the shared memory (da = pa_base + off) */
};

struct amp_rproc_layout {
	uint64_t size;	    /* of the shared memory */
	uint64_t image_end; /* ops->load: the image's end, else 0 */
	uint32_t rsc_off;
	uint32_t vdev_off; /* rpmsg vdev, from the table start */
	uint32_t vring_num[2];
	uint64_t pool_off;
	uint32_t buf_count;
	struct amp_rproc_area area[AMP_RPROC_MAX_AREAS];
	unsigned narea;
	int trace;    /* area index of the trace buffer, -1: none */
	int vring[2]; /* area indexes of the rpmsg vrings */
};

/* Place every resource of a checked table in the backend's window: fixed
 * addresses checked (inside the window, clear of each other), ANY ones
 * allocated past them.  Fills lay from rsc_off/vdev_off/vring_num up to
 * the end of the last area (lay->size, before the buffer pool).  0, or
 * -AMP_E* with rp->err naming `fw`, the entry and its table offset. */
int amp_rproc_rsc_plan(struct amp_rproc *rp, const char *fw,
		       const uint8_t *table, size_t size,
		       struct amp_rproc_layout *lay);
/* Write the addresses chosen into the live table (da, pa, vring num and
 * notify ids), as Linux writes them into the loaded table. */
void amp_rproc_rsc_write(struct amp_rproc *rp, uint8_t *live,
			 const struct amp_rproc_layout *lay);

/* A channel the firmware announced through the name service. */
struct amp_rproc_channel {
	char name[AMP_RPMSG_NAME_SIZE];
	uint32_t addr;
	struct amp_rproc_channel *next;
};

struct amp_rproc {
	enum amp_rproc_state state;
	const struct amp_rproc_ops *ops;
	char name[32];	/* "remoteproc0" */
	char *firmware; /* path of the running image */
	char err[320];
	char exit_msg[96]; /* "firmware exited with status N" */
	bool exit_clean;   /* it exited with status 0 */

	struct amp_region shm; /* valid between prepare and unprepare */
	struct amp_port *port;
	uint32_t rsc_offset, rsc_size; /* live table inside shm */
	uint32_t spin_ns;

	struct amp_rpmsg_dev rpmsg;
	bool wake_on_tx; /* run() also returns when a tx buffer is free */
	amp_rpmsg_ns_cb user_ns_cb;
	struct amp_rproc_channel *channels;

	/* Kept from the last start, for recoveries and for start(rp, NULL):
	 * cfg.firmware is not used (see `firmware`). */
	struct amp_rproc_cfg cfg;
	bool have_cfg;
	struct amp_rproc_layout lay;	   /* valid while the memory is */
	uint8_t elf_class, elf_machine[2]; /* of the image, for coredumps */

	/* Policies (sysfs recovery, coredump) and crash bookkeeping. */
	bool recovery_disabled;
	bool coredump_enabled;
	char *coredump_dir;
	bool recovery_pending; /* crashed; run() recovers if enabled */
	char crash_reason[128];
	unsigned crashes;

	/* Heartbeat watch: the last value seen and when it last moved. */
	uint64_t heartbeat_ns;
	uint32_t *beat; /* in shared memory; NULL: no heartbeat */
	uint32_t beat_seen;
	uint64_t beat_moved;

	/* The resource manager (res.c): the table as configured (boot
	 * values), the live one the firmware changes, and the host end of
	 * "rproc-srm". */
	char *res_path; /* NULL: the built-in default */
	struct amp_res_table res_boot, res;
	struct amp_rpmsg_ept srm_ept;
	bool srm_open;

	void *backend; /* the backend's own state */
};

extern const struct amp_rproc_ops amp_rproc_process_ops;
extern const struct amp_rproc_ops amp_rproc_qemu_ops;

/* Tell the user's event callback (rproc.c's one way out). */
void amp_rproc_emit(struct amp_rproc *rp, enum amp_rproc_event ev,
		    const char *detail, uint32_t addr);

/* A backend's child program (spawn.c): `fds` appear as 3, 4, ... in the
 * child and nothing else of ours does; out_fd >= 0 becomes its stdout
 * and stderr (stdin /dev/null).  Returns the pid, or -1 with
 * *child_errno saying why (fork failed, or the child could not exec). */
#define AMP_SPAWN_MAX_FDS 8

struct amp_spawn {
	const char *path;
	char *const *argv;
	char *const *envp;
	const int *fds;
	int nfds;
	int out_fd;
};

/* A backend's child process, from spawn to reap: pid -1 when there is
 * none; pidfd -1 if the kernel has none (< 5.3); status is waitpid's once
 * reaped (-1: unknown, someone else reaped it). */
struct amp_child {
	int pid;
	int pidfd;
	int status;
	bool reaped;
};

/* Spawn `s` as c's process: 0, or -errno with nothing left running. */
int amp_child_spawn(struct amp_child *c, const struct amp_spawn *s);
/* Has it exited?  flags 0 waits for it, WNOHANG does not. */
bool amp_child_reap(struct amp_child *c, int flags);
/* Reap it if it exits within ns: true if reaped. */
bool amp_child_reap_within(struct amp_child *c, uint64_t ns);
/* SIGKILL unless reaped, reap, close the pidfd: c is empty again (its
 * status stays, for the caller's message). */
void amp_child_end(struct amp_child *c);

/* Record a one-line error for amp_rproc_error() and return err. */
int amp_rproc_fail(struct amp_rproc *rp, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The coprocessor's process id (the firmware on posix, QEMU on
 * qemu-m4), or -1: for tests and diagnostics only. */
int amp_rproc_process_pid(const struct amp_rproc *rp);

/* The resource manager's hooks in the life cycle (res.c): load the
 * built-in table (amp_rproc_new), open the host end of rproc-srm when
 * the firmware announces it, close it when the channel goes, and give
 * back everything the firmware held (stop, crash, recovery). */
void amp_rproc_res_init(struct amp_rproc *rp);
void amp_rproc_srm_up(struct amp_rproc *rp);
void amp_rproc_srm_down(struct amp_rproc *rp);
void amp_rproc_res_release(struct amp_rproc *rp);

/* Write an ELF core file of the coprocessor memory to `path`, with
 * `reason` in a note (coredump.c).  0 or -errno with rp->err set. */
int amp_rproc_write_core(struct amp_rproc *rp, const char *path,
			 const char *reason);

#endif
