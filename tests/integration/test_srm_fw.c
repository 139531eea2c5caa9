/*
 * test_srm_fw.c - the resource manager with the real bench firmware, in
 * process through amp_rproc: the firmware's requests over rproc-srm
 * (driven by its ampkit-ctl rm-* and srm-* commands) are granted or
 * refused with the host's reason, two requests for one peripheral
 * conflict, valid clock and regulator changes land in the live table
 * and invalid or malformed ones change nothing, a crash and a stop give
 * everything back, the host cannot take a held peripheral away, and a
 * config file replaces the built-in table (a bad one is refused with its
 * line).  `test_srm_fw` runs on posix, `test_srm_fw qemu-m4` on the
 * emulated Cortex-M4.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>

#include <ampkit/resources.h>
#include <ampkit/rproc.h>
#include <ampkit/srm.h>
#include "integration/fw_ctl.h"
#include "integration/proc.h"

#define MS 1000000ull
#define SEC (1000 * MS)
#define CTL "ampkit-ctl"
#define WAIT (60 * SEC)

static const char *plat = "posix";
static char fw_path[512];

struct host {
	struct amp_rproc *rp;
	struct amp_rpmsg_dev *dev;
	uint32_t ctl_addr, srm_addr;
	struct amp_rpmsg_ept ctl;
	bool ctl_live;
	struct fw_answer ans; /* ampkit-ctl's */
	unsigned released_events;
};

static struct host H;

static void on_event(struct amp_rproc *rp, enum amp_rproc_event ev,
		     const char *detail, uint32_t addr, void *priv)
{
	struct host *h = priv;

	(void)rp;
	if (ev == AMP_RPROC_EV_CHANNEL_UP && !strcmp(detail, CTL))
		h->ctl_addr = addr;
	if (ev == AMP_RPROC_EV_CHANNEL_UP && !strcmp(detail, AMP_SRM_CHANNEL))
		h->srm_addr = addr;
	if (ev == AMP_RPROC_EV_CHANNEL_DOWN && !strcmp(detail, CTL)) {
		h->ctl_addr = 0;
		if (h->ctl_live)
			amp_rpmsg_destroy_ept(&h->ctl);
		h->ctl_live = false;
	}
	if (ev == AMP_RPROC_EV_CHANNEL_DOWN && !strcmp(detail, AMP_SRM_CHANNEL))
		h->srm_addr = 0;
	if (ev == AMP_RPROC_EV_RESOURCE && strstr(detail, "srm: released "))
		h->released_events++;
}

static void fail_trace(const char *what, int err)
{
	fw_fail(H.rp, plat, what, err);
}

/* Both channels up, our ctl endpoint bound. */
static void connect(struct host *h)
{
	uint64_t end = now_ns() + WAIT;

	while (!h->ctl_addr || !h->srm_addr) {
		if (now_ns() > end)
			fail_trace("waiting for ampkit-ctl and rproc-srm", 0);
		assert_true(amp_rproc_run(h->rp, NULL, 0, 100 * MS) >= 0);
	}
	h->dev = amp_rproc_rpmsg(h->rp);
	assert_int_equal(amp_rpmsg_create_ept(&h->ctl, h->dev, "",
					      AMP_RPMSG_ADDR_ANY, h->ctl_addr,
					      fw_answer_cb, &h->ans),
			 0);
	h->ctl_live = true;
}

/* A command and its answer, which must be `want` exactly. */
static void ctl(struct host *h, const char *cmd, const char *want)
{
	uint64_t deadline = amp_port_deadline(h->dev->port, WAIT);
	unsigned n = h->ans.n;

	assert_int_equal(amp_rpmsg_send(&h->ctl, cmd, (uint32_t)strlen(cmd)),
			 0);
	while (h->ans.n == n) {
		int r = amp_rpmsg_wait(h->dev, deadline);

		if (r < 0)
			fail_trace(cmd, r);
	}
	if (strcmp(h->ans.text, want))
		fail_msg("%s: answer \"%s\", expected \"%s\"", cmd, h->ans.text,
			 want);
}

