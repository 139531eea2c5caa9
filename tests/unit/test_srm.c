/*
 * test_srm.c - the resource manager (srm.h, resources.h): the rproc-srm
 * wire format byte for byte (one vector per message kind), the checks
 * that reject malformed messages (short, long, bad type, bad resource,
 * unterminated names), every refusal of amp_srm_serve with its reason
 * and the table left untouched, valid changes applied, grant / conflict
 * / release-all, host assignments that conflict, the config parser
 * (every kind of bad input named with its line), the table as text, and
 * the remote's client against a host in one process (pair.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ampkit/resources.h"
#include "ampkit/srm.h"
#include "unit/pair.h"

/* ---- wire vectors ---- */

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* A message as bytes, laid out by hand from REFERENCE §7 / ST's header,
 * not from the struct: type, device_id[32], rsc_type, then the union's
 * words and name at their offsets. */
static void vector(uint8_t out[76], uint32_t type, const char *dev,
		   uint32_t rsc, uint32_t index, const char *name,
		   const uint32_t *words, int nwords)
{
	memset(out, 0, 76);
	put32(out, type);
	memcpy(out + 4, dev, strlen(dev));
	put32(out + 36, rsc);
	if (rsc == AMP_SRM_RSC_PERIPH) {
		for (int i = 0; i < nwords; i++)
			put32(out + 40 + 4 * i, words[i]);
		return;
	}
	put32(out + 40, index);
	memcpy(out + 44, name, strlen(name));
	for (int i = 0; i < nwords; i++)
		put32(out + 60 + 4 * i, words[i]);
}

static void test_wire_vectors(void **state)
{
	struct amp_srm_msg m;
	uint8_t v[76];
	(void)state;

	/* SETCONFIG clock: rate 48 MHz, enabled (disabled 0) */
	amp_srm_msg_clock(&m, AMP_SRM_MSG_SETCONFIG, "usart3", "usart3_k",
			  48000000, true);
	vector(v, 1, "usart3", 0, 0xFFFFFFFF, "usart3_k",
	       (const uint32_t[]){ 48000000, 0 }, 2);
	assert_memory_equal(&m, v, 76);
	assert_int_equal(v[60], 0x00);
	assert_int_equal(v[61], 0x6C);
	assert_int_equal(v[62], 0xDC);
	assert_int_equal(v[63], 0x02);

	/* GETCONFIG clock, and a disabled one */
	amp_srm_msg_clock(&m, AMP_SRM_MSG_GETCONFIG, "adc", "adc_k", 0, false);
	vector(v, 0, "adc", 0, 0xFFFFFFFF, "adc_k", (const uint32_t[]){ 0, 1 },
	       2);
	assert_memory_equal(&m, v, 76);

	/* SETCONFIG regulator: enable, 1800..3300 mV (curr 0) */
	amp_srm_msg_regu(&m, AMP_SRM_MSG_SETCONFIG, "adc", "vdda", true, 1800,
			 3300);
	vector(v, 1, "adc", 1, 0xFFFFFFFF, "vdda",
	       (const uint32_t[]){ 1, 0, 1800, 3300 }, 4);
	assert_memory_equal(&m, v, 76);

	/* the ampkit peripheral request: held 1 */
	amp_srm_msg_periph(&m, AMP_SRM_MSG_SETCONFIG, "usart3", true);
	vector(v, 1, "usart3", 0x80, 0, "", (const uint32_t[]){ 0, 1 }, 2);
	assert_memory_equal(&m, v, 76);
}

static struct amp_res_table *table(void)
{
	static struct amp_res_table t;
	char err[200];

	assert_int_equal(amp_res_parse(&t, amp_res_default_text,
				       strlen(amp_res_default_text), "test",
				       err, sizeof(err)),
			 0);
	return &t;
}

static void test_error_vector(void **state)
{
	struct amp_res_table *t = table();
	struct amp_srm_msg q, reply;
	uint8_t v[76];
	(void)state;

	/* An ERROR is the request echoed, type 0xFF, the reason in
	 * device_id. */
	amp_srm_msg_clock(&q, AMP_SRM_MSG_SETCONFIG, "usart3", "usart3_k",
			  48000000, true);
	assert_int_equal(amp_srm_serve(t, &q, sizeof(q), &reply),
			 AMP_SRM_R_NOT_HELD);
	vector(v, 0xFF, "not requested", 0, 0xFFFFFFFF, "usart3_k",
	       (const uint32_t[]){ 48000000, 0 }, 2);
	assert_memory_equal(&reply, v, 76);
	assert_int_equal(amp_srm_reason_parse(reply.device_id, 32),
			 AMP_SRM_R_NOT_HELD);
	assert_int_equal(amp_srm_reason_errno(AMP_SRM_R_NOT_HELD), -AMP_EPERM);
	/* every reason's text parses back to it and fits device_id */
	for (unsigned r = 1; r < AMP_SRM_R_COUNT; r++) {
		uint8_t dev[32] = { 0 };

		assert_true(strlen(amp_srm_reason_text(r)) < 32);
		memcpy(dev, amp_srm_reason_text(r),
		       strlen(amp_srm_reason_text(r)));
		assert_int_equal(amp_srm_reason_parse(dev, 32), r);
		assert_true(amp_srm_reason_errno(r) < 0);
	}
	/* an ST host's plain echo is no known reason */
	assert_int_equal(amp_srm_reason_parse((const uint8_t *)"usart3\0", 8),
			 AMP_SRM_R_COUNT);
}

