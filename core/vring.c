/*
 * vring.c - the split virtqueue: the driver half (offer buffers, take
 * them back used) and the device half (take offered buffers, return them
 * used), plus notification suppression in both of virtio's forms (flags,
 * and EVENT_IDX when negotiated).
 *
 * The ring lives in memory the peer writes, so nothing read from it is
 * trusted: indices are checked against what can legally be outstanding,
 * descriptor ids against num and against our ownership bitmap, and every
 * field is read exactly once.  A bad entry is consumed, counted in
 * vq->errors and reported; it never makes us touch memory outside the
 * ring.  Buffer addresses are the caller's business (see rpmsg.c).
 */
#include "ampkit/vring.h"
#include "ampkit/errno.h"

static inline void own_set(struct amp_vq *vq, uint16_t id)
{
	vq->owned[id >> 5] |= 1u << (id & 31);
	vq->outstanding++;
}

static inline void own_clear(struct amp_vq *vq, uint16_t id)
{
	vq->owned[id >> 5] &= ~(1u << (id & 31));
	vq->outstanding--;
}

/* virtio's vring_need_event(): has idx moved past event since old? */
static inline int need_event(uint16_t event, uint16_t idx, uint16_t old)
{
	return (uint16_t)(idx - event - 1) < (uint16_t)(idx - old);
}

int amp_vq_init(struct amp_vq *vq, enum amp_vq_role role, void *mem,
		uint32_t num, uint32_t align, uint32_t notifyid, bool event_idx)
{
	uintptr_t used;

	if (!mem || !AMP_IS_POW2(num) || num > AMP_VQ_MAX_NUM ||
	    !AMP_IS_POW2(align) || align < 4 || ((uintptr_t)mem & 15))
		return -AMP_EINVAL;

	__builtin_memset(vq, 0, sizeof(*vq));
	vq->desc = (struct amp_vring_desc *)mem;
	vq->avail = (struct amp_vring_avail *)(vq->desc + num);
	vq->used_event = &vq->avail->ring[num];
	used = AMP_ALIGN_UP((uintptr_t)(vq->used_event + 1), (uintptr_t)align);
	vq->used = (struct amp_vring_used *)used;
	vq->avail_event = (uint16_t *)&vq->used->ring[num];
	vq->num = (uint16_t)num;
	vq->mask = (uint16_t)(num - 1);
	vq->role = (uint16_t)role;
	vq->event_idx = event_idx;
	vq->notifyid = notifyid;
	vq->notify_on = 1; /* a zeroed ring asks for notifications */

	if (role == AMP_VQ_DRIVER)
		__builtin_memset(mem, 0, amp_vring_size(num, align));
	return 0;
}

void amp_vq_drv_set_buf(struct amp_vq *vq, uint16_t id, uint64_t addr,
			uint32_t len, uint16_t flags)
{
	struct amp_vring_desc *d = &vq->desc[id & vq->mask];

	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = 0;
}

int amp_vq_drv_offer(struct amp_vq *vq, uint16_t id, uint32_t len)
{
	struct amp_vring_desc *d;

	if (id >= vq->num || amp_vq_owned(vq, id))
		return -AMP_EINVAL;
	d = &vq->desc[id];
	/* Rewrite only what changed: an unchanged descriptor stays in the
	 * peer's cache, which is most of the cost of a small message. */
	if (d->len != len)
		d->len = len;
	vq->avail->ring[vq->head & vq->mask] = id;
	vq->head++;
	own_set(vq, id);
	AMP_STORE_RELEASE(&vq->avail->idx, vq->head);
	return 0;
}

int amp_vq_drv_take_used(struct amp_vq *vq, uint32_t *len)
{
	const volatile struct amp_vring_used_elem *e;
	uint16_t n;
	uint32_t id;

	if (vq->seen == vq->tail)
		vq->seen = AMP_LOAD_ACQUIRE(&vq->used->idx);
	n = vq->seen - vq->tail;
	if (n == 0)
		return -AMP_EAGAIN;
	if (n > vq->outstanding) {
		/* More used than we ever offered: the index is a lie.
		 * Forget it, so the next call looks again. */
		vq->seen = vq->tail;
		vq->errors++;
		return -AMP_EOVERFLOW;
	}
	e = &vq->used->ring[vq->tail & vq->mask];
	id = e->id;
	*len = e->len;
	vq->tail++;
	if (id >= vq->num || !amp_vq_owned(vq, (uint16_t)id)) {
		vq->errors++;
		return -AMP_EBADMSG;
	}
	own_clear(vq, (uint16_t)id);
	return (int)id;
}