static int setup(void **state)
{
	struct amp_rproc_cfg cfg;

	(void)state;
	memset(&H, 0, sizeof(H));
	H.rp = amp_rproc_new(NULL);
	assert_non_null(H.rp);
	assert_int_equal(amp_rproc_set_platform(H.rp, plat), 0);
	amp_rproc_cfg_default(&cfg);
	cfg.firmware = fw_path;
	cfg.on_event = on_event;
	cfg.priv = &H;
	cfg.heartbeat_ns = WAIT; /* an emulated core under load */
	if (amp_rproc_start(H.rp, &cfg))
		fail_msg("start: %s", amp_rproc_error(H.rp));
	connect(&H);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	amp_rproc_free(H.rp);
	no_child_left();
	return 0;
}

static struct amp_res_table *table(void)
{
	return amp_rproc_resources(H.rp);
}

static int periph(const char *name)
{
	int p = amp_res_find(table(), name);

	assert_true(p >= 0);
	return p;
}

static const struct amp_res_clock *clock_of(const char *name)
{
	const struct amp_res_table *t = table();

	for (uint32_t i = 0; i < t->nclock; i++)
		if (!strcmp(t->clock[i].name, name))
			return &t->clock[i];
	fail_msg("no clock %s", name);
	return NULL;
}

static const struct amp_res_regu *regu_of(const char *name)
{
	const struct amp_res_table *t = table();

	for (uint32_t i = 0; i < t->nregu; i++)
		if (!strcmp(t->regu[i].name, name))
			return &t->regu[i];
	fail_msg("no regulator %s", name);
	return NULL;
}

/* The live table equals `before`, its counters aside. */
static void unchanged(const struct amp_res_table *before)
{
	struct amp_res_table now = *table();

	now.stats = before->stats;
	assert_memory_equal(&now, before, sizeof(now));
}

static void test_requests(void **state)
{
	(void)state;
	ctl(&H, "rm-request spi4", "error: not assigned");
	ctl(&H, "rm-request i2c1", "error: owned by the host");
	ctl(&H, "rm-request nosuch", "error: unknown device");
	ctl(&H, "rm-release usart3", "error: not requested");
	assert_false(table()->periph[periph("spi4")].held);
	assert_false(table()->periph[periph("i2c1")].held);
	ctl(&H, "rm-request usart3",
	    "ok periph usart3 id 31 held 1 owner coprocessor");
	assert_true(table()->periph[periph("usart3")].held);
	/* two requests for one peripheral conflict */
	ctl(&H, "rm-request usart3", "error: already held");
	ctl(&H, "rm-get i2c1", "ok periph i2c1 id 40 held 0 owner host");
	ctl(&H, "rm-release usart3",
	    "ok periph usart3 id 31 held 0 owner coprocessor");
	assert_false(table()->periph[periph("usart3")].held);
	ctl(&H, "rm-request usart3",
	    "ok periph usart3 id 31 held 1 owner coprocessor");
	/* the host cannot move it while the firmware holds it */
	assert_int_equal(amp_res_assign(table(), (uint32_t)periph("usart3"),
					AMP_RES_HOST),
			 -AMP_EBUSY);
	ctl(&H, "rm-release usart3",
	    "ok periph usart3 id 31 held 0 owner coprocessor");
	assert_int_equal(amp_res_assign(table(), (uint32_t)periph("usart3"),
					AMP_RES_HOST),
			 0);
	ctl(&H, "rm-request usart3", "error: owned by the host");
	assert_int_equal(table()->stats.granted, 2);
}

/* `len` bytes of m, sent as they are through "srm-raw <hex>". */
static void raw(const struct amp_srm_msg *m, uint32_t len, const char *want)
{
	char cmd[8 + 2 * sizeof(*m) + 1] = "srm-raw ";

	for (uint32_t i = 0; i < len; i++)
		snprintf(cmd + 8 + 2 * i, 3, "%02x", ((const uint8_t *)m)[i]);
	ctl(&H, cmd, want);
}

