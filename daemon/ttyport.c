/*
 * ttyport.c - the daemon's pseudo-terminal bridge for one rpmsg tty
 * channel: pty master <-> host-side vuart, with flow control both ways
 * and without ever blocking the coprocessor's thread.
 *
 * Client to firmware: the master is read only while the firmware has
 * granted credit, and never more than that credit, so a client writing
 * faster than the firmware drains fills the pty and its write() blocks.
 * Firmware to client: the vuart runs with a manual window of OUT_CAP
 * bytes, exactly the out ring's size; bytes are granted back only once
 * they went into the master, so a client that does not read makes the
 * firmware's writes wait for credit instead of losing bytes.
 *
 * The port keeps no slave fd of its own, so the kernel tells it when the
 * tty's last client goes (close, exit, kill): the master then polls
 * POLLHUP and, once it has given what the client wrote, reads EIO.  That
 * end of a session is exact and in order with the data, so with credits
 * the port sends the firmware a CLOSED control message after the
 * client's last byte (vuart.h), and the firmware can drop a half-done
 * exchange instead of mistaking the next client's bytes for its rest.
 * While nobody has the tty open the master is not polled (it would poll
 * hung up without end) and the firmware's bytes wait in the out ring; an
 * inotify watch on the slave's opens says when a client comes.  The
 * termios a client set stay (the kernel keeps them while the master is
 * open).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <ampkit/vuart.h>

#include "ttyport.h"

/* The window granted to the firmware, and the ring holding what it sent
 * until the pty takes it.  64 KiB: several times what a pty buffers, so
 * the firmware rarely waits on a reading client. */
#define OUT_CAP (64u * 1024)
/* Bytes read from the master, not yet accepted by the vuart; and room
 * beyond that for what a client that went had left in the pty (a pty
 * holds some 16 KiB), taken whole since that client cannot be made to
 * wait for credit. */
#define IN_CAP (64u * 1024)
#define IN_MAX (IN_CAP + 64u * 1024)

/* Whether a client has the tty open, as the master shows it. */
enum {
	C_NONE,	   /* nobody: the master is not polled (it reads hung up) */
	C_OPEN,	   /* a client has it open */
	C_CLOSING, /* the last one went: its bytes still to go, then CLOSED */
};

struct amp_ttyport {
	struct amp_vuart vu;
	bool vu_open;
	bool down;    /* hung up; memory kept until amp_ttyport_free */
	bool starved; /* has credit, waits for a tx buffer */
	bool moved;   /* bytes went through the master since last asked */
	bool write_err_logged;
	bool close_due; /* CLOSED to send once `in` has gone */
	uint8_t client; /* C_* */
	int master;
	int slave; /* only without a watch (no inotify): never hangs up */
	int watch; /* inotify: the slave was opened */
	int n;
	uint32_t addr;
	char name[AMP_RPMSG_NAME_SIZE];
	char tag[48]; /* "ttyRPMSG0", for log lines */
	char link[PATH_MAX];
	char pts[64];
	amp_ttyport_log_fn log;
	void *log_priv;
	uint8_t *in;
	uint32_t in_len;
	uint8_t *out;
	uint32_t out_head, out_len;
	uint32_t unwanted; /* dropped in rx, still to be granted back */
	uint64_t lost;	   /* bytes a peer without credits overran us by */
	uint64_t seen_lost;
	uint32_t seen_overrun, seen_bad_ctl;
	uint64_t logged_ns; /* last protocol error or overflow line */
};