/* ---- malformed messages ---- */

static void test_check_malformed(void **state)
{
	struct amp_res_table *t = table(), before;
	struct amp_srm_msg m, reply;
	uint8_t raw[80] = { 0 };
	(void)state;

	amp_srm_msg_clock(&m, AMP_SRM_MSG_GETCONFIG, "usart3", "usart3_k", 0,
			  true);
	assert_int_equal(amp_srm_check(&m, sizeof(m), &reply), AMP_SRM_OK);
	assert_int_equal(amp_srm_check(&m, 75, &reply), AMP_SRM_R_SHORT);
	assert_int_equal(amp_srm_check(&m, 0, &reply), AMP_SRM_R_SHORT);
	memcpy(raw, &m, sizeof(m));
	assert_int_equal(amp_srm_check(raw, 77, &reply), AMP_SRM_R_LONG);

	m.message_type = 2;
	assert_int_equal(amp_srm_check(&m, sizeof(m), &reply), AMP_SRM_R_TYPE);
	m.message_type = AMP_SRM_MSG_ERROR; /* not a request */
	assert_int_equal(amp_srm_check(&m, sizeof(m), &reply), AMP_SRM_R_TYPE);
	m.message_type = AMP_SRM_MSG_GETCONFIG;
	m.rsc_type = 2;
	assert_int_equal(amp_srm_check(&m, sizeof(m), &reply), AMP_SRM_R_RSC);
	m.rsc_type = AMP_SRM_RSC_CLOCK;
	memset(m.device_id, 'x', sizeof(m.device_id));
	assert_int_equal(amp_srm_check(&m, sizeof(m), &reply),
			 AMP_SRM_R_UNTERMINATED);
	amp_srm_msg_clock(&m, AMP_SRM_MSG_GETCONFIG, "usart3", "", 0, true);
	memset(m.u.clock.name, 'y', sizeof(m.u.clock.name));
	assert_int_equal(amp_srm_check(&m, sizeof(m), &reply),
			 AMP_SRM_R_UNTERMINATED);
	amp_srm_msg_regu(&m, AMP_SRM_MSG_SETCONFIG, "adc", "", 1, 0, 0);
	memset(m.u.regu.name, 'z', sizeof(m.u.regu.name));
	assert_int_equal(amp_srm_check(&m, sizeof(m), &reply),
			 AMP_SRM_R_UNTERMINATED);

	/* served: ERROR with the reason, the table unchanged */
	amp_srm_msg_periph(&m, AMP_SRM_MSG_SETCONFIG, "usart3", true);
	before = *t;
	assert_int_equal(amp_srm_serve(t, &m, 40, &reply), AMP_SRM_R_SHORT);
	assert_int_equal(reply.message_type, AMP_SRM_MSG_ERROR);
	assert_string_equal((char *)reply.device_id, "short message");
	m.message_type = 7;
	assert_int_equal(amp_srm_serve(t, &m, sizeof(m), &reply),
			 AMP_SRM_R_TYPE);
	assert_string_equal((char *)reply.device_id, "bad message type");
	amp_srm_msg_periph(&m, AMP_SRM_MSG_SETCONFIG, "usart3", true);
	memset(m.device_id, 'u', sizeof(m.device_id));
	assert_int_equal(amp_srm_serve(t, &m, sizeof(m), &reply),
			 AMP_SRM_R_UNTERMINATED);
	assert_string_equal((char *)reply.device_id, "name not terminated");
	assert_int_equal(t->stats.bad, 3);
	assert_int_equal(t->stats.errors, 3);
	t->stats = before.stats;
	assert_memory_equal(t, &before, sizeof(before));
	assert_false(t->periph[amp_res_find(t, "usart3")].held);
}

/* ---- serving ---- */

