/*
 * res.c - the host's resource manager (resources.h): the config file's
 * parser with one line-numbered message per mistake, the built-in
 * default table, the text `ampkit resources` prints, and the rproc's
 * host end of "rproc-srm", which answers the firmware's requests from
 * the live table and gives everything back when the firmware goes.
 *
 * The table and every rule about it (who may hold what, which values are
 * in range) are the core's (core/srm.c); this file only reads text into
 * it and wires it to the remoteproc life cycle.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ampkit/resources.h"
#include "rproc_internal.h"

#define CONFIG_MAX (64u << 10)
#define MAX_TOKENS 12

const char amp_res_default_text[] =
	"# The bench firmware's default: a few STM32MP157C-DK2 peripherals.\n"
	"# Ids and addresses are illustrative (see RM0436 for a board).\n"
	"peripheral usart3 id=31 addr=0x4000f000 owner=coprocessor\n"
	"peripheral uart7  id=34 addr=0x40018000 owner=coprocessor\n"
	"peripheral i2c5   id=44 addr=0x40015000 owner=coprocessor\n"
	"peripheral adc    id=72 addr=0x48003000 owner=coprocessor\n"
	"peripheral spi4   id=51 addr=0x44005000 owner=unassigned\n"
	"peripheral i2c1   id=40 addr=0x40012000 owner=host\n"
	"clock usart3_k dev=usart3 rate=64000000 min=4000000 max=104000000\n"
	"clock uart7_k  dev=uart7  rate=64000000 min=4000000 max=104000000\n"
	"clock i2c5_k   dev=i2c5   rate=24000000 min=1000000 max=104000000\n"
	"clock adc_k    dev=adc    rate=24000000 min=1000000 max=133000000\n"
	"clock i2c1_k   dev=i2c1   rate=24000000 min=1000000 max=104000000 "
	"enabled=1\n"
	"regulator vdda      dev=adc  min_mv=1800 max_mv=3300 mv=3300\n"
	"regulator vrefbuf   dev=adc  min_mv=1500 max_mv=2500 mv=2500\n"
	"regulator v3v3_i2c1 dev=i2c1 min_mv=3300 max_mv=3300 enabled=1\n";

/* ---- the parser ---- */

struct line {
	const char *src;
	unsigned no;
	char *err;
	size_t errlen;
	char *tok[MAX_TOKENS];
	int ntok;
	const char *kind, *name;
};

static int bad(struct line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(struct line *l, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->name)
		snprintf(l->err, l->errlen, "%s:%u: %s %s: %s", l->src, l->no,
			 l->kind, l->name, msg);
	else
		snprintf(l->err, l->errlen, "%s:%u: %s", l->src, l->no, msg);
	return -AMP_EINVAL;
}

/* The keys a statement takes, and what it was given. */
struct keys {
	const char *const *names; /* NULL-terminated */
	const char *val[8];
};

/* Split key=value tokens (from the third) into k->val, by name. */
static int take_keys(struct line *l, struct keys *k)
{
	for (int i = 2; i < l->ntok; i++) {
		char *eq = strchr(l->tok[i], '=');
		int j;

		if (!eq || eq == l->tok[i])
			return bad(l, "'%s' is not key=value", l->tok[i]);
		*eq = '\0';
		for (j = 0; k->names[j]; j++)
			if (!strcmp(k->names[j], l->tok[i]))
				break;
		if (!k->names[j])
			return bad(l, "unknown key '%s'", l->tok[i]);
		if (k->val[j])
			return bad(l, "%s= given twice", l->tok[i]);
		if (!eq[1])
			return bad(l, "%s= needs a value", l->tok[i]);
		k->val[j] = eq + 1;
	}
	return 0;
}

/* Key j as a number (decimal or 0x hex, 32 bits); `def` if absent and
 * def >= 0, else an error naming it. */
static int num(struct line *l, const struct keys *k, int j, long long def,
	       uint32_t *out)
{
	const char *s = k->val[j];
	unsigned long long v;
	char *end;

	if (!s) {
		if (def < 0)
			return bad(l, "missing %s=", k->names[j]);
		*out = (uint32_t)def;
		return 0;
	}
	errno = 0;
	v = strtoull(s, &end, 0);
	if (*s == '-' || *end || errno || v > 0xFFFFFFFFull)
		return bad(l, "%s=%s is not a number (0..4294967295)",
			   k->names[j], s);
	*out = (uint32_t)v;
	return 0;
}

