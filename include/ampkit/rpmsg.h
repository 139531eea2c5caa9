/*
 * rpmsg.h - RPMsg over virtio, wire-compatible with Linux
 * virtio_rpmsg_bus.c and OpenAMP rpmsg_virtio.c, for both roles.
 *
 * Host role (virtio driver, like Linux): owns the buffer pool, receives on
 * vring0, sends on vring1.  Remote role (virtio device, like OpenAMP on the
 * M4): receives on vring1, sends in buffers the host offered on vring0 and
 * learns the buffer size from their descriptors.
 *
 * A struct amp_rpmsg_dev is single-threaded: callers serialise calls on one
 * device.  Receive callbacks run from amp_rpmsg_poll()/amp_rpmsg_wait() and
 * from a blocked send (so two sides both sending cannot deadlock).
 */
#ifndef AMPKIT_RPMSG_H
#define AMPKIT_RPMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "compiler.h"
#include "config.h"
#include "errno.h"
#include "port.h"
#include "region.h"
#include "rsc_table.h"
#include "vring.h"

#define AMP_RPMSG_ADDR_ANY 0xFFFFFFFFu
#define AMP_RPMSG_NS_ADDR 53u
#define AMP_RPMSG_ADDR_BASE 1024u /* first dynamic address */
#define AMP_RPMSG_NAME_SIZE 32
#define AMP_RPMSG_HDR_SIZE 16u
#define AMP_RPMSG_MAX_PAYLOAD 65535u /* rpmsg_hdr.len is 16 bits */

#define AMP_VIRTIO_RPMSG_F_NS 0u /* feature bit: name service */
/* ampkit's own feature bit: both sides speak the services' flow-control
 * messages (vuart credits).  Linux and OpenAMP never acknowledge or offer
 * it, so with them every service falls back to its upstream format. */
#define AMP_VIRTIO_RPMSG_F_CREDITS 23u

/* rpmsg_hdr.flags (always 0 from Linux and OpenAMP): a service control
 * message, not data.  Sent only to a peer that negotiated F_CREDITS. */
#define AMP_RPMSG_F_CTL 0x8000u

enum { AMP_RPMSG_NS_CREATE = 0, AMP_RPMSG_NS_DESTROY = 1 };

struct amp_rpmsg_hdr {
	uint32_t src;
	uint32_t dst;
	uint32_t reserved;
	uint16_t len;
	uint16_t flags;
} AMP_PACKED;

struct amp_rpmsg_ns_msg {
	char name[AMP_RPMSG_NAME_SIZE];
	uint32_t addr;
	uint32_t flags;
} AMP_PACKED;

AMP_STATIC_ASSERT(sizeof(struct amp_rpmsg_hdr) == 16, "rpmsg_hdr");
AMP_STATIC_ASSERT(sizeof(struct amp_rpmsg_ns_msg) == 40, "rpmsg_ns_msg");

enum amp_rpmsg_role { AMP_RPMSG_HOST, AMP_RPMSG_REMOTE };

struct amp_rpmsg_dev;
struct amp_rpmsg_ept;

/* A message for ept.  data is valid until the callback returns, unless
 * the callback calls amp_rpmsg_hold(). */
typedef void (*amp_rpmsg_cb)(struct amp_rpmsg_ept *ept, void *data,
			     uint32_t len, uint32_t src);
/* The peer announced (flags AMP_RPMSG_NS_CREATE) or withdrew
 * (AMP_RPMSG_NS_DESTROY) channel `name` at `addr`.  Called for every name
 * service message, after a local endpoint of that name was bound or
 * unbound. */
typedef void (*amp_rpmsg_ns_cb)(struct amp_rpmsg_dev *dev, const char *name,
				uint32_t addr, uint32_t flags);

struct amp_rpmsg_ept {
	char name[AMP_RPMSG_NAME_SIZE];
	uint32_t addr;	    /* local */
	uint32_t dest_addr; /* peer, or AMP_RPMSG_ADDR_ANY */
	amp_rpmsg_cb cb;
	/* The peer destroyed the channel this endpoint was bound to. */
	void (*unbind)(struct amp_rpmsg_ept *ept);
	void *priv;
	struct amp_rpmsg_dev *dev;
	struct amp_rpmsg_ept *next;
	uint8_t announced; /* we sent NS create for it */
};

