/*
 * sdb.c - shared data buffers (sdb.h): a pool in shared memory whose
 * buffers change hands with small control messages, for both roles.
 *
 * The whole protocol is an ownership table.  Every buffer is in one of
 * five states as this side sees it (FREE, TAKEN and LENT for our own;
 * AWAY and HELD for the peer's), every local call and every peer message
 * is one legal transition, and anything else is refused without touching
 * the table: that is how a lying or confused peer is kept from making us
 * read a buffer it is still writing, or write one we lent.  Data never
 * moves; only indexes, offsets and lengths do, and offsets and lengths
 * are checked against the buffer before a pointer is formed.
 */
#include "ampkit/sdb.h"

static bool ours(const struct amp_sdb *s, uint32_t i)
{
	return s->host ? i < s->cfg.host_count : i >= s->cfg.host_count;
}

/* Everything back home: the state of a fresh start on both sides. */
static void reset(struct amp_sdb *s)
{
	for (uint32_t i = 0; i < s->cfg.count; i++)
		s->state[i] = ours(s, i) ? AMP_SDB_FREE : AMP_SDB_AWAY;
}

static int send_msg(struct amp_sdb *s, uint32_t type, uint32_t index,
		    uint32_t offset, uint32_t length, uint64_t deadline)
{
	struct amp_sdb_msg m = { type, index, offset, length };

	return amp_rpmsg_send_deadline(&s->ept, AMP_RPMSG_ADDR_ANY, &m,
				       sizeof(m), deadline);
}

static int hello(struct amp_sdb *s, uint32_t count)
{
	return send_msg(s, AMP_SDB_HELLO, s->cfg.host_count, count, s->cfg.size,
			amp_port_deadline(s->ept.dev->port,
					  s->ept.dev->send_timeout_ns));
}

static bool layout_ok(uint32_t count, uint32_t host_count, uint32_t size,
		      uint64_t pool_len)
{
	return count && count <= AMP_SDB_MAX_BUFS && host_count <= count &&
	       size >= 8 && size % 8 == 0 && (uint64_t)count * size <= pool_len;
}

static void reject(struct amp_sdb *s, uint32_t type)
{
	s->stats.bad++;
	s->stats.bad_last = type;
}

/* The host's HELLO: take its layout if it fits, and answer. */
static void remote_hello_rx(struct amp_sdb *s, const struct amp_sdb_msg *m)
{
	if (!layout_ok(m->offset, m->index, m->length, s->cfg.pool_len)) {
		s->matched = 0;
		reject(s, AMP_SDB_HELLO);
		hello(s, 0); /* refused */
		return;
	}
	/* A host saying hello again restarted: it holds nothing of ours
	 * and has handed us nothing. */
	if (s->matched)
		s->stats.resets++;
	s->cfg.count = m->offset;
	s->cfg.host_count = m->index;
	s->cfg.size = m->length;
	reset(s);
	s->matched = 1;
	hello(s, s->cfg.count);
}

/* The remote's answer: our layout back, or a refusal. */
static void host_hello_rx(struct amp_sdb *s, const struct amp_sdb_msg *m)
{
	if (m->index != s->cfg.host_count || m->offset != s->cfg.count ||
	    m->length != s->cfg.size) {
		s->matched = 0;
		s->refused = 1;
		reject(s, AMP_SDB_HELLO);
		return;
	}
	/* An answer after we were matched: the remote restarted. */
	if (s->matched)
		s->stats.resets++;
	reset(s);
	s->matched = 1;
	s->refused = 0;
}

static void filled_rx(struct amp_sdb *s, const struct amp_sdb_msg *m)
{
	uint32_t i = m->index;

	if (!s->matched || i >= s->cfg.count || s->state[i] != AMP_SDB_AWAY ||
	    m->offset > s->cfg.size || m->length > s->cfg.size - m->offset) {
		reject(s, AMP_SDB_FILLED);
		return;
	}
	s->state[i] = AMP_SDB_HELD;
	s->stats.received++;
	s->stats.rx_bytes += m->length;
	if (s->on_filled)
		s->on_filled(s, i,
			     s->pool + (size_t)i * s->cfg.size + m->offset,
			     m->length);
}