/* Serve m; expect `why`; return the reply. */
static struct amp_srm_msg serve(struct amp_res_table *t,
				const struct amp_srm_msg *m,
				enum amp_srm_reason why)
{
	struct amp_res_table before = *t;
	struct amp_srm_msg reply;

	assert_int_equal(amp_srm_serve(t, m, sizeof(*m), &reply), why);
	if (why) {
		assert_int_equal(reply.message_type, AMP_SRM_MSG_ERROR);
		assert_string_equal((char *)reply.device_id,
				    amp_srm_reason_text(why));
		/* nothing applied (but counted) */
		struct amp_res_stats st = t->stats;

		t->stats = before.stats;
		assert_memory_equal(t, &before, sizeof(before));
		t->stats = st;
	} else {
		assert_int_equal(reply.message_type, m->message_type);
	}
	return reply;
}

static void test_serve_peripherals(void **state)
{
	struct amp_res_table *t = table();
	struct amp_srm_msg m, r;
	(void)state;

	amp_srm_msg_periph(&m, AMP_SRM_MSG_SETCONFIG, "i2c1", true);
	serve(t, &m, AMP_SRM_R_HOST);
	amp_srm_msg_periph(&m, AMP_SRM_MSG_SETCONFIG, "spi4", true);
	serve(t, &m, AMP_SRM_R_UNASSIGNED);
	amp_srm_msg_periph(&m, AMP_SRM_MSG_SETCONFIG, "nope", true);
	serve(t, &m, AMP_SRM_R_NODEV);
	amp_srm_msg_periph(&m, AMP_SRM_MSG_SETCONFIG, "usart3", true);
	r = serve(t, &m, AMP_SRM_OK);
	assert_int_equal(r.u.periph.held, 1);
	assert_int_equal(r.u.periph.id, 31);
	assert_int_equal(r.u.periph.addr, 0x4000f000);
	assert_int_equal(r.u.periph.owner, AMP_RES_COPROC);
	/* a second request for it conflicts */
	serve(t, &m, AMP_SRM_R_BUSY);
	m.u.periph.held = 2;
	serve(t, &m, AMP_SRM_R_BADARG);
	amp_srm_msg_periph(&m, AMP_SRM_MSG_GETCONFIG, "i2c1", false);
	r = serve(t, &m, AMP_SRM_OK);
	assert_int_equal(r.u.periph.owner, AMP_RES_HOST);
	amp_srm_msg_periph(&m, AMP_SRM_MSG_SETCONFIG, "usart3", false);
	r = serve(t, &m, AMP_SRM_OK);
	assert_int_equal(r.u.periph.held, 0);
	serve(t, &m, AMP_SRM_R_NOT_HELD);
	assert_int_equal(t->stats.granted, 1);
	assert_int_equal(t->stats.refused, 3); /* host, unassigned, busy */
	assert_int_equal(t->stats.released, 1);
}

static void hold(struct amp_res_table *t, const char *dev)
{
	assert_int_equal(amp_res_request(t, (uint32_t)amp_res_find(t, dev)),
			 AMP_SRM_OK);
}

