/*
 * srm.c - the resource manager (srm.h): the rproc-srm wire format and
 * its checks, the peripheral / clock / regulator table with the ETZPC
 * it simulates, the host's answer to a message, and the remote's client.
 *
 * The host never trusts a message: amp_srm_check() rejects anything that
 * is not exactly one message with a known type and terminated strings,
 * and amp_srm_serve() then checks every value against the table before it
 * changes one field, so a refused request leaves the table as it was.
 * The answer always goes back (ERROR with a reason if refused), so the
 * requester never waits for nothing.
 */
#include "ampkit/srm.h"

static const struct {
	const char *text;
	int err;
} reasons[AMP_SRM_R_COUNT] = {
	[AMP_SRM_OK] = { "ok", 0 },
	[AMP_SRM_R_SHORT] = { "short message", AMP_EBADMSG },
	[AMP_SRM_R_LONG] = { "long message", AMP_EMSGSIZE },
	[AMP_SRM_R_TYPE] = { "bad message type", AMP_EBADMSG },
	[AMP_SRM_R_RSC] = { "bad resource type", AMP_EBADMSG },
	[AMP_SRM_R_UNTERMINATED] = { "name not terminated", AMP_EBADMSG },
	[AMP_SRM_R_NODEV] = { "unknown device", AMP_ENODEV },
	[AMP_SRM_R_NOCLOCK] = { "unknown clock", AMP_ENOENT },
	[AMP_SRM_R_NOREGU] = { "unknown regulator", AMP_ENOENT },
	[AMP_SRM_R_RATE] = { "rate out of range", AMP_ERANGE },
	[AMP_SRM_R_VOLTAGE] = { "voltage out of range", AMP_ERANGE },
	[AMP_SRM_R_HOST] = { "owned by the host", AMP_EPERM },
	[AMP_SRM_R_UNASSIGNED] = { "not assigned", AMP_EPERM },
	[AMP_SRM_R_NOT_HELD] = { "not requested", AMP_EPERM },
	[AMP_SRM_R_BUSY] = { "already held", AMP_EBUSY },
	[AMP_SRM_R_BADARG] = { "bad argument", AMP_EINVAL },
};

const char *amp_srm_reason_text(enum amp_srm_reason r)
{
	return (unsigned)r < AMP_SRM_R_COUNT ? reasons[r].text : "?";
}

int amp_srm_reason_errno(enum amp_srm_reason r)
{
	return (unsigned)r < AMP_SRM_R_COUNT ? -reasons[r].err : -AMP_EPROTO;
}

/* s equals the NUL-terminated text t, within size bytes of s. */
static bool str_is(const uint8_t *s, uint32_t size, const char *t)
{
	uint32_t i;

	for (i = 0; i < size && t[i]; i++)
		if (s[i] != (uint8_t)t[i])
			return false;
	return i < size && !s[i] && !t[i];
}

static bool terminated(const uint8_t *s, uint32_t size)
{
	for (uint32_t i = 0; i < size; i++)
		if (!s[i])
			return true;
	return false;
}

static void str_put(uint8_t *dst, uint32_t size, const char *src)
{
	uint32_t i = 0;

	for (; src && i + 1 < size && src[i]; i++)
		dst[i] = (uint8_t)src[i];
	for (; i < size; i++)
		dst[i] = 0;
}

enum amp_srm_reason amp_srm_reason_parse(const uint8_t *dev, uint32_t size)
{
	for (unsigned r = AMP_SRM_R_SHORT; r < AMP_SRM_R_COUNT; r++)
		if (str_is(dev, size, reasons[r].text))
			return (enum amp_srm_reason)r;
	return AMP_SRM_R_COUNT;
}

enum amp_srm_reason amp_srm_check(const void *data, uint32_t len,
				  struct amp_srm_msg *out)
{
	struct amp_srm_msg m;