bool amp_ttyport_is_tty(const char *channel)
{
	return !strcmp(channel, AMP_VUART_NAME) ||
	       !strcmp(channel, AMP_VUART_NAME_ST);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The firmware's bytes, into the out ring.  With credits the vuart never
 * delivers more than the window the ring matches; a peer without them
 * (upstream Linux framing) cannot be held back, so an overflow is
 * dropped and reported rather than grown without bound. */
static void rx_cb(struct amp_vuart *vu, const void *data, uint32_t len)
{
	struct amp_ttyport *t = vu->priv;
	uint32_t space = OUT_CAP - t->out_len, tail, first;

	if (len > space) {
		/* The first time at once; the count then at most once a
		 * second (check_stats). */
		if (!t->lost) {
			t->log(t->log_priv,
			       "%s: the firmware sent %u bytes with only %u "
			       "free in the tty buffer: excess dropped",
			       t->tag, len, space);
			t->logged_ns = now_ns();
		}
		t->lost += len - space;
		t->unwanted += len - space;
		len = space;
	}
	tail = (t->out_head + t->out_len) % OUT_CAP;
	first = len < OUT_CAP - tail ? len : OUT_CAP - tail;
	memcpy(t->out + tail, data, first);
	memcpy(t->out, (const uint8_t *)data + first, len - first);
	t->out_len += len;
}

static void last_close(struct amp_ttyport *t);
static void send_closed(struct amp_ttyport *t);
static void end_session(struct amp_ttyport *t, uint8_t next);

/* Give n bytes back to the firmware.  Outside a callback the vuart
 * waits up to the device's send timeout for a buffer to carry a grant
 * that is due; this thread must never wait, so the timeout is zero for
 * the call: a grant that finds no buffer stays due, and the pump's
 * amp_vuart_flush sends it once the loop wakes on a freed buffer. */
static int consume(struct amp_ttyport *t, uint32_t n)
{
	struct amp_rpmsg_dev *dev = t->vu.ept.dev;
	uint64_t keep = dev->send_timeout_ns;
	int r;

	dev->send_timeout_ns = 0;
	r = amp_vuart_consumed(&t->vu, n);
	dev->send_timeout_ns = keep;
	return r;
}

/* Out ring into the master, as much as the pty takes now; what went in
 * is granted back to the firmware. */
static void flush_out(struct amp_ttyport *t)
{
	uint32_t done = t->unwanted, chunk;
	ssize_t w;

	t->unwanted = 0;
	while (t->out_len && t->client != C_NONE) {
		chunk = OUT_CAP - t->out_head;
		if (chunk > t->out_len)
			chunk = t->out_len;
		w = write(t->master, t->out + t->out_head, chunk);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EIO) {
			/* No client: keep the bytes for the next one. */
			last_close(t);
			break;
		}
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			/* Not a full pty: something is wrong with it.  Do
			 * not stall the firmware on it. */
			if (!t->write_err_logged)
				t->log(t->log_priv,
				       "%s: pty write: %s; dropping output",
				       t->tag, strerror(errno));
			t->write_err_logged = true;
			w = (ssize_t)chunk;
		} else if (w <= 0) {
			break;
		}
		t->moved = true;
		t->out_head = (t->out_head + (uint32_t)w) % OUT_CAP;
		t->out_len -= (uint32_t)w;
		done += (uint32_t)w;
	}
	if (!t->out_len)
		t->out_head = 0;
	if (done && consume(t, done) < 0)
		t->log(t->log_priv,
		       "%s: %u bytes consumed but not held (a bug)", t->tag,
		       done);
}

/* Staged client bytes to the firmware, as far as credit and buffers go
 * without waiting. */
static void send_in(struct amp_ttyport *t)
{
	uint32_t room = amp_vuart_write_room(&t->vu);
	int r;

	t->starved = false;
	if (!t->in_len) {
		send_closed(t);
		return;
	}
	if (!room)
		return;
	/* Within the credit we have, so the write never looks for more
	 * (that would deliver messages from inside this call). */
	r = amp_vuart_write(&t->vu, t->in, t->in_len < room ? t->in_len : room,
			    AMP_DEADLINE_NOW);
	if (t->down)
		return; /* a message delivered meanwhile ended the port */
	if (r > 0) {
		t->in_len -= (uint32_t)r;
		memmove(t->in, t->in + r, t->in_len);
	} else if (r < 0 && r != -AMP_EAGAIN) {
		/* The peer is gone or never told us where it is: the
		 * channel is going down; nothing will carry these. */
		t->log(t->log_priv, "%s: vuart write: %s; %u bytes dropped",
		       t->tag, strerror(-r), t->in_len);
		t->in_len = 0;
		return;
	}
	/* Bytes left although credit remains: every tx buffer is in
	 * flight. */
	t->starved = t->in_len && amp_vuart_write_room(&t->vu) > 0;
	if (!t->in_len)
		send_closed(t);
}

