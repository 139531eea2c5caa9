/*
 * rpmsg.c - RPMsg over virtio for both roles: endpoints and their
 * addresses, the name service, copying and zero-copy send and receive,
 * and waiting (spin on the rings, then block on the mailbox) with a
 * deadline.
 *
 * The two roles differ only in where buffers come from, so that lives in
 * four small functions (take, rx_give, tx_take, tx_give); everything above
 * them is shared.  The host binds buffer i of its pool to
 * descriptor i, so it never reads an address back from shared memory; the
 * remote translates every descriptor address through the region.
 */
#include "ampkit/rpmsg.h"

enum { LOAN_RX = 1, LOAN_TX, LOAN_SPARE };
enum { WANT_RX = 1, WANT_TX = 2 };

/* Constant when only one role is compiled in (AMP_RPMSG_ROLES), so the
 * other role's code disappears. */
#define IS_HOST(dev)                                                           \
	(AMP_RPMSG_ROLES == 1 ||                                               \
	 (AMP_RPMSG_ROLES == 3 && (dev)->role == AMP_RPMSG_HOST))

static void name_copy(char dst[AMP_RPMSG_NAME_SIZE], const char *src)
{
	int i = 0;

	for (; src && i < AMP_RPMSG_NAME_SIZE - 1 && src[i]; i++)
		dst[i] = src[i];
	for (; i < AMP_RPMSG_NAME_SIZE; i++)
		dst[i] = 0;
}

static bool name_eq(const char *a, const char *b)
{
	for (int i = 0; i < AMP_RPMSG_NAME_SIZE; i++) {
		if (a[i] != b[i])
			return false;
		if (!a[i])
			break;
	}
	return true;
}

static uint32_t payload_cap(uint32_t buf_len)
{
	uint32_t cap = buf_len - AMP_RPMSG_HDR_SIZE;

	return cap > AMP_RPMSG_MAX_PAYLOAD ? AMP_RPMSG_MAX_PAYLOAD : cap;
}

static void kick(struct amp_rpmsg_dev *dev, struct amp_vq *vq)
{
	if (amp_vq_kick_needed(vq))
		dev->port->ops->notify(dev->port, vq->notifyid);
}

/* ---- buffers: the only role-specific code ---- */

/* Host: slot `slot` of the pool (rx buffers first, then tx). */
static struct amp_rpmsg_hdr *pool_buf(const struct amp_rpmsg_dev *dev,
				      uint32_t slot)
{
	return (struct amp_rpmsg_hdr *)(dev->pool +
					(size_t)slot * dev->buf_size);
}

/* Take a buffer from vq: the host takes its own buffer back from the used
 * ring (pool slot `base` + id, so no address is read from shared memory),
 * the remote takes an offered one and checks its address.  Bad entries
 * are counted and skipped.  -AMP_EAGAIN (or -AMP_EOVERFLOW for a broken
 * ring) when there is none. */
static int take(struct amp_rpmsg_dev *dev, struct amp_vq *vq, uint32_t base,
		struct amp_rpmsg_hdr **hdr, uint32_t *len)
{
	for (;;) {
		uint64_t pa = 0;
		int id = IS_HOST(dev) ? amp_vq_drv_take_used(vq, len)
				      : amp_vq_dev_take_avail(vq, &pa, len);

		if (id == -AMP_EAGAIN || id == -AMP_EOVERFLOW)
			return id;
		if (id >= 0 && IS_HOST(dev)) {
			if (*len > dev->buf_size)
				*len = 0; /* a lie: deliver() drops it */
			*hdr = pool_buf(dev, base + (uint32_t)id);
			return id;
		}
		if (id >= 0) {
			*hdr = *len >= AMP_RPMSG_HDR_SIZE
				       ? amp_region_pa_to_va(&dev->shm, pa,
							     *len)
				       : NULL;
			if (*hdr)
				return id;
			amp_vq_dev_return(vq, (uint16_t)id, 0);
		}
		dev->stats.bad++;
	}
}

static void rx_give(struct amp_rpmsg_dev *dev, uint16_t id)
{
	if (IS_HOST(dev))
		amp_vq_drv_offer(&dev->rvq, id, dev->buf_size);
	else
		amp_vq_dev_return(&dev->rvq, id, 0);
}