static int flag(struct line *l, const struct keys *k, int j, bool *out)
{
	uint32_t v = 0;
	int r = num(l, k, j, 0, &v);

	if (r)
		return r;
	if (v > 1)
		return bad(l, "%s= wants 0 or 1, not %s", k->names[j],
			   k->val[j]);
	*out = v;
	return 0;
}

static int name_fits(struct line *l, size_t size)
{
	if (strlen(l->name) >= size)
		return bad(l, "name longer than %zu characters", size - 1);
	return 0;
}

/* The peripheral a clock or regulator belongs to. */
static int dev_of(struct line *l, const struct amp_res_table *t,
		  const struct keys *k, uint32_t *dev)
{
	int p;

	if (!k->val[0])
		return bad(l, "missing dev=");
	p = amp_res_find(t, k->val[0]);
	if (p < 0)
		return bad(l, "dev=%s is no peripheral declared above",
			   k->val[0]);
	*dev = (uint32_t)p;
	return 0;
}

static int full(struct line *l, const char *what, unsigned max)
{
	return bad(l, "too many %s (at most %u)", what, max);
}

static int periph_line(struct line *l, struct amp_res_table *t)
{
	static const char *const names[] = { "id", "addr", "owner", NULL };
	struct keys k = { names, { 0 } };
	enum amp_res_owner owner;
	uint32_t id = 0, addr = 0;
	int r;

	if ((r = name_fits(l, AMP_SRM_DEV_SIZE)) || (r = take_keys(l, &k)) ||
	    (r = num(l, &k, 0, -1, &id)) || (r = num(l, &k, 1, -1, &addr)))
		return r;
	if (!k.val[2])
		return bad(l, "missing owner=");
	if (!strcmp(k.val[2], "host"))
		owner = AMP_RES_HOST;
	else if (!strcmp(k.val[2], "coprocessor"))
		owner = AMP_RES_COPROC;
	else if (!strcmp(k.val[2], "unassigned"))
		owner = AMP_RES_UNASSIGNED;
	else
		return bad(l, "owner=%s is not host, coprocessor or unassigned",
			   k.val[2]);
	if (id > AMP_RES_MAX_ID)
		return bad(l, "id %u out of range (0..%u)", id, AMP_RES_MAX_ID);
	for (uint32_t i = 0; i < t->nperiph; i++) {
		const struct amp_res_periph *p = &t->periph[i];

		if (!strcmp(p->name, l->name))
			return bad(l, "declared twice");
		if (p->id == id)
			return bad(l, "id %u is already %s's", id, p->name);
		if (p->addr == addr)
			return bad(l, "address 0x%x is already %s's", addr,
				   p->name);
	}
	r = amp_res_add_periph(t, l->name, id, addr, owner);
	if (r == -AMP_ENOSPC)
		return full(l, "peripherals", AMP_RES_MAX_PERIPH);
	return r < 0 ? bad(l, "refused (error %d)", -r) : 0;
}

static int range_of(struct line *l, const char *what, uint32_t lo, uint32_t hi,
		    uint32_t v, const char *unit)
{
	if (!lo)
		return bad(l, "minimum must be above 0");
	if (lo > hi)
		return bad(l, "minimum %u%s above maximum %u%s", lo, unit, hi,
			   unit);
	if (v < lo || v > hi)
		return bad(l, "%s %u%s outside %u..%u%s", what, v, unit, lo, hi,
			   unit);
	return 0;
}

static int clock_line(struct line *l, struct amp_res_table *t)
{
	static const char *const names[] = { "dev", "rate",    "min",
					     "max", "enabled", NULL };
	struct keys k = { names, { 0 } };
	uint32_t dev = 0, rate = 0, min = 0, max = 0;
	bool en = false;
	int r;

	if ((r = name_fits(l, AMP_SRM_NAME_SIZE)) || (r = take_keys(l, &k)) ||
	    (r = dev_of(l, t, &k, &dev)) || (r = num(l, &k, 1, -1, &rate)) ||
	    (r = num(l, &k, 2, rate, &min)) ||
	    (r = num(l, &k, 3, rate, &max)) || (r = flag(l, &k, 4, &en)) ||
	    (r = range_of(l, "rate", min, max, rate, "")))
		return r;
	r = amp_res_add_clock(t, l->name, dev, rate, min, max, en);
	if (r == -AMP_EEXIST)
		return bad(l, "declared twice on %s", t->periph[dev].name);
	if (r == -AMP_ENOSPC)
		return full(l, "clocks", AMP_RES_MAX_CLOCKS);
	return r < 0 ? bad(l, "refused (error %d)", -r) : 0;
}