static void release_rx(struct amp_sdb *s, const struct amp_sdb_msg *m)
{
	uint32_t i = m->index;

	if (!s->matched || i >= s->cfg.count || s->state[i] != AMP_SDB_LENT ||
	    m->offset || m->length) {
		reject(s, AMP_SDB_RELEASE);
		return;
	}
	s->state[i] = AMP_SDB_FREE;
	s->stats.released_rx++;
	if (s->on_released)
		s->on_released(s, i);
}

static void sdb_rx(struct amp_rpmsg_ept *ept, void *data, uint32_t len,
		   uint32_t src)
{
	struct amp_sdb *s = AMP_CONTAINER_OF(ept, struct amp_sdb, ept);
	struct amp_sdb_msg m;

	if (len != sizeof(m)) {
		reject(s, 0);
		return;
	}
	__builtin_memcpy(&m, data, sizeof(m)); /* the peer's, read once */
	/* The remote's end was announced, not bound: the host's HELLO says
	 * where the host is - every HELLO, since a host that opens its end
	 * again may do so at another address. */
	if (ept->dest_addr == AMP_RPMSG_ADDR_ANY ||
	    (!s->host && m.type == AMP_SDB_HELLO)) {
		if (m.type != AMP_SDB_HELLO) {
			reject(s, m.type);
			return;
		}
		ept->dest_addr = src;
	}
	switch (m.type) {
	case AMP_SDB_HELLO:
		if (s->host)
			host_hello_rx(s, &m);
		else
			remote_hello_rx(s, &m);
		break;
	case AMP_SDB_FILLED:
		filled_rx(s, &m);
		break;
	case AMP_SDB_RELEASE:
		release_rx(s, &m);
		break;
	default:
		reject(s, m.type);
	}
}

/* The channel went away: what the peer held is void, and so is what we
 * hold of its buffers (the memory may be reloaded before it is back). */
static void sdb_unbind(struct amp_rpmsg_ept *ept)
{
	struct amp_sdb *s = AMP_CONTAINER_OF(ept, struct amp_sdb, ept);

	s->matched = 0;
	reset(s);
}

int amp_sdb_open(struct amp_sdb *s, struct amp_rpmsg_dev *dev,
		 const struct amp_sdb_cfg *cfg, uint32_t src, uint32_t dest,
		 amp_sdb_filled_cb on_filled, void *priv)
{
	bool host = dev->role == AMP_RPMSG_HOST;
	int r;

	if (host &&
	    !layout_ok(cfg->count, cfg->host_count, cfg->size, cfg->pool_len))
		return -AMP_EINVAL;
	__builtin_memset(s, 0, sizeof(*s));
	s->pool = amp_region_pa_to_va(&dev->shm, cfg->pool_pa, cfg->pool_len);
	if (!s->pool || !cfg->pool_len)
		return -AMP_EFAULT;
	s->cfg = *cfg;
	s->on_filled = on_filled;
	s->priv = priv;
	s->host = host;
	if (!host) /* the host's HELLO brings them */
		s->cfg.count = s->cfg.host_count = s->cfg.size = 0;
	reset(s);
	r = amp_rpmsg_create_ept(&s->ept, dev, AMP_SDB_NAME, src, dest, sdb_rx,
				 s);
	if (r)
		return r;
	s->ept.unbind = sdb_unbind;
	if (host) {
		r = hello(s, s->cfg.count);
		if (r) {
			amp_rpmsg_destroy_ept(&s->ept);
			return r;
		}
	}
	return 0;
}

void amp_sdb_close(struct amp_sdb *s)
{
	amp_rpmsg_destroy_ept(&s->ept);
}