static struct amp_rpmsg_loan *loan_find(struct amp_rpmsg_dev *dev,
					const void *hdr, uint8_t kind)
{
	for (uint32_t i = 0; i < AMP_RPMSG_MAX_LOANS; i++) {
		struct amp_rpmsg_loan *l = &dev->loans[i];

		if (l->kind == kind && (!hdr || l->hdr == hdr))
			return l;
	}
	return NULL;
}

/* A free tx buffer, or -AMP_EAGAIN. */
static int tx_take(struct amp_rpmsg_dev *dev, struct amp_rpmsg_hdr **hdr,
		   uint32_t *cap)
{
	uint32_t len = dev->buf_size;
	int id;

	if (dev->nspare) {
		struct amp_rpmsg_loan *l = loan_find(dev, NULL, LOAN_SPARE);

		*hdr = l->hdr;
		*cap = l->cap;
		l->kind = 0;
		dev->nspare--;
		return l->id;
	}
	if (IS_HOST(dev) && dev->next_tx < dev->buf_count) {
		id = (int)dev->next_tx++;
		*hdr = pool_buf(dev, dev->buf_count + (uint32_t)id);
	} else {
		id = take(dev, &dev->svq, dev->buf_count, hdr, &len);
		if (id < 0)
			return -AMP_EAGAIN;
	}
	*cap = payload_cap(IS_HOST(dev) ? dev->buf_size : len);
	return id;
}

static void tx_give(struct amp_rpmsg_dev *dev, uint16_t id, uint32_t len)
{
	if (IS_HOST(dev))
		amp_vq_drv_offer(&dev->svq, id, len);
	else
		amp_vq_dev_return(&dev->svq, id, len);
	kick(dev, &dev->svq);
}

/* Keep a free tx buffer as a spare (what tx_take uses first). */
static void stock_tx(struct amp_rpmsg_dev *dev)
{
	struct amp_rpmsg_loan *l = loan_find(dev, NULL, 0);
	struct amp_rpmsg_hdr *hdr;
	uint32_t cap;
	int id;

	if (l && (id = tx_take(dev, &hdr, &cap)) >= 0) {
		*l = (struct amp_rpmsg_loan){ hdr, cap, (uint16_t)id,
					      LOAN_SPARE };
		dev->nspare++;
	}
}

/* ---- waiting ---- */

static bool ready(struct amp_rpmsg_dev *dev, int want)
{
	if ((want & WANT_RX) && amp_vq_pending(&dev->rvq))
		return true;
	if (want & WANT_TX)
		return amp_vq_pending(&dev->svq) ||
		       (IS_HOST(dev) && dev->next_tx < dev->buf_count);
	return false;
}

static void want_notify(struct amp_rpmsg_dev *dev, int want, bool on)
{
	if (want & WANT_RX)
		amp_vq_want_notify(&dev->rvq, on);
	if (want & WANT_TX)
		amp_vq_want_notify(&dev->svq, on);
}

/* Wait until ready(want) or the deadline: spin on the rings for
 * port->spin_ns (the peer does not even ring the doorbell meanwhile),
 * then ask for notifications and block on the mailbox. */
static int wait_for(struct amp_rpmsg_dev *dev, int want, uint64_t deadline)
{
	struct amp_port *port = dev->port;
	uint64_t now, spin_end = 0;
	unsigned int i = 0;
	int r = 0;

	/* Idle anyway: take the next tx buffer now, so a reply does not
	 * wait for the peer's ring line on its way out. */
	if (want == WANT_RX && !dev->nspare)
		stock_tx(dev);

	while (!ready(dev, want)) {
		amp_cpu_relax();
		if (++i & 15)
			continue;
		/* The clock is read only once the message did not come at
		 * once: on a busy link most waits never read it. */
		now = amp_port_now(port);
		if (now >= deadline)
			return -AMP_ETIMEDOUT;
		if (!spin_end)
			spin_end = now + port->spin_ns;
		if (now < spin_end)
			continue;
		want_notify(dev, want, true);
		if (!ready(dev, want))
			r = port->ops->wait(port, deadline);
		want_notify(dev, want, false);
		if (r == -AMP_EPIPE)
			return r;
	}
	return 0;
}

/* A tx buffer, waiting until the deadline.  While waiting it also
 * delivers incoming messages (unless already inside a callback), so two
 * peers that both block sending to each other still make progress. */