int amp_vq_dev_take_avail(struct amp_vq *vq, uint64_t *addr, uint32_t *len)
{
	const volatile struct amp_vring_desc *d;
	uint16_t n, id, flags;

	if (vq->seen == vq->tail)
		vq->seen = AMP_LOAD_ACQUIRE(&vq->avail->idx);
	n = vq->seen - vq->tail;
	if (n == 0)
		return -AMP_EAGAIN;
	if (n > vq->num - vq->outstanding) {
		vq->seen = vq->tail;
		vq->errors++;
		return -AMP_EOVERFLOW;
	}
	id = ((const volatile uint16_t *)vq->avail->ring)[vq->tail & vq->mask];
	vq->tail++;
	if (id >= vq->num || amp_vq_owned(vq, id)) {
		vq->errors++;
		return -AMP_EBADMSG;
	}
	own_set(vq, id);
	d = &vq->desc[id];
	*addr = d->addr;
	*len = d->len;
	flags = d->flags;
	if (flags & (AMP_VRING_DESC_F_NEXT | AMP_VRING_DESC_F_INDIRECT)) {
		/* RPMsg never chains; give it back so the driver is not
		 * starved of the descriptor. */
		vq->errors++;
		amp_vq_dev_return(vq, id, 0);
		return -AMP_EBADMSG;
	}
	return id;
}

int amp_vq_dev_return(struct amp_vq *vq, uint16_t id, uint32_t len)
{
	struct amp_vring_used_elem *e;

	if (!amp_vq_owned(vq, id))
		return -AMP_EINVAL;
	own_clear(vq, id);
	e = &vq->used->ring[vq->head & vq->mask];
	e->id = id;
	e->len = len;
	vq->head++;
	AMP_STORE_RELEASE(&vq->used->idx, vq->head);
	return 0;
}

void amp_vq_want_notify(struct amp_vq *vq, bool on)
{
	int drv = vq->role == AMP_VQ_DRIVER;

	if (vq->notify_on != on) {
		vq->notify_on = on;
		if (vq->event_idx) {
			/* "Off" parks the event half the index space away:
			 * the peer would have to run 32768 entries ahead. */
			uint16_t ev = vq->tail - (on ? 0 : 0x8000);

			AMP_STORE(drv ? vq->used_event : vq->avail_event, ev);
		} else if (drv) {
			AMP_STORE(&vq->avail->flags,
				  on ? 0 : AMP_VRING_AVAIL_F_NO_INTERRUPT);
		} else {
			AMP_STORE(&vq->used->flags,
				  on ? 0 : AMP_VRING_USED_F_NO_NOTIFY);
		}
	} else if (on && vq->event_idx) {
		/* Already on: move the event up to what we have consumed. */
		AMP_STORE(drv ? vq->used_event : vq->avail_event, vq->tail);
	}
	if (on)
		AMP_MB(); /* publish before the caller re-checks the ring */
}

bool amp_vq_kick_needed(struct amp_vq *vq)
{
	uint16_t old = vq->kicked, idx = vq->head;
	int drv = vq->role == AMP_VQ_DRIVER;

	if (idx == old)
		return false;
	vq->kicked = idx;
	AMP_MB(); /* our index store before the peer's flag load */
	if (vq->event_idx)
		return need_event(
			AMP_LOAD(drv ? vq->avail_event : vq->used_event), idx,
			old);
	if (drv)
		return !(AMP_LOAD(&vq->used->flags) &
			 AMP_VRING_USED_F_NO_NOTIFY);
	return !(AMP_LOAD(&vq->avail->flags) & AMP_VRING_AVAIL_F_NO_INTERRUPT);
}