static void test_serve_clocks(void **state)
{
	struct amp_res_table *t = table();
	struct amp_srm_msg m, r;
	(void)state;

	amp_srm_msg_clock(&m, AMP_SRM_MSG_GETCONFIG, "usart3", "usart3_k", 0,
			  true);
	r = serve(t, &m, AMP_SRM_OK); /* owned: may be read unheld */
	assert_int_equal(r.u.clock.rate, 64000000);
	assert_int_equal(r.u.clock.disabled, 1);
	assert_int_equal(r.u.clock.index, 0);
	amp_srm_msg_clock(&m, AMP_SRM_MSG_SETCONFIG, "usart3", "usart3_k",
			  48000000, true);
	serve(t, &m, AMP_SRM_R_NOT_HELD);
	hold(t, "usart3");
	amp_srm_msg_clock(&m, AMP_SRM_MSG_SETCONFIG, "usart3", "usart3_k",
			  200000000, true);
	serve(t, &m, AMP_SRM_R_RATE);
	amp_srm_msg_clock(&m, AMP_SRM_MSG_SETCONFIG, "usart3", "usart3_k",
			  3999999, true);
	serve(t, &m, AMP_SRM_R_RATE);
	amp_srm_msg_clock(&m, AMP_SRM_MSG_SETCONFIG, "usart3", "nope", 1, true);
	serve(t, &m, AMP_SRM_R_NOCLOCK);
	/* a clock of another peripheral is not this one's */
	amp_srm_msg_clock(&m, AMP_SRM_MSG_SETCONFIG, "usart3", "uart7_k",
			  48000000, true);
	serve(t, &m, AMP_SRM_R_NOCLOCK);
	amp_srm_msg_clock(&m, AMP_SRM_MSG_SETCONFIG, "nodev", "usart3_k",
			  48000000, true);
	serve(t, &m, AMP_SRM_R_NODEV);
	amp_srm_msg_clock(&m, AMP_SRM_MSG_GETCONFIG, "i2c1", "i2c1_k", 0, true);
	serve(t, &m, AMP_SRM_R_HOST);
	amp_srm_msg_clock(&m, AMP_SRM_MSG_SETCONFIG, "usart3", "usart3_k",
			  48000000, true);
	m.u.clock.disabled = 7;
	serve(t, &m, AMP_SRM_R_BADARG);

	amp_srm_msg_clock(&m, AMP_SRM_MSG_SETCONFIG, "usart3", "usart3_k",
			  48000000, true);
	r = serve(t, &m, AMP_SRM_OK);
	assert_int_equal(r.u.clock.rate, 48000000);
	assert_int_equal(r.u.clock.disabled, 0);
	assert_int_equal(t->clock[0].rate, 48000000);
	assert_true(t->clock[0].enabled);
	/* by index: rate 0 keeps the rate, disabled 1 gates it */
	amp_srm_msg_clock(&m, AMP_SRM_MSG_SETCONFIG, "usart3", "", 0, false);
	m.u.clock.index = 0;
	r = serve(t, &m, AMP_SRM_OK);
	assert_string_equal((char *)r.u.clock.name, "usart3_k");
	assert_int_equal(r.u.clock.rate, 48000000);
	assert_false(t->clock[0].enabled);
	m.u.clock.index = 1;
	serve(t, &m, AMP_SRM_R_NOCLOCK);
}

static void test_serve_regulators(void **state)
{
	struct amp_res_table *t = table();
	struct amp_srm_msg m, r;
	int vdda = -1;
	(void)state;

	for (uint32_t i = 0; i < t->nregu; i++)
		if (!strcmp(t->regu[i].name, "vdda"))
			vdda = (int)i;
	assert_true(vdda >= 0);
	hold(t, "adc");
	amp_srm_msg_regu(&m, AMP_SRM_MSG_SETCONFIG, "adc", "vdda", 1, 3000,
			 2000);
	serve(t, &m, AMP_SRM_R_VOLTAGE); /* min above max */
	amp_srm_msg_regu(&m, AMP_SRM_MSG_SETCONFIG, "adc", "vdda", 1, 100,
			 1000);
	serve(t, &m, AMP_SRM_R_VOLTAGE); /* below what it can do */
	amp_srm_msg_regu(&m, AMP_SRM_MSG_SETCONFIG, "adc", "vdda", 1, 3400,
			 5000);
	serve(t, &m, AMP_SRM_R_VOLTAGE); /* above */
	amp_srm_msg_regu(&m, AMP_SRM_MSG_SETCONFIG, "adc", "vddx", 1, 0, 0);
	serve(t, &m, AMP_SRM_R_NOREGU);
	amp_srm_msg_regu(&m, AMP_SRM_MSG_SETCONFIG, "adc", "vdda", 1, 0, 0);
	m.u.regu.enable = 3;
	serve(t, &m, AMP_SRM_R_BADARG);
	amp_srm_msg_regu(&m, AMP_SRM_MSG_SETCONFIG, "i2c1", "v3v3_i2c1", 0, 0,
			 0);
	serve(t, &m, AMP_SRM_R_HOST);

	amp_srm_msg_regu(&m, AMP_SRM_MSG_SETCONFIG, "adc", "vdda", 1, 2500,
			 2800);
	r = serve(t, &m, AMP_SRM_OK);
	assert_int_equal(r.u.regu.enable, 1);
	assert_int_equal(r.u.regu.curr_voltage_mv, 2500);
	assert_int_equal(r.u.regu.min_voltage_mv, 0);
	assert_int_equal(t->regu[vdda].mv, 2500);
	assert_int_equal(t->regu[vdda].req_min, 2500);
	assert_int_equal(t->regu[vdda].req_max, 2800);
	/* a window reaching below the minimum gets the minimum */
	amp_srm_msg_regu(&m, AMP_SRM_MSG_SETCONFIG, "adc", "vdda", 1, 1000,
			 2000);
	r = serve(t, &m, AMP_SRM_OK);
	assert_int_equal(r.u.regu.curr_voltage_mv, 1800);
	amp_srm_msg_regu(&m, AMP_SRM_MSG_GETCONFIG, "adc", "vdda", 0, 0, 0);
	r = serve(t, &m, AMP_SRM_OK);
	assert_int_equal(r.u.regu.enable, 1);
	assert_int_equal(r.u.regu.curr_voltage_mv, 1800);
}