static int get_tx(struct amp_rpmsg_dev *dev, struct amp_rpmsg_hdr **hdr,
		  uint32_t *cap, uint64_t deadline, uint64_t timeout)
{
	int id = tx_take(dev, hdr, cap), r;

	if (id != -AMP_EAGAIN)
		return id;
	/* A relative timeout starts now: the clock is read only by a send
	 * that has to wait. */
	if (timeout)
		deadline = amp_port_deadline(dev->port, timeout);
	else if (deadline == AMP_DEADLINE_NOW)
		return -AMP_EAGAIN;
	dev->stats.tx_waits++;
	do {
		int n = dev->dispatching ? 0 : amp_rpmsg_poll(dev);

		if (n > 0)
			continue;
		/* Inside a callback, or with a broken rx ring, only a tx
		 * buffer can end the wait. */
		r = wait_for(dev,
			     n || dev->dispatching ? WANT_TX
						   : WANT_TX | WANT_RX,
			     deadline);
		if (r)
			return r;
	} while ((id = tx_take(dev, hdr, cap)) == -AMP_EAGAIN);
	return id;
}

/* ---- endpoints ---- */

static struct amp_rpmsg_ept *ept_by_addr(struct amp_rpmsg_dev *dev,
					 uint32_t addr)
{
	struct amp_rpmsg_ept *e = dev->epts;

	while (e && e->addr != addr)
		e = e->next;
	return e;
}

static int addr_alloc(struct amp_rpmsg_dev *dev)
{
	for (uint32_t i = 0; i < AMP_RPMSG_MAX_ADDRS; i++) {
		uint32_t bit = 1u << (i & 31);

		if (!(dev->addr_bmp[i >> 5] & bit)) {
			dev->addr_bmp[i >> 5] |= bit;
			return (int)(AMP_RPMSG_ADDR_BASE + i);
		}
	}
	return -AMP_ENOSPC;
}

static void addr_mark(struct amp_rpmsg_dev *dev, uint32_t addr, bool used)
{
	uint32_t i = addr - AMP_RPMSG_ADDR_BASE;

	if (addr < AMP_RPMSG_ADDR_BASE || i >= AMP_RPMSG_MAX_ADDRS)
		return;
	if (used)
		dev->addr_bmp[i >> 5] |= 1u << (i & 31);
	else
		dev->addr_bmp[i >> 5] &= ~(1u << (i & 31));
}

static int ns_send(struct amp_rpmsg_ept *ept, uint32_t flags)
{
	struct amp_rpmsg_ns_msg m;

	name_copy(m.name, ept->name);
	m.addr = ept->addr;
	m.flags = flags;
	return amp_rpmsg_sendto(ept, AMP_RPMSG_NS_ADDR, &m, sizeof(m));
}

int amp_rpmsg_create_ept(struct amp_rpmsg_ept *ept, struct amp_rpmsg_dev *dev,
			 const char *name, uint32_t src, uint32_t dest,
			 amp_rpmsg_cb cb, void *priv)
{
	int r;

	if (src == AMP_RPMSG_ADDR_ANY) {
		r = addr_alloc(dev);
		if (r < 0)
			return r;
		src = (uint32_t)r;
	} else if (ept_by_addr(dev, src)) {
		return -AMP_EADDRINUSE;
	}
	addr_mark(dev, src, true);
	name_copy(ept->name, name);
	ept->addr = src;
	ept->dest_addr = dest;
	ept->cb = cb;
	ept->priv = priv;
	ept->dev = dev;
	ept->announced = 0;
	ept->next = dev->epts;
	dev->epts = ept;

	if (dev->ns && dest == AMP_RPMSG_ADDR_ANY && ept->name[0] &&
	    src != AMP_RPMSG_NS_ADDR) {
		r = ns_send(ept, AMP_RPMSG_NS_CREATE);
		if (r) {
			amp_rpmsg_destroy_ept(ept);
			return r;
		}
		ept->announced = 1;
	}
	return 0;
}

void amp_rpmsg_destroy_ept(struct amp_rpmsg_ept *ept)
{
	struct amp_rpmsg_dev *dev = ept->dev;
	struct amp_rpmsg_ept **p = &dev->epts;

	if (ept->announced)
		ns_send(ept, AMP_RPMSG_NS_DESTROY); /* best effort */
	while (*p && *p != ept)
		p = &(*p)->next;
	if (*p)
		*p = ept->next;
	addr_mark(dev, ept->addr, false);
	ept->next = NULL;
}