static int regu_line(struct line *l, struct amp_res_table *t)
{
	static const char *const names[] = { "dev", "min_mv",  "max_mv",
					     "mv",  "enabled", NULL };
	struct keys k = { names, { 0 } };
	uint32_t dev = 0, lo = 0, hi = 0, mv = 0;
	bool en = false;
	int r;

	if ((r = name_fits(l, AMP_SRM_NAME_SIZE)) || (r = take_keys(l, &k)) ||
	    (r = dev_of(l, t, &k, &dev)) || (r = num(l, &k, 1, -1, &lo)) ||
	    (r = num(l, &k, 2, -1, &hi)) || (r = num(l, &k, 3, lo, &mv)) ||
	    (r = flag(l, &k, 4, &en)) ||
	    (r = range_of(l, "mv", lo, hi, mv, " mV")))
		return r;
	r = amp_res_add_regu(t, l->name, dev, lo, hi, mv, en);
	if (r == -AMP_EEXIST)
		return bad(l, "declared twice on %s", t->periph[dev].name);
	if (r == -AMP_ENOSPC)
		return full(l, "regulators", AMP_RES_MAX_REGUS);
	return r < 0 ? bad(l, "refused (error %d)", -r) : 0;
}

static int parse_line(struct line *l, struct amp_res_table *t, char *s)
{
	char *save = NULL, *tok;

	l->ntok = 0;
	l->kind = l->name = NULL;
	s[strcspn(s, "#")] = '\0';
	for (tok = strtok_r(s, " \t\r", &save); tok;
	     tok = strtok_r(NULL, " \t\r", &save)) {
		if (l->ntok == MAX_TOKENS)
			return bad(l, "more than %d words", MAX_TOKENS);
		l->tok[l->ntok++] = tok;
	}
	if (!l->ntok)
		return 0;
	l->kind = l->tok[0];
	if (strcmp(l->kind, "peripheral") && strcmp(l->kind, "clock") &&
	    strcmp(l->kind, "regulator"))
		return bad(l,
			   "unknown statement '%s' (peripheral, clock or "
			   "regulator)",
			   l->kind);
	if (l->ntok < 2 || strchr(l->tok[1], '='))
		return bad(l, "%s without a name", l->kind);
	l->name = l->tok[1];
	if (l->kind[0] == 'p')
		return periph_line(l, t);
	return l->kind[0] == 'c' ? clock_line(l, t) : regu_line(l, t);
}

int amp_res_parse(struct amp_res_table *t, const char *text, size_t len,
		  const char *src, char *err, size_t errlen)
{
	struct line l = { .src = src ? src : "resources",
			  .err = err,
			  .errlen = errlen };
	char *copy = malloc(len + 1), *s, *nl;
	int r = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!copy) {
		snprintf(err, errlen, "%s: out of memory", l.src);
		return -AMP_ENOMEM;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	amp_res_init(t);
	for (s = copy; !r && s; s = nl) {
		nl = strchr(s, '\n');
		if (nl)
			*nl++ = '\0';
		l.no++;
		l.kind = l.name = NULL;
		if (strlen(s) != (size_t)((nl ? nl - 1 : copy + len) - s)) {
			r = bad(&l, "NUL byte in the line");
			break;
		}
		r = parse_line(&l, t, s);
	}
	free(copy);
	if (r)
		amp_res_init(t);
	return r;
}

int amp_res_load(struct amp_res_table *t, const char *path, char *err,
		 size_t errlen)
{
	char *buf = malloc(CONFIG_MAX + 1);
	ssize_t n, got = 0;
	int fd, r;

	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -AMP_ENOMEM;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(buf);
		return r;
	}
	while ((n = read(fd, buf + got, CONFIG_MAX + 1 - (size_t)got)) > 0)
		got += n;
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r)
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
	else if (got > (ssize_t)CONFIG_MAX) {
		snprintf(err, errlen, "%s: larger than %u bytes", path,
			 CONFIG_MAX);
		r = -AMP_EINVAL;
	}
	if (!r)
		r = amp_res_parse(t, buf, (size_t)got, path, err, errlen);
	free(buf);
	return r;
}

