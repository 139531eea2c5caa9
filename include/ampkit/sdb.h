/*
 * sdb.h - shared data buffers, the indirect mode: large buffers in a
 * carveout both sides map, handed over with small binary control messages
 * on an RPMsg channel ("rpmsg-sdb"), so bulk data never goes through the
 * rings and is never copied.  ST's rpmsg_sdb does this in one direction
 * (M4 to Linux) with a text protocol ("B%dA%08xL%08x", REFERENCE §7);
 * this one is binary and works both ways, for both roles.
 *
 * The pool is `count` buffers of `size` bytes, back to back from pool_pa,
 * in a region of pool_len bytes (the carveout).  The host chooses the
 * layout, as it chooses RPMsg buffer sizes; the remote takes any that
 * fits its carveout.  Each buffer has a home side: buffers
 * 0 .. host_count-1 are the host's, the others the remote's.  A producer takes
 * one of its own free buffers (amp_sdb_alloc), fills it in place and hands it
 * over (amp_sdb_send: index, offset, length - never a pointer); the consumer
 * reads it in place (the on_filled callback) and gives it back
 * (amp_sdb_release), and it is free at home again.  With every home buffer
 * lent, a producer waits (until a deadline) for one to come back; nothing is
 * overwritten.
 *
 * Every message from the peer is checked against the ownership table: it
 * can hand over only a buffer that is its own and not already ours, only
 * within the buffer, and release only what we handed it.  Anything else
 * is rejected, counted in stats.bad, and changes nothing.
 *
 * Wire: struct amp_sdb_msg, 16 bytes, little-endian.
 *   HELLO    index = host_count, offset = count, length = size.  The
 *            host sends it when its end opens (again when it restarts);
 *            the remote answers, to the HELLO's source address (it may
 *            change when the host opens its end again), with the same
 *            layout if it fits its carveout, or with count 0 if not
 *            (the host then cannot use the pool: -AMP_EPROTO).  Either
 *            HELLO gives every buffer back to its home on the side that
 *            receives it, so a side that restarted never leaks the pool.
 *   FILLED   index, offset, length: buffer `index` is the receiver's to
 *            read, bytes [offset, offset + length).
 *   RELEASE  index (offset and length 0): the receiver's buffer is back.
 */
#ifndef AMPKIT_SDB_H
#define AMPKIT_SDB_H

#include <stdint.h>

#include "compiler.h"
#include "config.h"
#include "rpmsg.h"

#define AMP_SDB_NAME "rpmsg-sdb"
/* The carveout a firmware declares for the pool. */
#define AMP_SDB_CARVEOUT "ampkit-sdb"

#define AMP_SDB_HELLO 1u
#define AMP_SDB_FILLED 2u
#define AMP_SDB_RELEASE 3u

struct amp_sdb_msg {
	uint32_t type;
	uint32_t index;
	uint32_t offset;
	uint32_t length;
} AMP_PACKED;
AMP_STATIC_ASSERT(sizeof(struct amp_sdb_msg) == 16, "sdb message");

struct amp_sdb_cfg {
	uint64_t pool_pa;  /* in the device's shared region */
	uint64_t pool_len; /* bytes there (the carveout) */
	/* The layout (host; a remote's are learned from the HELLO): */
	uint32_t count;	     /* buffers, 1..AMP_SDB_MAX_BUFS */
	uint32_t host_count; /* of them the host's, 0..count */
	uint32_t size;	     /* bytes each, a multiple of 8, >= 8 */
};

struct amp_sdb;
/* Buffer `index` arrived: `len` bytes at `data`, in the pool.  Give it back
 * with amp_sdb_release, now (from the callback) or later. */
typedef void (*amp_sdb_filled_cb)(struct amp_sdb *s, uint32_t index, void *data,
				  uint32_t len);
/* Buffer `index`, one of ours we had handed over, came back (the peer's
 * RELEASE): it is free again. */
typedef void (*amp_sdb_released_cb)(struct amp_sdb *s, uint32_t index);

