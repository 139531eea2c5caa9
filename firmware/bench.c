/*
 * bench.c - the benchmark firmware: the seed's responder on "rpmsg-raw",
 * the OpenAMP demo's echo on "rpmsg-openamp-demo-channel", "ampkit-ctl",
 * a control channel for tests, and two virtual UART ports, both named
 * "rpmsg-tty" as Linux's rpmsg_tty expects (FW_TTY_NAME: see tty()):
 * tty0 runs the seed responder over the byte stream (the seed's own
 * transport, /dev/ttyRPMSG0), tty1 echoes.
 *
 * Platform-free: it sees only the RPMsg device its platform brought up,
 * so this file builds unchanged for the native and the Cortex-M4 targets.
 * Replies go to the sender's address rather than the endpoint's bound
 * peer, so several host endpoints can share one channel.  The echo stays
 * a pure echo; fault injection has its own channel, so no payload sent to
 * the benchmark channels can ever crash the firmware.
 *
 * Writes of the tty1 echo and of a tty0 ack that did not fit are made
 * from amp_app_idle(), never from a callback, and only within the credit
 * the host granted: the credits arrive as messages, which are not
 * delivered while a callback runs, and waiting for them is the main
 * loop's wait, so no write holds bytes a CLOSED (below) has voided.
 *
 * When the host says a tty's last client closed it (a CLOSED control
 * message, with credits only), tty0 forgets a half-received test and any
 * ack not yet written, and tty1 the echo not yet written: the next
 * client starts clean instead of finishing the one that vanished.
 *
 * Last, "rpmsg-sdb", the shared-buffer service (sdb.h) over the table's
 * AMP_SDB_CARVEOUT, as the remote: every buffer the host hands over is
 * checked as one seed test (header, length, CRC16) and counted good or
 * bad; on "sdb-produce" the firmware fills its own buffers the same way,
 * from amp_app_idle() (an alloc may wait for the host's releases).
 *
 * For the bench's direct-mode rows beside the shared buffers, "raw-mode
 * touch" makes the rpmsg-raw responder read each message's payload once,
 * as the sdb consumer reads a buffer, and "raw-produce" streams bytes to
 * a host endpoint through the rings, copying or zero-copy (see ctl_raw).
 *
 * And "rproc-srm", the resource manager's client (srm.h): the rm-* and
 * srm-* commands on ampkit-ctl ask the host for a peripheral, or to set
 * or read a clock or regulator, and answer with what the host said.
 * The request goes out and its answer is awaited from amp_app_idle(),
 * never from a callback (the answer is a message).
 */
#include <stdlib.h>
#include <string.h>

#include "ampkit/app.h"
#include "ampkit/bench_proto.h"
#include "ampkit/rpmsg.h"
#include "ampkit/sdb.h"
#include "ampkit/srm.h"
#include "ampkit/vuart.h"

static struct amp_rpmsg_ept raw_ept;
static struct amp_rpmsg_ept echo_ept;
static struct amp_rpmsg_ept ctl_ept;
static struct amp_bench_resp resp;

/* ---- the seed's debug UART, emulated ---- */

/*
 * The seed firmware logged synchronously to a 115200-baud debug UART: one
 * line per receive callback, one when a test header arrived and one before
 * the reply, each blocking for characters x 10 / baud seconds.  Its
 * published times fit 3.15 ms x (messages + 2) (REFERENCE.md section 9),
 * which is ~36 characters a line at 115200: so each emulated line is
 * exactly 36 characters, CR LF included - a 10-digit microsecond
 * timestamp, the event, a byte count and a running line number, 34
 * characters of text:  "0001234567 rx      496 B #00000012"
 * The same text goes to the trace buffer (where the newline stands for
 * CR LF).  Off until "log <baud>" on ampkit-ctl.
 */
#define UART_LINE_CHARS 36u
#define UART_BAUD_MIN 110u
#define UART_BAUD_MAX 10000000u

static uint32_t uart_baud; /* 0: not logging */
static uint32_t uart_lines;

static void uart_log(struct amp_port *port, const char *what, uint32_t n)
{
	uint64_t t0, end;

	if (!uart_baud)
		return;
	t0 = amp_port_now(port);
	amp_app_log("%010u %-4s %6u B #%08u", (unsigned)(t0 / 1000), what,
		    (unsigned)n, (unsigned)++uart_lines);
	end = t0 + UART_LINE_CHARS * 10ull * 1000000000ull / uart_baud;
	/* The seed's UART driver polled the UART, holding the M4 until the
	 * line was out; the emulation holds the firmware as long, in the
	 * port's wait (on the M4 a WFI, on posix a sleep that needs no
	 * core: a spinning firmware preempted on a loaded host would end
	 * its lines late).  A message arriving meanwhile only wakes it
	 * early, to wait again: it is seen once the line is out. */
	while (amp_port_now(port) < end)
		if (port->ops->wait(port, end) == -AMP_EPIPE)
			break;
}

/* Feed bytes to a seed responder, logging the header and the reply as
 * the seed did when logging is on.  Returns the ack size with ack[]
 * filled, or 0. */
static uint32_t feed(struct amp_bench_resp *r, struct amp_port *port,
		     const void *data, uint32_t len, uint8_t ack[4])
{
	int idle = r->expected == 0;
	uint32_t n, count;

	n = amp_bench_resp_feed(r, data, len, ack);
	if (idle && (r->expected || n))
		uart_log(port, "test", r->expected ? r->expected : len);
	if (n) {
		count = (uint32_t)amp_bench_ack_parse(ack, n);
		/* logged first: a host that has the ack finds the line */
		amp_app_log("test done: %u bytes", (unsigned)count);
		uart_log(port, "ack", count);
	}
	return n;
}

