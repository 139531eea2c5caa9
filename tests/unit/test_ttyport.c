/*
 * test_ttyport.c - the daemon's pty bridge (daemon/ttyport.c) against a
 * remote that breaks the vuart protocol, driven deterministically: a
 * host and a remote RPMsg device in one process (pair.h), the remote's
 * side a plain endpoint the test writes raw messages with, and the pty
 * read and written as a client would.
 *
 * Each bad input (data beyond the window granted, a malformed credit, an
 * impossible credit) must be dropped, counted, and reported in one log
 * line, while every good byte still arrives exactly once and in order.
 * The tty's last close must reach the remote as one CLOSED after the
 * client's last byte (with credits; without, nothing but the data).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "ampkit/vuart.h"
#include "ttyport.h"
#include "unit/pair.h"

#define WINDOW (64u * 1024) /* the window ttyport grants (OUT_CAP) */

static char dir[64];
static char last_log[512];
static int nlogs;

static void log_fn(void *priv, const char *fmt, ...)
{
	va_list ap;

	(void)priv;
	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
	nlogs++;
}

struct fixture {
	struct pair p;
	struct amp_rpmsg_ept rept; /* the remote's port, raw */
	uint8_t rx[128 * 1024];	   /* what the remote received */
	uint32_t rx_len;
	uint32_t granted;      /* credit the host granted the remote */
	uint32_t sent;	       /* stream bytes the remote sent */
	uint32_t read_off;     /* stream bytes the client read */
	uint32_t closes;       /* CLOSED messages the remote received */
	uint32_t closed_at[8]; /* rx_len when each came */
	struct amp_ttyport *t;
	int client; /* the pty, opened as a user would */
};

static void remote_rx(struct amp_rpmsg_ept *ept, void *data, uint32_t len,
		      uint32_t src)
{
	struct fixture *f = ept->priv;

	if (ept->dest_addr == AMP_RPMSG_ADDR_ANY)
		ept->dest_addr = src;
	if (amp_rpmsg_rx_flags(ept->dev) & AMP_RPMSG_F_CTL) {
		assert_int_equal(len, 8);
		if (amp_get_le32(data) == AMP_VUART_CTL_CLOSED) {
			assert_int_equal(amp_get_le32((uint8_t *)data + 4), 0);
			assert_true(f->closes < 8);
			f->closed_at[f->closes++] = f->rx_len;
			return;
		}
		assert_int_equal(amp_get_le32(data), AMP_VUART_CTL_CREDIT);
		f->granted += amp_get_le32((uint8_t *)data + 4);
		return;
	}
	assert_true(f->rx_len + len <= sizeof(f->rx));
	memcpy(f->rx + f->rx_len, data, len);
	f->rx_len += len;
}

static int setup_features(void **state, uint32_t features)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char why[256];

	assert_non_null(f);
	snprintf(dir, sizeof(dir), "/tmp/ampkit-ttyport-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(pair_init(&f->p, 32, 512, features), 0);
	assert_int_equal(f->p.host.credits,
			 !!(features & (1u << AMP_VIRTIO_RPMSG_F_CREDITS)));
	assert_int_equal(amp_rpmsg_create_ept(&f->rept, &f->p.remote,
					      AMP_VUART_NAME,
					      AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_ADDR_ANY, remote_rx, f),
			 0);
	f->t = amp_ttyport_open(&f->p.host, AMP_VUART_NAME, f->rept.addr, dir,
				0, log_fn, NULL, why, sizeof(why));
	if (!f->t)
		fail_msg("amp_ttyport_open: %s", why);
	/* The opening grant tells the remote where the host is (without
	 * credits the host stays silent until it has data). */
	amp_rpmsg_poll(&f->p.remote);
	assert_int_equal(f->granted, f->p.host.credits ? WINDOW : 0);
	f->client = open(amp_ttyport_pts(f->t), O_RDWR | O_NOCTTY | O_NONBLOCK);
	assert_true(f->client >= 0);
	nlogs = 0;
	last_log[0] = '\0';
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_features(state, AMP_RPMSG_FEATURES);
}