struct amp_rpmsg_cfg {
	uint32_t buf_size;  /* host: bytes per buffer incl. header */
	uint32_t buf_count; /* host: buffers per direction; 0 = ring num */
	uint64_t pool_pa;   /* host: where the 2*buf_count buffers go */
	uint32_t features;  /* host: features it offers (AMP_RPMSG_F_*) */
	uint64_t send_timeout_ns; /* default deadline of amp_rpmsg_send() */
	amp_rpmsg_ns_cb ns_cb;
	void *priv;
};

/* Feature bits the core implements (VIRTIO_RPMSG_F_NS, EVENT_IDX, and
 * ampkit's F_CREDITS). */
#define AMP_RPMSG_FEATURES                                                     \
	((1u << AMP_VIRTIO_RPMSG_F_NS) | (1u << AMP_VIRTIO_RING_F_EVENT_IDX) | \
	 (1u << AMP_VIRTIO_RPMSG_F_CREDITS))

struct amp_rpmsg_stats {
	uint32_t rx;	   /* messages delivered to an endpoint */
	uint32_t tx;	   /* messages sent */
	uint32_t dropped;  /* well-formed, but no endpoint at dst */
	uint32_t bad;	   /* malformed or lying peer, dropped */
	uint32_t tx_waits; /* sends that had to wait for a buffer */
};

/* A buffer lent to the application: a held rx buffer, a borrowed tx
 * buffer, or a tx buffer given back unsent (kept for the next send). */
struct amp_rpmsg_loan {
	struct amp_rpmsg_hdr *hdr; /* NULL: slot free */
	uint32_t cap;		   /* payload capacity */
	uint16_t id;
	uint8_t kind;
};

struct amp_rpmsg_dev {
	struct amp_vq rvq, svq;
	struct amp_region shm;
	struct amp_port *port;
	uint8_t role;
	uint8_t ns;	     /* name service negotiated */
	uint8_t credits;     /* AMP_VIRTIO_RPMSG_F_CREDITS negotiated */
	uint8_t dispatching; /* inside an endpoint callback */
	uint8_t cur_held;    /* the callback held the current message */
	uint8_t nspare;	     /* tx buffers given back unsent */
	struct amp_rpmsg_hdr *cur_hdr; /* message being delivered */
	uint16_t cur_id;
	uint16_t cur_flags; /* its header's flags, as read once */
	uint32_t buf_size;  /* pool buffer size (remote: learned from descs) */
	uint32_t buf_count; /* host: buffers per direction */
	uint32_t next_tx;   /* host: tx buffers never used yet start here */
	uint8_t *pool;	    /* host: va of the pool */
	uint64_t send_timeout_ns;
	amp_rpmsg_ns_cb ns_cb;
	void *priv;
	struct amp_rpmsg_ept *epts;
	struct amp_rpmsg_ept ns_ept;
	uint32_t addr_bmp[AMP_RPMSG_MAX_ADDRS / 32];
	struct amp_rpmsg_loan loans[AMP_RPMSG_MAX_LOANS];
	struct amp_rpmsg_stats stats;
};

/* Default config: 512-byte buffers, NS + EVENT_IDX, 15 s send timeout. */
void amp_rpmsg_cfg_default(struct amp_rpmsg_cfg *cfg);

/* Bring up a device on the vdev entry of a live resource table in `shm`.
 * Host: clears the rings, binds and offers the rx buffers, writes the
 * negotiated gfeatures and sets DRIVER_OK.  Remote: requires DRIVER_OK
 * (see amp_rpmsg_wait_ready) and validates everything the host wrote.
 * cfg may be NULL on the remote. */
int amp_rpmsg_init(struct amp_rpmsg_dev *dev, enum amp_rpmsg_role role,
		   struct amp_fw_rsc_vdev *vdev, const struct amp_region *shm,
		   struct amp_port *port, const struct amp_rpmsg_cfg *cfg);

/* Remote: wait until the host has set DRIVER_OK in vdev->status. */
int amp_rpmsg_wait_ready(struct amp_fw_rsc_vdev *vdev, struct amp_port *port,
			 uint64_t deadline);

/* Create an endpoint named `name` at `src` (AMP_RPMSG_ADDR_ANY: allocate
 * one from 1024 up) talking to `dest` (ANY: not bound yet).  If the name
 * service is on and dest is ANY, the endpoint is announced to the peer. */