static uint8_t raw_touch; /* "raw-mode touch": read each payload once */
static volatile uint64_t raw_sink;

static void raw_cb(struct amp_rpmsg_ept *ept, void *data, uint32_t len,
		   uint32_t src)
{
	struct amp_port *port = ept->dev->port;
	uint8_t ack[4];
	uint32_t n;

	if (raw_touch)
		raw_sink = amp_bench_read_once(data, len);
	uart_log(port, "rx", len);
	n = feed(&resp, port, data, len, ack);
	if (n)
		amp_rpmsg_sendto(ept, src, ack, n);
}

static void echo_cb(struct amp_rpmsg_ept *ept, void *data, uint32_t len,
		    uint32_t src)
{
	amp_rpmsg_sendto(ept, src, data, len);
}

/* ---- tty0: the seed responder over a byte stream ---- */

static struct amp_vuart tty0;
static struct amp_bench_resp tty_resp;
static uint8_t tty0_out[16]; /* acks not yet written */
static uint32_t tty0_out_len;

static uint32_t tty0_session; /* counts the host's CLOSED messages */

/* Write out pending acks.  Not re-entered: a write that waits delivers
 * messages, and a callback flushing the same bytes again would send them
 * twice.  It writes a copy: a CLOSED delivered meanwhile voids what was
 * pending, and acks of the next test may already be queued behind. */
static int tty0_flush(uint64_t deadline)
{
	static uint8_t busy;
	uint8_t copy[sizeof(tty0_out)];
	uint32_t n = tty0_out_len, session = tty0_session;
	int r;

	if (n > amp_vuart_write_room(&tty0))
		n = amp_vuart_write_room(&tty0);
	if (busy || !n)
		return 0;
	memcpy(copy, tty0_out, n);
	busy = 1;
	r = amp_vuart_write(&tty0, copy, n, deadline);
	busy = 0;
	if (r > 0 && session == tty0_session) {
		tty0_out_len -= (uint32_t)r;
		memmove(tty0_out, tty0_out + r, tty0_out_len);
	}
	return r;
}

static void tty0_ack(const uint8_t *ack, uint32_t n)
{
	/* A host that sends tests without reading their acks: once 16
	 * bytes wait, newer acks are lost, as with a UART's full FIFO. */
	if (tty0_out_len + n > sizeof(tty0_out)) {
		amp_app_log("tty0: ack dropped, host not reading");
		return;
	}
	memcpy(tty0_out + tty0_out_len, ack, n);
	tty0_out_len += n;
	tty0_flush(AMP_DEADLINE_NOW); /* usually there is credit */
}

/*
 * A byte stream may cut a test's header anywhere (a tty read, a credit
 * boundary), so while idle the header is gathered whole before the
 * responder sees it, resynchronising on the preamble: bytes before one
 * are skipped, as the seed skipped a message without one.  Then the rest
 * goes to the responder as it comes.
 */
static uint8_t tty0_hdr[AMP_BENCH_EXT_HDR_SIZE];
static uint32_t tty0_hdr_len;

static void tty0_rx(struct amp_vuart *vu, const void *data, uint32_t len)
{
	struct amp_port *port = vu->ept.dev->port;
	const uint8_t *p = data;
	uint8_t ack[4], *h = tty0_hdr;
	uint32_t n, need;

	uart_log(port, "rx", len);
	while (len) {
		if (tty_resp.expected) {
			n = feed(&tty_resp, port, p, len, ack);
			if (n)
				tty0_ack(ack, n);
			return;
		}
		h[tty0_hdr_len++] = *p++;
		len--;
		if (h[0] != (AMP_BENCH_PREAMBLE & 0xFF) ||
		    (tty0_hdr_len >= 2 &&
		     amp_get_le16(h) != AMP_BENCH_PREAMBLE)) {
			memmove(h, h + 1, --tty0_hdr_len);
			continue;
		}
		need = tty0_hdr_len >= 4 && !amp_get_le16(h + 2)
			       ? AMP_BENCH_EXT_HDR_SIZE
			       : AMP_BENCH_HDR_SIZE;
		if (tty0_hdr_len < need)
			continue;
		n = feed(&tty_resp, port, h, tty0_hdr_len, ack);
		tty0_hdr_len = 0;
		if (n)
			tty0_ack(ack, n);
	}
}

/* The host's last client of ttyRPMSG0 went: whatever it left half done
 * is nobody's.  Logged only when something was dropped. */
static void tty0_event(struct amp_vuart *vu, uint32_t event)
{
	(void)vu;
	if (event != AMP_VUART_EV_PEER_CLOSED)
		return;
	if (tty_resp.expected || tty0_hdr_len || tty0_out_len)
		amp_app_log("tty0: host closed the tty: test at %u of %u "
			    "bytes, %u header and %u ack bytes dropped",
			    (unsigned)tty_resp.count,
			    (unsigned)tty_resp.expected, (unsigned)tty0_hdr_len,
			    (unsigned)tty0_out_len);
	memset(&tty_resp, 0, sizeof(tty_resp));
	tty0_hdr_len = 0;
	tty0_out_len = 0;
	tty0_session++;
}

/* ---- tty1: echo, through a ring drained from the main loop ---- */

/* The window tty1 grants is the ring: with credits the host can never
 * have more bytes here than fit.  (Without credits the ring is not used:
 * see tty1_rx.) */
#define ECHO_RING 16384u
static struct amp_vuart tty1;
static uint8_t echo_ring[ECHO_RING];
static uint32_t echo_head, echo_tail; /* free-running; held = head - tail */

static uint8_t echo_busy;    /* echo_drain is writing */
static uint8_t echo_cut_due; /* drop up to echo_cut once that write ends */
static uint32_t echo_cut;

/* Drop the echo up to echo_cut (bytes of a client that went), granting
 * the room back. */