static void test_clocks_and_regulators(void **state)
{
	struct amp_res_table before;
	struct amp_srm_msg m;
	(void)state;

	ctl(&H, "srm-get-clock usart3 usart3_k",
	    "ok clock usart3_k rate 64000000 enabled 0");
	ctl(&H, "srm-clock usart3 usart3_k 48000000 1", "error: not requested");
	ctl(&H, "rm-request usart3",
	    "ok periph usart3 id 31 held 1 owner coprocessor");
	ctl(&H, "rm-request adc",
	    "ok periph adc id 72 held 1 owner coprocessor");
	ctl(&H, "srm-clock usart3 usart3_k 48000000 1",
	    "ok clock usart3_k rate 48000000 enabled 1");
	assert_int_equal(clock_of("usart3_k")->rate, 48000000);
	assert_true(clock_of("usart3_k")->enabled);
	ctl(&H, "srm-reg adc vdda 1 2500 2800",
	    "ok regulator vdda enabled 1 mv 2500");
	assert_int_equal(regu_of("vdda")->mv, 2500);
	assert_true(regu_of("vdda")->enabled);
	assert_int_equal(regu_of("vdda")->req_max, 2800);

	/* every invalid request: ERROR with its reason, nothing applied */
	before = *table();
	ctl(&H, "srm-clock usart3 usart3_k 200000000 1",
	    "error: rate out of range");
	ctl(&H, "srm-clock usart3 usart3_k 1000 0", "error: rate out of range");
	ctl(&H, "srm-clock usart3 nosuch_k 48000000 1", "error: unknown clock");
	ctl(&H, "srm-clock nodev usart3_k 48000000 1", "error: unknown device");
	ctl(&H, "srm-clock uart7 uart7_k 48000000 1", "error: not requested");
	ctl(&H, "srm-get-clock i2c1 i2c1_k", "error: owned by the host");
	ctl(&H, "srm-get-clock spi4 spi4_k", "error: not assigned");
	ctl(&H, "srm-reg adc vdda 1 2900 2000", "error: voltage out of range");
	ctl(&H, "srm-reg adc vdda 1 100 900", "error: voltage out of range");
	ctl(&H, "srm-reg adc vdda 1 3400 5000", "error: voltage out of range");
	ctl(&H, "srm-reg adc vddx 1 1800 1800", "error: unknown regulator");
	ctl(&H, "srm-reg i2c1 v3v3_i2c1 0 0 0", "error: owned by the host");
	/* malformed: short, bad type, bad resource, unterminated names */
	amp_srm_msg_periph(&m, AMP_SRM_MSG_SETCONFIG, "usart3", true);
	raw(&m, 4, "error: short message");
	raw(&m, 75, "error: short message");
	m.message_type = 2;
	raw(&m, sizeof(m), "error: bad message type");
	m.message_type = AMP_SRM_MSG_SETCONFIG;
	m.rsc_type = 5;
	raw(&m, sizeof(m), "error: bad resource type");
	m.rsc_type = AMP_SRM_RSC_PERIPH;
	memset(m.device_id, 'u', sizeof(m.device_id));
	raw(&m, sizeof(m), "error: name not terminated");
	amp_srm_msg_clock(&m, AMP_SRM_MSG_SETCONFIG, "usart3", "usart3_k",
			  24000000, true);
	memset(m.u.clock.name, 'k', sizeof(m.u.clock.name));
	raw(&m, sizeof(m), "error: name not terminated");
	/* the same bytes, terminated, are fine (the encoding is right) */
	amp_srm_msg_clock(&m, AMP_SRM_MSG_GETCONFIG, "usart3", "usart3_k", 0,
			  true);
	raw(&m, sizeof(m), "ok raw usart3");
	unchanged(&before);
	assert_int_equal(table()->stats.bad, 6);
	/* still served after all that */
	ctl(&H, "srm-get-reg adc vdda", "ok regulator vdda enabled 1 mv 2500");
	ctl(&H, "srm-clock usart3 usart3_k 0 0",
	    "ok clock usart3_k rate 48000000 enabled 0");
}

static void crash_and_wait(void)
{
	uint64_t end = now_ns() + WAIT;

	assert_int_equal(amp_rpmsg_send(&H.ctl, "crash", 5), 0);
	while (amp_rproc_state(H.rp) != AMP_RPROC_CRASHED) {
		if (now_ns() > end)
			fail_trace("waiting for the crash", 0);
		assert_true(amp_rproc_run(H.rp, NULL, 0, 100 * MS) >= 0);
	}
}