	if (len < sizeof(m))
		return AMP_SRM_R_SHORT;
	if (len > sizeof(m))
		return AMP_SRM_R_LONG;
	__builtin_memcpy(&m, data, sizeof(m)); /* the peer's, read once */
	if (m.message_type != AMP_SRM_MSG_GETCONFIG &&
	    m.message_type != AMP_SRM_MSG_SETCONFIG)
		return AMP_SRM_R_TYPE;
	if (!terminated(m.device_id, sizeof(m.device_id)))
		return AMP_SRM_R_UNTERMINATED;
	switch (m.rsc_type) {
	case AMP_SRM_RSC_CLOCK:
		if (!terminated(m.u.clock.name, sizeof(m.u.clock.name)))
			return AMP_SRM_R_UNTERMINATED;
		break;
	case AMP_SRM_RSC_REGU:
		if (!terminated(m.u.regu.name, sizeof(m.u.regu.name)))
			return AMP_SRM_R_UNTERMINATED;
		break;
	case AMP_SRM_RSC_PERIPH:
		break;
	default:
		return AMP_SRM_R_RSC;
	}
	*out = m;
	return AMP_SRM_OK;
}

static void msg_head(struct amp_srm_msg *m, uint32_t type, const char *dev,
		     uint32_t rsc)
{
	__builtin_memset(m, 0, sizeof(*m));
	m->message_type = type;
	str_put(m->device_id, sizeof(m->device_id), dev);
	m->rsc_type = rsc;
}

void amp_srm_msg_clock(struct amp_srm_msg *m, uint32_t type, const char *dev,
		       const char *name, uint32_t rate, bool enable)
{
	msg_head(m, type, dev, AMP_SRM_RSC_CLOCK);
	m->u.clock.index = AMP_SRM_INDEX_ANY;
	str_put(m->u.clock.name, sizeof(m->u.clock.name), name);
	m->u.clock.rate = rate;
	m->u.clock.disabled = !enable;
}

void amp_srm_msg_regu(struct amp_srm_msg *m, uint32_t type, const char *dev,
		      const char *name, bool enable, uint32_t min_mv,
		      uint32_t max_mv)
{
	msg_head(m, type, dev, AMP_SRM_RSC_REGU);
	m->u.regu.index = AMP_SRM_INDEX_ANY;
	str_put(m->u.regu.name, sizeof(m->u.regu.name), name);
	m->u.regu.enable = enable;
	m->u.regu.min_voltage_mv = min_mv;
	m->u.regu.max_voltage_mv = max_mv;
}

void amp_srm_msg_periph(struct amp_srm_msg *m, uint32_t type, const char *dev,
			bool hold)
{
	msg_head(m, type, dev, AMP_SRM_RSC_PERIPH);
	m->u.periph.held = hold;
}

/* ---- the table ---- */

static const char *const owner_names[] = {
	[AMP_RES_UNASSIGNED] = "unassigned",
	[AMP_RES_HOST] = "host",
	[AMP_RES_COPROC] = "coprocessor",
};

const char *amp_res_owner_name(enum amp_res_owner o)
{
	return (unsigned)o < AMP_ARRAY_SIZE(owner_names) ? owner_names[o] : "?";
}

static void etzpc_set(struct amp_res_table *t, uint32_t id,
		      enum amp_res_owner o)
{
	uint32_t *reg = &t->etzpc[id / 16], sh = 2 * (id % 16);

	*reg = (*reg & ~(3u << sh)) | (uint32_t)o << sh;
}

enum amp_res_owner amp_res_owner(const struct amp_res_table *t, uint32_t p)
{
	uint32_t id;

	if (p >= t->nperiph)
		return AMP_RES_UNASSIGNED;
	id = t->periph[p].id;
	return (enum amp_res_owner)(t->etzpc[id / 16] >> 2 * (id % 16) & 3u);
}

void amp_res_init(struct amp_res_table *t)
{
	__builtin_memset(t, 0, sizeof(*t));
}

static uint32_t name_len(const char *s, uint32_t size)
{
	uint32_t n = 0;

	while (n < size && s[n])
		n++;
	return n;
}

static bool name_eq(const char *a, const char *b, uint32_t size)
{
	for (uint32_t i = 0; i < size; i++) {
		if (a[i] != b[i])
			return false;
		if (!a[i])
			return true;
	}
	return true;
}