static void echo_drop(void)
{
	uint32_t n = echo_cut - echo_tail;

	echo_cut_due = 0;
	if ((int32_t)n <= 0)
		return;
	amp_app_log("tty1: host closed the tty: %u bytes of echo dropped",
		    (unsigned)n);
	echo_tail = echo_cut;
	amp_vuart_consumed(&tty1, n);
}

/* Echo what the ring holds, consuming (granting back) what went out.
 * Not re-entered, for the same reason as tty0_flush. */
static int echo_drain(uint64_t deadline)
{
	int r = 0;

	if (echo_busy)
		return 0;
	echo_busy = 1;
	while (echo_head != echo_tail) {
		uint32_t at = echo_tail % ECHO_RING, n = echo_head - echo_tail;

		if (n > ECHO_RING - at)
			n = ECHO_RING - at;
		if (n > amp_vuart_write_room(&tty1))
			n = amp_vuart_write_room(&tty1);
		if (!n)
			break; /* the main loop waits for the host's grant */
		r = amp_vuart_write(&tty1, echo_ring + at, n, deadline);
		if (r < 0)
			break;
		echo_tail += (uint32_t)r;
		amp_vuart_consumed(&tty1, (uint32_t)r);
		r = 0;
		if (echo_cut_due)
			echo_drop();
	}
	if (echo_cut_due)
		echo_drop();
	echo_busy = 0;
	return r;
}

/* The host's last client of ttyRPMSG1 went: its echo not yet written is
 * dropped (what a write has in hand goes; the rest once it returns). */
static void tty1_event(struct amp_vuart *vu, uint32_t event)
{
	(void)vu;
	if (event != AMP_VUART_EV_PEER_CLOSED)
		return;
	echo_cut = echo_head;
	echo_cut_due = 1;
	if (!echo_busy)
		echo_drop();
}

static void tty1_rx(struct amp_vuart *vu, const void *data, uint32_t len)
{
	struct amp_rpmsg_dev *dev = vu->ept.dev;
	const uint8_t *p = data;
	uint32_t at, n;
	int r;

	/* Without credits (an upstream rpmsg_tty host) there is no window
	 * to hold the host to, only the rings: echo at once, as the OpenAMP
	 * echo does.  Such a write waits only for tx buffers, which a
	 * callback may, and the host frees them while it sends. */
	if (!vu->credits) {
		r = amp_vuart_write(
			vu, data, len,
			amp_port_deadline(dev->port, dev->send_timeout_ns));
		if (r != (int)len)
			amp_app_log("tty1: echo of %u bytes: %d", (unsigned)len,
				    r);
		return;
	}
	/* With credits the window is the ring: this cannot happen unless
	 * the accounting broke. */
	if (len > ECHO_RING - (echo_head - echo_tail)) {
		amp_app_log("tty1: %u bytes dropped, echo ring full",
			    (unsigned)len);
		return;
	}
	while (len) {
		at = echo_head % ECHO_RING;
		n = len < ECHO_RING - at ? len : ECHO_RING - at;
		memcpy(echo_ring + at, p, n);
		echo_head += n;
		p += n;
		len -= n;
	}
}

/* ---- rpmsg-sdb: shared buffers, consumer and producer ---- */

static struct amp_sdb sdb;
static uint8_t sdb_open_ok;
static uint32_t sdb_carveout_len;
static uint8_t sdb_keep;	   /* hold what arrives (sdb-hold) */
static uint32_t sdb_good, sdb_bad; /* buffers checked */
static uint32_t produce_left, produce_len, produce_count;
static uint32_t produce_to; /* who asked, for the answer */
/* "sdb-mode touch": for measuring, the consumer reads each buffer once
 * (a sum of its words) instead of checking its CRC, and the producer
 * writes it once (a fill) instead of the pattern and header. */
static uint8_t sdb_touch;
static volatile uint64_t sdb_sink;

static int sdb_give_back(uint32_t index)
{
	struct amp_rpmsg_dev *dev = sdb.ept.dev;
	int r = amp_sdb_release(
		&sdb, index,
		amp_port_deadline(dev->port, dev->send_timeout_ns));

	if (r)
		amp_app_log("sdb: release of buffer %u: error %d",
			    (unsigned)index, r);
	return r;
}

static void sdb_filled(struct amp_sdb *s, uint32_t index, void *data,
		       uint32_t len)
{
	(void)s;
	if (sdb_touch) {
		sdb_sink = amp_bench_read_once(data, len);
		sdb_good++;
	} else if (amp_bench_buf_check(data, len)) {
		sdb_good++;
	} else {
		sdb_bad++;
		amp_app_log("sdb: buffer %u of %u bytes fails its check",
			    (unsigned)index, (unsigned)len);
	}
	if (!sdb_keep)
		sdb_give_back(index);
}

/* ampkit-ctl's, below */
static void ctl_reply(struct amp_rpmsg_ept *ept, uint32_t src,
		      const char *text);
static uint32_t put_dec(char *out, uint32_t v);
static int64_t take_dec(const uint8_t **s, uint32_t *len);

/* The producer's turn, from amp_app_idle: fill and hand over what
 * "sdb-produce" asked for, as far as the pool and the deadline allow.
 * Returns 1 while work is left. */
