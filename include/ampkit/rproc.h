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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "rpmsg.h"

enum amp_rproc_state {
	AMP_RPROC_OFFLINE,
	AMP_RPROC_RUNNING,
	AMP_RPROC_CRASHED,
};

/* "offline", "running", "crashed" */
const char *amp_rproc_state_name(enum amp_rproc_state s);

/* What happened, for a user's event callback (daemon, CLI, tests). */
enum amp_rproc_event {
	AMP_RPROC_EV_RUNNING,	 /* started or recovered; detail: firmware */
	AMP_RPROC_EV_CRASHED,	 /* detail: why ("firmware killed by signal
				    6", "heartbeat missed for 1000 ms") */
	AMP_RPROC_EV_OFFLINE,	 /* stopped */
	AMP_RPROC_EV_CHANNEL_UP, /* detail: channel name; addr valid */
	AMP_RPROC_EV_CHANNEL_DOWN,
	AMP_RPROC_EV_COREDUMP, /* detail: path of the file written */
	AMP_RPROC_EV_CONSOLE,  /* detail: a line the coprocessor's console
				  or its emulator printed (qemu-m4) */
	AMP_RPROC_EV_RESOURCE, /* detail: what the resource manager did
				  ("rm-request usart3: granted", "clock
				  usart3_k on usart3: rate out of range",
				  "released 2 peripherals") */
};

struct amp_rproc;
typedef void (*amp_rproc_event_cb)(struct amp_rproc *rp,
				   enum amp_rproc_event ev, const char *detail,
				   uint32_t addr, void *priv);

struct amp_rproc_cfg {
	const char *firmware;	    /* path of the firmware ELF; NULL: the
				       one set with amp_rproc_set_firmware */
	const char *platform;	    /* NULL: the one set with
				       amp_rproc_set_platform (posix) */
	struct amp_rpmsg_cfg rpmsg; /* buf_size, buf_count, features; the
				       pool address is chosen by rproc */
	uint32_t vring_num;	    /* 0: as the resource table says */
	uint32_t spin_ns;	    /* 0: AMP_SPIN_NS_DEFAULT */
	uint64_t heartbeat_ns;	    /* firmware silent this long = crashed;
				       0: default (1 s) */
	amp_rproc_event_cb on_event;
	void *priv;
};

void amp_rproc_cfg_default(struct amp_rproc_cfg *cfg);

/* A coprocessor instance; `name` like Linux's "remoteproc0" (NULL: that).
 * The configuration is kept for later starts and recoveries. */
struct amp_rproc *amp_rproc_new(const char *name);
void amp_rproc_free(struct amp_rproc *rp); /* stops it first if running */
const char *amp_rproc_name(const struct amp_rproc *rp);

/* The platform the coprocessor runs on: "posix" (the default: the
 * firmware built natively, run as a child process) or "qemu-m4" (the
 * firmware built for Cortex-M4, in QEMU mps2-an386).  Settable only while
 * offline (-AMP_EBUSY); -AMP_EINVAL for any other name. */
int amp_rproc_set_platform(struct amp_rproc *rp, const char *name);
const char *amp_rproc_platform(const struct amp_rproc *rp);

/* sysfs "firmware": settable only while offline (-AMP_EBUSY). */
int amp_rproc_set_firmware(struct amp_rproc *rp, const char *path);
const char *amp_rproc_firmware(const struct amp_rproc *rp);

/* Load, lay out, start.  0 or a negative AMP_E*; amp_rproc_error() then
 * names what was wrong (e.g. "fw.elf: .resource_table: vring 1 num 12 is
 * not a power of two (offset 0x48)").  -AMP_EBUSY unless offline. */
int amp_rproc_start(struct amp_rproc *rp, const struct amp_rproc_cfg *cfg);
/* Ask the firmware to shut down (mailbox channel 2, like ST's), wait up
 * to 500 ms, then force it; release its memory and fds.  Idempotent;
 * also leaves "crashed". */
int amp_rproc_stop(struct amp_rproc *rp);

enum amp_rproc_state amp_rproc_state(const struct amp_rproc *rp);
const char *amp_rproc_error(const struct amp_rproc *rp);

/* sysfs "recovery": enabled (default) restarts a crashed firmware by
 * itself (coredump first if enabled); disabled leaves it crashed until
 * amp_rproc_recover().  amp_rproc_recover() forces one now. */
void amp_rproc_set_recovery(struct amp_rproc *rp, bool enabled);
bool amp_rproc_recovery(const struct amp_rproc *rp);
int amp_rproc_recover(struct amp_rproc *rp);