/* ---- grant, conflict, release ---- */

static void test_release_all(void **state)
{
	struct amp_res_table *t = table(), boot = *t;
	struct amp_srm_msg m;
	int p;
	(void)state;

	hold(t, "usart3");
	hold(t, "adc");
	amp_srm_msg_clock(&m, AMP_SRM_MSG_SETCONFIG, "usart3", "usart3_k",
			  48000000, true);
	serve(t, &m, AMP_SRM_OK);
	amp_srm_msg_regu(&m, AMP_SRM_MSG_SETCONFIG, "adc", "vdda", 1, 2000,
			 2200);
	serve(t, &m, AMP_SRM_OK);
	/* the host cannot take a held peripheral away */
	p = amp_res_find(t, "usart3");
	assert_int_equal(amp_res_assign(t, (uint32_t)p, AMP_RES_HOST),
			 -AMP_EBUSY);
	assert_int_equal(amp_res_owner(t, (uint32_t)p), AMP_RES_COPROC);
	assert_int_equal(amp_res_release_all(t), 2);
	for (uint32_t i = 0; i < t->nperiph; i++)
		assert_false(t->periph[i].held);
	/* clocks and regulators back at their boot values */
	t->stats = boot.stats;
	assert_memory_equal(t, &boot, sizeof(boot));
	assert_int_equal(amp_res_release_all(t), 0);
	/* now it can move, and the ETZPC register says so */
	assert_int_equal(amp_res_assign(t, (uint32_t)p, AMP_RES_HOST), 0);
	assert_int_equal(t->etzpc[31 / 16] >> (2 * (31 % 16)) & 3,
			 AMP_RES_HOST);
	assert_int_equal(amp_res_request(t, (uint32_t)p), AMP_SRM_R_HOST);
	assert_int_equal(amp_res_assign(t, 99, AMP_RES_HOST), -AMP_EINVAL);
}

static void test_table_build(void **state)
{
	struct amp_res_table t;
	(void)state;

	amp_res_init(&t);
	assert_int_equal(amp_res_add_periph(&t, "a", 1, 0x1000, AMP_RES_HOST),
			 0);
	/* conflicting assignments: name, id, address */
	assert_int_equal(amp_res_add_periph(&t, "a", 2, 0x2000, AMP_RES_HOST),
			 -AMP_EEXIST);
	assert_int_equal(amp_res_add_periph(&t, "b", 1, 0x2000, AMP_RES_HOST),
			 -AMP_EEXIST);
	assert_int_equal(amp_res_add_periph(&t, "b", 2, 0x1000, AMP_RES_HOST),
			 -AMP_EEXIST);
	assert_int_equal(amp_res_add_periph(&t, "b", 96, 0x2000, AMP_RES_HOST),
			 -AMP_EINVAL);
	assert_int_equal(amp_res_add_periph(&t, "", 2, 0x2000, AMP_RES_HOST),
			 -AMP_EINVAL);
	assert_int_equal(amp_res_add_clock(&t, "c", 1, 5, 1, 10, 0),
			 -AMP_EINVAL); /* no peripheral 1 */
	assert_int_equal(amp_res_add_clock(&t, "c", 0, 11, 1, 10, 0),
			 -AMP_EINVAL);
	assert_int_equal(amp_res_add_clock(&t, "c", 0, 5, 1, 10, 0), 0);
	assert_int_equal(amp_res_add_clock(&t, "c", 0, 5, 1, 10, 0),
			 -AMP_EEXIST);
	assert_int_equal(amp_res_add_clock(&t, "d", 0, 5, 1, 10, 0), 1);
	assert_int_equal(t.clock[1].index, 1);
	assert_int_equal(amp_res_add_regu(&t, "r", 0, 10, 5, 7, 0),
			 -AMP_EINVAL);
	assert_int_equal(amp_res_add_regu(&t, "r", 0, 5, 10, 7, 0), 0);
	for (uint32_t i = 1; i < AMP_RES_MAX_PERIPH; i++)
		assert_int_equal(
			amp_res_add_periph(
				&t, (char[]){ 'p', (char)('A' + i), 0 }, i + 1,
				0x1000 * (i + 1), AMP_RES_COPROC),
			(int)i);
	assert_int_equal(
		amp_res_add_periph(&t, "full", 90, 0x9000000, AMP_RES_HOST),
		-AMP_ENOSPC);
}

/* ---- the config parser ---- */

