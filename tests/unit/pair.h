/*
 * pair.h - a host and a remote RPMsg device facing each other in one
 * process, over a malloc'd "shared" region, with a fake port: the clock
 * is a counter, notify() is recorded, and wait() either runs the other
 * side once (simulating a concurrent peer) or jumps to the deadline.
 * Lets unit tests drive both ends of every exchange deterministically.
 */
#ifndef AMPKIT_TEST_PAIR_H
#define AMPKIT_TEST_PAIR_H

#include <stdlib.h>
#include <string.h>

#include "ampkit/rpmsg.h"

struct fake_port {
	struct amp_port port;
	uint64_t now;
	uint32_t notified; /* bit per channel */
	uint32_t notifies;
	uint32_t waits;
	int gone;
	struct amp_rpmsg_dev *peer; /* polled once per wait(), if set */
};

static void fake_notify(struct amp_port *p, uint32_t ch)
{
	struct fake_port *f = AMP_CONTAINER_OF(p, struct fake_port, port);

	f->notified |= 1u << ch;
	f->notifies++;
}

static int fake_wait(struct amp_port *p, uint64_t deadline)
{
	struct fake_port *f = AMP_CONTAINER_OF(p, struct fake_port, port);

	f->waits++;
	if (f->gone)
		return -AMP_EPIPE;
	if (f->peer) {
		f->now += 1000;
		amp_rpmsg_poll(f->peer);
		return 0;
	}
	f->now = deadline;
	return -AMP_ETIMEDOUT;
}

static uint64_t fake_now(struct amp_port *p)
{
	return AMP_CONTAINER_OF(p, struct fake_port, port)->now++;
}

static const struct amp_port_ops fake_ops = { fake_notify, fake_wait,
					      fake_now };

/* Resource table at the region's start: header, one offset, then one
 * vdev with two vrings. */
#define PAIR_VDEV_AT (sizeof(struct amp_rsc_table) + 4)

#define PAIR_PA 0x10000000u

struct pair {
	struct amp_region shm;
	struct amp_fw_rsc_vdev *vdev;
	struct fake_port hport, rport;
	struct amp_rpmsg_dev host, remote;
	uint64_t pool_pa;
	uint64_t extra_pa; /* pair_init_extra's bytes */
};

/* Lay out table, rings, pool and `extra` bytes for a service (at
 * extra_pa); bring up both ends, the remote offering `features` and the
 * host accepting those of `host_features`.  Returns 0 or the first init
 * error. */
static int pair_init_extra(struct pair *p, uint32_t num, uint32_t buf_size,
			   uint32_t features, uint32_t host_features,
			   size_t extra)
{
	size_t ring = AMP_ALIGN_UP(amp_vring_size(num, 16), (size_t)64);
	size_t off_ring0 = 256, off_pool = off_ring0 + 2 * ring;
	size_t off_extra =
		AMP_ALIGN_UP(off_pool + (size_t)2 * num * buf_size, (size_t)64);
	struct amp_rpmsg_cfg cfg;
	int r;

	memset(p, 0, sizeof(*p));
	p->shm.size = off_extra + extra;
	p->extra_pa = PAIR_PA + off_extra;
	p->shm.va = aligned_alloc(64, AMP_ALIGN_UP(p->shm.size, (size_t)64));
	p->shm.pa = PAIR_PA;
	memset(p->shm.va, 0, p->shm.size);
	struct amp_rsc_table *t = (struct amp_rsc_table *)p->shm.va;

	t->ver = 1;
	t->num = 1;
	t->offset[0] = PAIR_VDEV_AT;
	p->vdev = (struct amp_fw_rsc_vdev *)(p->shm.va + PAIR_VDEV_AT);
	p->vdev->type = AMP_RSC_VDEV;
	p->vdev->id = AMP_VIRTIO_ID_RPMSG;
	p->vdev->dfeatures = features;
	p->vdev->num_of_vrings = 2;
	for (uint32_t i = 0; i < 2; i++) {
		p->vdev->vring[i].da = PAIR_PA + off_ring0 + i * ring;
		p->vdev->vring[i].align = 16;
		p->vdev->vring[i].num = num;
		p->vdev->vring[i].notifyid = i;
	}
	p->pool_pa = PAIR_PA + off_pool;

	p->hport = (struct fake_port){ { &fake_ops, 0 }, 1, 0, 0, 0, 0, NULL };
	p->rport = (struct fake_port){ { &fake_ops, 0 }, 1, 0, 0, 0, 0, NULL };
	amp_rpmsg_cfg_default(&cfg);
	cfg.buf_size = buf_size;
	cfg.pool_pa = p->pool_pa;
	cfg.send_timeout_ns = 1000000;
	cfg.features = host_features;
	r = amp_rpmsg_init(&p->host, AMP_RPMSG_HOST, p->vdev, &p->shm,
			   &p->hport.port, &cfg);
	if (r)
		return r;
	r = amp_rpmsg_init(&p->remote, AMP_RPMSG_REMOTE, p->vdev, &p->shm,
			   &p->rport.port, NULL);
	p->remote.send_timeout_ns = 1000000;
	return r;
}

static inline int pair_init_features(struct pair *p, uint32_t num,
				     uint32_t buf_size, uint32_t features,
				     uint32_t host_features)
{
	return pair_init_extra(p, num, buf_size, features, host_features, 0);
}

static inline int pair_init(struct pair *p, uint32_t num, uint32_t buf_size,
			    uint32_t features)
{
	return pair_init_features(p, num, buf_size, features,
				  AMP_RPMSG_FEATURES);
}

static void pair_free(struct pair *p)
{
	free(p->shm.va);
}

#endif