static uint32_t read_budget(const struct amp_ttyport *t)
{
	uint32_t room = amp_vuart_write_room(&t->vu);

	/* A new client's bytes wait until the old one's CLOSED is out. */
	if (t->close_due)
		return 0;
	if (t->client == C_CLOSING)
		return IN_MAX - t->in_len;
	if (room <= t->in_len || t->in_len >= IN_CAP)
		return 0;
	room -= t->in_len;
	return room < IN_CAP - t->in_len ? room : IN_CAP - t->in_len;
}

/*
 * Master into `in` and on to the firmware, as far as credit goes: all
 * the master has first, then the send, so a write() the pty hands over
 * in parts (its buffer holds 4095 bytes) still goes as one run cut into
 * full messages, as Linux's rpmsg tty cuts a write.  EIO once the master
 * is empty means no client has the tty open any more: then (C_CLOSING)
 * the rest is read whole, and the session ends at the EIO, its CLOSED
 * going after those bytes.  An empty master that is not hung up during
 * a close means a new client opened meanwhile: the old one's bytes are
 * all read, so the session ends there too.
 */
static void read_in(struct amp_ttyport *t)
{
	bool empty = false, eio = false;
	uint32_t want;
	ssize_t r;

	while (!t->down && (want = read_budget(t))) {
		r = read(t->master, t->in + t->in_len, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EIO && t->client == C_OPEN) {
			last_close(t);
			return; /* which reads on */
		}
		if (r <= 0) {
			empty = true;
			eio = r < 0 && errno == EIO;
			break;
		}
		t->in_len += (uint32_t)r;
		t->moved = true;
	}
	if (t->down)
		return;
	if (t->client == C_CLOSING && empty)
		end_session(t, eio ? C_NONE : C_OPEN);
	else
		send_in(t);
}

/* The CLOSED of a session that ended, once its bytes have gone. */
static void send_closed(struct amp_ttyport *t)
{
	int r;

	if (!t->close_due || t->down)
		return;
	r = amp_vuart_send_closed(&t->vu, AMP_DEADLINE_NOW);
	if (r == -AMP_EAGAIN) {
		t->starved = true; /* wake on a freed buffer, then again */
		return;
	}
	if (r < 0 && !t->down)
		t->log(t->log_priv,
		       "%s: telling the firmware the tty closed: %s", t->tag,
		       strerror(-r));
	t->close_due = false;
}

/* The session is over: with credits the firmware hears of it after the
 * client's last byte; `next` says whether a client is there again. */
static void end_session(struct amp_ttyport *t, uint8_t next)
{
	t->client = next;
	if (t->vu.credits)
		t->close_due = true;
	send_in(t);
}

/* The master hung up: the tty's last client closed it.  What it wrote
 * is read out first, whole (more than IN_MAX would stay in C_CLOSING, to
 * be read as credit comes). */
static void last_close(struct amp_ttyport *t)
{
	if (t->client != C_OPEN)
		return;
	t->client = C_CLOSING;
	read_in(t);
}

/* Protocol errors the vuart counted since the last look, and bytes an
 * overflowing peer without credits lost us, at most one line of each
 * kind a second: a peer that lies on every message must not fill the
 * disk. */
static void check_stats(struct amp_ttyport *t)
{
	const struct amp_vuart_stats *s = &t->vu.stats;
	uint64_t now;

	if (s->overrun == t->seen_overrun && s->bad_ctl == t->seen_bad_ctl &&
	    t->lost == t->seen_lost)
		return;
	now = now_ns();
	if (t->logged_ns && now - t->logged_ns < 1000000000ull)
		return;
	t->logged_ns = now;
	if (t->lost != t->seen_lost) {
		t->log(t->log_priv,
		       "%s: %llu bytes from the firmware dropped so far: no "
		       "room in the tty buffer (a firmware without credits "
		       "cannot be made to wait)",
		       t->tag, (unsigned long long)t->lost);
		t->seen_lost = t->lost;
	}
	if (s->overrun != t->seen_overrun) {
		t->log(t->log_priv,
		       "%s: vuart protocol error: the firmware sent beyond "
		       "the window granted to it, data dropped (%u times "
		       "so far)",
		       t->tag, s->overrun);
		t->seen_overrun = s->overrun;
	}
	if (s->bad_ctl != t->seen_bad_ctl) {
		t->log(t->log_priv,
		       "%s: vuart protocol error: malformed or impossible "
		       "credit message from the firmware, ignored (%u times "
		       "so far)",
		       t->tag, s->bad_ctl);
		t->seen_bad_ctl = s->bad_ctl;
	}
}