/* A usable name for a field of `size` bytes: 1..size-1 characters. */
static bool name_ok(const char *s, uint32_t size)
{
	uint32_t n = s ? name_len(s, size) : 0;

	return n && n < size;
}

int amp_res_find(const struct amp_res_table *t, const char *name)
{
	for (uint32_t i = 0; i < t->nperiph; i++)
		if (name_eq(t->periph[i].name, name, AMP_SRM_DEV_SIZE))
			return (int)i;
	return -AMP_ENOENT;
}

int amp_res_add_periph(struct amp_res_table *t, const char *name, uint32_t id,
		       uint32_t addr, enum amp_res_owner owner)
{
	struct amp_res_periph *p;

	if (!name_ok(name, AMP_SRM_DEV_SIZE) || id > AMP_RES_MAX_ID ||
	    (unsigned)owner > AMP_RES_COPROC)
		return -AMP_EINVAL;
	for (uint32_t i = 0; i < t->nperiph; i++)
		if (t->periph[i].id == id || t->periph[i].addr == addr ||
		    name_eq(t->periph[i].name, name, AMP_SRM_DEV_SIZE))
			return -AMP_EEXIST;
	if (t->nperiph >= AMP_RES_MAX_PERIPH)
		return -AMP_ENOSPC;
	p = &t->periph[t->nperiph];
	__builtin_memset(p, 0, sizeof(*p));
	__builtin_memcpy(p->name, name, name_len(name, AMP_SRM_DEV_SIZE));
	p->id = id;
	p->addr = addr;
	etzpc_set(t, id, owner);
	return (int)t->nperiph++;
}

/* The next index among dev's clocks (regulators), or -AMP_EEXIST if the
 * name is taken on that peripheral. */
static int clock_slot(const struct amp_res_table *t, const char *name,
		      uint32_t dev)
{
	int n = 0;

	for (uint32_t i = 0; i < t->nclock; i++) {
		if (t->clock[i].dev != dev)
			continue;
		if (name_eq(t->clock[i].name, name, AMP_SRM_NAME_SIZE))
			return -AMP_EEXIST;
		n++;
	}
	return n;
}

static int regu_slot(const struct amp_res_table *t, const char *name,
		     uint32_t dev)
{
	int n = 0;

	for (uint32_t i = 0; i < t->nregu; i++) {
		if (t->regu[i].dev != dev)
			continue;
		if (name_eq(t->regu[i].name, name, AMP_SRM_NAME_SIZE))
			return -AMP_EEXIST;
		n++;
	}
	return n;
}

int amp_res_add_clock(struct amp_res_table *t, const char *name, uint32_t dev,
		      uint32_t rate, uint32_t min, uint32_t max, bool enabled)
{
	struct amp_res_clock *c;
	int idx;

	if (!name_ok(name, AMP_SRM_NAME_SIZE) || dev >= t->nperiph || !min ||
	    min > max || rate < min || rate > max)
		return -AMP_EINVAL;
	idx = clock_slot(t, name, dev);
	if (idx < 0)
		return idx;
	if (t->nclock >= AMP_RES_MAX_CLOCKS)
		return -AMP_ENOSPC;
	c = &t->clock[t->nclock];
	__builtin_memset(c, 0, sizeof(*c));
	__builtin_memcpy(c->name, name, name_len(name, AMP_SRM_NAME_SIZE));
	c->dev = (uint8_t)dev;
	c->index = (uint8_t)idx;
	c->rate = c->boot_rate = rate;
	c->min = min;
	c->max = max;
	c->enabled = c->boot_enabled = enabled;
	return (int)t->nclock++;
}