/* The name service endpoint (address 53): the peer's channels come and
 * go.  A local endpoint of the same name waiting for a peer is bound. */
static void ns_rx(struct amp_rpmsg_ept *ns, void *data, uint32_t len,
		  uint32_t src)
{
	struct amp_rpmsg_dev *dev = ns->dev;
	struct amp_rpmsg_ns_msg m;
	struct amp_rpmsg_ept *e;

	(void)src;
	if (len != sizeof(m)) {
		dev->stats.bad++;
		return;
	}
	__builtin_memcpy(&m, data, sizeof(m));
	m.name[AMP_RPMSG_NAME_SIZE - 1] = 0;
	for (e = dev->epts; e; e = e->next) {
		if (e == ns || !name_eq(e->name, m.name))
			continue;
		if (m.flags == AMP_RPMSG_NS_CREATE &&
		    e->dest_addr == AMP_RPMSG_ADDR_ANY) {
			e->dest_addr = m.addr;
			break;
		}
		if (m.flags == AMP_RPMSG_NS_DESTROY && e->dest_addr == m.addr) {
			e->dest_addr = AMP_RPMSG_ADDR_ANY;
			if (e->unbind)
				e->unbind(e);
			break;
		}
	}
	if (dev->ns_cb)
		dev->ns_cb(dev, m.name, m.addr, m.flags);
}

/* ---- init ---- */

void amp_rpmsg_cfg_default(struct amp_rpmsg_cfg *cfg)
{
	__builtin_memset(cfg, 0, sizeof(*cfg));
	cfg->buf_size = AMP_RPMSG_BUF_SIZE_DEFAULT;
	cfg->features = AMP_RPMSG_FEATURES;
	cfg->send_timeout_ns = AMP_RPMSG_SEND_TIMEOUT_NS_DEFAULT;
}

/* Attach vq to a vring as the table describes it (a copy: the shared
 * entry is read once). */
static int vq_attach(struct amp_rpmsg_dev *dev, struct amp_vq *vq,
		     const struct amp_fw_rsc_vdev_vring *vr, bool event_idx)
{
	void *va;

	if (!AMP_IS_POW2(vr->num) || vr->num > AMP_VQ_MAX_NUM ||
	    !AMP_IS_POW2(vr->align))
		return -AMP_EINVAL;
	va = amp_region_pa_to_va(&dev->shm, vr->da,
				 amp_vring_size(vr->num, vr->align));
	if (!va)
		return -AMP_EFAULT;
	return amp_vq_init(vq, IS_HOST(dev) ? AMP_VQ_DRIVER : AMP_VQ_DEVICE, va,
			   vr->num, vr->align, vr->notifyid, event_idx);
}

/* Host: bind buffer i of the pool to descriptor i of each ring (rx
 * buffers first, as Linux lays them out) and offer every rx buffer. */
static int host_pool(struct amp_rpmsg_dev *dev, const struct amp_rpmsg_cfg *cfg)
{
	uint32_t n = dev->rvq.num < dev->svq.num ? dev->rvq.num : dev->svq.num;
	uint32_t count = cfg->buf_count ? cfg->buf_count : n;
	uint32_t bs = cfg->buf_size, half = count * bs;

	if (count > n || bs <= AMP_RPMSG_HDR_SIZE || bs & 3 ||
	    bs > 0x10000u + AMP_RPMSG_HDR_SIZE)
		return -AMP_EINVAL;
	dev->pool = amp_region_pa_to_va(&dev->shm, cfg->pool_pa, 2ull * half);
	if (!dev->pool)
		return -AMP_EFAULT;
	dev->buf_size = bs;
	dev->buf_count = count;
	for (uint32_t i = 0; i < count; i++) {
		uint64_t rx = cfg->pool_pa + i * bs;

		amp_vq_drv_set_buf(&dev->rvq, (uint16_t)i, rx, bs,
				   AMP_VRING_DESC_F_WRITE);
		amp_vq_drv_offer(&dev->rvq, (uint16_t)i, bs);
		amp_vq_drv_set_buf(&dev->svq, (uint16_t)i, rx + half, 0, 0);
	}
	return 0;
}

/* Remote: learn the buffer size from the first rx buffer the host
 * offered (OpenAMP does the same); each send still checks its own. */