/* A remote that does not negotiate credits (OpenAMP, rpmsg-lite). */
static int setup_raw(void **state)
{
	return setup_features(state,
			      AMP_RPMSG_FEATURES &
				      ~(1u << AMP_VIRTIO_RPMSG_F_CREDITS));
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	close(f->client);
	amp_ttyport_free(f->t);
	pair_free(&f->p);
	free(f);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The daemon's poll of the port's two fds, without waiting. */
static void port_io(struct amp_ttyport *t)
{
	struct pollfd p[2] = {
		{ .fd = amp_ttyport_watch_fd(t), .events = POLLIN },
		{ .fd = -1 },
	};

	if (poll(p, 1, 0) > 0)
		amp_ttyport_watch_io(t);
	p[1] = (struct pollfd){ .fd = amp_ttyport_fd(t),
				.events = amp_ttyport_events(t) };
	if (poll(p + 1, 1, 0) > 0)
		amp_ttyport_io(t, p[1].revents);
}

/* One turn of the daemon's loop for this port. */
static void turn(struct fixture *f)
{
	amp_rpmsg_poll(&f->p.host);
	port_io(f->t);
	amp_ttyport_pump(f->t);
	amp_rpmsg_poll(&f->p.remote);
}

/* The client reads what the pty has, checking each byte against the
 * stream. */
static void client_read(struct fixture *f)
{
	uint8_t in[8192];
	ssize_t r;

	while ((r = read(f->client, in, sizeof(in))) > 0) {
		for (ssize_t i = 0; i < r; i++)
			if (in[i] != (uint8_t)((f->read_off + i) * 7))
				fail_msg("byte %u wrong",
					 (unsigned)(f->read_off + i));
		f->read_off += (uint32_t)r;
	}
}

/* Remote to host: the stream up to offset `to`, as far as the host's
 * credit allows (an honest peer), turning the host when buffers run out
 * or credit is used up; the client reads along if `reading`. */
static void remote_send(struct fixture *f, uint32_t to, bool reading)
{
	uint8_t buf[496];
	uint32_t n, idle = 0;

	while (f->sent < to && idle < 8) {
		n = to - f->sent < 300 ? to - f->sent : 300;
		if (n > f->granted - f->sent)
			n = f->granted - f->sent;
		for (uint32_t i = 0; i < n; i++)
			buf[i] = (uint8_t)((f->sent + i) * 7);
		if (n &&
		    amp_rpmsg_send_deadline(&f->rept, AMP_RPMSG_ADDR_ANY, buf,
					    n, AMP_DEADLINE_NOW) == 0) {
			f->sent += n;
			idle = 0;
			continue;
		}
		turn(f);
		if (reading)
			client_read(f);
		idle += !n;
	}
}

/*
 * The remote sends all the credit it has while the client does not read,
 * then one more message: that one is beyond what was granted, dropped
 * whole and reported; every granted byte reaches the client, in order.
 */
static void test_overrun_dropped_and_logged(void **state)
{
	struct fixture *f = *state;
	uint8_t extra[100];

	/* Until the credit stops growing: the pty takes a few KiB (and
	 * the host grants them back), the port's ring holds the rest.  The
	 * kernel moves a pty's bytes on later, in its own time (later still
	 * on a loaded machine), so the pty may take more after a pause:
	 * send again until a pause brings no new credit. */
	for (int round = 0; round < 200; round++) {
		struct timespec ms = { 0, 2000000 };

		remote_send(f, 10 * WINDOW, false);
		for (int i = 0; i < 8; i++)
			turn(f);
		nanosleep(&ms, NULL);
		turn(f);
		if (f->sent == f->granted)
			break;
	}
	assert_int_equal(f->sent, f->granted);
	assert_true(f->sent >= WINDOW && f->sent < 2 * WINDOW);
	assert_int_equal(nlogs, 0);

	memset(extra, 0xEE, sizeof(extra));
	assert_int_equal(amp_rpmsg_send_deadline(&f->rept, AMP_RPMSG_ADDR_ANY,
						 extra, sizeof(extra),
						 AMP_DEADLINE_NOW),
			 0);
	turn(f);
	assert_int_equal(nlogs, 1);
	assert_non_null(strstr(last_log, "ttyRPMSG0: vuart protocol error"));
	assert_non_null(strstr(last_log, "beyond the window"));

	/* The client reads everything granted, exactly once, and none of
	 * the 0xEE bytes. */
	for (int i = 0; i < 64 && f->read_off < f->sent; i++) {
		turn(f);
		client_read(f);
	}
	assert_int_equal(f->read_off, f->sent);
	/* Reading freed the window: the stream goes on where it was. */
	remote_send(f, f->sent + 200000, true);
	for (int i = 0; i < 64 && f->read_off < f->sent; i++) {
		turn(f);
		client_read(f);
	}
	assert_int_equal(f->read_off, f->sent);
	assert_true(f->sent >= 200000 + WINDOW);
}

/* Malformed and impossible credits change nothing and are reported; the
 * client's bytes still go out within the real credit only. */
static void test_bad_credits(void **state)
{
	struct fixture *f = *state;
	uint8_t m[8], short_m[3] = { 1, 0, 0 };
	const char *hello = "hello, firmware";
	uint32_t len = (uint32_t)strlen(hello);

	turn(f);
	assert_int_equal(amp_ttyport_events(f->t) & POLLIN, 0); /* no credit */
	assert_int_equal(amp_rpmsg_send_flags(
				 &f->rept, AMP_RPMSG_ADDR_ANY, AMP_RPMSG_F_CTL,
				 short_m, sizeof(short_m), AMP_DEADLINE_NOW),
			 0);
	turn(f);
	assert_int_equal(nlogs, 1);
	assert_non_null(strstr(last_log, "malformed or impossible credit"));
	/* A credit past the largest window there can be. */
	amp_put_le32(m, AMP_VUART_CTL_CREDIT);
	amp_put_le32(m + 4, 0xFFFFFFF0u);
	assert_int_equal(amp_rpmsg_send_flags(&f->rept, AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_F_CTL, m, sizeof(m),
					      AMP_DEADLINE_NOW),
			 0);
	turn(f);
	assert_int_equal(amp_ttyport_events(f->t) & POLLIN, 0);

	/* A real grant of 5 bytes: exactly 5 go, the rest waits. */
	amp_put_le32(m + 4, 5);
	assert_int_equal(amp_rpmsg_send_flags(&f->rept, AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_F_CTL, m, sizeof(m),
					      AMP_DEADLINE_NOW),
			 0);
	assert_int_equal(write(f->client, hello, len), (ssize_t)len);
	for (int i = 0; i < 8; i++)
		turn(f);
	assert_int_equal(f->rx_len, 5);
	assert_memory_equal(f->rx, hello, 5);
	amp_put_le32(m + 4, 1000);
	assert_int_equal(amp_rpmsg_send_flags(&f->rept, AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_F_CTL, m, sizeof(m),
					      AMP_DEADLINE_NOW),
			 0);
	for (int i = 0; i < 8; i++)
		turn(f);
	assert_int_equal(f->rx_len, len);
	assert_memory_equal(f->rx, hello, len);
	/* The second bad credit is reported too, once a second has passed
	 * since the first line (lines are limited to one a second). */
	assert_int_equal(nlogs, 1);
	for (int i = 0; i < 300 && nlogs < 2; i++) {
		usleep(10000);
		turn(f);
	}
	assert_int_equal(nlogs, 2);
	assert_non_null(strstr(last_log, "malformed or impossible credit"));
	assert_non_null(strstr(last_log, "(2 times so far)"));
}

/*
 * Credit to spare but every tx buffer in flight (the remote stopped
 * taking them): the port keeps what did not go, says it waits for a
 * buffer (the daemon then asks the rproc to wake it on one), and sends
 * the rest, in order, once the remote frees buffers.
 */
static void test_tx_buffers_exhausted(void **state)
{
	struct fixture *f = *state;
	static uint8_t data[60000];
	uint8_t m[8];
	bool starved = false;
	uint32_t off = 0;
	ssize_t w;

	amp_put_le32(m, AMP_VUART_CTL_CREDIT);
	amp_put_le32(m + 4, 1u << 20);
	assert_int_equal(amp_rpmsg_send_flags(&f->rept, AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_F_CTL, m, sizeof(m),
					      AMP_DEADLINE_NOW),
			 0);
	amp_rpmsg_poll(&f->p.host);
	for (uint32_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 1);
	/* The client writes; the host turns, the remote does not. */
	for (int it = 0; it < 10000; it++) {
		w = write(f->client, data + off, sizeof(data) - off);
		if (w > 0)
			off += (uint32_t)w;
		port_io(f->t);
		starved = amp_ttyport_pump(f->t);
		if (starved && off == sizeof(data))
			break;
	}
	assert_true(starved);
	assert_int_equal(off, sizeof(data));
	assert_int_equal(f->rx_len, 0);
	/* The remote takes what is there and frees the buffers; the port
	 * goes on until everything is across. */
	for (int i = 0; i < 400 && f->rx_len < sizeof(data); i++)
		turn(f);
	assert_int_equal(f->rx_len, sizeof(data));
	assert_memory_equal(f->rx, data, sizeof(data));
	assert_false(amp_ttyport_pump(f->t));
	assert_int_equal(nlogs, 0);
}

/*
 * A grant falls due while every host tx buffer is in flight (the client
 * keeps writing, the remote keeps sending but takes nothing): the port
 * must not wait for a buffer to carry it (the coprocessor's thread serves
 * everything else), it reports it waits for one, and the grant goes as
 * soon as the remote frees buffers.
 */
static void test_grant_without_buffer(void **state)
{
	struct fixture *f = *state;
	static uint8_t data[60000];
	uint8_t m[8], buf[496];
	uint32_t waits, granted, wrote = 0;
	bool starved = false;
	ssize_t w;

	amp_put_le32(m, AMP_VUART_CTL_CREDIT);
	amp_put_le32(m + 4, 1u << 20);
	assert_int_equal(amp_rpmsg_send_flags(&f->rept, AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_F_CTL, m, sizeof(m),
					      AMP_DEADLINE_NOW),
			 0);
	amp_rpmsg_poll(&f->p.host);
	memset(data, 0x5A, sizeof(data));
	for (int it = 0; it < 1000 && !starved; it++) {
		w = write(f->client, data, sizeof(data) - wrote);
		if (w > 0)
			wrote += (uint32_t)w;
		port_io(f->t);
		starved = amp_ttyport_pump(f->t);
	}
	assert_true(starved); /* every host tx buffer is in flight */

	/* The remote sends more than half the window; the client reads it
	 * all, so the host owes a grant it has no buffer for. */
	waits = f->p.hport.waits;
	granted = f->granted;
	for (uint32_t sent = 0; sent < WINDOW / 2 + 4096;) {
		for (uint32_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)((f->sent + i) * 7);
		if (amp_rpmsg_send_deadline(&f->rept, AMP_RPMSG_ADDR_ANY, buf,
					    sizeof(buf),
					    AMP_DEADLINE_NOW) == 0) {
			f->sent += sizeof(buf);
			sent += sizeof(buf);
			continue;
		}
		amp_rpmsg_poll(&f->p.host);
		amp_ttyport_pump(f->t);
		client_read(f);
	}
	for (int i = 0; i < 16; i++) {
		amp_rpmsg_poll(&f->p.host);
		starved = amp_ttyport_pump(f->t);
		client_read(f);
	}
	assert_int_equal(f->read_off, f->sent);
	assert_true(starved);
	assert_int_equal(f->p.hport.waits, waits); /* never waited */
	assert_int_equal(f->granted, granted);	   /* nothing could go */
	assert_int_equal(nlogs, 0);

	/* The remote takes the client's bytes, freeing buffers: the grant
	 * goes out, and the client's bytes follow. */
	for (int i = 0; i < 200 && f->rx_len < wrote; i++)
		turn(f);
	assert_true(f->granted >= granted + WINDOW / 2);
	assert_int_equal(f->rx_len, wrote);
}

static void grant(struct fixture *f, uint32_t n)
{
	uint8_t m[8];

	amp_put_le32(m, AMP_VUART_CTL_CREDIT);
	amp_put_le32(m + 4, n);
	assert_int_equal(amp_rpmsg_send_flags(&f->rept, AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_F_CTL, m, sizeof(m),
					      AMP_DEADLINE_NOW),
			 0);
}

static void turns(struct fixture *f, int n)
{
	while (n--)
		turn(f);
}

static int client_open(struct fixture *f)
{
	int fd = open(amp_ttyport_pts(f->t), O_RDWR | O_NOCTTY | O_NONBLOCK);

	assert_true(fd >= 0);
	return fd;
}

/*
 * The tty's last client closes: the firmware gets every byte it wrote,
 * then one CLOSED; even when credit lets those bytes go only later.  A
 * second open does not count as a close, nor does closing one of two;
 * and what the firmware sends while nobody has the tty waits for the
 * next client.
 */
static void test_last_close_tells_firmware(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[100];
	int other;

	for (uint32_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 3 + 1);
	/* Credit for 5 of the 50 bytes a client writes before it goes:
	 * the CLOSED waits behind the other 45, until credit comes. */
	grant(f, 5);
	assert_int_equal(write(f->client, buf, 50), 50);
	assert_int_equal(close(f->client), 0);
	f->client = -1;
	turns(f, 8);
	assert_int_equal(f->rx_len, 5);
	assert_int_equal(f->closes, 0);
	grant(f, 1000);
	turns(f, 8);
	assert_int_equal(f->rx_len, 50);
	assert_memory_equal(f->rx, buf, 50);
	assert_int_equal(f->closes, 1);
	assert_int_equal(f->closed_at[0], 50); /* after its last byte */
	turns(f, 4);
	assert_int_equal(f->closes, 1); /* once */

	/* The next client's bytes come after it. */
	f->client = client_open(f);
	assert_int_equal(write(f->client, buf + 50, 10), 10);
	turns(f, 4);
	assert_int_equal(f->rx_len, 60);
	assert_memory_equal(f->rx, buf, 60);

	/* Two clients; one goes: nothing.  The other goes: CLOSED. */
	other = client_open(f);
	turns(f, 2);
	assert_int_equal(close(f->client), 0);
	turns(f, 4);
	assert_int_equal(f->closes, 1);
	assert_int_equal(write(other, buf + 60, 10), 10);
	assert_int_equal(close(other), 0);
	f->client = -1;
	turns(f, 4);
	assert_int_equal(f->rx_len, 70);
	assert_memory_equal(f->rx, buf, 70);
	assert_int_equal(f->closes, 2);
	assert_int_equal(f->closed_at[1], 70);

	/* A client fills the pty while the firmware grants nothing, and
	 * goes: all of it still arrives, in order, then the CLOSED. */
	{
		static uint8_t big[256 * 1024];
		uint32_t n = 0, base = f->rx_len;
		ssize_t w;

		for (uint32_t i = 0; i < sizeof(big); i++)
			big[i] = (uint8_t)(i * 11 + (i >> 12));
		f->client = client_open(f);
		turns(f, 2);
		while ((w = write(f->client, big + n, sizeof(big) - n)) > 0)
			n += (uint32_t)w;
		assert_true(n > 4096 && n < sizeof(f->rx) - base);
		/* the credit left (of 1005 granted) goes; the rest waits */
		turns(f, 4);
		assert_int_equal(f->rx_len, 1005);
		assert_int_equal(close(f->client), 0);
		f->client = -1;
		turns(f, 4);
		assert_int_equal(f->closes, 2);
		grant(f, n);
		turns(f, 64);
		assert_int_equal(f->rx_len, base + n);
		assert_memory_equal(f->rx + base, big, n);
		assert_int_equal(f->closes, 3);
		assert_int_equal(f->closed_at[2], base + n);
	}

	/* Nobody has the tty: the firmware's bytes wait for a client. */
	remote_send(f, 300, false);
	turns(f, 4);
	f->client = client_open(f);
	turns(f, 4);
	client_read(f);
	assert_int_equal(f->read_off, 300);
	assert_int_equal(f->closes, 3);
	assert_int_equal(nlogs, 0);
}

/* Without credits the wire is upstream's: a client's close sends
 * nothing, its bytes still all go, and the next client's follow. */
static void test_raw_close_sends_nothing(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[100];

	for (uint32_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 5 + 2);
	assert_int_equal(write(f->client, buf, 50), 50);
	assert_int_equal(close(f->client), 0);
	f->client = -1;
	turns(f, 8);
	f->client = client_open(f);
	assert_int_equal(write(f->client, buf + 50, 50), 50);
	turns(f, 8);
	assert_int_equal(f->rx_len, 100);
	assert_memory_equal(f->rx, buf, 100);
	assert_int_equal(f->closes, 0);
	assert_int_equal(f->granted, 0);
	assert_int_equal(f->p.host.stats.tx, 2); /* the data, nothing else */
	assert_int_equal(nlogs, 0);
}

/* Hangup: the client sees POLLHUP and EIO, the stable path goes. */
static void test_hangup(void **state)
{
	struct fixture *f = *state;
	struct pollfd p = { .fd = f->client, .events = POLLIN };
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/ttyRPMSG0", dir);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	amp_ttyport_hangup(f->t);
	assert_int_equal(poll(&p, 1, 1000), 1);
	assert_true(p.revents & POLLHUP);
	errno = 0;
	assert_int_equal(write(f->client, "x", 1), -1);
	assert_int_equal(errno, EIO);
	assert_int_equal(lstat(path, &st), -1);
	/* Everything is a no-op after it, until freed (in teardown). */
	assert_int_equal(amp_ttyport_events(f->t), 0);
	assert_false(amp_ttyport_pump(f->t));
	amp_ttyport_hangup(f->t);
}

/* Both names a firmware may announce a tty under become a pty; nothing
 * else does. */
static void test_tty_names(void **state)
{
	(void)state;
	assert_true(amp_ttyport_is_tty("rpmsg-tty"));
	assert_true(amp_ttyport_is_tty("rpmsg-tty-channel"));
	assert_false(amp_ttyport_is_tty("rpmsg-raw"));
	assert_false(amp_ttyport_is_tty("rpmsg-tty-"));
	assert_false(amp_ttyport_is_tty("rpmsg-tt"));
	assert_false(amp_ttyport_is_tty(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_overrun_dropped_and_logged,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_credits, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tx_buffers_exhausted,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_without_buffer,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_close_tells_firmware,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_close_sends_nothing,
						setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_hangup, setup, teardown),
		cmocka_unit_test(test_tty_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