int amp_res_add_regu(struct amp_res_table *t, const char *name, uint32_t dev,
		     uint32_t min_mv, uint32_t max_mv, uint32_t mv,
		     bool enabled)
{
	struct amp_res_regu *r;
	int idx;

	if (!name_ok(name, AMP_SRM_NAME_SIZE) || dev >= t->nperiph || !min_mv ||
	    min_mv > max_mv || mv < min_mv || mv > max_mv)
		return -AMP_EINVAL;
	idx = regu_slot(t, name, dev);
	if (idx < 0)
		return idx;
	if (t->nregu >= AMP_RES_MAX_REGUS)
		return -AMP_ENOSPC;
	r = &t->regu[t->nregu];
	__builtin_memset(r, 0, sizeof(*r));
	__builtin_memcpy(r->name, name, name_len(name, AMP_SRM_NAME_SIZE));
	r->dev = (uint8_t)dev;
	r->index = (uint8_t)idx;
	r->min_mv = min_mv;
	r->max_mv = max_mv;
	r->mv = r->boot_mv = mv;
	r->enabled = r->boot_enabled = enabled;
	return (int)t->nregu++;
}

int amp_res_assign(struct amp_res_table *t, uint32_t p,
		   enum amp_res_owner owner)
{
	if (p >= t->nperiph || (unsigned)owner > AMP_RES_COPROC)
		return -AMP_EINVAL;
	if (t->periph[p].held && owner != AMP_RES_COPROC)
		return -AMP_EBUSY;
	etzpc_set(t, t->periph[p].id, owner);
	return 0;
}

/* May the coprocessor use peripheral p at all? */
static enum amp_srm_reason owned(const struct amp_res_table *t, uint32_t p)
{
	switch (amp_res_owner(t, p)) {
	case AMP_RES_COPROC:
		return AMP_SRM_OK;
	case AMP_RES_HOST:
		return AMP_SRM_R_HOST;
	default:
		return AMP_SRM_R_UNASSIGNED;
	}
}

enum amp_srm_reason amp_res_request(struct amp_res_table *t, uint32_t p)
{
	enum amp_srm_reason r = p < t->nperiph ? owned(t, p) : AMP_SRM_R_NODEV;

	if (!r && t->periph[p].held)
		r = AMP_SRM_R_BUSY;
	if (r) {
		t->stats.refused++;
		return r;
	}
	t->periph[p].held = 1;
	t->stats.granted++;
	return AMP_SRM_OK;
}

enum amp_srm_reason amp_res_release(struct amp_res_table *t, uint32_t p)
{
	if (p >= t->nperiph)
		return AMP_SRM_R_NODEV;
	if (!t->periph[p].held)
		return AMP_SRM_R_NOT_HELD;
	t->periph[p].held = 0;
	t->stats.released++;
	return AMP_SRM_OK;
}

uint32_t amp_res_release_all(struct amp_res_table *t)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < t->nperiph; i++) {
		n += t->periph[i].held;
		t->periph[i].held = 0;
	}
	t->stats.released += n;
	for (uint32_t i = 0; i < t->nclock; i++) {
		struct amp_res_clock *c = &t->clock[i];

		if (owned(t, c->dev) == AMP_SRM_OK) {
			c->rate = c->boot_rate;
			c->enabled = c->boot_enabled;
		}
	}
	for (uint32_t i = 0; i < t->nregu; i++) {
		struct amp_res_regu *r = &t->regu[i];

		if (owned(t, r->dev) == AMP_SRM_OK) {
			r->mv = r->boot_mv;
			r->enabled = r->boot_enabled;
			r->req_min = r->req_max = 0;
		}
	}
	return n;
}

/* ---- serving a message ---- */

static int find_clock(const struct amp_res_table *t, uint32_t dev,
		      const struct amp_srm_clock *q)
{
	for (uint32_t i = 0; i < t->nclock; i++) {
		const struct amp_res_clock *c = &t->clock[i];

		if (c->dev != dev)
			continue;
		if (q->index != AMP_SRM_INDEX_ANY
			    ? c->index == q->index
			    : str_is(q->name, sizeof(q->name), c->name))
			return (int)i;
	}
	return -1;
}

static int find_regu(const struct amp_res_table *t, uint32_t dev,
		     const struct amp_srm_regu *q)
{
	for (uint32_t i = 0; i < t->nregu; i++) {
		const struct amp_res_regu *r = &t->regu[i];

		if (r->dev != dev)
			continue;
		if (q->index != AMP_SRM_INDEX_ANY
			    ? r->index == q->index
			    : str_is(q->name, sizeof(q->name), r->name))
			return (int)i;
	}
	return -1;
}