static int sdb_produce(uint64_t deadline)
{
	char msg[32] = "ok sdb-produce ";
	uint32_t cap;
	void *data;
	int i, r;

	while (produce_left) {
		/* Back to the main loop at its deadline even when buffers
		 * keep coming back in time: it beats the heartbeat. */
		if (amp_port_now(sdb.ept.dev->port) >= deadline)
			return 1;
		i = amp_sdb_alloc(&sdb, &data, &cap, deadline);
		if (i == -AMP_ETIMEDOUT)
			return 1; /* the pool is full: again after the beat */
		if (i == -AMP_EPIPE)
			return 0;
		r = i < 0 ? i : produce_len > cap ? -AMP_EMSGSIZE : 0;
		if (!r) {
			if (sdb_touch)
				memset(data, (int)produce_left, produce_len);
			else
				amp_bench_buf_fill(data, produce_len, 0);
			r = amp_sdb_send(&sdb, (uint32_t)i, 0, produce_len,
					 deadline);
			if (r)
				amp_sdb_unalloc(&sdb, (uint32_t)i);
			if (r == -AMP_ETIMEDOUT)
				return 1;
		}
		if (r) {
			amp_app_log("sdb: produce: error %d, %u left", r,
				    (unsigned)produce_left);
			produce_left = produce_count = 0;
			ctl_reply(&ctl_ept, produce_to,
				  "error: sdb-produce failed");
			return 0;
		}
		produce_left--;
	}
	if (produce_count) {
		msg[15 + put_dec(msg + 15, produce_count)] = 0;
		produce_count = 0;
		ctl_reply(&ctl_ept, produce_to, msg);
	}
	return 0;
}

/* "raw-produce": bytes left to stream to raw_dst on rpmsg-raw, each
 * message written once, in place in a tx buffer (zero-copy) or in
 * raw_chunk and then copied into one by the send. */
static uint32_t raw_left, raw_total, raw_dst, raw_to;
static uint8_t raw_zc;
static uint64_t
	raw_chunk[(AMP_RPMSG_BUF_SIZE_DEFAULT - AMP_RPMSG_HDR_SIZE) / 8];

/* From amp_app_idle, as far as tx buffers and the deadline allow.
 * Returns 1 while work is left. */
static int raw_produce(uint64_t deadline)
{
	struct amp_rpmsg_dev *dev = raw_ept.dev;
	char msg[32] = "ok raw-produce ";
	uint32_t cap, n = 0;
	void *buf;
	int r;

	while (raw_left) {
		if (amp_port_now(dev->port) >= deadline)
			return 1; /* as in sdb_produce */
		if (raw_zc) {
			buf = amp_rpmsg_get_tx_buf(dev, &cap, deadline, &r);
			if (!buf && r == -AMP_ETIMEDOUT)
				return 1;
			if (buf) {
				n = raw_left < cap ? raw_left : cap;
				memset(buf, (int)raw_left, n);
				r = amp_rpmsg_send_nocopy(&raw_ept, raw_dst,
							  buf, n);
				if (r)
					amp_rpmsg_release_tx(dev, buf);
			}
		} else {
			cap = amp_rpmsg_max_payload(dev);
			cap = cap < sizeof(raw_chunk) ? cap : sizeof(raw_chunk);
			n = raw_left < cap ? raw_left : cap;
			memset(raw_chunk, (int)raw_left, n);
			r = amp_rpmsg_send_deadline(&raw_ept, raw_dst,
						    raw_chunk, n, deadline);
			if (r == -AMP_ETIMEDOUT)
				return 1;
		}
		if (r < 0) {
			amp_app_log("raw: produce: error %d, %u bytes left", r,
				    (unsigned)raw_left);
			raw_left = raw_total = 0;
			ctl_reply(&ctl_ept, raw_to,
				  "error: raw-produce failed");
			return 0;
		}
		raw_left -= n;
	}
	if (raw_total) {
		msg[15 + put_dec(msg + 15, raw_total)] = 0;
		raw_total = 0;
		ctl_reply(&ctl_ept, raw_to, msg);
	}
	return 0;
}

static void sdb_open(struct amp_rpmsg_dev *dev)
{
	struct amp_sdb_cfg cfg = { 0 };
	uint32_t len;
	int r = amp_app_carveout(AMP_SDB_CARVEOUT, &cfg.pool_pa, &len);

	if (!r) {
		cfg.pool_len = sdb_carveout_len = len;
		r = amp_sdb_open(&sdb, dev, &cfg, AMP_RPMSG_ADDR_ANY,
				 AMP_RPMSG_ADDR_ANY, sdb_filled, NULL);
	}
	if (r) {
		amp_app_log("%s: no pool in carveout %s (error %d)",
			    AMP_SDB_NAME, AMP_SDB_CARVEOUT, r);
		return;
	}
	sdb_open_ok = 1;
	amp_app_log("channel %s at 0x%x, pool 0x%x + %u", AMP_SDB_NAME,
		    (unsigned)sdb.ept.addr, (unsigned)cfg.pool_pa,
		    (unsigned)len);
}

/* ---- rproc-srm: the resource manager's client ---- */

#define SRM_TIMEOUT_NS 5000000000ull
#define SRM_RAW_MAX 96u

static struct amp_srm_client srm;
static uint8_t srm_open_ok;
static uint8_t srm_state; /* 0 idle, 1 to send, 2 sent */
static uint8_t srm_buf[SRM_RAW_MAX];
static uint32_t srm_len;
static uint8_t srm_raw; /* srm-raw: answer with the raw reply */
static uint32_t srm_to;
static uint64_t srm_until;

/* An answer being built, text without a heap. */
struct txt {
	char b[128];
	uint32_t n;
};

static void txt_str(struct txt *t, const char *s, uint32_t max)
{
	for (uint32_t i = 0; i < max && s[i] && t->n + 1 < sizeof(t->b); i++)
		t->b[t->n++] = s[i];
	t->b[t->n] = 0;
}

static void txt_dec(struct txt *t, uint32_t v)
{
	if (t->n + 11 < sizeof(t->b))
		t->n += put_dec(t->b + t->n, v);
	t->b[t->n] = 0;
}

static void txt_kv(struct txt *t, const char *k, uint32_t v)
{
	txt_str(t, k, 32);
	txt_dec(t, v);
}

