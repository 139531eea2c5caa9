/*
 * test_vuart_fw.c - the firmware's tty ports end to end, without the
 * daemon: amp_rproc starts the real native firmware (firmware/bench.c),
 * and this process opens amp_vuart on its two "rpmsg-tty" channels with
 * credits negotiated: the seed protocol over tty0, 1 MiB echoed through
 * tty1 (checked byte for byte and by CRC), the host's CLOSED resetting
 * both ports, and the seed's debug-UART logging switched on and off over
 * "ampkit-ctl".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <ampkit/bench_proto.h>
#include <ampkit/rproc.h>
#include <ampkit/vuart.h>
#include "integration/fw_ctl.h"
#include "integration/proc.h"

#define MS 1000000ull
#define SEC (1000 * MS)

static char fw[512];

/* What a port received, in order. */
struct sink {
	uint8_t *data;
	size_t cap, n;
};

static void sink_cb(struct amp_vuart *vu, const void *data, uint32_t len)
{
	struct sink *s = vu->priv;

	assert_true(s->n + len <= s->cap);
	memcpy(s->data + s->n, data, len);
	s->n += len;
}

struct fw {
	struct amp_rproc *rp;
	struct amp_rpmsg_dev *dev;
	struct amp_vuart tty0, tty1;
	struct sink s0, s1;
	struct amp_rpmsg_ept ctl, raw;
	struct fw_answer ctl_rx, raw_rx;
};

/* Deliver messages until *n reaches want (10 s at most). */
static void pump_until(struct fw *f, const size_t *n, size_t want)
{
	uint64_t deadline = amp_port_deadline(f->dev->port, 10 * SEC);

	while (*n < want) {
		int r;

		/* what a loop that only reads owes its peer */
		amp_vuart_flush(&f->tty0, deadline);
		amp_vuart_flush(&f->tty1, deadline);
		r = amp_rpmsg_wait(f->dev, deadline);

		if (r <= 0) {
			char trace[4096];
			long t = amp_rproc_trace(f->rp, trace,
						 sizeof(trace) - 1);

			trace[t > 0 ? t : 0] = 0;
			fail_msg("waiting for %zu bytes, have %zu: error %d; "
				 "tty0 credit %u allowed %u unacked %u, tty1 "
				 "credit %u allowed %u unacked %u overrun %u "
				 "bad %u; dev rx %u tx %u dropped %u bad %u; "
				 "firmware trace:\n%s",
				 want, *n, r, f->tty0.tx_credit,
				 f->tty0.rx_allowed, f->tty0.rx_unacked,
				 f->tty1.tx_credit, f->tty1.rx_allowed,
				 f->tty1.rx_unacked, f->tty1.stats.overrun,
				 f->tty1.stats.bad_ctl, f->dev->stats.rx,
				 f->dev->stats.tx, f->dev->stats.dropped,
				 f->dev->stats.bad, trace);
		}
	}
}

static void pump_ctl(struct fw *f, struct fw_answer *c, unsigned want)
{
	uint64_t deadline = amp_port_deadline(f->dev->port, 10 * SEC);

	while (c->n < want) {
		int r = amp_rpmsg_wait(f->dev, deadline);

		if (r <= 0)
			fail_msg("waiting for a ctl answer: error %d", r);
	}
}

/* Start the firmware, the host offering `features` (F_CREDITS or not),
 * and open both tty ports (tty1 with a window of tty1_window bytes, 0:
 * auto), ctl and raw. */