static enum amp_srm_reason serve_clock(struct amp_res_table *t, uint32_t dev,
				       struct amp_srm_msg *m)
{
	struct amp_srm_clock *q = &m->u.clock;
	struct amp_res_clock *c;
	int i = find_clock(t, dev, q);

	if (i < 0)
		return AMP_SRM_R_NOCLOCK;
	c = &t->clock[i];
	if (m->message_type == AMP_SRM_MSG_SETCONFIG) {
		if (q->disabled > 1)
			return AMP_SRM_R_BADARG;
		/* rate 0 keeps the rate, as on ST's host */
		if (q->rate && (q->rate < c->min || q->rate > c->max))
			return AMP_SRM_R_RATE;
		if (q->rate)
			c->rate = q->rate;
		c->enabled = !q->disabled;
	}
	q->index = c->index;
	str_put(q->name, sizeof(q->name), c->name);
	q->rate = c->rate;
	q->disabled = !c->enabled;
	return AMP_SRM_OK;
}

static enum amp_srm_reason serve_regu(struct amp_res_table *t, uint32_t dev,
				      struct amp_srm_msg *m)
{
	struct amp_srm_regu *q = &m->u.regu;
	struct amp_res_regu *r;
	int i = find_regu(t, dev, q);

	if (i < 0)
		return AMP_SRM_R_NOREGU;
	r = &t->regu[i];
	if (m->message_type == AMP_SRM_MSG_SETCONFIG) {
		if (q->enable > 1)
			return AMP_SRM_R_BADARG;
		/* both 0 keeps the voltage, as on ST's host */
		if (q->min_voltage_mv || q->max_voltage_mv) {
			if (q->min_voltage_mv > q->max_voltage_mv ||
			    q->max_voltage_mv < r->min_mv ||
			    q->min_voltage_mv > r->max_mv)
				return AMP_SRM_R_VOLTAGE;
			/* the lowest the regulator can give in the window */
			r->mv = q->min_voltage_mv > r->min_mv
					? q->min_voltage_mv
					: r->min_mv;
			r->req_min = q->min_voltage_mv;
			r->req_max = q->max_voltage_mv;
		}
		r->enabled = (uint8_t)q->enable;
	}
	q->index = r->index;
	str_put(q->name, sizeof(q->name), r->name);
	q->enable = r->enabled;
	q->curr_voltage_mv = r->mv;
	q->min_voltage_mv = q->max_voltage_mv = 0;
	return AMP_SRM_OK;
}

static enum amp_srm_reason serve_periph(struct amp_res_table *t, uint32_t p,
					struct amp_srm_msg *m)
{
	struct amp_srm_periph *q = &m->u.periph;
	enum amp_srm_reason r = AMP_SRM_OK;

	if (m->message_type == AMP_SRM_MSG_SETCONFIG) {
		if (q->held > 1)
			return AMP_SRM_R_BADARG;
		r = q->held ? amp_res_request(t, p) : amp_res_release(t, p);
		if (r)
			return r;
	}
	q->id = t->periph[p].id;
	q->held = t->periph[p].held;
	q->addr = t->periph[p].addr;
	q->owner = amp_res_owner(t, p);
	return AMP_SRM_OK;
}

static enum amp_srm_reason serve(struct amp_res_table *t, struct amp_srm_msg *m)
{
	enum amp_srm_reason r;
	int p = amp_res_find(t, (const char *)m->device_id);

	if (p < 0)
		return AMP_SRM_R_NODEV;
	if (m->rsc_type == AMP_SRM_RSC_PERIPH)
		return serve_periph(t, (uint32_t)p, m);
	r = owned(t, (uint32_t)p);
	if (r)
		return r;
	if (m->message_type == AMP_SRM_MSG_SETCONFIG && !t->periph[p].held)
		return AMP_SRM_R_NOT_HELD;
	return m->rsc_type == AMP_SRM_RSC_CLOCK ? serve_clock(t, (uint32_t)p, m)
						: serve_regu(t, (uint32_t)p, m);
}