static uint32_t remote_buf_size(struct amp_vq *q)
{
	uint32_t len = 0;

	if (AMP_LOAD_ACQUIRE(&q->avail->idx)) {
		uint16_t id = AMP_LOAD(&q->avail->ring[0]);

		if (id < q->num)
			len = AMP_LOAD(&q->desc[id].len);
	}
	return len > AMP_RPMSG_HDR_SIZE ? len : AMP_RPMSG_BUF_SIZE_DEFAULT;
}

int amp_rpmsg_init(struct amp_rpmsg_dev *dev, enum amp_rpmsg_role role,
		   struct amp_fw_rsc_vdev *vdev, const struct amp_region *shm,
		   struct amp_port *port, const struct amp_rpmsg_cfg *cfg)
{
	struct amp_fw_rsc_vdev_vring vr[2];
	struct amp_fw_rsc_vdev hdr;
	struct amp_rpmsg_cfg defaults;
	uint32_t features;
	bool eidx, host;
	int r;

	if (!(AMP_RPMSG_ROLES & (1u << role)))
		return -AMP_ENOTSUP;
	if (!cfg) {
		amp_rpmsg_cfg_default(&defaults);
		cfg = &defaults;
	}
	__builtin_memset(dev, 0, sizeof(*dev));
	dev->shm = *shm;
	dev->port = port;
	dev->role = (uint8_t)role;
	host = IS_HOST(dev); /* a constant when one role is built */
	dev->send_timeout_ns = cfg->send_timeout_ns;
	dev->ns_cb = cfg->ns_cb;
	dev->priv = cfg->priv;

	/* One snapshot of the shared header: the peer may be writing it, and
	 * packed fields cannot be read through atomics. (The remote has
	 * already seen DRIVER_OK with acquire in amp_rpmsg_wait_ready.) */
	__builtin_memcpy(&hdr, (const void *)vdev, sizeof(hdr));
	if (hdr.id != AMP_VIRTIO_ID_RPMSG || hdr.num_of_vrings < 2)
		return -AMP_EINVAL;
	features = host ? hdr.dfeatures & cfg->features & AMP_RPMSG_FEATURES
			: hdr.gfeatures;
	dev->ns = !!(features & (1u << AMP_VIRTIO_RPMSG_F_NS));
	dev->credits = !!(features & (1u << AMP_VIRTIO_RPMSG_F_CREDITS));
	eidx = !!(features & (1u << AMP_VIRTIO_RING_F_EVENT_IDX));

	/* Host: receive on vring0, send on vring1; the remote the reverse. */
	__builtin_memcpy(vr, (const void *)vdev->vring, sizeof(vr));
	r = vq_attach(dev, &dev->rvq, &vr[!host], eidx);
	if (!r)
		r = vq_attach(dev, &dev->svq, &vr[host], eidx);
	if (!r && host)
		r = host_pool(dev, cfg);
	if (r)
		return r;
	if (!host)
		dev->buf_size = remote_buf_size(&dev->svq);
	/* Nobody waits yet: the peer need not ring us until we ask. */
	want_notify(dev, WANT_RX | WANT_TX, false);
	amp_rpmsg_create_ept(&dev->ns_ept, dev, "ns", AMP_RPMSG_NS_ADDR,
			     AMP_RPMSG_NS_ADDR, ns_rx, NULL);
	if (host) {
		vdev->gfeatures = features;
		AMP_STORE_RELEASE(&vdev->status,
				  AMP_VIRTIO_STATUS_ACKNOWLEDGE |
					  AMP_VIRTIO_STATUS_DRIVER |
					  AMP_VIRTIO_STATUS_DRIVER_OK);
	}
	return 0;
}

int amp_rpmsg_wait_ready(struct amp_fw_rsc_vdev *vdev, struct amp_port *port,
			 uint64_t deadline)
{
	while (!(AMP_LOAD_ACQUIRE(&vdev->status) &
		 AMP_VIRTIO_STATUS_DRIVER_OK)) {
		/* A Linux host sets DRIVER_OK without ringing, so wake up
		 * now and then to look (only while booting). */
		uint64_t slice = amp_port_deadline(port, 10000000);
		int r = port->ops->wait(port,
					slice < deadline ? slice : deadline);

		if (r == -AMP_EPIPE)
			return r;
		if (amp_port_now(port) >= deadline)
			return -AMP_ETIMEDOUT;
	}
	return 0;
}