int amp_rpmsg_create_ept(struct amp_rpmsg_ept *ept, struct amp_rpmsg_dev *dev,
			 const char *name, uint32_t src, uint32_t dest,
			 amp_rpmsg_cb cb, void *priv);
/* Withdraw (announce destroy if it was announced) and unlink. */
void amp_rpmsg_destroy_ept(struct amp_rpmsg_ept *ept);

/* Copying send to dst (ANY: ept->dest_addr), waiting for a free buffer
 * until `deadline` (AMP_DEADLINE_NOW: do not wait).  0, -AMP_EMSGSIZE,
 * -AMP_ETIMEDOUT, -AMP_EAGAIN (NOW and no buffer), -AMP_EPIPE (peer
 * gone), -AMP_ENOTCONN (no dst). */
int amp_rpmsg_send_deadline(struct amp_rpmsg_ept *ept, uint32_t dst,
			    const void *data, uint32_t len, uint64_t deadline);

/* The same with rpmsg_hdr.flags set (AMP_RPMSG_F_CTL for a service's
 * control message). */
int amp_rpmsg_send_flags(struct amp_rpmsg_ept *ept, uint32_t dst,
			 uint16_t flags, const void *data, uint32_t len,
			 uint64_t deadline);

/* Inside a receive callback: the flags of the message being delivered. */
static inline uint16_t amp_rpmsg_rx_flags(const struct amp_rpmsg_dev *dev)
{
	return dev->cur_flags;
}

/* The same, waiting at most the instance's send_timeout_ns (15 s by
 * default, like Linux) once no buffer is free. */
int amp_rpmsg_sendto(struct amp_rpmsg_ept *ept, uint32_t dst, const void *data,
		     uint32_t len);

static inline int amp_rpmsg_send(struct amp_rpmsg_ept *ept, const void *data,
				 uint32_t len)
{
	return amp_rpmsg_sendto(ept, AMP_RPMSG_ADDR_ANY, data, len);
}

static inline int amp_rpmsg_trysend(struct amp_rpmsg_ept *ept, const void *data,
				    uint32_t len)
{
	return amp_rpmsg_send_deadline(ept, AMP_RPMSG_ADDR_ANY, data, len,
				       AMP_DEADLINE_NOW);
}

/* Zero-copy send: borrow a tx buffer's payload area (*cap bytes), fill it,
 * then send it, or give it back unsent.  NULL with *err set on failure. */
void *amp_rpmsg_get_tx_buf(struct amp_rpmsg_dev *dev, uint32_t *cap,
			   uint64_t deadline, int *err);
int amp_rpmsg_send_nocopy(struct amp_rpmsg_ept *ept, uint32_t dst,
			  void *payload, uint32_t len);
int amp_rpmsg_release_tx(struct amp_rpmsg_dev *dev, void *payload);

/* Zero-copy receive: from inside a callback, keep `payload` after the
 * callback returns; give it back later with amp_rpmsg_release_rx (which
 * rejects a buffer not held, or released twice, with -AMP_EINVAL). */
int amp_rpmsg_hold_rx(struct amp_rpmsg_dev *dev, void *payload);
int amp_rpmsg_release_rx(struct amp_rpmsg_dev *dev, void *payload);

/* Deliver every message already received.  Returns how many reached an
 * endpoint (>= 0), or -AMP_EPROTO if none did because the peer's ring
 * index is impossible (counted in stats.bad; retry once it is sane). */
int amp_rpmsg_poll(struct amp_rpmsg_dev *dev);
/* Wait (spin, then block) until at least one message arrives or the
 * deadline passes, then deliver.  Returns > 0, -AMP_ETIMEDOUT,
 * -AMP_EPIPE or -AMP_EPROTO (as amp_rpmsg_poll). */
int amp_rpmsg_wait(struct amp_rpmsg_dev *dev, uint64_t deadline);

/* For an event loop that blocks on its own (poll/epoll on the port's
 * fds): ask the peer to ring the doorbell when a message arrives (and,
 * with tx, when a tx buffer is freed), then re-check.  Returns true if
 * there is already something to do, so the caller must not block.  After
 * waking, call amp_rpmsg_disarm(): a busy side is not rung. */
bool amp_rpmsg_arm(struct amp_rpmsg_dev *dev, bool tx);
void amp_rpmsg_disarm(struct amp_rpmsg_dev *dev);

/* Largest payload one message can carry on this device. */
uint32_t amp_rpmsg_max_payload(const struct amp_rpmsg_dev *dev);

#endif