static int make_pty(struct amp_ttyport *t, char *why, size_t len)
{
	struct termios tio;

	t->master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (t->master < 0 || grantpt(t->master) < 0 ||
	    unlockpt(t->master) < 0 ||
	    ptsname_r(t->master, t->pts, sizeof(t->pts))) {
		snprintf(why, len, "pty: %s", strerror(errno));
		return -1;
	}
	t->slave = open(t->pts, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (t->slave < 0) {
		snprintf(why, len, "%s: %s", t->pts, strerror(errno));
		return -1;
	}
	/* Raw, as a serial port for binary data is: no echo, no line
	 * editing, no CR/LF translation, no XON/XOFF eating bytes. */
	if (tcgetattr(t->slave, &tio) < 0) {
		snprintf(why, len, "%s: tcgetattr: %s", t->pts,
			 strerror(errno));
		return -1;
	}
	cfmakeraw(&tio);
	cfsetspeed(&tio, B115200);
	if (tcsetattr(t->slave, TCSANOW, &tio) < 0) {
		snprintf(why, len, "%s: tcsetattr: %s", t->pts,
			 strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * From here the kernel says when clients come and go: the slave goes (the
 * settings stay with the master), and the watch reports every open.
 * Without inotify (out of instances) the port keeps its slave, as a tty
 * whose closes nobody sees: it works, but the firmware is never told.
 */
static void watch_clients(struct amp_ttyport *t)
{
	struct pollfd p = { .fd = t->master };
	int err;

	t->watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (t->watch >= 0 && inotify_add_watch(t->watch, t->pts, IN_OPEN) < 0) {
		err = errno;
		close(t->watch);
		t->watch = -1;
		errno = err;
	}
	if (t->watch < 0) {
		t->log(t->log_priv,
		       "%s: cannot watch %s (inotify: %s): the firmware will "
		       "not hear when the tty's last client closes",
		       t->tag, t->pts, strerror(errno));
		t->client = C_OPEN;
		return;
	}
	close(t->slave);
	t->slave = -1;
	/* Someone who opened /dev/pts/N itself before the watch. */
	t->client =
		poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) ? C_NONE : C_OPEN;
}

/* Symlink under a temporary name and rename: the stable path switches
 * atomically from a stale target to the new pty. */
static int make_link(struct amp_ttyport *t, const char *dir, char *why,
		     size_t len)
{
	char tmp[PATH_MAX];

	if (snprintf(t->link, sizeof(t->link), "%s/ttyRPMSG%d", dir, t->n) >=
		    (int)sizeof(t->link) ||
	    snprintf(tmp, sizeof(tmp), "%s/.ttyRPMSG%d.new", dir, t->n) >=
		    (int)sizeof(tmp)) {
		snprintf(why, len, "%s: path too long", dir);
		t->link[0] = '\0';
		return -1;
	}
	unlink(tmp);
	if (symlink(t->pts, tmp) < 0 || rename(tmp, t->link) < 0) {
		snprintf(why, len, "%s: %s", t->link, strerror(errno));
		unlink(tmp);
		t->link[0] = '\0';
		return -1;
	}
	return 0;
}

struct amp_ttyport *amp_ttyport_open(struct amp_rpmsg_dev *dev,
				     const char *name, uint32_t addr,
				     const char *dir, int n,
				     amp_ttyport_log_fn log, void *log_priv,
				     char *why, size_t len)
{
	struct amp_ttyport *t = calloc(1, sizeof(*t));
	int r;

	if (t)
		t->master = t->slave = t->watch = -1;
	if (!t || !(t->in = malloc(IN_MAX)) || !(t->out = malloc(OUT_CAP))) {
		snprintf(why, len, "out of memory");
		goto fail;
	}
	t->n = n;
	t->addr = addr;
	t->log = log;
	t->log_priv = log_priv;
	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->tag, sizeof(t->tag), "ttyRPMSG%d", n);
	if (make_pty(t, why, len) < 0)
		goto fail;
	watch_clients(t);
	if (make_link(t, dir, why, len) < 0)
		goto fail;
	/* Last: from here the firmware may send, and the pty is ready. */
	r = amp_vuart_open(&t->vu, dev, name, AMP_RPMSG_ADDR_ANY, addr, OUT_CAP,
			   rx_cb, t);
	if (r < 0) {
		snprintf(why, len, "vuart: %s", strerror(-r));
		goto fail;
	}
	t->vu_open = true;
	return t;
fail:
	amp_ttyport_hangup(t);
	amp_ttyport_free(t);
	return NULL;
}

void amp_ttyport_hangup(struct amp_ttyport *t)
{
	if (!t || t->down)
		return;
	t->down = true;
	if (t->vu_open)
		amp_vuart_close(&t->vu);
	t->vu_open = false;
	if (t->link[0])
		unlink(t->link);
	/* The master first: its close hangs the slave up, so an attached
	 * client sees the hangup even before our own slave fd goes. */
	if (t->master >= 0)
		close(t->master);
	if (t->slave >= 0)
		close(t->slave);
	if (t->watch >= 0)
		close(t->watch);
	t->master = t->slave = t->watch = -1;
}

void amp_ttyport_free(struct amp_ttyport *t)
{
	if (!t)
		return;
	amp_ttyport_hangup(t);
	free(t->in);
	free(t->out);
	free(t);
}

int amp_ttyport_fd(const struct amp_ttyport *t)
{
	return t->down || t->client != C_OPEN ? -1 : t->master;
}

int amp_ttyport_watch_fd(const struct amp_ttyport *t)
{
	return t->down ? -1 : t->watch;
}

short amp_ttyport_events(const struct amp_ttyport *t)
{
	short ev = 0;

	if (t->down || t->client != C_OPEN)
		return 0;
	if (read_budget(t))
		ev |= POLLIN;
	if (t->out_len)
		ev |= POLLOUT;
	return ev;
}

void amp_ttyport_io(struct amp_ttyport *t, short revents)
{
	if (!t->down && (revents & POLLOUT))
		flush_out(t);
	if (!t->down && (revents & POLLIN))
		read_in(t);
	/* Hung up with nothing (more) to read: the last client went. */
	if (!t->down && (revents & POLLHUP))
		last_close(t);
}

void amp_ttyport_watch_io(struct amp_ttyport *t)
{
	char ev[4096]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	bool opened = false;

	if (t->down || t->watch < 0)
		return;
	/* Any event will do (the queue may merge or overflow): look. */
	while (read(t->watch, ev, sizeof(ev)) > 0)
		opened = true;
	if (opened && t->client == C_NONE)
		t->client = C_OPEN; /* the master's poll says if it still is */
}

bool amp_ttyport_pump(struct amp_ttyport *t)
{
	bool grant_due = false;

	if (!t->down && (t->out_len || t->unwanted))
		flush_out(t);
	if (!t->down && t->client == C_CLOSING)
		read_in(t);
	if (!t->down)
		send_in(t);
	/* A grant the vuart could not send from inside a receive callback
	 * (no tx buffer then) stays due until someone sends it: without
	 * it the firmware may wait for credit forever. */
	if (!t->down)
		grant_due = amp_vuart_flush(&t->vu, AMP_DEADLINE_NOW) ==
			    -AMP_EAGAIN;
	if (t->down)
		return false;
	check_stats(t);
	return t->starved || grant_due;
}

bool amp_ttyport_moved(struct amp_ttyport *t)
{
	bool m = t->moved;

	t->moved = false;
	return m;
}

int amp_ttyport_index(const struct amp_ttyport *t)
{
	return t->n;
}

const char *amp_ttyport_link(const struct amp_ttyport *t)
{
	return t->link;
}

const char *amp_ttyport_pts(const struct amp_ttyport *t)
{
	return t->pts;
}