enum amp_srm_reason amp_srm_serve(struct amp_res_table *t, const void *data,
				  uint32_t len, struct amp_srm_msg *reply)
{
	enum amp_srm_reason r = amp_srm_check(data, len, reply);

	t->stats.requests++;
	if (r) {
		/* Echo what there is of it, as far as it goes. */
		__builtin_memset(reply, 0, sizeof(*reply));
		__builtin_memcpy(reply, data,
				 len < sizeof(*reply) ? len : sizeof(*reply));
		t->stats.bad++;
	} else {
		struct amp_srm_msg req = *reply;

		r = serve(t, reply);
		if (r)
			*reply = req; /* the request, untouched */
	}
	if (r) {
		reply->message_type = AMP_SRM_MSG_ERROR;
		str_put(reply->device_id, sizeof(reply->device_id),
			amp_srm_reason_text(r));
		t->stats.errors++;
		t->stats.last = r;
	}
	return r;
}

/* ---- the client ---- */

static void client_rx(struct amp_rpmsg_ept *ept, void *data, uint32_t len,
		      uint32_t src)
{
	struct amp_srm_client *c =
		AMP_CONTAINER_OF(ept, struct amp_srm_client, ept);

	(void)src;
	if (!c->pending || len != sizeof(c->reply)) {
		c->bad++;
		return;
	}
	__builtin_memcpy(&c->reply, data, sizeof(c->reply));
	c->pending = 0;
	c->got = 1;
}

int amp_srm_client_open(struct amp_srm_client *c, struct amp_rpmsg_dev *dev,
			uint32_t src)
{
	__builtin_memset(c, 0, sizeof(*c));
	return amp_rpmsg_create_ept(&c->ept, dev, AMP_SRM_CHANNEL, src,
				    AMP_RPMSG_ADDR_ANY, client_rx, c);
}

void amp_srm_client_close(struct amp_srm_client *c)
{
	amp_rpmsg_destroy_ept(&c->ept);
}

int amp_srm_send(struct amp_srm_client *c, const void *data, uint32_t len,
		 uint64_t deadline)
{
	struct amp_rpmsg_dev *dev = c->ept.dev;
	int r;

	if (c->pending)
		return -AMP_EBUSY;
	/* Bound by the host's announcement, which may still be on its way. */
	while (c->ept.dest_addr == AMP_RPMSG_ADDR_ANY) {
		if (deadline == AMP_DEADLINE_NOW || dev->dispatching)
			return -AMP_ENOTCONN;
		r = amp_rpmsg_wait(dev, deadline);
		if (r == -AMP_ETIMEDOUT)
			return -AMP_ENOTCONN;
		if (r < 0)
			return r;
	}
	c->got = 0;
	c->pending = 1;
	r = amp_rpmsg_send_deadline(&c->ept, AMP_RPMSG_ADDR_ANY, data, len,
				    deadline);
	if (r)
		c->pending = 0;
	return r;
}

int amp_srm_wait(struct amp_srm_client *c, struct amp_srm_msg *out,
		 uint64_t deadline)
{
	struct amp_rpmsg_dev *dev = c->ept.dev;
	int r;

	while (!c->got) {
		if (!c->pending)
			return -AMP_EINVAL; /* nothing asked */
		if (dev->dispatching)
			return -AMP_EBUSY;
		r = amp_rpmsg_wait(dev, deadline);
		if (r < 0)
			return r;
	}
	c->got = 0;
	*out = c->reply;
	if (out->message_type != AMP_SRM_MSG_ERROR)
		return 0;
	return amp_srm_reason_errno(
		amp_srm_reason_parse(out->device_id, sizeof(out->device_id)));
}

int amp_srm_call(struct amp_srm_client *c, struct amp_srm_msg *m,
		 uint64_t deadline)
{
	int r = amp_srm_send(c, m, sizeof(*m), deadline);

	return r ? r : amp_srm_wait(c, m, deadline);
}