static void fw_start_window(struct fw *f, uint32_t features,
			    uint32_t tty1_window)
{
	struct amp_rproc_chan_info ch[8];
	struct amp_rproc_cfg cfg;
	uint32_t tty[2], ctl = 0, raw = 0;
	int n, k = 0;

	memset(f, 0, sizeof(*f));
	f->rp = amp_rproc_new(NULL);
	assert_non_null(f->rp);
	amp_rproc_cfg_default(&cfg);
	cfg.firmware = fw;
	cfg.rpmsg.features = features;
	if (amp_rproc_start(f->rp, &cfg))
		fail_msg("start: %s", amp_rproc_error(f->rp));
	f->dev = amp_rproc_rpmsg(f->rp);
	assert_int_equal(f->dev->credits,
			 !!(features & (1u << AMP_VIRTIO_RPMSG_F_CREDITS)));
	/* The tty ports are announced in order, then rpmsg-sdb, rproc-srm. */
	for (n = 0; n < 7;) {
		assert_true(amp_rproc_run(f->rp, NULL, 0, 10 * SEC) >= 0);
		n = amp_rproc_channels(f->rp, ch, 8);
	}
	assert_int_equal(n, 7);
	for (int i = 0; i < n; i++) {
		if (!strcmp(ch[i].name, AMP_VUART_NAME))
			tty[k++] = ch[i].addr;
		if (!strcmp(ch[i].name, "ampkit-ctl"))
			ctl = ch[i].addr;
		if (!strcmp(ch[i].name, "rpmsg-raw"))
			raw = ch[i].addr;
	}
	assert_int_equal(k, 2);
	f->s0.cap = 64;
	f->s0.data = malloc(f->s0.cap);
	f->s1.cap = 2u << 20;
	f->s1.data = malloc(f->s1.cap);
	assert_int_equal(amp_vuart_open(&f->tty0, f->dev, AMP_VUART_NAME,
					AMP_RPMSG_ADDR_ANY, tty[0], 0, sink_cb,
					&f->s0),
			 0);
	assert_int_equal(amp_vuart_open(&f->tty1, f->dev, AMP_VUART_NAME,
					AMP_RPMSG_ADDR_ANY, tty[1], tty1_window,
					sink_cb, &f->s1),
			 0);
	assert_int_equal(amp_rpmsg_create_ept(&f->ctl, f->dev, "test-ctl",
					      AMP_RPMSG_ADDR_ANY, ctl,
					      fw_answer_cb, &f->ctl_rx),
			 0);
	assert_int_equal(amp_rpmsg_create_ept(&f->raw, f->dev, "test-raw",
					      AMP_RPMSG_ADDR_ANY, raw,
					      fw_answer_cb, &f->raw_rx),
			 0);
}

static void fw_start_features(struct fw *f, uint32_t features)
{
	fw_start_window(f, features, 0);
}

static void fw_start(struct fw *f)
{
	fw_start_features(f, AMP_RPMSG_FEATURES);
}

static void fw_stop(struct fw *f)
{
	amp_vuart_close(&f->tty0);
	amp_vuart_close(&f->tty1);
	amp_rpmsg_destroy_ept(&f->ctl);
	amp_rpmsg_destroy_ept(&f->raw);
	assert_int_equal(amp_rproc_stop(f->rp), 0);
	amp_rproc_free(f->rp);
	free(f->s0.data);
	free(f->s1.data);
}

static void ctl_cmd(struct fw *f, const char *cmd, const char *want)
{
	unsigned got = f->ctl_rx.n + 1;

	assert_int_equal(amp_rpmsg_send(&f->ctl, cmd, (uint32_t)strlen(cmd)),
			 0);
	pump_ctl(f, &f->ctl_rx, got);
	if (strncmp(f->ctl_rx.text, want, strlen(want)))
		fail_msg("'%s' answered '%s', want '%s...'", cmd,
			 f->ctl_rx.text, want);
}

/* One seed test of `total` bytes over tty0, written in two calls cut at
 * `cut` (0: one call); checks the count it acks.  Returns the time from
 * first byte to ack in ns. */