/* sysfs "coredump": when enabled, each crash writes an ELF core file of
 * the coprocessor's memory into `dir` (reported by AMP_RPROC_EV_COREDUMP).
 * amp_rproc_coredump() writes one now to `path`. */
void amp_rproc_set_coredump(struct amp_rproc *rp, bool enabled,
			    const char *dir);
bool amp_rproc_coredump_enabled(const struct amp_rproc *rp);
int amp_rproc_coredump(struct amp_rproc *rp, const char *path);

/* The firmware's trace buffer (resource type TRACE) as text, copied into
 * buf (NUL-terminated).  Returns its length, or -AMP_ENOENT if the
 * firmware declares none. */
long amp_rproc_trace(struct amp_rproc *rp, char *buf, size_t len);

/* A carveout of the running firmware's resource table, by name, where
 * the host placed it: its device address (*pa, as the firmware sees it),
 * its mapping in this process (*va) and length (as placed: one with da
 * FW_RSC_ADDR_ANY rounded up to a page).  Valid while the memory
 * is (running, or crashed until recovery or stop); a recovery places it
 * anew, so look it up again after one.  0, or -AMP_ENOENT (not running,
 * or no such carveout). */
int amp_rproc_carveout(struct amp_rproc *rp, const char *name, uint64_t *pa,
		       void **va, uint64_t *len);

/* The file descriptor of the coprocessor's shared memory (a memfd or
 * file), for passing to another process that maps it: offset 0 of the
 * file is device address *pa_base, so a carveout at pa is at file offset
 * pa - *pa_base.  The fd stays the rproc's (do not close it); valid while
 * amp_rproc_carveout is.  -AMP_ENOENT when not running or the platform
 * has none. */
int amp_rproc_shm_fd(struct amp_rproc *rp, uint64_t *pa_base);

/* The resource table (docs/resources.md): peripherals with their owner
 * and holder, clocks and regulators.  amp_rproc_set_resources reads a
 * config file (NULL: the built-in default, a few DK2 peripherals), only
 * while offline (-AMP_EBUSY); a bad file is refused with -AMP_EINVAL and
 * amp_rproc_error() naming its line, and the table in use stays.  Each
 * start begins from the file's values; the firmware's requests over
 * "rproc-srm" change the live table, and stop, crash and recovery give
 * back everything it held.  amp_rproc_resources() is the live table
 * (the caller may read it, and change assignments with amp_res_assign,
 * from the thread that drives the rproc). */
int amp_rproc_set_resources(struct amp_rproc *rp, const char *path);
const char *amp_rproc_resources_path(const struct amp_rproc *rp);
struct amp_res_table *amp_rproc_resources(struct amp_rproc *rp);

/* The host end of the RPMsg link (valid while running; after a crash
 * until the next stop or recovery). */
struct amp_rpmsg_dev *amp_rproc_rpmsg(struct amp_rproc *rp);

/* Channels the firmware announced, in announcement order, up to max;
 * returns how many.  Several ports of one name are several entries. */
struct amp_rproc_chan_info {
	char name[AMP_RPMSG_NAME_SIZE];
	uint32_t addr;
};
int amp_rproc_channels(struct amp_rproc *rp, struct amp_rproc_chan_info *out,
		       int max);

/* Deliver messages until the remote has announced channel `name`; its
 * address (the first announced, if several) in *addr.  -AMP_ETIMEDOUT, or
 * -AMP_EPIPE if the firmware died. */
int amp_rproc_wait_channel(struct amp_rproc *rp, const char *name,
			   uint32_t *addr, uint64_t timeout_ns);

/* One turn of an event loop that owns this rproc: deliver RPMsg messages
 * (endpoint callbacks run here), notice a crash (exit, or heartbeat
 * missed) and recover per policy (events through cfg.on_event), and
 * block until something happens: a message, a state change, one of the
 * caller's `nfds` extra fds ready (their revents filled), or timeout_ns.
 * Returns >= 0 (messages delivered), or a negative AMP_E* only for
 * misuse.  Never spins longer than the port's spin_ns. */
struct pollfd;
int amp_rproc_run(struct amp_rproc *rp, struct pollfd *fds, int nfds,
		  uint64_t timeout_ns);

/* While on, amp_rproc_run() also returns (0) as soon as a tx buffer is
 * free: for a loop that sends with AMP_DEADLINE_NOW and kept what did
 * not fit, instead of blocking in a send. */
void amp_rproc_wake_on_tx(struct amp_rproc *rp, bool on);

#endif