static void test_crash_releases_everything(void **state)
{
	const struct amp_res_clock *k;
	(void)state;

	ctl(&H, "rm-request usart3",
	    "ok periph usart3 id 31 held 1 owner coprocessor");
	ctl(&H, "rm-request uart7",
	    "ok periph uart7 id 34 held 1 owner coprocessor");
	ctl(&H, "rm-request adc",
	    "ok periph adc id 72 held 1 owner coprocessor");
	ctl(&H, "srm-clock uart7 uart7_k 32000000 1",
	    "ok clock uart7_k rate 32000000 enabled 1");
	ctl(&H, "srm-reg adc vrefbuf 1 1800 2000",
	    "ok regulator vrefbuf enabled 1 mv 1800");
	amp_rproc_set_recovery(H.rp, false);
	crash_and_wait();
	for (uint32_t i = 0; i < table()->nperiph; i++)
		assert_false(table()->periph[i].held);
	k = clock_of("uart7_k");
	assert_int_equal(k->rate, 64000000);
	assert_false(k->enabled);
	assert_int_equal(regu_of("vrefbuf")->mv, 2500);
	assert_false(regu_of("vrefbuf")->enabled);
	assert_int_equal(regu_of("vrefbuf")->req_min, 0);
	assert_int_equal(H.released_events, 1);
	assert_int_equal(table()->stats.released, 3);

	/* recovered: the same firmware may ask again */
	assert_int_equal(amp_rproc_recover(H.rp), 0);
	connect(&H);
	ctl(&H, "rm-request usart3",
	    "ok periph usart3 id 31 held 1 owner coprocessor");
	/* and a stop gives back too */
	assert_int_equal(amp_rproc_stop(H.rp), 0);
	assert_false(table()->periph[periph("usart3")].held);
	assert_int_equal(H.released_events, 2);
}

static void test_config_file(void **state)
{
	char path[] = "/tmp/test_srm_fw_XXXXXX";
	const char *good = "peripheral led id=7 addr=0x50002000 "
			   "owner=coprocessor\n"
			   "clock led_k dev=led rate=1000 min=10 max=2000\n";
	const char *bad = "peripheral led id=7 addr=0x50002000 owner=nobody\n";
	int fd;
	(void)state;

	/* not while running */
	assert_int_equal(amp_rproc_set_resources(H.rp, NULL), -AMP_EBUSY);
	assert_int_equal(amp_rproc_stop(H.rp), 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, bad, strlen(bad)), (ssize_t)strlen(bad));
	close(fd);
	assert_int_equal(amp_rproc_set_resources(H.rp, path), -AMP_EINVAL);
	assert_non_null(strstr(amp_rproc_error(H.rp), ":1: peripheral led: "
						      "owner=nobody is not"));
	assert_null(amp_rproc_resources_path(H.rp)); /* the old one stays */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, good, strlen(good)), (ssize_t)strlen(good));
	close(fd);
	assert_int_equal(amp_rproc_set_resources(H.rp, path), 0);
	assert_string_equal(amp_rproc_resources_path(H.rp), path);
	unlink(path);
	assert_int_equal(amp_rproc_start(H.rp, NULL), 0);
	H.ctl_live = false;
	connect(&H);
	ctl(&H, "rm-request usart3", "error: unknown device");
	ctl(&H, "rm-request led",
	    "ok periph led id 7 held 1 owner coprocessor");
	ctl(&H, "srm-clock led led_k 1500 1",
	    "ok clock led_k rate 1500 enabled 1");
	assert_int_equal(table()->clock[0].rate, 1500);
	/* back to the built-in table */
	assert_int_equal(amp_rproc_stop(H.rp), 0);
	assert_int_equal(amp_rproc_set_resources(H.rp, NULL), 0);
	assert_null(amp_rproc_resources_path(H.rp));
	assert_true(amp_res_find(table(), "usart3") >= 0);
}

int main(int argc, char **argv)
{
	const char *dir = getenv("AMPKIT_FW_DIR");
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_requests),
		T(test_clocks_and_regulators),
		T(test_crash_releases_everything),
		T(test_config_file),
	};
#undef T
	const char *fw = "ampkit-fw-bench";

	if (argc > 1 && !strcmp(argv[1], "qemu-m4")) {
		plat = "qemu-m4";
		fw = "ampkit-fw-bench-m4.elf";
	}
	if (!dir) {
		fprintf(stderr, "AMPKIT_FW_DIR is not set\n");
		return 1;
	}
	snprintf(fw_path, sizeof(fw_path), "%s/%s", dir, fw);
	return cmocka_run_group_tests_name(plat, tests, NULL, NULL);
}