/* ---- sending ---- */

static void hdr_fill(struct amp_rpmsg_hdr *hdr, uint32_t src, uint32_t dst,
		     uint32_t len, uint16_t flags)
{
	struct amp_rpmsg_hdr h = { src, dst, 0, (uint16_t)len, flags };

	__builtin_memcpy(hdr, &h, sizeof(h));
}

static int send_copy(struct amp_rpmsg_ept *ept, uint32_t dst, uint16_t flags,
		     const void *data, uint32_t len, uint64_t deadline,
		     uint64_t timeout)
{
	struct amp_rpmsg_dev *dev = ept->dev;
	struct amp_rpmsg_hdr *hdr;
	uint32_t cap;
	int id;

	if (dst == AMP_RPMSG_ADDR_ANY)
		dst = ept->dest_addr;
	if (dst == AMP_RPMSG_ADDR_ANY)
		return -AMP_ENOTCONN;
	if (len > amp_rpmsg_max_payload(dev))
		return -AMP_EMSGSIZE;
	id = get_tx(dev, &hdr, &cap, deadline, timeout);
	if (id < 0)
		return id;
	if (len > cap) {
		/* The host offered a buffer smaller than the first: hand it
		 * back empty (the host counts it as bad) and refuse. */
		tx_give(dev, (uint16_t)id, 0);
		return -AMP_EMSGSIZE;
	}
	hdr_fill(hdr, ept->addr, dst, len, flags);
	__builtin_memcpy(hdr + 1, data, len);
	tx_give(dev, (uint16_t)id, AMP_RPMSG_HDR_SIZE + len);
	dev->stats.tx++;
	return 0;
}

int amp_rpmsg_send_deadline(struct amp_rpmsg_ept *ept, uint32_t dst,
			    const void *data, uint32_t len, uint64_t deadline)
{
	return send_copy(ept, dst, 0, data, len, deadline, 0);
}

int amp_rpmsg_send_flags(struct amp_rpmsg_ept *ept, uint32_t dst,
			 uint16_t flags, const void *data, uint32_t len,
			 uint64_t deadline)
{
	return send_copy(ept, dst, flags, data, len, deadline, 0);
}

int amp_rpmsg_sendto(struct amp_rpmsg_ept *ept, uint32_t dst, const void *data,
		     uint32_t len)
{
	return send_copy(ept, dst, 0, data, len, 0, ept->dev->send_timeout_ns);
}

static struct amp_rpmsg_loan *loan_new(struct amp_rpmsg_dev *dev)
{
	return loan_find(dev, NULL, 0);
}

void *amp_rpmsg_get_tx_buf(struct amp_rpmsg_dev *dev, uint32_t *cap,
			   uint64_t deadline, int *err)
{
	struct amp_rpmsg_loan *l = loan_new(dev);
	struct amp_rpmsg_hdr *hdr;
	int id;

	if (!l && !dev->nspare) {
		*err = -AMP_ENOMEM;
		return NULL;
	}
	id = get_tx(dev, &hdr, cap, deadline, 0);
	if (id < 0) {
		*err = id;
		return NULL;
	}
	l = loan_new(dev); /* a spare taken by get_tx frees a slot */
	*l = (struct amp_rpmsg_loan){ hdr, *cap, (uint16_t)id, LOAN_TX };
	*err = 0;
	return hdr + 1;
}

int amp_rpmsg_send_nocopy(struct amp_rpmsg_ept *ept, uint32_t dst,
			  void *payload, uint32_t len)
{
	struct amp_rpmsg_dev *dev = ept->dev;
	struct amp_rpmsg_hdr *hdr = (struct amp_rpmsg_hdr *)payload - 1;
	struct amp_rpmsg_loan *l = loan_find(dev, hdr, LOAN_TX);

	if (dst == AMP_RPMSG_ADDR_ANY)
		dst = ept->dest_addr;
	if (!l)
		return -AMP_EINVAL;
	if (dst == AMP_RPMSG_ADDR_ANY)
		return -AMP_ENOTCONN;
	if (len > l->cap)
		return -AMP_EMSGSIZE;
	hdr_fill(hdr, ept->addr, dst, len, 0);
	l->kind = 0;
	tx_give(dev, l->id, AMP_RPMSG_HDR_SIZE + len);
	dev->stats.tx++;
	return 0;
}