/* ---- the table as text ---- */

struct out {
	char *p;
	size_t n, cap;
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (o->n + 1 >= o->cap)
		return;
	va_start(ap, fmt);
	w = vsnprintf(o->p + o->n, o->cap - o->n, fmt, ap);
	va_end(ap);
	if (w > 0)
		o->n += (size_t)w < o->cap - o->n ? (size_t)w
						  : o->cap - o->n - 1;
}

size_t amp_res_format(const struct amp_res_table *t, char *out, size_t cap)
{
	struct out o = { out, 0, cap };

	if (!cap)
		return 0;
	out[0] = '\0';
	put(&o, "%-16s %4s %-10s  %-12s %s\n", "peripheral", "id", "address",
	    "owner", "held by");
	for (uint32_t i = 0; i < t->nperiph; i++) {
		const struct amp_res_periph *p = &t->periph[i];

		put(&o, "%-16s %4u 0x%08x  %-12s %s\n", p->name, p->id, p->addr,
		    amp_res_owner_name(amp_res_owner(t, i)),
		    p->held ? "coprocessor" : "-");
	}
	put(&o, "\n%-16s %-16s %-8s %10s  %s\n", "clock", "device", "enabled",
	    "rate (Hz)", "range");
	for (uint32_t i = 0; i < t->nclock; i++) {
		const struct amp_res_clock *c = &t->clock[i];

		put(&o, "%-16s %-16s %-8s %10u  %u..%u\n", c->name,
		    t->periph[c->dev].name, c->enabled ? "yes" : "no", c->rate,
		    c->min, c->max);
	}
	put(&o, "\n%-16s %-16s %-8s %10s  %-12s %s\n", "regulator", "device",
	    "enabled", "voltage", "range", "requested");
	for (uint32_t i = 0; i < t->nregu; i++) {
		const struct amp_res_regu *r = &t->regu[i];
		char range[32], req[32] = "-";

		snprintf(range, sizeof(range), "%u..%u", r->min_mv, r->max_mv);
		if (r->req_min || r->req_max)
			snprintf(req, sizeof(req), "%u..%u", r->req_min,
				 r->req_max);
		put(&o, "%-16s %-16s %-8s %7u mV  %-12s %s\n", r->name,
		    t->periph[r->dev].name, r->enabled ? "yes" : "no", r->mv,
		    range, req);
	}
	put(&o, "\netzpc");
	for (uint32_t i = 0; i < AMP_RES_ETZPC_REGS; i++)
		put(&o, " %08x", t->etzpc[i]);
	put(&o, "\n");
	return o.n;
}

/* ---- the rproc's host end of rproc-srm ---- */

void amp_rproc_res_init(struct amp_rproc *rp)
{
	char err[200];

	/* The built-in text is checked by the tests; it cannot fail. */
	if (amp_res_parse(&rp->res_boot, amp_res_default_text,
			  sizeof(amp_res_default_text) - 1, "built-in", err,
			  sizeof(err)))
		abort();
	rp->res = rp->res_boot;
}

int amp_rproc_set_resources(struct amp_rproc *rp, const char *path)
{
	struct amp_res_table *t;
	char *copy = NULL;
	int r;

	if (rp->state != AMP_RPROC_OFFLINE)
		return amp_rproc_fail(rp, -AMP_EBUSY,
				      "%s: resources can only change while "
				      "offline (it is %s)",
				      rp->name,
				      amp_rproc_state_name(rp->state));
	t = malloc(sizeof(*t));
	if (!t || (path && !(copy = strdup(path)))) {
		free(t);
		return amp_rproc_fail(rp, -AMP_ENOMEM, "out of memory");
	}
	if (path)
		r = amp_res_load(t, path, rp->err, sizeof(rp->err));
	else
		r = amp_res_parse(t, amp_res_default_text,
				  sizeof(amp_res_default_text) - 1, "built-in",
				  rp->err, sizeof(rp->err));
	if (!r) {
		rp->res_boot = rp->res = *t;
		free(rp->res_path);
		rp->res_path = copy;
		copy = NULL;
	}
	free(copy);
	free(t);
	return r;
}