static int take_free(struct amp_sdb *s, void **data, uint32_t *cap)
{
	for (uint32_t i = 0; i < s->cfg.count; i++) {
		if (s->state[i] != AMP_SDB_FREE)
			continue;
		s->state[i] = AMP_SDB_TAKEN;
		*data = s->pool + (size_t)i * s->cfg.size;
		*cap = s->cfg.size;
		return (int)i;
	}
	return -AMP_EAGAIN;
}

int amp_sdb_alloc(struct amp_sdb *s, void **data, uint32_t *cap,
		  uint64_t deadline)
{
	struct amp_rpmsg_dev *dev = s->ept.dev;
	bool waited = false;
	int r;

	for (;;) {
		if (s->refused)
			return -AMP_EPROTO;
		if (s->matched && !(s->host ? s->cfg.host_count
					    : s->cfg.count - s->cfg.host_count))
			return -AMP_ENOBUFS;
		if (!s->matched && deadline == AMP_DEADLINE_NOW)
			return -AMP_ENOTCONN;
		if (s->matched && (r = take_free(s, data, cap)) >= 0)
			break;
		if (deadline == AMP_DEADLINE_NOW)
			return -AMP_EAGAIN;
		if (dev->dispatching)
			return -AMP_EBUSY; /* releases are messages */
		if (!waited) {
			waited = true;
			s->stats.waits++;
		}
		r = amp_rpmsg_wait(dev, deadline);
		if (r == -AMP_ETIMEDOUT && !s->matched)
			return -AMP_ENOTCONN;
		if (r < 0)
			return r;
	}
	return r;
}

int amp_sdb_send(struct amp_sdb *s, uint32_t index, uint32_t offset,
		 uint32_t len, uint64_t deadline)
{
	int r;

	if (index >= s->cfg.count || s->state[index] != AMP_SDB_TAKEN ||
	    offset > s->cfg.size || len > s->cfg.size - offset)
		return -AMP_EINVAL;
	/* Lent before the message goes: once it is out, the peer may give
	 * it back before this call returns. */
	s->state[index] = AMP_SDB_LENT;
	r = send_msg(s, AMP_SDB_FILLED, index, offset, len, deadline);
	if (r) {
		s->state[index] = AMP_SDB_TAKEN;
		return r;
	}
	s->stats.sent++;
	s->stats.tx_bytes += len;
	return 0;
}

int amp_sdb_take(struct amp_sdb *s, uint32_t index)
{
	if (!s->matched)
		return -AMP_ENOTCONN;
	if (index >= s->cfg.count || !ours(s, index))
		return -AMP_EINVAL;
	if (s->state[index] != AMP_SDB_FREE)
		return -AMP_EBUSY;
	s->state[index] = AMP_SDB_TAKEN;
	return 0;
}

int amp_sdb_unalloc(struct amp_sdb *s, uint32_t index)
{
	if (index >= s->cfg.count || s->state[index] != AMP_SDB_TAKEN)
		return -AMP_EINVAL;
	s->state[index] = AMP_SDB_FREE;
	return 0;
}

int amp_sdb_release(struct amp_sdb *s, uint32_t index, uint64_t deadline)
{
	int r;

	if (index >= s->cfg.count || s->state[index] != AMP_SDB_HELD)
		return -AMP_EINVAL;
	s->state[index] = AMP_SDB_AWAY;
	r = send_msg(s, AMP_SDB_RELEASE, index, 0, 0, deadline);
	if (r) {
		s->state[index] = AMP_SDB_HELD;
		return r;
	}
	s->stats.released_tx++;
	return 0;
}

static uint32_t count_state(const struct amp_sdb *s, uint8_t st)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < s->cfg.count; i++)
		n += s->state[i] == st;
	return n;
}

uint32_t amp_sdb_free_count(const struct amp_sdb *s)
{
	return count_state(s, AMP_SDB_FREE);
}

uint32_t amp_sdb_held_count(const struct amp_sdb *s)
{
	return count_state(s, AMP_SDB_HELD);
}