int amp_rpmsg_release_tx(struct amp_rpmsg_dev *dev, void *payload)
{
	struct amp_rpmsg_loan *l =
		loan_find(dev, (struct amp_rpmsg_hdr *)payload - 1, LOAN_TX);

	if (!l)
		return -AMP_EINVAL;
	l->kind = LOAN_SPARE;
	dev->nspare++;
	return 0;
}

/* ---- receiving ---- */

int amp_rpmsg_hold_rx(struct amp_rpmsg_dev *dev, void *payload)
{
	struct amp_rpmsg_loan *l;

	if (!dev->dispatching || dev->cur_held ||
	    (struct amp_rpmsg_hdr *)payload - 1 != dev->cur_hdr)
		return -AMP_EINVAL;
	l = loan_new(dev);
	if (!l)
		return -AMP_ENOMEM;
	*l = (struct amp_rpmsg_loan){ dev->cur_hdr, 0, dev->cur_id, LOAN_RX };
	dev->cur_held = 1;
	return 0;
}

int amp_rpmsg_release_rx(struct amp_rpmsg_dev *dev, void *payload)
{
	struct amp_rpmsg_loan *l =
		loan_find(dev, (struct amp_rpmsg_hdr *)payload - 1, LOAN_RX);

	if (!l)
		return -AMP_EINVAL;
	l->kind = 0;
	rx_give(dev, l->id);
	kick(dev, &dev->rvq);
	return 0;
}

/* Deliver one message, then give its buffer back unless it was held.
 * Returns 1 if an endpoint got it. */
static int deliver(struct amp_rpmsg_dev *dev, uint16_t id,
		   struct amp_rpmsg_hdr *hdr, uint32_t len)
{
	struct amp_rpmsg_hdr h;
	struct amp_rpmsg_ept *ept;
	int held;

	__builtin_memcpy(&h, hdr, sizeof(h)); /* read the peer's once */
	if (len < sizeof(h) || h.len > len - sizeof(h)) {
		dev->stats.bad++;
	} else if (!(ept = ept_by_addr(dev, h.dst)) || !ept->cb) {
		dev->stats.dropped++;
	} else {
		dev->stats.rx++;
		dev->cur_hdr = hdr;
		dev->cur_id = id;
		dev->cur_flags = h.flags;
		dev->cur_held = 0;
		ept->cb(ept, hdr + 1, h.len, h.src);
		dev->cur_hdr = NULL;
		held = dev->cur_held;
		if (!held)
			rx_give(dev, id);
		return 1;
	}
	rx_give(dev, id);
	return 0;
}

int amp_rpmsg_poll(struct amp_rpmsg_dev *dev)
{
	struct amp_rpmsg_hdr *hdr;
	uint32_t len, i = 0;
	int n = 0, id;

	if (dev->dispatching)
		return 0;
	dev->dispatching = 1;
	while ((id = take(dev, &dev->rvq, 0, &hdr, &len)) >= 0) {
		n += deliver(dev, (uint16_t)id, hdr, len);
		/* Let a blocked sender on the other side go on early. */
		if ((++i & 15) == 0)
			kick(dev, &dev->rvq);
	}
	dev->dispatching = 0;
	kick(dev, &dev->rvq);
	if (id == -AMP_EOVERFLOW && !n) { /* the peer broke the ring */
		dev->stats.bad++;
		return -AMP_EPROTO;
	}
	return n;
}

int amp_rpmsg_wait(struct amp_rpmsg_dev *dev, uint64_t deadline)
{
	for (;;) {
		int n = amp_rpmsg_poll(dev), r;

		if (n)
			return n;
		if (dev->dispatching)
			return -AMP_EBUSY;
		r = wait_for(dev, WANT_RX, deadline);
		if (r)
			return r;
	}
}

bool amp_rpmsg_arm(struct amp_rpmsg_dev *dev, bool tx)
{
	int want = tx ? WANT_RX | WANT_TX : WANT_RX;

	want_notify(dev, want, true);
	return ready(dev, want);
}

void amp_rpmsg_disarm(struct amp_rpmsg_dev *dev)
{
	want_notify(dev, WANT_RX | WANT_TX, false);
}

uint32_t amp_rpmsg_max_payload(const struct amp_rpmsg_dev *dev)
{
	return payload_cap(dev->buf_size);
}