struct amp_sdb_stats {
	uint64_t tx_bytes, rx_bytes; /* handed over, received */
	uint32_t sent, received;     /* FILLED messages */
	uint32_t released_tx, released_rx;
	uint32_t resets;   /* HELLOs that gave the pool back */
	uint32_t waits;	   /* allocs that had to wait */
	uint32_t bad;	   /* rejected peer messages (all kinds) */
	uint32_t bad_last; /* the type of the last rejected one, for logs */
};

/* The state of a buffer as this side sees it. */
enum amp_sdb_buf_state {
	AMP_SDB_FREE = 0, /* ours, at home, can be allocated */
	AMP_SDB_TAKEN,	  /* ours, allocated, being filled */
	AMP_SDB_LENT,	  /* ours, handed to the peer */
	AMP_SDB_AWAY,	  /* the peer's, with the peer */
	AMP_SDB_HELD,	  /* the peer's, handed to us, being read */
};

struct amp_sdb {
	struct amp_rpmsg_ept ept;
	struct amp_sdb_cfg cfg;
	uint8_t *pool; /* local mapping of pool_pa */
	amp_sdb_filled_cb on_filled;
	/* Optional, NULL after amp_sdb_open(): set it after opening. */
	amp_sdb_released_cb on_released;
	void *priv;
	uint8_t host;	 /* our role */
	uint8_t matched; /* both sides have the same layout */
	uint8_t refused; /* host: the remote refused our layout */
	uint8_t state[AMP_SDB_MAX_BUFS]; /* enum amp_sdb_buf_state */
	struct amp_sdb_stats stats;
};

/*
 * Open the service on `dev`.  Host: dest is the address the remote
 * announced, cfg has the layout, and the host's HELLO goes out at once.
 * Remote: src is the local address (ANY: allocate), the channel is
 * announced, and the layout and the host's address come with its HELLO
 * (cfg's layout fields are ignored).  The pool region must lie in the
 * device's shared region.  0, -AMP_EINVAL (a layout that does not fit
 * pool_len), -AMP_EFAULT (pool outside the region), or an error from
 * creating the endpoint or sending the HELLO.
 */
int amp_sdb_open(struct amp_sdb *s, struct amp_rpmsg_dev *dev,
		 const struct amp_sdb_cfg *cfg, uint32_t src, uint32_t dest,
		 amp_sdb_filled_cb on_filled, void *priv);
void amp_sdb_close(struct amp_sdb *s);

/*
 * A free buffer of ours to fill: its index (>= 0) with *data and *cap
 * (its size) set, waiting for one to come back until `deadline`
 * (AMP_DEADLINE_NOW: only if one is free now), delivering messages
 * meanwhile.  -AMP_ETIMEDOUT / -AMP_EAGAIN (NOW), -AMP_ENOTCONN (no
 * HELLO from the peer yet), -AMP_EPROTO (the remote refused the host's
 * layout), -AMP_ENOBUFS (this side has no buffers), -AMP_EBUSY (called
 * from a callback and would have to wait), -AMP_EPIPE (the peer is
 * gone).
 */
int amp_sdb_alloc(struct amp_sdb *s, void **data, uint32_t *cap,
		  uint64_t deadline);
/* Allocate our free buffer `index` in particular (a host whose buffers
 * another process fills, say): 0, or -AMP_EINVAL if it is not ours or
 * out of range, -AMP_EBUSY if it is not free, -AMP_ENOTCONN before the
 * HELLO. */
int amp_sdb_take(struct amp_sdb *s, uint32_t index);
/* Hand buffer `index` (allocated, filled) to the peer: bytes [offset,
 * offset + len).  -AMP_EINVAL if we did not allocate it or the range is
 * outside it; the buffer then stays ours. */
int amp_sdb_send(struct amp_sdb *s, uint32_t index, uint32_t offset,
		 uint32_t len, uint64_t deadline);
/* Give back an allocated buffer unsent. */
int amp_sdb_unalloc(struct amp_sdb *s, uint32_t index);
/* Give the peer back buffer `index` it handed us.  -AMP_EINVAL if we do
 * not hold it (a double release). */
int amp_sdb_release(struct amp_sdb *s, uint32_t index, uint64_t deadline);

/* How many of our buffers are free, and how many of the peer's we hold. */
uint32_t amp_sdb_free_count(const struct amp_sdb *s);
uint32_t amp_sdb_held_count(const struct amp_sdb *s);

#endif