static uint64_t tty_seed_cut(struct fw *f, uint32_t total, uint32_t cut)
{
	uint8_t *buf = malloc(total);
	uint32_t hdr = amp_bench_hdr_size(total);
	uint32_t ack = amp_bench_ack_size(total);
	uint64_t t0, deadline;

	assert_non_null(buf);
	amp_bench_pattern(buf, 0, total);
	amp_bench_hdr_write(buf, total, amp_crc16(0, buf + hdr, total - hdr));
	f->s0.n = 0;
	t0 = now_ns();
	deadline = amp_port_deadline(f->dev->port, 10 * SEC);
	if (cut)
		assert_int_equal(amp_vuart_write(&f->tty0, buf, cut, deadline),
				 (int)cut);
	assert_int_equal(
		amp_vuart_write(&f->tty0, buf + cut, total - cut, deadline),
		(int)(total - cut));
	pump_until(f, &f->s0.n, ack);
	t0 = now_ns() - t0;
	assert_int_equal(f->s0.n, ack);
	assert_int_equal(amp_bench_ack_parse(f->s0.data, ack), total);
	free(buf);
	return t0;
}

static uint64_t tty_seed_test(struct fw *f, uint32_t total)
{
	return tty_seed_cut(f, total, 0);
}

static void test_seed_over_tty0(void **state)
{
	static const uint32_t totals[] = {
		512, 1024, 4096, 65535, 65536, 300000
	};
	struct fw f;

	(void)state;
	fw_start(&f);
	for (size_t i = 0; i < sizeof(totals) / sizeof(totals[0]); i++)
		tty_seed_test(&f, totals[i]);
	/* Junk between tests is skipped up to the next preamble. */
	assert_int_equal(amp_vuart_write(&f.tty0, "\xAB\xCD\x00junk", 7,
					 AMP_DEADLINE_NEVER),
			 7);
	tty_seed_test(&f, 2048);
	/* A byte stream may cut a header anywhere (a pty read, a credit
	 * boundary): the firmware gathers it whole. */
	for (uint32_t cut = 1; cut < AMP_BENCH_EXT_HDR_SIZE; cut++) {
		tty_seed_cut(&f, 1000, cut);
		tty_seed_cut(&f, 70000, cut);
	}
	assert_int_equal(f.tty0.stats.overrun + f.tty0.stats.bad_ctl, 0);
	fw_stop(&f);
}

/* 1 MiB through the echo port in one write: it comes back whole, in
 * order, while both sides wait on each other's credit. */
