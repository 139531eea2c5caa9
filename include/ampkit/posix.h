/*
 * posix.h - the posix platform: the coprocessor is a native child process
 * and "shared SRAM" is a memfd both processes map.
 *
 * The first page of the shared memory is a control block: where the live
 * resource table is, and one doorbell inbox per side.  The mailbox works
 * like the STM32 IPCC (one "occupied" bit per channel, coalescing) with an
 * eventfd behind it for the case where the peer is asleep.  Peer liveness
 * rides on a pipe: the remote holds the only write end, the host the only
 * read end, so either side's death is seen by the other's poll().
 *
 * Linux only (memfd, eventfd, ppoll, prctl); compile users with
 * -D_GNU_SOURCE.  docs/posix.md describes the layout and the contract.
 */
#ifndef AMPKIT_POSIX_H
#define AMPKIT_POSIX_H

#include <stddef.h>
#include <stdint.h>
#include "compiler.h"
#include "port.h"
#include "region.h"

struct pollfd;

/* Peer address of byte 0 of the shared memory (like the M4's MCUSRAM). */
#define AMP_POSIX_PA_BASE 0x10000000ull
/* Largest shared memory the host lays out (fixed vring das must fall in
 * [AMP_POSIX_PA_BASE, AMP_POSIX_PA_BASE + AMP_POSIX_SHM_MAX)). */
#define AMP_POSIX_SHM_MAX 0x10000000ull
#define AMP_POSIX_PAGE 4096u

#define AMP_POSIX_MAGIC 0x4b504d41u /* "AMPK" in memory */
#define AMP_POSIX_VERSION 1u

/* Mailbox channels, numbered like the STM32 IPCC's Linux driver: vring
 * notify ids 0 and 1, then the host's shutdown request. */
#define AMP_POSIX_CH_SHUTDOWN 2u

/* The native firmware's own ("internal") memory as the host checks it:
 * where a non-PIE x86-64 executable is linked, like the M4's RETRAM and
 * MCUSRAM for a real image.  Every PT_LOAD segment must lie here or in
 * the shared window. */
#define AMP_POSIX_IMAGE_BASE 0x400000ull
#define AMP_POSIX_IMAGE_SIZE 0x10000000ull

/* Set by the host in the firmware's environment:
 * "shmfd,efd_in,efd_out,alivefd,hostpid" (decimal; fds seen by the
 * firmware).  See docs/posix.md. */
#define AMP_POSIX_ENV "AMPKIT_POSIX_LINK"

enum amp_posix_side { AMP_POSIX_HOST = 0, AMP_POSIX_REMOTE = 1 };

/* One side's doorbell, alone on a cache line so ringing one side does not
 * bounce the other side's line. */
struct amp_posix_inbox {
	uint32_t pending;  /* bit per mailbox channel, set by the peer */
	uint32_t sleeping; /* owner is (about to be) blocked in ppoll */
	uint32_t pad[14];
} __attribute__((aligned(64)));

/* Offset 0 of the shared memory; written by the host before launch. */
struct amp_posix_ctrl {
	uint32_t magic;	     /* AMP_POSIX_MAGIC */
	uint32_t version;    /* AMP_POSIX_VERSION */
	uint32_t rsc_offset; /* live resource table, from byte 0 */
	uint32_t rsc_size;
	uint32_t spin_ns; /* the host's spin setting, a hint for the remote */
	/* Liveness beyond "the process exists": the remote bumps heartbeat
	 * at least every heartbeat_us (0: never); the host declares it hung
	 * when the count stops moving. */
	uint32_t heartbeat_us;
	uint32_t heartbeat;
	uint32_t reserved[9];
	struct amp_posix_inbox inbox[2]; /* indexed by enum amp_posix_side */
};

AMP_STATIC_ASSERT(sizeof(struct amp_posix_inbox) == 64, "posix inbox");
AMP_STATIC_ASSERT(offsetof(struct amp_posix_ctrl, inbox) == 64, "ctrl");
AMP_STATIC_ASSERT(sizeof(struct amp_posix_ctrl) == 192, "posix ctrl");

/* ---- shared memory ---- */

struct amp_posix_shm {
	struct amp_region region; /* pa = AMP_POSIX_PA_BASE */
	int fd;			  /* -1 when closed */
};

/* Create `size` bytes (page multiple), zeroed, mapped shared (not
 * populated).  memfd, or an unlinked file in /dev/shm or $TMPDIR.  0 or
 * -errno. */
int amp_posix_shm_create(struct amp_posix_shm *shm, uint64_t size);
/* Map an inherited fd (size from fstat); takes ownership of fd. */
int amp_posix_shm_map_fd(struct amp_posix_shm *shm, int fd);
/* Unmap and close; idempotent. */
void amp_posix_shm_close(struct amp_posix_shm *shm);
/* Fault in bytes [off, off+len) of a mapped region now (clipped to it),
 * so the first message through them does not pay the page faults. */