const char *amp_rproc_resources_path(const struct amp_rproc *rp)
{
	return rp->res_path;
}

struct amp_res_table *amp_rproc_resources(struct amp_rproc *rp)
{
	return &rp->res;
}

static const char *rsc_word(uint32_t t)
{
	return t == AMP_SRM_RSC_CLOCK  ? "clock"
	       : t == AMP_SRM_RSC_REGU ? "regulator"
				       : "peripheral";
}

/* One line for the log: what was asked and what came of it. */
static void srm_report(struct amp_rproc *rp, const struct amp_srm_msg *q,
		       uint32_t len, enum amp_srm_reason why)
{
	char line[160];

	if (len != sizeof(*q) || why == AMP_SRM_R_TYPE ||
	    why == AMP_SRM_R_RSC || why == AMP_SRM_R_UNTERMINATED)
		snprintf(line, sizeof(line),
			 "srm: malformed message of %u bytes refused: %s", len,
			 amp_srm_reason_text(why));
	else if (q->rsc_type == AMP_SRM_RSC_PERIPH)
		snprintf(line, sizeof(line), "srm: %s %.31s: %s",
			 q->message_type == AMP_SRM_MSG_GETCONFIG ? "query"
			 : q->u.periph.held			  ? "request"
								  : "release",
			 (const char *)q->device_id,
			 why ? amp_srm_reason_text(why)
			 : q->message_type == AMP_SRM_MSG_GETCONFIG ? "ok"
			 : q->u.periph.held			    ? "granted"
					    : "released");
	else
		snprintf(line, sizeof(line), "srm: %s %s %.15s on %.31s: %s",
			 q->message_type == AMP_SRM_MSG_GETCONFIG ? "get"
								  : "set",
			 rsc_word(q->rsc_type), (const char *)q->u.clock.name,
			 (const char *)q->device_id,
			 why ? amp_srm_reason_text(why) : "done");
	amp_rproc_emit(rp, AMP_RPROC_EV_RESOURCE, line, 0);
}

static void srm_rx(struct amp_rpmsg_ept *ept, void *data, uint32_t len,
		   uint32_t src)
{
	struct amp_rproc *rp = ept->priv;
	struct amp_srm_msg req = { 0 }, reply;
	enum amp_srm_reason why;
	int r;

	memcpy(&req, data, len < sizeof(req) ? len : sizeof(req));
	why = amp_srm_serve(&rp->res, data, len, &reply);
	r = amp_rpmsg_sendto(ept, src, &reply, sizeof(reply));
	srm_report(rp, &req, len, why);
	if (r)
		amp_rproc_emit(rp, AMP_RPROC_EV_RESOURCE,
			       "srm: answer not sent", 0);
}

/* The firmware announced rproc-srm: our end, announced back, so the
 * firmware's endpoint is bound to it (its requests have somewhere to
 * go); answers go to each request's source. */
void amp_rproc_srm_up(struct amp_rproc *rp)
{
	if (rp->srm_open)
		return;
	if (amp_rpmsg_create_ept(&rp->srm_ept, &rp->rpmsg, AMP_SRM_CHANNEL,
				 AMP_RPMSG_ADDR_ANY, AMP_RPMSG_ADDR_ANY, srm_rx,
				 rp)) {
		amp_rproc_emit(rp, AMP_RPROC_EV_RESOURCE,
			       "srm: cannot open the host end", 0);
		return;
	}
	rp->srm_open = true;
}

void amp_rproc_srm_down(struct amp_rproc *rp)
{
	if (!rp->srm_open)
		return;
	/* The firmware is gone or withdrew its end: nobody to tell, and a
	 * dead firmware's full ring must not hold us up. */
	rp->srm_ept.announced = 0;
	amp_rpmsg_destroy_ept(&rp->srm_ept);
	rp->srm_open = false;
}

void amp_rproc_res_release(struct amp_rproc *rp)
{
	char line[64];
	uint32_t n = amp_res_release_all(&rp->res);

	if (!n)
		return;
	snprintf(line, sizeof(line), "srm: released %u peripheral%s", n,
		 n == 1 ? "" : "s");
	amp_rproc_emit(rp, AMP_RPROC_EV_RESOURCE, line, 0);
}
