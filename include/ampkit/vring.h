/*
 * vring.h - the virtio split ring (virtio 1.x layout, as Linux and OpenAMP
 * place it in shared memory) and a virtqueue with a driver half (the host:
 * offers buffers, takes them back used) and a device half (the remote:
 * takes offered buffers, returns them used).
 *
 * Buffers are bound one-to-one to descriptors (descriptor id == buffer
 * slot), which is how RPMsg uses rings: no chains, no indirect tables, no
 * free list.  Everything read from the ring is validated; the virtqueue
 * tracks which descriptors each side owns, so a peer that returns a
 * descriptor it was never given, or offers one twice, is caught.
 */
#ifndef AMPKIT_VRING_H
#define AMPKIT_VRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "compiler.h"
#include "config.h"

#define AMP_VRING_DESC_F_NEXT 1u
#define AMP_VRING_DESC_F_WRITE 2u
#define AMP_VRING_DESC_F_INDIRECT 4u
#define AMP_VRING_USED_F_NO_NOTIFY 1u
#define AMP_VRING_AVAIL_F_NO_INTERRUPT 1u
#define AMP_VIRTIO_RING_F_EVENT_IDX 29u

struct amp_vring_desc {
	uint64_t addr; /* device/physical address, never a host pointer */
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct amp_vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* num entries, then u16 used_event */
};

struct amp_vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct amp_vring_used {
	uint16_t flags;
	uint16_t idx;
	struct amp_vring_used_elem
		ring[]; /* num entries, then u16 avail_event */
};

AMP_STATIC_ASSERT(sizeof(struct amp_vring_desc) == 16, "vring desc");
AMP_STATIC_ASSERT(sizeof(struct amp_vring_used_elem) == 8, "used elem");
AMP_STATIC_ASSERT(offsetof(struct amp_vring_used, ring) == 4, "used ring");
AMP_STATIC_ASSERT(offsetof(struct amp_vring_avail, ring) == 4, "avail ring");

/* Bytes of a ring of `num` entries whose used part starts `align`-aligned. */
static inline size_t amp_vring_size(uint32_t num, uint32_t align)
{
	size_t s = 16u * num + 6u + 2u * num;

	return AMP_ALIGN_UP(s, (size_t)align) + 6u + 8u * num;
}

enum amp_vq_role { AMP_VQ_DRIVER, AMP_VQ_DEVICE };

struct amp_vq {
	struct amp_vring_desc *desc;
	struct amp_vring_avail *avail;
	struct amp_vring_used *used;
	uint16_t *used_event;  /* in avail, written by the driver */
	uint16_t *avail_event; /* in used, written by the device */
	uint16_t num;
	uint16_t mask;
	uint16_t role;
	uint16_t event_idx;
	/* driver: next avail idx to publish; device: next used idx */
	uint16_t head;
	/* driver: used idx consumed so far; device: avail idx consumed */
	uint16_t tail;
	/* the peer's index as last loaded: entries up to it are visible
	 * without touching the peer's cache line again */
	uint16_t seen;
	/* our published idx at the last kick decision (EVENT_IDX) */
	uint16_t kicked;
	/* descriptors currently owned by the other side (driver view) or
	 * taken by us and not yet returned (device view) */
	uint16_t outstanding;
	uint8_t notify_on; /* we asked the peer for notifications */
	uint32_t notifyid;
	uint32_t errors; /* bad entries seen from the peer */
	uint32_t owned[AMP_VQ_MAX_NUM / 32];
};

/* Attach to the ring at `mem`.  The driver also clears it.  num must be a
 * power of two <= AMP_VQ_MAX_NUM and align a power of two >= 4;
 * returns -AMP_EINVAL otherwise. */
int amp_vq_init(struct amp_vq *vq, enum amp_vq_role role, void *mem,
		uint32_t num, uint32_t align, uint32_t notifyid,
		bool event_idx);

/* Driver: bind descriptor id to a buffer (once, before first use). */
void amp_vq_drv_set_buf(struct amp_vq *vq, uint16_t id, uint64_t addr,
			uint32_t len, uint16_t flags);
/* Driver: offer descriptor id with `len` bytes.  -AMP_EINVAL if id is out
 * of range or already offered. */
int amp_vq_drv_offer(struct amp_vq *vq, uint16_t id, uint32_t len);
/* Driver: take back one used descriptor.  Returns its id, -AMP_EAGAIN if
 * none, -AMP_EBADMSG if the entry was bad (consumed, counted; call again),
 * -AMP_EOVERFLOW if the used index is impossible (nothing consumed). */
int amp_vq_drv_take_used(struct amp_vq *vq, uint32_t *len);

/* Device: take one offered descriptor with its address and length.
 * Same returns as amp_vq_drv_take_used. */
int amp_vq_dev_take_avail(struct amp_vq *vq, uint64_t *addr, uint32_t *len);
/* Device: return descriptor id with `len` bytes written.  -AMP_EINVAL if
 * we do not hold it. */
int amp_vq_dev_return(struct amp_vq *vq, uint16_t id, uint32_t len);

/* Something for us to take: used entries (driver) or offers (device). */
static inline bool amp_vq_pending(const struct amp_vq *vq)
{
	const uint16_t *idx =
		vq->role == AMP_VQ_DRIVER ? &vq->used->idx : &vq->avail->idx;

	return AMP_LOAD(idx) != vq->tail;
}

/* Ask the peer to notify us (on) or not (off) when it adds work for us.
 * Turning it on ends with a full barrier; re-check amp_vq_pending() after
 * it before blocking. */
void amp_vq_want_notify(struct amp_vq *vq, bool on);
/* After publishing: does the peer want a notification now? */
bool amp_vq_kick_needed(struct amp_vq *vq);

static inline bool amp_vq_owned(const struct amp_vq *vq, uint16_t id)
{
	return id < vq->num && (vq->owned[id >> 5] >> (id & 31)) & 1u;
}

#endif