static void test_echo_1mib_over_tty1(void **state)
{
	const uint32_t n = 1u << 20;
	uint8_t *buf = malloc(n);
	struct fw f;
	uint64_t t;

	(void)state;
	assert_non_null(buf);
	for (uint32_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(i * 131 + (i >> 11));
	fw_start(&f);
	t = now_ns();
	assert_int_equal(
		amp_vuart_write(&f.tty1, buf, n,
				amp_port_deadline(f.dev->port, 30 * SEC)),
		(int)n);
	pump_until(&f, &f.s1.n, n);
	t = now_ns() - t;
	assert_int_equal(f.s1.n, n);
	assert_int_equal(amp_crc16(0, f.s1.data, n), amp_crc16(0, buf, n));
	assert_memory_equal(f.s1.data, buf, n);
	/* The firmware's 16 KiB window held: it never had to drop. */
	assert_int_equal(f.tty1.stats.overrun + f.tty1.stats.bad_ctl, 0);
	assert_true(f.tty1.stats.credits_rx >= n / 16384);
	/* a figure for the log, not a check */
	printf("tty1 echo 1 MiB: %.1f ms, %u grants received, %u sent\n",
	       (double)t / MS, f.tty1.stats.credits_rx,
	       f.tty1.stats.credits_tx);
	free(buf);
	fw_stop(&f);
}

/* "log <baud>" turns the seed's synchronous UART logging on: a 512-byte
 * test is one message, so three lines (rx, test, ack) of 36 characters at
 * 10 bits each must pass before the ack - on rpmsg-raw and on tty0. */
static void test_log_emulation(void **state)
{
	const uint64_t three_lines = 3ull * 36 * 10 * SEC / 115200;
	uint8_t msg[512];
	uint64_t t;
	struct fw f;

	(void)state;
	fw_start(&f);
	ctl_cmd(&f, "log 115200", "ok log 115200");
	t = tty_seed_test(&f, 512);
	if (t < three_lines)
		fail_msg("tty0 512x1 with logging: %llu ns < %llu",
			 (unsigned long long)t,
			 (unsigned long long)three_lines);

	amp_bench_pattern(msg, 0, 512);
	amp_bench_hdr_write(msg, 512, amp_crc16(0, msg + 6, 506));
	t = now_ns();
	assert_int_equal(amp_rpmsg_send(&f.raw, msg, 496), 0);
	assert_int_equal(amp_rpmsg_send(&f.raw, msg + 496, 16), 0);
	pump_ctl(&f, &f.raw_rx, 1);
	t = now_ns() - t;
	assert_int_equal(amp_bench_ack_parse(f.raw_rx.text, 2), 512);
	/* two messages: four lines */
	if (t < three_lines)
		fail_msg("raw 512 with logging: %llu ns",
			 (unsigned long long)t);

	/* Each emulated line is in the trace too: 34 characters of text
	 * (36 with the CR LF the UART would have sent). */
	{
		static char trace[8192];
		long tn = amp_rproc_trace(f.rp, trace, sizeof(trace) - 1);
		char *line, *save = NULL;
		int lines = 0;

		assert_true(tn > 0);
		trace[tn] = 0;
		for (line = strtok_r(trace, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			if (!strstr(line, " B #"))
				continue;
			assert_int_equal(strlen(line), 34);
			lines++;
		}
		assert_true(lines >= 6); /* two tests, three lines or more */
	}
	ctl_cmd(&f, "log 0", "ok log 0");
	tty_seed_test(&f, 512);
	ctl_cmd(&f, "log", "error: ");
	ctl_cmd(&f, "log fast", "error: log wants a baud rate");
	ctl_cmd(&f, "log 99", "error: ");
	ctl_cmd(&f, "log 123456789", "error: ");
	ctl_cmd(&f, "reboot", "error: unknown command");
	/* Nothing above disturbed the streams. */
	tty_seed_test(&f, 4096);
	fw_stop(&f);
}

static bool trace_has(struct fw *f, const char *text)
{
	static char trace[8192];
	long n = amp_rproc_trace(f->rp, trace, sizeof(trace) - 1);

	trace[n > 0 ? n : 0] = 0;
	return strstr(trace, text) != NULL;
}

/*
 * The host's CLOSED (its tty's last client went): tty0 drops the test
 * that client left half sent, and answers the next ones right; tty1 drops
 * the echo it had not written (the host held it back with a window of
 * 1000 bytes) and echoes only what comes after.
 */
static void test_host_closed(void **state)
{
	uint8_t *buf = malloc(8000), next[100];
	uint64_t deadline;
	struct fw f;

	(void)state;
	assert_non_null(buf);
	fw_start_window(&f, AMP_RPMSG_FEATURES, 1000);
	deadline = amp_port_deadline(f.dev->port, 10 * SEC);

	/* 1000 bytes of a 4096-byte test, then the client is gone. */
	amp_bench_pattern(buf, 0, 4096);
	amp_bench_hdr_write(buf, 4096, amp_crc16(0, buf + 6, 4090));
	assert_int_equal(amp_vuart_write(&f.tty0, buf, 1000, deadline), 1000);
	assert_int_equal(amp_vuart_send_closed(&f.tty0, deadline), 0);
	tty_seed_test(&f, 2048);
	tty_seed_test(&f, 4096);
	assert_true(trace_has(&f, "tty0: host closed the tty: test at 1000 "
				  "of 4096 bytes"));

	/* 8000 bytes to echo; the host takes 1000 of them, then closes. */
	for (uint32_t i = 0; i < 8000; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(amp_vuart_write(&f.tty1, buf, 8000, deadline), 8000);
	pump_until(&f, &f.s1.n, 1000);
	assert_int_equal(f.s1.n, 1000);
	assert_memory_equal(f.s1.data, buf, 1000);
	assert_int_equal(amp_vuart_send_closed(&f.tty1, deadline), 0);
	assert_int_equal(amp_vuart_consumed(&f.tty1, 1000), 0);
	memset(next, 0x5A, sizeof(next));
	assert_int_equal(amp_vuart_write(&f.tty1, next, sizeof(next), deadline),
			 (int)sizeof(next));
	pump_until(&f, &f.s1.n, 1000 + sizeof(next));
	assert_int_equal(f.s1.n, 1000 + sizeof(next));
	assert_memory_equal(f.s1.data + 1000, next, sizeof(next));
	assert_true(trace_has(&f, "tty1: host closed the tty: 7000 bytes of "
				  "echo dropped"));
	/* What it dropped it gave back: a whole window goes through. */
	assert_int_equal(amp_vuart_consumed(&f.tty1, sizeof(next)), 0);
	assert_int_equal(amp_vuart_write(&f.tty1, buf, 8000, deadline), 8000);
	for (uint32_t got = 1100; got < 9100; got = f.s1.n) {
		pump_until(&f, &f.s1.n, got + 1);
		assert_int_equal(amp_vuart_consumed(&f.tty1, f.s1.n - got), 0);
	}
	assert_int_equal(f.s1.n, 9100);
	assert_memory_equal(f.s1.data + 1100, buf, 8000);
	assert_int_equal(f.tty0.stats.overrun + f.tty1.stats.overrun, 0);
	free(buf);
	fw_stop(&f);
}

/* A host that does not acknowledge F_CREDITS, like Linux: the firmware's
 * ports fall back to upstream framing (no control message either way)
 * and still carry the seed protocol and a 256 KiB echo intact, the rings
 * being the only back-pressure. */
static void test_raw_fallback(void **state)
{
	const uint32_t n = 256u << 10;
	uint8_t *buf = malloc(n);
	struct fw f;

	(void)state;
	assert_non_null(buf);
	for (uint32_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(i * 13 + (i >> 9));
	fw_start_features(&f, AMP_RPMSG_FEATURES &
				      ~(1u << AMP_VIRTIO_RPMSG_F_CREDITS));
	assert_false(f.tty0.credits || f.tty1.credits);
	tty_seed_test(&f, 512);
	tty_seed_test(&f, 100000);
	tty_seed_cut(&f, 4096, 3);
	assert_int_equal(
		amp_vuart_write(&f.tty1, buf, n,
				amp_port_deadline(f.dev->port, 30 * SEC)),
		(int)n);
	pump_until(&f, &f.s1.n, n);
	assert_int_equal(f.s1.n, n);
	assert_memory_equal(f.s1.data, buf, n);
	assert_int_equal(f.tty1.stats.credits_rx + f.tty1.stats.credits_tx +
				 f.tty0.stats.credits_rx +
				 f.tty0.stats.credits_tx,
			 0);
	free(buf);
	fw_stop(&f);
}

static int group_setup(void **state)
{
	const char *dir = getenv("AMPKIT_FW_DIR");

	(void)state;
	if (!dir) {
		fprintf(stderr, "AMPKIT_FW_DIR is not set\n");
		return -1;
	}
	snprintf(fw, sizeof(fw), "%s/ampkit-fw-bench", dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_over_tty0),
		cmocka_unit_test(test_echo_1mib_over_tty1),
		cmocka_unit_test(test_log_emulation),
		cmocka_unit_test(test_host_closed),
		cmocka_unit_test(test_raw_fallback),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