static void parse_fails_n(const char *text, size_t len, const char *want)
{
	struct amp_res_table t;
	char err[256];

	assert_int_equal(
		amp_res_parse(&t, text, len, "b.res", err, sizeof(err)),
		-AMP_EINVAL);
	if (!strstr(err, want))
		fail_msg("for:\n%s\nwanted '%s', got '%s'", text, want, err);
	assert_int_equal(t.nperiph, 0); /* nothing half-loaded */
}

static void parse_fails(const char *text, const char *want)
{
	parse_fails_n(text, strlen(text), want);
}

#define P "peripheral u3 id=1 addr=0x100 owner=coprocessor\n"

static void test_parse_errors(void **state)
{
	(void)state;
	parse_fails("# c\n\nbogus x\n",
		    "b.res:3: unknown statement 'bogus' (peripheral, clock "
		    "or regulator)");
	parse_fails("peripheral\n", "b.res:1: peripheral without a name");
	parse_fails("clock id=3\n", "b.res:1: clock without a name");
	parse_fails("peripheral u3 id=1 addr=1\n",
		    "b.res:1: peripheral u3: missing owner=");
	parse_fails("peripheral u3 addr=1 owner=host\n",
		    "b.res:1: peripheral u3: missing id=");
	parse_fails("peripheral u3 id=1 owner=host\n", "missing addr=");
	parse_fails("peripheral u3 id=1 addr=1 owner=bob\n",
		    "owner=bob is not host, coprocessor or unassigned");
	parse_fails("peripheral u3 id=x1 addr=1 owner=host\n",
		    "id=x1 is not a number");
	parse_fails("peripheral u3 id=-1 addr=1 owner=host\n",
		    "id=-1 is not a number");
	parse_fails("peripheral u3 id=1 addr=0x100000000 owner=host\n",
		    "addr=0x100000000 is not a number");
	parse_fails("peripheral u3 id=96 addr=1 owner=host\n",
		    "id 96 out of range (0..95)");
	parse_fails("peripheral u3 id=1 addr=1 owner=host color=red\n",
		    "unknown key 'color'");
	parse_fails("peripheral u3 id=1 id=2 addr=1 owner=host\n",
		    "id= given twice");
	parse_fails("peripheral u3 id= addr=1 owner=host\n",
		    "id= needs a value");
	parse_fails("peripheral u3 id=1 addr=1 host\n",
		    "'host' is not key=value");
	parse_fails("peripheral a_name_of_thirty_two_characters_ id=1 addr=1 "
		    "owner=host\n",
		    "name longer than 31 characters");
	parse_fails(P "peripheral u3 id=2 addr=0x200 owner=host\n",
		    "b.res:2: peripheral u3: declared twice");
	parse_fails(P "peripheral u4 id=1 addr=0x200 owner=host\n",
		    "b.res:2: peripheral u4: id 1 is already u3's");
	parse_fails(P "peripheral u4 id=2 addr=0x100 owner=host\n",
		    "b.res:2: peripheral u4: address 0x100 is already u3's");
	parse_fails(P "clock k rate=5\n", "b.res:2: clock k: missing dev=");
	parse_fails(P "clock k dev=u9 rate=5\n",
		    "dev=u9 is no peripheral declared above");
	parse_fails(P "clock k dev=u3\n", "clock k: missing rate=");
	parse_fails(P "clock k dev=u3 rate=5 min=6 max=9\n",
		    "clock k: rate 5 outside 6..9");
	parse_fails(P "clock k dev=u3 rate=5 min=9 max=6\n",
		    "minimum 9 above maximum 6");
	parse_fails(P "clock k dev=u3 rate=0\n", "minimum must be above 0");
	parse_fails(P "clock k dev=u3 rate=5 enabled=2\n",
		    "enabled= wants 0 or 1, not 2");
	parse_fails(P "clock a_sixteen_chars_ dev=u3 rate=5\n",
		    "name longer than 15 characters");
	parse_fails(P "clock k dev=u3 rate=5\nclock k dev=u3 rate=6\n",
		    "b.res:3: clock k: declared twice on u3");
	parse_fails(P "regulator r dev=u3 max_mv=3300\n",
		    "regulator r: missing min_mv=");
	parse_fails(P "regulator r dev=u3 min_mv=1800\n", "missing max_mv=");
	parse_fails(P "regulator r dev=u3 min_mv=1800 max_mv=3300 mv=900\n",
		    "regulator r: mv 900 mV outside 1800..3300 mV");
	parse_fails(P "regulator r dev=u3 min_mv=3300 max_mv=1800\n",
		    "minimum 3300 mV above maximum 1800 mV");
	parse_fails(P "regulator r dev=u3 min_mv=1 max_mv=2\n"
		      "regulator r dev=u3 min_mv=1 max_mv=2\n",
		    "b.res:3: regulator r: declared twice on u3");
	parse_fails("peripheral a b c d e f g h i j k l m\n",
		    "more than 12 words");
	parse_fails_n(P "peripheral x\0y id=2 addr=2 owner=host\n",
		      strlen(P) + 38, "b.res:2: NUL byte in the line");
}