void amp_posix_populate(const struct amp_region *r, uint64_t off, uint64_t len);

/* ---- mailbox: a struct amp_port ---- */

struct amp_posix_port_stats {
	uint64_t notifies; /* notify() calls */
	uint64_t kicks;	   /* notify() calls that had to write the eventfd */
	uint64_t sleeps;   /* wait() calls that blocked in ppoll */
};

struct amp_posix_port {
	struct amp_port port;
	struct amp_posix_inbox *own;
	struct amp_posix_inbox *peer;
	int own_efd;  /* readable when the peer rang while we slept */
	int peer_efd; /* written to wake the peer */
	int alive_fd; /* hang-up or error here = peer gone; -1: not watched */
	/* Doorbell channels that mean "go away" (the remote's shutdown
	 * channel); once one rang, wait() returns -AMP_EPIPE for good. */
	uint32_t exit_mask;
	uint8_t exit_requested;
	/* Remote only: where and how often to show a heartbeat. */
	uint32_t *beat;
	uint64_t beat_ns, next_beat;
	struct amp_posix_port_stats stats;
};

/* Fill `p` as `side` of the link whose control block is `ctrl`.  Does not
 * take ownership of the fds. */
void amp_posix_port_init(struct amp_posix_port *p, struct amp_posix_ctrl *ctrl,
			 enum amp_posix_side side, int own_efd, int peer_efd,
			 int alive_fd, uint32_t spin_ns);

/* Bump the heartbeat if it is due (cheap when not: one clock read). */
void amp_posix_heartbeat(struct amp_posix_port *p);

/* Has the peer rung one of p->exit_mask's channels?  Looks without
 * taking the doorbell, so a busy loop can ask between messages. */
int amp_posix_exit_requested(struct amp_posix_port *p);

/* What amp_posix_wait_fds() saw (or-ed); 0 means the deadline passed. */
#define AMP_POSIX_WOKE_BELL 1 /* our doorbell rang */
#define AMP_POSIX_WOKE_FDS 2  /* one of the caller's fds is ready */
#define AMP_POSIX_WOKE_GONE 4 /* the peer is gone (or asked us to go) */

/* Most caller fds amp_posix_wait_fds() (and every host backend's
 * wait_fds) watches at once. */
#define AMP_POSIX_WAIT_MAX_FDS 62

/* The port's wait() for an event loop that also watches its own fds:
 * the same sleeping/pending handshake, with `fds` (revents filled) polled
 * alongside the doorbell and the liveness fd.  When the doorbell has
 * already rung, the fds are still polled once without blocking.  A
 * bitmask of AMP_POSIX_WOKE_*, or -AMP_EINVAL for nfds out of range. */
int amp_posix_wait_fds(struct amp_posix_port *p, struct pollfd *fds, int nfds,
		       uint64_t deadline);

/* ---- host: the whole link before launch ---- */

struct amp_posix_link {
	struct amp_posix_shm shm;
	struct amp_posix_ctrl *ctrl;
	int efd[2];   /* inbox eventfds, indexed by enum amp_posix_side */
	int alive_rd; /* the host keeps it */
	int alive_wr; /* the remote keeps it; the host closes it at launch */
};

/* Create the shared memory (with an initialised control block), both
 * eventfds and the liveness pipe, all close-on-exec.  0 or -errno; on
 * failure nothing is left open. */
int amp_posix_link_create(struct amp_posix_link *l, uint64_t size);
/* The port of `side` over this link (the remote side is for tests that
 * fork without exec). */
void amp_posix_link_port(struct amp_posix_link *l, enum amp_posix_side side,
			 struct amp_posix_port *p, uint32_t spin_ns);
/* Close the fds only `other` uses (call in each process after a fork
 * without exec, or in the host after launch).  Without this a dead peer
 * is never noticed: its end of the liveness pipe would still be open. */
void amp_posix_link_drop_side(struct amp_posix_link *l,
			      enum amp_posix_side other);
/* Close everything and unmap; idempotent. */
void amp_posix_link_destroy(struct amp_posix_link *l);

/* ---- remote: attach to the link the host set up ---- */

struct amp_posix_remote {
	struct amp_posix_shm shm;
	struct amp_posix_port port;
	void *rsc; /* live resource table, inside shm (host-written) */
	uint32_t rsc_size;
	int host_pid;
};

/* Read AMP_POSIX_ENV, map the shared memory, validate the control block,
 * arm PR_SET_PDEATHSIG.  0; -AMP_ENOENT if the variable is not set; other
 * -AMP_E* with a one-line reason in err. */
int amp_posix_remote_attach(struct amp_posix_remote *r, char *err,
			    size_t errlen);
void amp_posix_remote_detach(struct amp_posix_remote *r);

#endif