/* The host's answer, as a line for the test that asked. */
static void srm_answer(const struct amp_srm_msg *m, int r)
{
	struct txt t = { { 0 }, 0 };

	if (srm_raw) {
		txt_str(&t,
			m->message_type == AMP_SRM_MSG_ERROR ? "error: "
							     : "ok raw ",
			8);
		txt_str(&t, (const char *)m->device_id, sizeof(m->device_id));
	} else if (r) {
		txt_str(&t, "error: ", 8);
		txt_str(&t,
			r == -AMP_EPROTO ? "bad answer"
					 : (const char *)m->device_id,
			sizeof(m->device_id));
	} else if (m->rsc_type == AMP_SRM_RSC_PERIPH) {
		txt_str(&t, "ok periph ", 16);
		txt_str(&t, (const char *)srm_buf + 4, AMP_SRM_DEV_SIZE);
		txt_kv(&t, " id ", m->u.periph.id);
		txt_kv(&t, " held ", m->u.periph.held);
		txt_str(&t, " owner ", 8);
		txt_str(&t, amp_res_owner_name(m->u.periph.owner), 16);
	} else if (m->rsc_type == AMP_SRM_RSC_CLOCK) {
		txt_str(&t, "ok clock ", 16);
		txt_str(&t, (const char *)m->u.clock.name, AMP_SRM_NAME_SIZE);
		txt_kv(&t, " rate ", m->u.clock.rate);
		txt_kv(&t, " enabled ", !m->u.clock.disabled);
	} else {
		txt_str(&t, "ok regulator ", 16);
		txt_str(&t, (const char *)m->u.regu.name, AMP_SRM_NAME_SIZE);
		txt_kv(&t, " enabled ", m->u.regu.enable);
		txt_kv(&t, " mv ", m->u.regu.curr_voltage_mv);
	}
	ctl_reply(&ctl_ept, srm_to, t.b);
}

static void srm_fail(const char *why)
{
	srm_state = 0;
	srm.pending = 0; /* a late answer is counted, not taken */
	ctl_reply(&ctl_ept, srm_to, why);
}

/* The command's turn, from amp_app_idle: send, then wait for the answer
 * (each call waits at most until `deadline`; the command's own limit is
 * SRM_TIMEOUT_NS).  Returns 1 while it is not over. */
static int srm_run(struct amp_rpmsg_dev *dev, uint64_t deadline)
{
	struct amp_srm_msg reply;
	int r;

	if (srm_state == 1) {
		r = amp_srm_send(&srm, srm_buf, srm_len, deadline);
		if (r == -AMP_ENOTCONN || r == -AMP_ETIMEDOUT) {
			if (amp_port_now(dev->port) < srm_until)
				return 1;
			srm_fail("error: rproc-srm: no host end");
			return 0;
		}
		if (r) {
			srm_fail("error: rproc-srm: send failed");
			return 0;
		}
		srm_state = 2;
	}
	reply.message_type = 0;
	r = amp_srm_wait(&srm, &reply, deadline);
	if (r == -AMP_ETIMEDOUT) {
		if (amp_port_now(dev->port) < srm_until)
			return 1;
		srm_fail("error: rproc-srm: no answer");
		return 0;
	}
	/* Failed without an answer (an ERROR's reason is an answer) */
	if (r && reply.message_type != AMP_SRM_MSG_ERROR) {
		srm_fail("error: rproc-srm: wait failed");
		return 0;
	}
	srm_state = 0;
	srm_answer(&reply, r);
	return 0;
}

/* A word of at most size-1 characters at *s, then a space or the end,
 * NUL-terminated into out: consumed.  0, or -1 if there is none. */
static int take_word(const uint8_t **s, uint32_t *len, char *out, uint32_t size)
{
	uint32_t i = 0;

	while (i < *len && (*s)[i] != ' ') {
		if (i + 1 >= size)
			return -1;
		out[i] = (char)(*s)[i];
		i++;
	}
	out[i] = 0;
	if (!i)
		return -1;
	if (i < *len)
		i++;
	*s += i;
	*len -= i;
	return 0;
}