static void test_parse_limits(void **state)
{
	struct amp_res_table t;
	char text[8192], err[256];
	size_t n = 0;
	(void)state;

	for (int i = 0; i <= AMP_RES_MAX_PERIPH; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "peripheral p%d id=%d addr=%d "
				      "owner=host\n",
				      i, i, 0x1000 * (i + 1));
	assert_int_equal(amp_res_parse(&t, text, n, "big", err, sizeof(err)),
			 -AMP_EINVAL);
	assert_string_equal(err, "big:33: peripheral p32: too many peripherals "
				 "(at most 32)");
}

static void test_parse_and_format(void **state)
{
	static const char text[] =
		"# a comment\n"
		"peripheral usart3 id=12 addr=0x40019000 owner=coprocessor\n"
		"\t peripheral  i2c1 id=3 addr=4096 owner=host # trailing\r\n"
		"peripheral spi4 id=95 addr=0x44005000 owner=unassigned\n"
		"clock usart3_k dev=usart3 rate=64000000 min=1000 "
		"max=100000000 enabled=1\n"
		"clock fixed dev=i2c1 rate=24000000\n"
		"regulator vdd_adc dev=usart3 min_mv=1800 max_mv=3300\n"
		"regulator vref dev=usart3 min_mv=1500 max_mv=2500 mv=2000 "
		"enabled=1";
	struct amp_res_table t;
	char err[256], out[4096];
	(void)state;

	assert_int_equal(amp_res_parse(&t, text, strlen(text), "ok.res", err,
				       sizeof(err)),
			 0);
	assert_int_equal(t.nperiph, 3);
	assert_int_equal(t.nclock, 2);
	assert_int_equal(t.nregu, 2);
	assert_int_equal(t.periph[0].addr, 0x40019000);
	assert_int_equal(t.periph[1].addr, 4096);
	assert_int_equal(amp_res_owner(&t, 0), AMP_RES_COPROC);
	assert_int_equal(amp_res_owner(&t, 1), AMP_RES_HOST);
	assert_int_equal(amp_res_owner(&t, 2), AMP_RES_UNASSIGNED);
	assert_int_equal(t.etzpc[0], 2u << 24 | 1u << 6);
	assert_int_equal(t.clock[1].min, 24000000);
	assert_int_equal(t.clock[1].max, 24000000);
	assert_false(t.clock[1].enabled);
	assert_int_equal(t.regu[0].mv, 1800);
	assert_int_equal(t.regu[1].mv, 2000);
	assert_true(t.regu[1].enabled);

	t.periph[0].held = 1;
	t.regu[0].req_min = 1900;
	t.regu[0].req_max = 2000;
	amp_res_format(&t, out, sizeof(out));
	assert_non_null(strstr(out, "usart3             12 0x40019000  "
				    "coprocessor  coprocessor\n"));
	assert_non_null(strstr(out, "i2c1                3 0x00001000  host"
				    "         -\n"));
	assert_non_null(strstr(out, "spi4               95 0x44005000  "
				    "unassigned   -\n"));
	assert_non_null(strstr(out, "usart3_k         usart3           yes "
				    "       64000000  1000..100000000\n"));
	assert_non_null(strstr(out, "vdd_adc          usart3           no  "
				    "        1800 mV  1800..3300   "
				    "1900..2000\n"));
	assert_non_null(strstr(out, "etzpc 02000040 00000000"));
	/* cut short, still terminated */
	assert_int_equal(amp_res_format(&t, out, 10), 9);
	assert_int_equal(strlen(out), 9);
}

static void test_load_file(void **state)
{
	struct amp_res_table t;
	char err[256], path[] = "/tmp/test_srm_XXXXXX";
	int fd = mkstemp(path);
	(void)state;

	assert_true(fd >= 0);
	const char *text = P "clock k dev=u3 rate=5 min=6\n";

	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(amp_res_load(&t, path, err, sizeof(err)), -AMP_EINVAL);
	assert_non_null(strstr(err, ":2: clock k: minimum 6 above maximum 5"));
	assert_non_null(strstr(err, path));
	unlink(path);
	assert_int_equal(amp_res_load(&t, path, err, sizeof(err)), -AMP_ENOENT);
	assert_non_null(strstr(err, "No such file"));
}

/* ---- the client against a host in one process ---- */

struct host_end {
	struct amp_rpmsg_ept ept;
	struct amp_res_table *t;
	uint32_t served;
};

static void host_rx(struct amp_rpmsg_ept *ept, void *data, uint32_t len,
		    uint32_t src)
{
	struct host_end *h = ept->priv;
	struct amp_srm_msg reply;

	amp_srm_serve(h->t, data, len, &reply);
	h->served++;
	assert_int_equal(amp_rpmsg_sendto(ept, src, &reply, sizeof(reply)), 0);
}

static void test_client(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));
	struct amp_srm_client *c = calloc(1, sizeof(*c));
	struct host_end h = { .t = table() };
	struct amp_srm_msg m;
	uint8_t junk[3] = { 1, 2, 3 };
	(void)state;

	assert_int_equal(pair_init(p, 16, 512, AMP_RPMSG_FEATURES), 0);
	assert_int_equal(amp_srm_client_open(c, &p->remote, AMP_RPMSG_ADDR_ANY),
			 0);
	/* No host end yet: nobody to ask. */
	amp_srm_msg_periph(&m, AMP_SRM_MSG_SETCONFIG, "usart3", true);
	assert_int_equal(amp_srm_call(c, &m, AMP_DEADLINE_NOW), -AMP_ENOTCONN);
	assert_int_equal(amp_srm_call(c, &m, 100), -AMP_ENOTCONN);
	/* The host's end announces itself; the remote waits for it. */
	assert_int_equal(amp_rpmsg_create_ept(&h.ept, &p->host, AMP_SRM_CHANNEL,
					      AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_ADDR_ANY, host_rx, &h),
			 0);
	p->rport.peer = &p->host;
	p->hport.peer = &p->remote;
	amp_srm_msg_periph(&m, AMP_SRM_MSG_SETCONFIG, "usart3", true);
	assert_int_equal(amp_srm_call(c, &m, AMP_DEADLINE_NEVER), 0);
	assert_int_equal(c->ept.dest_addr, h.ept.addr);
	assert_int_equal(m.u.periph.held, 1);
	amp_srm_msg_periph(&m, AMP_SRM_MSG_SETCONFIG, "usart3", true);
	assert_int_equal(amp_srm_call(c, &m, AMP_DEADLINE_NEVER), -AMP_EBUSY);
	assert_string_equal((char *)m.device_id, "already held");
	amp_srm_msg_clock(&m, AMP_SRM_MSG_SETCONFIG, "usart3", "usart3_k", 1,
			  true);
	assert_int_equal(amp_srm_call(c, &m, AMP_DEADLINE_NEVER), -AMP_ERANGE);
	assert_int_equal(m.message_type, AMP_SRM_MSG_ERROR);
	amp_srm_msg_clock(&m, AMP_SRM_MSG_SETCONFIG, "usart3", "usart3_k",
			  32000000, true);
	assert_int_equal(amp_srm_call(c, &m, AMP_DEADLINE_NEVER), 0);
	assert_int_equal(m.u.clock.rate, 32000000);
	assert_int_equal(h.t->clock[0].rate, 32000000);
	/* raw bytes: answered with an ERROR */
	assert_int_equal(
		amp_srm_send(c, junk, sizeof(junk), AMP_DEADLINE_NEVER), 0);
	assert_int_equal(
		amp_srm_send(c, junk, sizeof(junk), AMP_DEADLINE_NEVER),
		-AMP_EBUSY); /* one at a time */
	assert_int_equal(amp_srm_wait(c, &m, AMP_DEADLINE_NEVER), -AMP_EBADMSG);
	assert_memory_equal(m.device_id, "short message", 14);
	assert_int_equal(m.message_type, AMP_SRM_MSG_ERROR);
	/* nothing asked: nothing to wait for; an unasked answer is bad */
	assert_int_equal(amp_srm_wait(c, &m, AMP_DEADLINE_NEVER), -AMP_EINVAL);
	assert_int_equal(amp_rpmsg_sendto(&h.ept, c->ept.addr, &m, sizeof(m)),
			 0);
	amp_rpmsg_poll(&p->remote);
	assert_int_equal(c->bad, 1);
	assert_int_equal(h.served, 5);
	amp_srm_client_close(c);
	pair_free(p);
	free(c);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_vectors),
		cmocka_unit_test(test_error_vector),
		cmocka_unit_test(test_check_malformed),
		cmocka_unit_test(test_serve_peripherals),
		cmocka_unit_test(test_serve_clocks),
		cmocka_unit_test(test_serve_regulators),
		cmocka_unit_test(test_release_all),
		cmocka_unit_test(test_table_build),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_parse_and_format),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_client),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