static int hex_digit(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "srm-raw <hex>": up to SRM_RAW_MAX bytes as they are. */
static int srm_parse_raw(const uint8_t *m, uint32_t len)
{
	if (!len || len % 2 || len / 2 > SRM_RAW_MAX)
		return -1;
	for (uint32_t i = 0; i < len; i += 2) {
		int hi = hex_digit(m[i]), lo = hex_digit(m[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		srm_buf[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	srm_len = len / 2;
	return 0;
}

static const char srm_usage[] =
	"error: rm-request|rm-release|rm-get <periph>, srm-clock <dev> <clock> "
	"<rate> <0|1>, srm-reg <dev> <reg> <0|1> <min_mv> <max_mv>, "
	"srm-get-clock|srm-get-reg <dev> <name>, srm-raw <hex>";

/* The resource manager's commands: parsed into a request, sent from
 * amp_app_idle (see srm_run). */
static void ctl_srm(struct amp_rpmsg_ept *ept, const uint8_t *m, uint32_t len,
		    uint32_t src)
{
	struct amp_srm_msg q;
	char cmd[16], dev[AMP_SRM_DEV_SIZE], name[AMP_SRM_NAME_SIZE];
	int64_t a = 0, b = 0, c = 0;
	int bad = take_word(&m, &len, cmd, sizeof(cmd));

	if (!srm_open_ok) {
		ctl_reply(ept, src, "error: no rproc-srm");
		return;
	}
	if (srm_state) {
		ctl_reply(ept, src, "error: rproc-srm: busy");
		return;
	}
	srm_raw = 0;
	if (!bad && !strcmp(cmd, "srm-raw")) {
		bad = srm_parse_raw(m, len);
		srm_raw = 1;
		len = 0;
	} else if (!bad && !memcmp(cmd, "rm-", 3)) {
		bad = take_word(&m, &len, dev, sizeof(dev));
		if (!strcmp(cmd, "rm-get"))
			amp_srm_msg_periph(&q, AMP_SRM_MSG_GETCONFIG, dev, 0);
		else if (!strcmp(cmd, "rm-request") ||
			 !strcmp(cmd, "rm-release"))
			amp_srm_msg_periph(&q, AMP_SRM_MSG_SETCONFIG, dev,
					   cmd[5] == 'q');
		else
			bad = -1;
	} else if (!bad) {
		bad = take_word(&m, &len, dev, sizeof(dev)) ||
		      take_word(&m, &len, name, sizeof(name));
		if (!strcmp(cmd, "srm-get-clock")) {
			amp_srm_msg_clock(&q, AMP_SRM_MSG_GETCONFIG, dev, name,
					  0, 1);
		} else if (!strcmp(cmd, "srm-get-reg")) {
			amp_srm_msg_regu(&q, AMP_SRM_MSG_GETCONFIG, dev, name,
					 0, 0, 0);
		} else if (!strcmp(cmd, "srm-clock")) {
			a = take_dec(&m, &len);
			b = take_dec(&m, &len);
			bad = bad || a < 0 || b < 0 || b > 1;
			amp_srm_msg_clock(&q, AMP_SRM_MSG_SETCONFIG, dev, name,
					  (uint32_t)a, b == 1);
		} else if (!strcmp(cmd, "srm-reg")) {
			a = take_dec(&m, &len);
			b = take_dec(&m, &len);
			c = take_dec(&m, &len);
			bad = bad || a < 0 || a > 1 || b < 0 || c < 0;
			amp_srm_msg_regu(&q, AMP_SRM_MSG_SETCONFIG, dev, name,
					 a == 1, (uint32_t)b, (uint32_t)c);
		} else {
			bad = -1;
		}
	}
	if (bad || len) {
		ctl_reply(ept, src, srm_usage);
		return;
	}
	if (!srm_raw) {
		memcpy(srm_buf, &q, sizeof(q));
		srm_len = sizeof(q);
	}
	srm_to = src;
	srm_until = amp_port_now(ept->dev->port) + SRM_TIMEOUT_NS;
	srm_state = 1;
}

static void srm_open(struct amp_rpmsg_dev *dev)
{
	int r = amp_srm_client_open(&srm, dev, AMP_RPMSG_ADDR_ANY);

	if (r) {
		amp_app_log("%s: error %d", AMP_SRM_CHANNEL, r);
		return;
	}
	srm_open_ok = 1;
	amp_app_log("channel %s at 0x%x", AMP_SRM_CHANNEL,
		    (unsigned)srm.ept.addr);
}

int amp_app_idle(struct amp_rpmsg_dev *dev, uint64_t deadline)
{
	int r = tty0_flush(deadline), busy;

	if (r >= 0 || r == -AMP_ETIMEDOUT)
		r = echo_drain(deadline);
	if (r < 0 && r != -AMP_ETIMEDOUT && r != -AMP_EPIPE) {
		/* The stream cannot go on (a broken ring): drop what waits
		 * rather than spin on it. */
		amp_app_log("tty: write error %d, %u bytes dropped", r,
			    (unsigned)(echo_head - echo_tail + tty0_out_len));
		amp_vuart_consumed(&tty1, echo_head - echo_tail);
		echo_tail = echo_head;
		tty0_out_len = 0;
	}
	if (r == -AMP_EPIPE)
		return 0; /* the main loop's wait sees the host gone */
	/* Bytes waiting with credit to send them (a write that ran out of
	 * time): again at once.  Bytes waiting for credit: the main loop's
	 * wait ends on the grant. */
	busy = (echo_head != echo_tail && amp_vuart_write_room(&tty1)) ||
	       (tty0_out_len && amp_vuart_write_room(&tty0));
	/* Grants a callback could not send (no buffer then). */
	if (amp_vuart_flush(&tty0, deadline) == -AMP_ETIMEDOUT)
		busy = 1;
	if (amp_vuart_flush(&tty1, deadline) == -AMP_ETIMEDOUT)
		busy = 1;
	if (produce_left && sdb_produce(deadline))
		busy = 1;
	if (raw_left && raw_produce(deadline))
		busy = 1;
	if (srm_state && srm_run(dev, deadline))
		busy = 1;
	return busy;
}

/* ---- ampkit-ctl ---- */

static int is_cmd(const void *data, uint32_t len, const char *cmd)
{
	size_t n = strlen(cmd);

	return len == n && !memcmp(data, cmd, n);
}

static void ctl_reply(struct amp_rpmsg_ept *ept, uint32_t src, const char *text)
{
	amp_rpmsg_sendto(ept, src, text, (uint32_t)strlen(text));
}

/* v in decimal at out (no NUL); returns the digits written. */
static uint32_t put_dec(char *out, uint32_t v)
{
	char digits[10];
	uint32_t n = 0, d = 0;

	do {
		digits[d++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (d)
		out[n++] = digits[--d];
	return n;
}

/* A decimal number of 1..9 digits at *s, then a space or the end:
 * consumed from *s and *len.  -1 if there is none. */
static int64_t take_dec(const uint8_t **s, uint32_t *len)
{
	uint32_t v = 0, i = 0;

	while (i < *len && (*s)[i] != ' ') {
		if ((*s)[i] < '0' || (*s)[i] > '9' || i == 9)
			return -1;
		v = v * 10 + (uint32_t)((*s)[i++] - '0');
	}
	if (!i)
		return -1;
	if (i < *len)
		i++; /* the space */
	*s += i;
	*len -= i;
	return v;
}

/* "log <baud>": decimal, 0 (off) or UART_BAUD_MIN..UART_BAUD_MAX.
 * Returns the rate or -1. */
static int64_t parse_baud(const uint8_t *s, uint32_t len)
{
	uint32_t v = 0;

	if (!len || len > 8)
		return -1;
	for (uint32_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v && (v < UART_BAUD_MIN || v > UART_BAUD_MAX))
		return -1;
	return v;
}

static void ctl_log(struct amp_rpmsg_ept *ept, const uint8_t *arg, uint32_t len,
		    uint32_t src)
{
	int64_t baud = parse_baud(arg, len);
	char msg[24] = "ok log ";

	if (baud < 0) {
		ctl_reply(ept, src,
			  "error: log wants a baud rate: log <baud> "
			  "(0 = off, 110..10000000)");
		return;
	}
	uart_baud = (uint32_t)baud;
	uart_lines = 0;
	amp_app_log("ctl: uart logging %s at %u baud", uart_baud ? "on" : "off",
		    (unsigned)uart_baud);
	msg[7 + put_dec(msg + 7, uart_baud)] = 0;
	ctl_reply(ept, src, msg);
}

/* For "sdb-mute": drop what arrives on rpmsg-sdb unread. */
static amp_rpmsg_cb sdb_serve;
static void mute_cb(struct amp_rpmsg_ept *ept, void *data, uint32_t len,
		    uint32_t src)
{
	(void)ept;
	(void)data;
	(void)src;
	amp_app_log("sdb: muted, %u bytes dropped", (unsigned)len);
}

/* The sdb commands: "sdb-produce <count> <len>" (answered once all are
 * handed over), "sdb-stats" ("good N bad M"), "sdb-hold" (keep what
 * arrives, checked, until "sdb-release", which gives it all back),
 * "sdb-mode touch|check" (read and write each buffer once, for the
 * bench, or check every one: the default).  For tests of a host facing
 * a firmware that disagrees: "sdb-pool <bytes>" (judge the host's
 * layouts by only that much of the carveout; 0: all of it) and "sdb-mute
 * on|off" (leave rpmsg-sdb unserved: HELLOs go unanswered). */
static void ctl_sdb(struct amp_rpmsg_ept *ept, const uint8_t *m, uint32_t len,
		    uint32_t src)
{
	char msg[48] = "good ";
	uint32_t n = 5, released = 0;
	int64_t count, size;

	if (!sdb_open_ok) {
		ctl_reply(ept, src, "error: no rpmsg-sdb");
	} else if (is_cmd(m, len, "sdb-stats")) {
		n += put_dec(msg + n, sdb_good);
		memcpy(msg + n, " bad ", 5);
		n += 5;
		msg[n + put_dec(msg + n, sdb_bad)] = 0;
		ctl_reply(ept, src, msg);
	} else if (is_cmd(m, len, "sdb-mode touch") ||
		   is_cmd(m, len, "sdb-mode check")) {
		sdb_touch = m[9] == 't';
		ctl_reply(ept, src, sdb_touch ? "ok touch" : "ok check");
	} else if (is_cmd(m, len, "sdb-hold")) {
		sdb_keep = 1;
		ctl_reply(ept, src, "ok sdb-hold");
	} else if (is_cmd(m, len, "sdb-release")) {
		sdb_keep = 0;
		for (uint32_t i = 0; i < sdb.cfg.count; i++)
			if (sdb.state[i] == AMP_SDB_HELD && !sdb_give_back(i))
				released++;
		memcpy(msg, "ok sdb-release ", 15);
		msg[15 + put_dec(msg + 15, released)] = 0;
		ctl_reply(ept, src, msg);
	} else if (len > 9 && !memcmp(m, "sdb-pool ", 9)) {
		m += 9;
		len -= 9;
		size = take_dec(&m, &len);
		if (size < 0 || len || size > sdb_carveout_len) {
			ctl_reply(ept, src,
				  "error: sdb-pool <bytes> (0: the whole "
				  "carveout)");
		} else {
			/* judged at the host's next HELLO */
			sdb.cfg.pool_len =
				size ? (uint64_t)size : sdb_carveout_len;
			memcpy(msg, "ok sdb-pool ", 12);
			msg[12 +
			    put_dec(msg + 12, (uint32_t)sdb.cfg.pool_len)] = 0;
			ctl_reply(ept, src, msg);
		}
	} else if (is_cmd(m, len, "sdb-mute on") ||
		   is_cmd(m, len, "sdb-mute off")) {
		/* A firmware that does not serve its channel. */
		if (!sdb_serve)
			sdb_serve = sdb.ept.cb;
		sdb.ept.cb = m[10] == 'n' ? mute_cb : sdb_serve;
		ctl_reply(ept, src,
			  m[10] == 'n' ? "ok sdb-mute on" : "ok sdb-mute off");
	} else if (len > 12 && !memcmp(m, "sdb-produce ", 12)) {
		m += 12;
		len -= 12;
		count = take_dec(&m, &len);
		size = take_dec(&m, &len);
		if (produce_left)
			ctl_reply(ept, src, "error: sdb-produce: busy");
		else if (count <= 0 || size < AMP_BENCH_HDR_SIZE || len ||
			 (sdb.matched && size > sdb.cfg.size))
			ctl_reply(ept, src,
				  "error: sdb-produce <count> <len> (len >= "
				  "6, at most a buffer)");
		else {
			produce_left = produce_count = (uint32_t)count;
			produce_len = (uint32_t)size;
			produce_to = src;
		}
	} else {
		ctl_reply(ept, src, "error: unknown sdb command");
	}
}

/* "raw-mode touch|count": the rpmsg-raw responder reads each payload
 * once, or only counts it (the default: the seed's responder).
 * "raw-produce <dst> <bytes> copy|zc": stream <bytes> to host address
 * <dst> from rpmsg-raw in messages as large as a buffer takes (copy: at
 * most a default buffer's 496 B), answered once all are sent. */
static void ctl_raw(struct amp_rpmsg_ept *ept, const uint8_t *m, uint32_t len,
		    uint32_t src)
{
	int64_t dst, bytes;

	if (is_cmd(m, len, "raw-mode touch") ||
	    is_cmd(m, len, "raw-mode count")) {
		raw_touch = m[9] == 't';
		ctl_reply(ept, src, raw_touch ? "ok touch" : "ok count");
		return;
	}
	if (len <= 12 || memcmp(m, "raw-produce ", 12))
		goto bad;
	m += 12;
	len -= 12;
	dst = take_dec(&m, &len);
	bytes = take_dec(&m, &len);
	if (raw_left) {
		ctl_reply(ept, src, "error: raw-produce: busy");
		return;
	}
	if (dst < 0 || bytes <= 0 ||
	    !(is_cmd(m, len, "copy") || is_cmd(m, len, "zc")))
		goto bad;
	raw_left = raw_total = (uint32_t)bytes;
	raw_dst = (uint32_t)dst;
	raw_zc = m[0] == 'z';
	raw_to = src;
	return;
bad:
	ctl_reply(ept, src,
		  "error: raw-mode touch|count, or raw-produce <dst> "
		  "<bytes> copy|zc");
}

/* "crash": die the way a firmware fault does (SIGABRT on posix, a
 * HardFault on the M4).  "hang": spin forever with interrupts on, so only
 * a missing heartbeat (the M4's watchdog) can tell.  "log <baud>": the
 * seed's debug-UART logging on both seed responders (answered).  "sdb-*":
 * see ctl_sdb. */
static void ctl_cb(struct amp_rpmsg_ept *ept, void *data, uint32_t len,
		   uint32_t src)
{
	const uint8_t *m = data;

	if (is_cmd(data, len, "crash")) {
		amp_app_log("ctl: crash requested");
		abort();
	}
	if (is_cmd(data, len, "hang")) {
		volatile uint32_t spin = 0;

		amp_app_log("ctl: hang requested");
		for (;;)
			spin++;
	}
	if (len >= 4 && !memcmp(m, "log ", 4)) {
		ctl_log(ept, m + 4, len - 4, src);
		return;
	}
	if (len >= 4 && !memcmp(m, "sdb-", 4)) {
		ctl_sdb(ept, m, len, src);
		return;
	}
	if (len >= 4 && !memcmp(m, "raw-", 4)) {
		ctl_raw(ept, m, len, src);
		return;
	}
	if ((len >= 4 && !memcmp(m, "srm-", 4)) ||
	    (len >= 3 && !memcmp(m, "rm-", 3))) {
		ctl_srm(ept, m, len, src);
		return;
	}
	amp_app_log("ctl: unknown command (%u bytes)", (unsigned)len);
	ctl_reply(ept, src,
		  "error: unknown command (crash, hang, log <baud>, sdb-..., "
		  "raw-..., rm-..., srm-...)");
}

static int channel(struct amp_rpmsg_ept *ept, struct amp_rpmsg_dev *dev,
		   const char *name, amp_rpmsg_cb cb)
{
	int r = amp_rpmsg_create_ept(ept, dev, name, AMP_RPMSG_ADDR_ANY,
				     AMP_RPMSG_ADDR_ANY, cb, NULL);

	if (r)
		amp_app_log("channel %s: error %d", name, r);
	else
		amp_app_log("channel %s at 0x%x", name, (unsigned)ept->addr);
	return r;
}

/* The tty channels' name: upstream's, or (the ampkit-fw-bench-st build)
 * ST's, as an STM32Cube VIRT_UART firmware announces them. */
#ifndef FW_TTY_NAME
#define FW_TTY_NAME AMP_VUART_NAME
#endif

static int tty(struct amp_vuart *vu, struct amp_rpmsg_dev *dev,
	       const char *which, uint32_t rx_window, amp_vuart_rx_cb cb,
	       amp_vuart_event_cb on_event)
{
	int r = amp_vuart_open(vu, dev, FW_TTY_NAME, AMP_RPMSG_ADDR_ANY,
			       AMP_RPMSG_ADDR_ANY, rx_window, cb, NULL);

	if (r) {
		amp_app_log("%s (%s): error %d", which, FW_TTY_NAME, r);
		return r;
	}
	vu->on_event = on_event;
	amp_app_log("%s: %s at 0x%x%s", which, FW_TTY_NAME,
		    (unsigned)vu->ept.addr, dev->credits ? ", credits" : "");
	return 0;
}

int amp_app_init(struct amp_rpmsg_dev *dev)
{
	int r;

	amp_app_log("ampkit bench firmware booting: %u-byte buffers",
		    (unsigned)dev->buf_size);
	r = channel(&raw_ept, dev, "rpmsg-raw", raw_cb);
	if (!r)
		r = channel(&echo_ept, dev, "rpmsg-openamp-demo-channel",
			    echo_cb);
	if (!r)
		r = channel(&ctl_ept, dev, "ampkit-ctl", ctl_cb);
	/* Announced in this order: the host numbers them ttyRPMSG0, 1. */
	if (!r)
		r = tty(&tty0, dev, "tty0", 0, tty0_rx, tty0_event);
	if (!r)
		r = tty(&tty1, dev, "tty1", ECHO_RING, tty1_rx, tty1_event);
	if (!r)
		sdb_open(dev); /* a table without the carveout: no sdb */
	if (!r)
		srm_open(dev);
	return r;
}
