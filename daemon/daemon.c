/*
 * daemon.c - `ampkit daemon`: holds coprocessors while user programs come
 * and go, the role the Linux kernel plays on the board.
 *
 * The main thread owns the run directory, the control socket and the
 * signals.  Each named coprocessor ("remoteproc0", ...) gets one thread
 * that runs amp_rproc_run() and is the only thread that ever touches that
 * rproc (it is single-threaded by contract): control requests reach it
 * through a queue and an eventfd it polls beside its channel sockets, and
 * it answers them itself.  Every announced channel becomes a listening
 * SOCK_SEQPACKET socket <run-dir>/<rproc>/<channel>; every accepted
 * client gets its own RPMsg endpoint bound to the channel, so replies
 * find their way back to the client that caused them.  rpmsg-sdb is the
 * exception: one client at a time, for which the daemon is the host end
 * of the shared-buffer service (sdb.h) and passes the pool's memory
 * (docs/sdb.md).
 *
 * Objects that an rproc event can kill while a loop is walking them
 * (clients, channels) are only marked dead and unlinked from the rpmsg
 * device at once; their memory is freed at the top of the next turn.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <ampkit/client.h>
#include <ampkit/resources.h>
#include <ampkit/rproc.h>
#include <ampkit/sdb.h>

#include "daemon.h"
#include "ttyport.h"

#define MAX_FIELDS 8
#define CONN_MAX 64
#define CONN_IDLE_MS 5000
#define RPROC_MAX 16
#define CLIENT_SNDBUF (256 * 1024)
/* A client that cannot get a tx buffer for this long is cut off, as a
 * write to /dev/rpmsgN fails after Linux's 15 s. */
#define SEND_TIMEOUT_NS 15000000000ull
/* Messages taken from one client per turn, so one busy client cannot
 * starve the others or the firmware's replies. */
#define CLIENT_BATCH 64
#define IDLE_TURN_NS 1000000000ull

struct daemon;
struct rproc_ctx;

struct req {
	struct req *next;
	int fd; /* control connection to answer, -1 for internal ones */
	int nf;
	char *f[MAX_FIELDS];
	char buf[];
};

/* A `wait` request parked until its channel is announced. */
struct waiter {
	struct waiter *next;
	int fd;
	char name[AMP_RPMSG_NAME_SIZE];
	uint64_t deadline;
};

struct chan;
struct client;

/* An rpmsg-sdb client's session (one per channel at a time): the host
 * end of the service, whose buffers the client fills and reads. */
enum sess_state { SESS_HELLO, SESS_MATCH, SESS_ACTIVE };
#define SDB_MATCH_TIMEOUT_NS 10000000000ull

struct sess {
	struct amp_sdb sdb;
	struct client *c;
	uint8_t state;	   /* enum sess_state */
	bool open;	   /* sdb opened */
	uint64_t deadline; /* SESS_MATCH: for the firmware's answer */
	uint64_t pool_off, pool_len;
	int shm_fd;
	uint32_t bad; /* refused client messages */
};

struct client {
	struct client *next;
	struct chan *ch;
	int fd;
	bool dead;
	bool ept_live;
	uint32_t dropped; /* replies the client's socket had no room for */
	struct amp_rpmsg_ept ept;
	struct sess *sess; /* rpmsg-sdb */
};

struct chan {
	struct chan *next;
	struct rproc_ctx *ctx;
	char name[AMP_RPMSG_NAME_SIZE];
	uint32_t addr;
	int lfd; /* -1: not exposed (name unusable as a file name) */
	bool dead;
	char path[108];
	struct client *clients;
	struct amp_ttyport *tty; /* a tty channel's pty bridge */
	char tty_name[24];	 /* "ttyRPMSG<n>" */
	bool sdb;		 /* rpmsg-sdb: one session at a time */
	/* The last session's host end, kept bound after its client went
	 * until the next one is matched: what the firmware still hands to
	 * that address is given back, and no other endpoint gets it. */
	struct sess *parked;
};

enum pobj_kind { P_EFD, P_LISTEN, P_CLIENT, P_TTY, P_TTYWATCH };

struct rproc_ctx {
	struct rproc_ctx *next;
	struct daemon *d;
	char name[AMP_RPMSG_NAME_SIZE];
	char dir[PATH_MAX];
	struct amp_rproc *rp;
	pthread_t thread;
	bool started; /* thread created */
	int efd;

	pthread_mutex_t lock; /* guards head/tail/quit */
	struct req *head, **tail;
	bool quit;

	/* Everything below belongs to the rproc thread. */
	char *firmware;
	struct chan *chans;
	struct waiter *waiters;
	bool dirty; /* fd set changed */
	struct pollfd *pfd;
	void **pobj;
	uint8_t *pkind;
	int npfd, cappfd;
	uint8_t *msg; /* one message from a client */
	char *resp;   /* one control answer */
};

struct conn {
	struct conn *next;
	int fd;
	uint64_t since;
};

struct daemon {
	char run_dir[PATH_MAX];
	char sock_path[108];
	char pid_path[PATH_MAX];
	bool foreground;
	int logfd;
	int pidfd;
	int lfd;
	int sigfd;
	int nullfd;	  /* passed with oversize notices (see client.h) */
	uint64_t spin_ns; /* rproc threads poll without blocking this long
			     after traffic */
	struct rproc_ctx *rprocs;
	int nrprocs;
	struct conn *conns;
	int nconns;
};

/* ---- logging ---------------------------------------------------------- */

static void dlog(struct daemon *d, const char *who, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One write() per line: lines from several threads never interleave. */
static void vdlog(struct daemon *d, const char *who, const char *fmt,
		  va_list ap)
{
	char line[1024];
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, sizeof(line) - n,
			      ".%03ld %s: ", ts.tv_nsec / 1000000,
			      who ? who : "ampkitd");
	if (n < sizeof(line))
		n += (size_t)vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (d->logfd >= 0 && write(d->logfd, line, n) < 0) {
		/* nowhere better to say so */
	}
	if (d->foreground && write(STDERR_FILENO, line, n) < 0) {
	}
}

static void dlog(struct daemon *d, const char *who, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdlog(d, who, fmt, ap);
	va_end(ap);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- closing sockets -------------------------------------------------- */

/*
 * Close a connected socket so that the peer reads what was sent to it,
 * then end-of-file (0).  Linux makes the peer's next read fail with
 * ECONNRESET instead, ahead of anything still queued for it, when the
 * socket closed holds messages the peer sent that were never read.  So:
 * stop the peer sending (its send() now fails with EPIPE), throw away
 * what it sent, then close.  A zero-length message reads as 0 like the
 * end does; with SO_PASSCRED every message read carries credentials
 * (MSG_CTRUNC without room for them) and the end does not.
 */
static void sock_close(int fd)
{
	int one = 1;
	char c;

	if (fd < 0)
		return;
	shutdown(fd, SHUT_RDWR);
	setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	for (;;) {
		struct iovec iov = { .iov_base = &c, .iov_len = sizeof(c) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t r = recvmsg(fd, &m, MSG_DONTWAIT);

		if (r > 0 || (r == 0 && (m.msg_flags & MSG_CTRUNC)))
			continue; /* a message, dropped */
		if (r < 0 && errno == EINTR)
			continue;
		break;
	}
	close(fd);
}

/*
 * Close a listening socket whose file is already unlinked.  Closing it
 * would reset the connections still waiting in its backlog (their reads
 * fail with ECONNRESET): refuse new ones, then accept each waiting one
 * and hand it to `each` (or close it), so it reads end-of-file too.
 */
static void listener_close(int lfd, void (*each)(int fd))
{
	int fd;

	if (lfd < 0)
		return;
	shutdown(lfd, SHUT_RDWR); /* connect() now gets ECONNREFUSED */
	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0)
			break;
		if (each)
			each(fd);
		else
			sock_close(fd);
	}
	close(lfd);
}

/* ---- answers ---------------------------------------------------------- */

static void answer(int fd, const char *text, size_t len)
{
	if (fd >= 0) {
		if (send(fd, text, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			/* the client went away; nothing to tell it */
		}
		sock_close(fd);
	}
}

static void answer_ok(int fd, const char *body)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "ok\n%s", body ? body : "");

	answer(fd, buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void answer_err(int fd, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void answer_err(int fd, int err, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "error %d ", err < 0 ? -err : err);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	answer(fd, buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* Split a request into newline-separated fields, in place. */
static int split_fields(char *buf, char **f)
{
	int n = 0;

	for (char *p = buf; n < MAX_FIELDS;) {
		f[n++] = p;
		p = strchr(p, '\n');
		if (!p)
			break;
		*p++ = '\0';
	}
	return n;
}

/* Names become file names: keep them to a safe alphabet. */
static bool safe_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= AMP_RPMSG_NAME_SIZE || s[0] == '.')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		      *s == '.'))
			return false;
	return true;
}

/* ---- the rproc thread: channels and clients --------------------------- */

static void sess_free(struct sess *ss)
{
	if (ss && ss->open)
		amp_sdb_close(&ss->sdb);
	free(ss);
}

static void client_kill(struct rproc_ctx *ctx, struct client *c)
{
	if (c->dead)
		return;
	c->dead = true;
	if (c->ept_live) {
		amp_rpmsg_destroy_ept(&c->ept);
		c->ept_live = false;
	}
	if (c->sess && c->sess->open) {
		if (c->sess->bad)
			dlog(ctx->d, ctx->name,
			     "rpmsg-sdb: session ended, %u client messages "
			     "refused",
			     c->sess->bad);
		if (c->ch->dead) {
			amp_sdb_close(&c->sess->sdb);
			c->sess->open = false;
		} else {
			sess_free(c->ch->parked);
			c->ch->parked = c->sess;
			c->sess->c = NULL;
			c->sess = NULL;
		}
	}
	sock_close(c->fd); /* the client reads EOF */
	c->fd = -1;
	ctx->dirty = true;
}

static void chan_kill(struct rproc_ctx *ctx, struct chan *ch)
{
	if (ch->dead)
		return;
	ch->dead = true;
	if (ch->tty) {
		amp_ttyport_hangup(ch->tty);
		dlog(ctx->d, ctx->name, "%s down (hung up): %s", ch->tty_name,
		     ch->path);
	}
	for (struct client *c = ch->clients; c; c = c->next)
		client_kill(ctx, c);
	sess_free(ch->parked);
	ch->parked = NULL;
	if (ch->lfd >= 0) {
		unlink(ch->path);
		listener_close(ch->lfd, NULL);
		ch->lfd = -1;
	}
	ctx->dirty = true;
}

static void chans_kill_all(struct rproc_ctx *ctx)
{
	for (struct chan *ch = ctx->chans; ch; ch = ch->next)
		chan_kill(ctx, ch);
}

/* By channel name (the first of that name), or a tty's "ttyRPMSG<n>". */
static struct chan *chan_find(struct rproc_ctx *ctx, const char *name)
{
	for (struct chan *ch = ctx->chans; ch; ch = ch->next)
		if (!ch->dead && (!strcmp(ch->name, name) ||
				  (ch->tty && !strcmp(ch->tty_name, name))))
			return ch;
	return NULL;
}

/* Several tty ports share one name: they are told apart by address. */
static struct chan *chan_find_at(struct rproc_ctx *ctx, const char *name,
				 uint32_t addr)
{
	for (struct chan *ch = ctx->chans; ch; ch = ch->next)
		if (!ch->dead && !strcmp(ch->name, name) && ch->addr == addr)
			return ch;
	return NULL;
}

static void waiters_answer(struct rproc_ctx *ctx, const char *name, int err,
			   const char *why)
{
	struct waiter **pp = &ctx->waiters, *w;

	while ((w = *pp)) {
		if (name && strcmp(w->name, name)) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		if (err)
			answer_err(w->fd, err, "%s: channel %s: %s", ctx->name,
				   w->name, why);
		else
			answer_ok(w->fd, NULL);
		free(w);
	}
}

/* Bind under a temporary name and rename: a client never finds a socket
 * file that does not accept yet. */
static int chan_listen(struct rproc_ctx *ctx, struct chan *ch)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, n, e;

	if (mkdir(ctx->dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	n = snprintf(ch->path, sizeof(ch->path), "%s/%s", ctx->dir, ch->name);
	if (n < 0 || (size_t)n >= sizeof(ch->path) ||
	    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/.%s.new", ctx->dir,
		     ch->name) >= (int)sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 16) < 0 || rename(sa.sun_path, ch->path) < 0) {
		e = errno;
		unlink(sa.sun_path);
		close(fd);
		return -e;
	}
	ch->lfd = fd;
	return 0;
}

static void tty_log(void *priv, const char *fmt, ...)
{
	struct rproc_ctx *ctx = priv;
	va_list ap;

	va_start(ap, fmt);
	vdlog(ctx->d, ctx->name, fmt, ap);
	va_end(ap);
}

/* The lowest index no live port holds: ports come up in announcement
 * order, so after a recovery each gets its old name back. */
static int tty_index(struct rproc_ctx *ctx)
{
	for (int n = 0;; n++) {
		struct chan *ch;

		for (ch = ctx->chans; ch; ch = ch->next)
			if (!ch->dead && ch->tty &&
			    amp_ttyport_index(ch->tty) == n)
				break;
		if (!ch)
			return n;
	}
}

/* At the tail: listings then show channels in announcement order. */
static void chan_append(struct rproc_ctx *ctx, struct chan *ch)
{
	struct chan **pp = &ctx->chans;

	while (*pp)
		pp = &(*pp)->next;
	ch->next = NULL;
	*pp = ch;
	ctx->dirty = true;
}

static void tty_up(struct rproc_ctx *ctx, const char *name, uint32_t addr)
{
	struct amp_rpmsg_dev *dev = amp_rproc_rpmsg(ctx->rp);
	struct chan *ch;
	char why[300];
	int n;

	if (chan_find_at(ctx, name, addr))
		return; /* announced twice */
	if (!dev)
		return;
	if (mkdir(ctx->dir, 0700) < 0 && errno != EEXIST) {
		dlog(ctx->d, ctx->name, "%s at 0x%x: %s: %s", name, addr,
		     ctx->dir, strerror(errno));
		return;
	}
	ch = calloc(1, sizeof(*ch));
	if (!ch) {
		dlog(ctx->d, ctx->name, "channel %s: out of memory", name);
		return;
	}
	n = tty_index(ctx);
	ch->ctx = ctx;
	ch->lfd = -1;
	ch->addr = addr;
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	snprintf(ch->tty_name, sizeof(ch->tty_name), "ttyRPMSG%d", n);
	ch->tty = amp_ttyport_open(dev, name, addr, ctx->dir, n, tty_log, ctx,
				   why, sizeof(why));
	if (!ch->tty) {
		dlog(ctx->d, ctx->name, "%s at 0x%x: no tty: %s", name, addr,
		     why);
		free(ch);
		return;
	}
	snprintf(ch->path, sizeof(ch->path), "%s", amp_ttyport_link(ch->tty));
	chan_append(ctx, ch);
	dlog(ctx->d, ctx->name, "%s up: channel %s at 0x%x: %s -> %s",
	     ch->tty_name, name, addr, ch->path, amp_ttyport_pts(ch->tty));
	waiters_answer(ctx, name, 0, NULL);
	waiters_answer(ctx, ch->tty_name, 0, NULL);
}

static void chan_up(struct rproc_ctx *ctx, const char *name, uint32_t addr)
{
	struct chan *ch;
	int r;

	if (amp_ttyport_is_tty(name)) {
		tty_up(ctx, name, addr);
		return;
	}
	ch = chan_find(ctx, name);
	if (ch) { /* re-announced at a new address: start over */
		if (ch->addr == addr)
			return;
		chan_kill(ctx, ch);
	}
	ch = calloc(1, sizeof(*ch));
	if (!ch) {
		dlog(ctx->d, ctx->name, "channel %s: out of memory", name);
		return;
	}
	ch->ctx = ctx;
	ch->lfd = -1;
	ch->addr = addr;
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	ch->sdb = !strcmp(name, AMP_SDB_NAME);
	chan_append(ctx, ch);
	if (!safe_name(name)) {
		dlog(ctx->d, ctx->name,
		     "channel '%s' at 0x%x: name unusable as a file name, "
		     "not exposed",
		     name, addr);
	} else if ((r = chan_listen(ctx, ch)) < 0) {
		dlog(ctx->d, ctx->name, "channel %s at 0x%x: socket: %s", name,
		     addr, strerror(-r));
	} else {
		dlog(ctx->d, ctx->name, "channel %s at 0x%x: %s", name, addr,
		     ch->path);
	}
	waiters_answer(ctx, name, 0, NULL);
}

static void on_event(struct amp_rproc *rp, enum amp_rproc_event ev,
		     const char *detail, uint32_t addr, void *priv)
{
	struct rproc_ctx *ctx = priv;
	struct chan *ch;

	(void)rp;
	switch (ev) {
	case AMP_RPROC_EV_RUNNING:
		dlog(ctx->d, ctx->name, "running %s", detail ? detail : "");
		break;
	case AMP_RPROC_EV_CRASHED:
		dlog(ctx->d, ctx->name, "crash detected: %s",
		     detail ? detail : "");
		chans_kill_all(ctx);
		break;
	case AMP_RPROC_EV_OFFLINE:
		dlog(ctx->d, ctx->name, "offline");
		chans_kill_all(ctx);
		break;
	case AMP_RPROC_EV_CHANNEL_UP:
		if (detail)
			chan_up(ctx, detail, addr);
		break;
	case AMP_RPROC_EV_CHANNEL_DOWN:
		ch = !detail ? NULL
		     : amp_ttyport_is_tty(detail)
			     ? chan_find_at(ctx, detail, addr)
			     : chan_find(ctx, detail);
		if (ch) {
			dlog(ctx->d, ctx->name, "channel %s withdrawn", detail);
			chan_kill(ctx, ch);
		}
		break;
	case AMP_RPROC_EV_COREDUMP:
		dlog(ctx->d, ctx->name, "coredump written to %s",
		     detail ? detail : "?");
		break;
	case AMP_RPROC_EV_CONSOLE:
		dlog(ctx->d, ctx->name, "console: %s", detail ? detail : "");
		break;
	case AMP_RPROC_EV_RESOURCE:
		dlog(ctx->d, ctx->name, "%s", detail ? detail : "");
		break;
	}
}

/* A reply from the firmware to one client. */
static void client_rx(struct amp_rpmsg_ept *ept, void *data, uint32_t len,
		      uint32_t src)
{
	struct client *c = ept->priv;
	struct rproc_ctx *ctx = c->ch->ctx;

	(void)src;
	if (c->dead)
		return;
	if (send(c->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
		return;
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		/* Never block the thread every client shares. */
		if (!c->dropped++)
			dlog(ctx->d, ctx->name,
			     "%s: client not reading, dropping replies",
			     c->ch->name);
		return;
	}
	client_kill(ctx, c);
}

/* ---- the rproc thread: rpmsg-sdb sessions ----------------------------- */

/* An ERROR answer (client.h): the errno, what was refused, a reason. */
static void sess_err(struct client *c, int err, uint32_t type, uint32_t index,
		     const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void sess_err(struct client *c, int err, uint32_t type, uint32_t index,
		     const char *fmt, ...)
{
	uint8_t buf[sizeof(struct amp_sdb_msg) + AMP_CLIENT_SDB_ERROR_MAX];
	struct amp_sdb_msg m = { AMP_CLIENT_SDB_ERROR, (uint32_t)err, type,
				 index };
	va_list ap;
	int n;

	memcpy(buf, &m, sizeof(m));
	va_start(ap, fmt);
	n = vsnprintf((char *)buf + sizeof(m), AMP_CLIENT_SDB_ERROR_MAX, fmt,
		      ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n >= AMP_CLIENT_SDB_ERROR_MAX)
		n = AMP_CLIENT_SDB_ERROR_MAX - 1;
	if (send(c->fd, buf, sizeof(m) + (size_t)n,
		 MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* a client that does not read misses the answer */
	}
}

static void sess_check(struct rproc_ctx *ctx, struct client *c);

/* FILLED and RELEASE to the client must not be lost (a buffer would be
 * lost with them): a client that does not read is cut off, which gives
 * back what it held. */
static void sess_send(struct client *c, uint32_t type, uint32_t index,
		      uint32_t offset, uint32_t length)
{
	struct amp_sdb_msg m = { type, index, offset, length };
	struct rproc_ctx *ctx = c->ch->ctx;

	if (c->dead)
		return;
	sess_check(ctx, c); /* the HELLO's answer goes first */
	if (c->dead)
		return;
	if (send(c->fd, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL) ==
	    (ssize_t)sizeof(m))
		return;
	dlog(ctx->d, ctx->name, "rpmsg-sdb: client cut off: send: %s",
	     strerror(errno));
	client_kill(ctx, c);
}

static void sess_filled(struct amp_sdb *s, uint32_t index, void *data,
			uint32_t len)
{
	struct sess *ss = s->priv;
	size_t off = (size_t)((uint8_t *)data -
			      (s->pool + (size_t)index * s->cfg.size));

	if (!ss->c) { /* parked: nobody to read it */
		amp_sdb_release(s, index, AMP_DEADLINE_NOW);
		return;
	}
	sess_send(ss->c, AMP_SDB_FILLED, index, (uint32_t)off, len);
}

static void sess_released(struct amp_sdb *s, uint32_t index)
{
	struct sess *ss = s->priv;

	if (ss->c)
		sess_send(ss->c, AMP_SDB_RELEASE, index, 0, 0);
}

/* The client's HELLO: open the host end with its layout. */
static void sess_hello(struct rproc_ctx *ctx, struct client *c,
		       const struct amp_sdb_msg *m)
{
	struct amp_rpmsg_dev *dev = amp_rproc_rpmsg(ctx->rp);
	struct sess *ss = c->sess;
	struct amp_sdb_cfg cfg = { .count = m->offset,
				   .host_count = m->index,
				   .size = m->length };
	uint64_t base;
	void *va;
	int r, fd;

	if (!dev || amp_rproc_carveout(ctx->rp, AMP_SDB_CARVEOUT, &cfg.pool_pa,
				       &va, &cfg.pool_len) < 0) {
		sess_err(c, ENOENT, AMP_SDB_HELLO, 0,
			 "%s declares no %s carveout", ctx->name,
			 AMP_SDB_CARVEOUT);
		client_kill(ctx, c);
		return;
	}
	fd = amp_rproc_shm_fd(ctx->rp, &base);
	if (fd < 0 || cfg.pool_pa < base) {
		sess_err(c, ENOTSUP, AMP_SDB_HELLO, 0,
			 "platform %s cannot pass its shared memory",
			 amp_rproc_platform(ctx->rp));
		client_kill(ctx, c);
		return;
	}
	r = amp_sdb_open(&ss->sdb, dev, &cfg, AMP_RPMSG_ADDR_ANY, c->ch->addr,
			 sess_filled, ss);
	if (r < 0) {
		if (r == -AMP_EINVAL)
			sess_err(
				c, EINVAL, AMP_SDB_HELLO, 0,
				"layout %u x %u bytes (%u the host's) does not "
				"fit: 1..%u buffers, a multiple of 8 bytes "
				"each, %llu bytes in all",
				cfg.count, cfg.size, cfg.host_count,
				AMP_SDB_MAX_BUFS,
				(unsigned long long)cfg.pool_len);
		else
			sess_err(c, -r, AMP_SDB_HELLO, 0, "cannot open: %s",
				 strerror(-r));
		client_kill(ctx, c);
		return;
	}
	ss->sdb.on_released = sess_released;
	ss->open = true;
	ss->shm_fd = fd;
	ss->pool_off = cfg.pool_pa - base;
	ss->pool_len = cfg.pool_len;
	ss->state = SESS_MATCH;
	ss->deadline = now_ns() + SDB_MATCH_TIMEOUT_NS;
}

/* Waiting for the firmware's HELLO: answer the client once matched. */
static void sess_check(struct rproc_ctx *ctx, struct client *c)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} cm;
	struct sess *ss = c->sess;
	struct amp_client_sdb_hello h = {
		{ AMP_SDB_HELLO, ss->sdb.cfg.host_count, ss->sdb.cfg.count,
		  ss->sdb.cfg.size },
		ss->pool_off,
		ss->pool_len
	};
	struct iovec iov = { .iov_base = &h, .iov_len = sizeof(h) };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cm.space,
			    .msg_controllen = sizeof(cm.space) };
	struct cmsghdr *hd = CMSG_FIRSTHDR(&m);

	if (c->dead || ss->state != SESS_MATCH)
		return;
	if (ss->sdb.refused) {
		sess_err(c, EPROTO, AMP_SDB_HELLO, 0,
			 "the firmware refused the layout");
		client_kill(ctx, c);
		return;
	}
	if (!ss->sdb.matched) {
		if (now_ns() < ss->deadline)
			return;
		sess_err(c, ETIMEDOUT, AMP_SDB_HELLO, 0,
			 "no answer from the firmware");
		client_kill(ctx, c);
		return;
	}
	hd->cmsg_level = SOL_SOCKET;
	hd->cmsg_type = SCM_RIGHTS;
	hd->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(hd), &ss->shm_fd, sizeof(int));
	if (sendmsg(c->fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		client_kill(ctx, c);
		return;
	}
	ss->state = SESS_ACTIVE;
	sess_free(c->ch->parked); /* the firmware now sends to us */
	c->ch->parked = NULL;
	dlog(ctx->d, ctx->name, "rpmsg-sdb: session open, %u x %u bytes",
	     ss->sdb.cfg.count, ss->sdb.cfg.size);
}

static void sess_check_all(struct rproc_ctx *ctx, uint64_t *timeout)
{
	for (struct chan *ch = ctx->chans; ch; ch = ch->next) {
		if (!ch->sdb || ch->dead)
			continue;
		for (struct client *c = ch->clients; c; c = c->next) {
			if (c->dead || c->sess->state != SESS_MATCH)
				continue;
			sess_check(ctx, c);
			if (!c->dead && c->sess->state == SESS_MATCH &&
			    *timeout > 20000000ull)
				*timeout = 20000000ull; /* look again soon */
		}
	}
}

static bool peer_hung_up(int fd);

/* The client went away: give the firmware back what the client held. */
static void sess_gone(struct rproc_ctx *ctx, struct client *c)
{
	struct amp_sdb *s = &c->sess->sdb;
	struct amp_rpmsg_dev *dev = amp_rproc_rpmsg(ctx->rp);

	uint32_t n = 0;

	for (uint32_t i = 0; c->sess->open && dev && i < s->cfg.count; i++) {
		if (s->state[i] != AMP_SDB_HELD)
			continue;
		if (amp_sdb_release(
			    s, i,
			    amp_port_deadline(dev->port, SEND_TIMEOUT_NS)) < 0)
			break;
		n++;
	}
	if (c->sess->open)
		dlog(ctx->d, ctx->name,
		     "rpmsg-sdb: client gone, %u firmware buffers given back",
		     n);
	client_kill(ctx, c);
}

static void sess_msg(struct rproc_ctx *ctx, struct client *c,
		     const struct amp_sdb_msg *m)
{
	struct sess *ss = c->sess;
	struct amp_sdb *s = &ss->sdb;
	struct amp_rpmsg_dev *dev = amp_rproc_rpmsg(ctx->rp);
	uint64_t deadline;
	int r;

	if (ss->state == SESS_HELLO) {
		if (m->type == AMP_SDB_HELLO) {
			sess_hello(ctx, c, m);
			return;
		}
		sess_err(c, EINVAL, m->type, m->index,
			 "the first message must be a HELLO");
		client_kill(ctx, c);
		return;
	}
	ss->bad++;
	if (ss->state == SESS_MATCH) {
		sess_err(c, EAGAIN, m->type, m->index,
			 "wait for the answer to the HELLO");
		return;
	}
	if (!dev) {
		client_kill(ctx, c);
		return;
	}
	deadline = amp_port_deadline(dev->port, SEND_TIMEOUT_NS);
	if (m->type == AMP_SDB_FILLED) {
		r = amp_sdb_take(s, m->index);
		if (r == -AMP_EINVAL) {
			sess_err(c, EINVAL, m->type, m->index,
				 "buffer %u is not one of the host's (0..%u)",
				 m->index, s->cfg.host_count - 1);
			return;
		}
		if (r < 0) {
			sess_err(c, EPERM, m->type, m->index,
				 "buffer %u is not free", m->index);
			return;
		}
		r = amp_sdb_send(s, m->index, m->offset, m->length, deadline);
		if (r == -AMP_EINVAL) {
			amp_sdb_unalloc(s, m->index);
			sess_err(c, EINVAL, m->type, m->index,
				 "bytes %u + %u are past the %u-byte buffer",
				 m->offset, m->length, s->cfg.size);
			return;
		}
		if (r < 0) {
			amp_sdb_unalloc(s, m->index);
			dlog(ctx->d, ctx->name,
			     "rpmsg-sdb: client cut off: send: %s",
			     strerror(-r));
			client_kill(ctx, c);
			return;
		}
	} else if (m->type == AMP_SDB_RELEASE) {
		r = amp_sdb_release(s, m->index, deadline);
		if (r == -AMP_EINVAL) {
			sess_err(c, EPERM, m->type, m->index,
				 "buffer %u is not a firmware buffer the "
				 "client holds",
				 m->index);
			return;
		}
		if (r < 0) {
			dlog(ctx->d, ctx->name,
			     "rpmsg-sdb: client cut off: send: %s",
			     strerror(-r));
			client_kill(ctx, c);
			return;
		}
	} else {
		sess_err(c, EINVAL, m->type, m->index,
			 "message type %u is not FILLED or RELEASE", m->type);
		return;
	}
	ss->bad--; /* accepted */
}

static void sess_input(struct rproc_ctx *ctx, struct client *c)
{
	struct amp_sdb_msg m;
	ssize_t r;

	for (int i = 0; i < CLIENT_BATCH && !c->dead; i++) {
		r = recv(c->fd, &m, sizeof(m), MSG_DONTWAIT | MSG_TRUNC);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				sess_gone(ctx, c);
			return;
		}
		if (r == 0 && peer_hung_up(c->fd)) {
			sess_gone(ctx, c);
			return;
		}
		if (r != (ssize_t)sizeof(m)) {
			c->sess->bad++;
			sess_err(c, EINVAL, 0, 0,
				 "a message is %zu bytes, not %zd", sizeof(m),
				 r);
			if (c->sess->state == SESS_HELLO)
				client_kill(ctx, c);
			continue;
		}
		sess_msg(ctx, c, &m);
	}
}

/* One session at a time: a second client is told so, then reads EOF. */
static void sess_accept(struct rproc_ctx *ctx, struct chan *ch, int fd)
{
	int sndbuf = CLIENT_SNDBUF;
	struct client *c;

	for (c = ch->clients; c; c = c->next) {
		/* One that hung up but was not read yet is gone already. */
		if (!c->dead && peer_hung_up(c->fd))
			sess_gone(ctx, c);
		if (c->dead)
			continue;
		struct client tmp = { .fd = fd };

		sess_err(&tmp, EBUSY, AMP_SDB_HELLO, 0,
			 "%s of %s is in use by another client", ch->name,
			 ctx->name);
		sock_close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c)
		c->sess = calloc(1, sizeof(*c->sess));
	if (!c || !c->sess) {
		free(c);
		sock_close(fd);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	c->fd = fd;
	c->ch = ch;
	c->sess->c = c;
	c->sess->shm_fd = -1;
	c->next = ch->clients;
	ch->clients = c;
	ctx->dirty = true;
}

static void chan_accept(struct rproc_ctx *ctx, struct chan *ch)
{
	int sndbuf = CLIENT_SNDBUF, fd, r;
	struct client *c;

	fd = accept4(ch->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (ch->sdb) {
		sess_accept(ctx, ch, fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		sock_close(fd);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	c->fd = fd;
	c->ch = ch;
	r = amp_rpmsg_create_ept(&c->ept, amp_rproc_rpmsg(ctx->rp), ch->name,
				 AMP_RPMSG_ADDR_ANY, ch->addr, client_rx, c);
	if (r < 0) {
		dlog(ctx->d, ctx->name, "%s: client refused: endpoint: %s",
		     ch->name, strerror(-r));
		sock_close(fd);
		free(c);
		return;
	}
	c->ept_live = true;
	c->next = ch->clients;
	ch->clients = c;
	ctx->dirty = true;
}

/* The daemon cannot fail the client's write(), so it answers with a
 * notice marked by a passed fd; amp_client_recv() turns it into
 * EMSGSIZE and a plain read() sees the text. */
static void client_oversize(struct rproc_ctx *ctx, struct client *c, size_t len,
			    uint32_t max)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} cm;
	char text[128];
	struct iovec iov = { .iov_base = text };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cm.space,
			    .msg_controllen = sizeof(cm.space) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);

	iov.iov_len = (size_t)snprintf(
		text, sizeof(text),
		"ampkit: EMSGSIZE: message of %zu bytes exceeds the %u-byte "
		"max payload; dropped",
		len, max);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &ctx->d->nullfd, sizeof(int));
	if (sendmsg(c->fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* a client that does not read misses the notice */
	}
}

static bool peer_hung_up(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP));
}

/* Forward what one client wrote, one message per RPMsg message. */
static void client_input(struct rproc_ctx *ctx, struct client *c)
{
	struct amp_rpmsg_dev *dev = amp_rproc_rpmsg(ctx->rp);
	uint32_t max = dev ? amp_rpmsg_max_payload(dev) : 0;
	uint64_t deadline;
	ssize_t r;
	int i, ret;

	if (c->sess) {
		sess_input(ctx, c);
		return;
	}
	for (i = 0; i < CLIENT_BATCH && !c->dead; i++) {
		r = recv(c->fd, ctx->msg, max, MSG_DONTWAIT | MSG_TRUNC);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				client_kill(ctx, c);
			return;
		}
		if (r == 0 && peer_hung_up(c->fd)) {
			client_kill(ctx, c);
			return;
		}
		if ((size_t)r > max) {
			client_oversize(ctx, c, (size_t)r, max);
			continue;
		}
		deadline = amp_port_deadline(dev->port, SEND_TIMEOUT_NS);
		ret = amp_rpmsg_send_deadline(&c->ept, AMP_RPMSG_ADDR_ANY,
					      ctx->msg, (uint32_t)r, deadline);
		if (ret < 0 && !c->dead) {
			dlog(ctx->d, ctx->name, "%s: client cut off: send: %s",
			     c->ch->name, strerror(-ret));
			client_kill(ctx, c);
		}
	}
}

/* Free what died during the last turn and rebuild the poll set. */
static int reap_and_rebuild(struct rproc_ctx *ctx)
{
	struct chan **cp = &ctx->chans, *ch;
	struct client **pp, *c;
	int n = 1, i;

	if (!ctx->dirty)
		return 0;
	while ((ch = *cp)) {
		pp = &ch->clients;
		while ((c = *pp)) {
			if (c->dead) {
				*pp = c->next;
				free(c->sess);
				free(c);
			} else {
				pp = &c->next;
				n++;
			}
		}
		if (ch->dead && !ch->clients) {
			*cp = ch->next;
			amp_ttyport_free(ch->tty);
			free(ch);
			continue;
		}
		n += ch->lfd >= 0;
		n += 2 * (ch->tty && !ch->dead); /* master, watch */
		cp = &ch->next;
	}
	if (n > ctx->cappfd) {
		struct pollfd *p = realloc(ctx->pfd, (size_t)n * sizeof(*p));
		void **o =
			p ? realloc(ctx->pobj, (size_t)n * sizeof(*o)) : NULL;
		uint8_t *k = o ? realloc(ctx->pkind, (size_t)n) : NULL;

		if (p)
			ctx->pfd = p;
		if (o)
			ctx->pobj = o;
		if (!k)
			return -ENOMEM;
		ctx->pkind = k;
		ctx->cappfd = n;
	}
	i = 0;
	ctx->pfd[i] = (struct pollfd){ .fd = ctx->efd, .events = POLLIN };
	ctx->pkind[i++] = P_EFD;
	for (ch = ctx->chans; ch; ch = ch->next) {
		if (ch->lfd >= 0) {
			ctx->pfd[i] = (struct pollfd){ .fd = ch->lfd,
						       .events = POLLIN };
			ctx->pobj[i] = ch;
			ctx->pkind[i++] = P_LISTEN;
		}
		for (c = ch->clients; c; c = c->next) {
			ctx->pfd[i] = (struct pollfd){ .fd = c->fd,
						       .events = POLLIN };
			ctx->pobj[i] = c;
			ctx->pkind[i++] = P_CLIENT;
		}
		if (ch->tty && !ch->dead) {
			/* fds and events are asked again every turn */
			ctx->pfd[i] = (struct pollfd){ .fd = -1 };
			ctx->pobj[i] = ch;
			ctx->pkind[i++] = P_TTY;
			ctx->pfd[i] = (struct pollfd){ .fd = -1 };
			ctx->pobj[i] = ch;
			ctx->pkind[i++] = P_TTYWATCH;
		}
	}
	ctx->npfd = i;
	ctx->dirty = false;
	return 0;
}

/* ---- the rproc thread: control requests ------------------------------- */

static int start_rproc(struct rproc_ctx *ctx, char *why, size_t len)
{
	struct amp_rproc_cfg cfg;
	int r;

	if (!ctx->firmware) {
		snprintf(why, len, "no firmware set: give FIRMWARE.elf");
		return -EINVAL;
	}
	amp_rproc_cfg_default(&cfg);
	cfg.firmware = ctx->firmware;
	cfg.on_event = on_event;
	cfg.priv = ctx;
	r = amp_rproc_start(ctx->rp, &cfg);
	if (r < 0)
		snprintf(why, len, "%s", amp_rproc_error(ctx->rp));
	return r;
}

static int set_firmware(struct rproc_ctx *ctx, const char *path, char *why,
			size_t len)
{
	char *copy;
	int r;

	if (amp_rproc_state(ctx->rp) != AMP_RPROC_OFFLINE) {
		snprintf(why, len,
			 "%s is %s: firmware can only be changed while "
			 "offline",
			 ctx->name,
			 amp_rproc_state_name(amp_rproc_state(ctx->rp)));
		return -EBUSY;
	}
	copy = strdup(path);
	if (!copy) {
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	r = amp_rproc_set_firmware(ctx->rp, path);
	if (r < 0) {
		snprintf(why, len, "%s", amp_rproc_error(ctx->rp));
		free(copy);
		return r;
	}
	free(ctx->firmware);
	ctx->firmware = copy;
	return 0;
}

static void stop_rproc(struct rproc_ctx *ctx)
{
	chans_kill_all(ctx);
	amp_rproc_stop(ctx->rp);
	waiters_answer(ctx, NULL, ENOTCONN, "stopped");
}

static size_t list_channels(struct rproc_ctx *ctx, char *out, size_t cap)
{
	struct amp_rpmsg_dev *dev = amp_rproc_rpmsg(ctx->rp);
	uint32_t max = dev ? amp_rpmsg_max_payload(dev) : 0;
	size_t n = 0;
	int w;

	for (struct chan *ch = ctx->chans; ch; ch = ch->next) {
		if (ch->dead)
			continue;
		if (ch->tty)
			w = snprintf(out + n, cap - n, "%s 0x%x %u %s %s\n",
				     ch->name, ch->addr, max, ch->path,
				     amp_ttyport_pts(ch->tty));
		else
			w = snprintf(out + n, cap - n, "%s 0x%x %u %s\n",
				     ch->name, ch->addr, max,
				     ch->lfd >= 0 ? ch->path : "-");
		if (w < 0 || (size_t)w >= cap - n)
			break;
		n += (size_t)w;
	}
	out[n] = '\0';
	return n;
}

static void do_trace(struct rproc_ctx *ctx, int fd)
{
	char *body = ctx->resp + 3;
	long n;

	n = amp_rproc_trace(ctx->rp, body, AMP_CLIENT_RESP_MAX - 4);
	if (n == -ENOENT) {
		answer_err(fd, ENOENT,
			   "%s: the firmware declares no trace "
			   "buffer",
			   ctx->name);
		return;
	}
	if (n < 0) {
		answer_err(fd, (int)-n, "%s: trace: %s", ctx->name,
			   amp_rproc_error(ctx->rp));
		return;
	}
	memcpy(ctx->resp, "ok\n", 3);
	answer(fd, ctx->resp, 3 + strnlen(body, AMP_CLIENT_RESP_MAX - 4));
}

static void do_wait(struct rproc_ctx *ctx, struct req *q)
{
	struct waiter *w;
	unsigned long ms;

	if (q->nf < 4 || strlen(q->f[2]) >= AMP_RPMSG_NAME_SIZE) {
		answer_err(q->fd, EINVAL, "usage: wait RPROC CHANNEL MS");
		return;
	}
	if (chan_find(ctx, q->f[2])) {
		answer_ok(q->fd, NULL);
		return;
	}
	ms = strtoul(q->f[3], NULL, 10);
	w = calloc(1, sizeof(*w));
	if (!w) {
		answer_err(q->fd, ENOMEM, "out of memory");
		return;
	}
	w->fd = q->fd;
	snprintf(w->name, sizeof(w->name), "%s", q->f[2]);
	w->deadline = now_ns() + (uint64_t)ms * 1000000ull;
	w->next = ctx->waiters;
	ctx->waiters = w;
}

/* `resources`: the table with where it came from, or (with a path, or
 * "default") a new config file for the next start. */
static void do_resources(struct rproc_ctx *ctx, int fd, const char *arg)
{
	const char *path;
	int n, r;

	r = arg ? amp_rproc_set_resources(ctx->rp,
					  strcmp(arg, "default") ? arg : NULL)
		: 0;
	if (r < 0) {
		dlog(ctx->d, ctx->name, "resources: %s",
		     amp_rproc_error(ctx->rp));
		answer_err(fd, -r, "%s", amp_rproc_error(ctx->rp));
		return;
	}
	if (arg) {
		dlog(ctx->d, ctx->name, "resources from %s", arg);
		answer_ok(fd, NULL);
		return;
	}
	path = amp_rproc_resources_path(ctx->rp);
	n = snprintf(ctx->resp, AMP_CLIENT_RESP_MAX, "ok\nresources: %s\n\n",
		     path ? path : "built-in");
	if (n < 0 || n >= AMP_CLIENT_RESP_MAX)
		n = 3;
	n += (int)amp_res_format(amp_rproc_resources(ctx->rp), ctx->resp + n,
				 AMP_CLIENT_RESP_MAX - (size_t)n);
	answer(fd, ctx->resp, (size_t)n);
}

static int coredump_dir(struct rproc_ctx *ctx, bool on, char *why, size_t len)
{
	char dir[PATH_MAX + 16];
	int n;

	n = snprintf(dir, sizeof(dir), "%s/coredump", ctx->d->run_dir);
	if (on && n > 0 && mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(why, len, "%.300s: %s", dir, strerror(errno));
		return -1;
	}
	amp_rproc_set_coredump(ctx->rp, on, dir);
	return 0;
}

static void handle_req(struct rproc_ctx *ctx, struct req *q)
{
	const char *verb = q->f[0], *arg = q->nf > 2 ? q->f[2] : NULL;
	enum amp_rproc_state st = amp_rproc_state(ctx->rp);
	char why[400];
	int r;

	if (!strcmp(verb, "start")) {
		if (arg && (r = set_firmware(ctx, arg, why, sizeof(why))) < 0)
			goto fail;
		if (st != AMP_RPROC_OFFLINE) {
			r = -EBUSY;
			snprintf(why, sizeof(why), "%s is already %s",
				 ctx->name, amp_rproc_state_name(st));
			goto fail;
		}
		r = start_rproc(ctx, why, sizeof(why));
		if (r < 0)
			goto fail;
		dlog(ctx->d, ctx->name, "started %s on %s", ctx->firmware,
		     amp_rproc_platform(ctx->rp));
		answer_ok(q->fd, NULL);
	} else if (!strcmp(verb, "stop")) {
		if (st != AMP_RPROC_OFFLINE)
			dlog(ctx->d, ctx->name, "stopping");
		stop_rproc(ctx);
		answer_ok(q->fd, NULL);
	} else if (!strcmp(verb, "state")) {
		snprintf(why, sizeof(why), "%s\n", amp_rproc_state_name(st));
		answer_ok(q->fd, why);
	} else if (!strcmp(verb, "platform")) {
		if (arg && (r = amp_rproc_set_platform(ctx->rp, arg)) < 0) {
			snprintf(why, sizeof(why), "%s",
				 amp_rproc_error(ctx->rp));
			goto fail;
		}
		snprintf(why, sizeof(why), "%s\n", amp_rproc_platform(ctx->rp));
		answer_ok(q->fd, arg ? NULL : why);
	} else if (!strcmp(verb, "firmware")) {
		if (arg && (r = set_firmware(ctx, arg, why, sizeof(why))) < 0)
			goto fail;
		snprintf(why, sizeof(why), "%s\n",
			 ctx->firmware ? ctx->firmware : "");
		answer_ok(q->fd, arg ? NULL : why);
	} else if (!strcmp(verb, "recovery")) {
		if (!arg) {
			answer_ok(q->fd, amp_rproc_recovery(ctx->rp)
						 ? "enabled\n"
						 : "disabled\n");
		} else if (!strcmp(arg, "enabled") ||
			   !strcmp(arg, "disabled")) {
			amp_rproc_set_recovery(ctx->rp, arg[0] == 'e');
			answer_ok(q->fd, NULL);
		} else if (!strcmp(arg, "recover")) {
			r = amp_rproc_recover(ctx->rp);
			if (r < 0) {
				snprintf(why, sizeof(why), "%s",
					 amp_rproc_error(ctx->rp));
				goto fail;
			}
			answer_ok(q->fd, NULL);
		} else {
			answer_err(q->fd, EINVAL,
				   "recovery: '%s' is not enabled, disabled "
				   "or recover",
				   arg);
		}
	} else if (!strcmp(verb, "coredump")) {
		if (!arg) {
			answer_ok(q->fd, amp_rproc_coredump_enabled(ctx->rp)
						 ? "enabled\n"
						 : "disabled\n");
		} else if (!strcmp(arg, "enabled") ||
			   !strcmp(arg, "disabled")) {
			if (coredump_dir(ctx, arg[0] == 'e', why, sizeof(why)) <
			    0) {
				r = -EIO;
				goto fail;
			}
			answer_ok(q->fd, NULL);
		} else {
			answer_err(q->fd, EINVAL,
				   "coredump: '%s' is not disabled or enabled",
				   arg);
		}
	} else if (!strcmp(verb, "trace")) {
		do_trace(ctx, q->fd);
	} else if (!strcmp(verb, "channels")) {
		memcpy(ctx->resp, "ok\n", 3);
		answer(q->fd, ctx->resp,
		       3 + list_channels(ctx, ctx->resp + 3,
					 AMP_CLIENT_RESP_MAX - 3));
	} else if (!strcmp(verb, "wait")) {
		do_wait(ctx, q);
	} else if (!strcmp(verb, "resources")) {
		do_resources(ctx, q->fd, arg);
	} else {
		answer_err(q->fd, EINVAL, "unknown request '%s'", verb);
	}
	return;
fail:
	dlog(ctx->d, ctx->name, "%s: %s", verb, why);
	answer_err(q->fd, r, "%s", why);
}

/* Take the queued requests; true when the thread must end. */
static bool drain_requests(struct rproc_ctx *ctx)
{
	struct req *q, *next;
	uint64_t v;
	bool quit;

	if (read(ctx->efd, &v, sizeof(v)) < 0) {
		/* nothing queued: a spurious wake-up */
	}
	pthread_mutex_lock(&ctx->lock);
	q = ctx->head;
	ctx->head = NULL;
	ctx->tail = &ctx->head;
	quit = ctx->quit;
	pthread_mutex_unlock(&ctx->lock);
	for (; q; q = next) {
		next = q->next;
		if (quit)
			answer_err(q->fd, ESHUTDOWN, "daemon shutting down");
		else
			handle_req(ctx, q);
		free(q);
	}
	return quit;
}

static void expire_waiters(struct rproc_ctx *ctx, uint64_t *next_ns)
{
	struct waiter **pp = &ctx->waiters, *w;
	uint64_t now = now_ns();

	while ((w = *pp)) {
		if (w->deadline <= now) {
			*pp = w->next;
			answer_err(w->fd, ETIMEDOUT,
				   "%s: channel %s not announced in time",
				   ctx->name, w->name);
			free(w);
			continue;
		}
		if (w->deadline - now < *next_ns)
			*next_ns = w->deadline - now;
		pp = &w->next;
	}
}

/* Move what the last turn made movable on every tty; ask the rproc to
 * wake on a free tx buffer while a port waits for one.  True if bytes
 * went through a pty this turn. */
static bool ttys_pump(struct rproc_ctx *ctx)
{
	bool starved = false, moved = false;

	for (struct chan *ch = ctx->chans; ch; ch = ch->next) {
		if (!ch->tty)
			continue;
		if (amp_ttyport_pump(ch->tty))
			starved = true;
		if (amp_ttyport_moved(ch->tty))
			moved = true;
	}
	amp_rproc_wake_on_tx(ctx->rp, starved);
	return moved;
}

/* A tty's fds and events follow its state (no client: no master to
 * poll), so they are asked before every poll. */
static void tty_pollfd(struct pollfd *p, uint8_t kind, struct amp_ttyport *t)
{
	if (kind == P_TTY) {
		p->fd = amp_ttyport_fd(t);
		p->events = amp_ttyport_events(t);
	} else {
		p->fd = amp_ttyport_watch_fd(t);
		p->events = POLLIN;
	}
}

static void *rproc_thread(void *arg)
{
	struct rproc_ctx *ctx = arg;
	uint64_t timeout, busy_until = 0;
	struct chan *ch;
	bool active, tty_moved = false;
	int i, r;

	for (;;) {
		if (reap_and_rebuild(ctx) < 0) {
			dlog(ctx->d, ctx->name, "out of memory: stopping");
			break;
		}
		timeout = IDLE_TURN_NS;
		expire_waiters(ctx, &timeout);
		sess_check_all(ctx, &timeout);
		for (i = 0; i < ctx->npfd; i++) {
			ctx->pfd[i].revents = 0;
			if (ctx->pkind[i] == P_TTY ||
			    ctx->pkind[i] == P_TTYWATCH)
				tty_pollfd(&ctx->pfd[i], ctx->pkind[i],
					   ((struct chan *)ctx->pobj[i])->tty);
		}
		if (amp_rproc_state(ctx->rp) == AMP_RPROC_OFFLINE) {
			r = poll(ctx->pfd, (nfds_t)ctx->npfd,
				 (int)(timeout / 1000000) + 1);
			if (r < 0 && errno != EINTR)
				break;
		} else {
			/*
			 * Right after traffic, turn without blocking: the
			 * rproc's own spin watches only the rings, and a
			 * client's next message usually follows its reply
			 * sooner than this thread could be woken.
			 */
			if (ctx->d->spin_ns && now_ns() < busy_until)
				timeout = 0;
			/* A pty that gave or took bytes last turn likely
			 * has more: look again at once, rather than spin
			 * on the rings (blind to the fds) first. */
			if (tty_moved)
				timeout = 0;
			r = amp_rproc_run(ctx->rp, ctx->pfd, ctx->npfd,
					  timeout);
			if (r > 0)
				busy_until = now_ns() + ctx->d->spin_ns;
		}
		active = false;
		for (i = 0; i < ctx->npfd; i++) {
			if (!ctx->pfd[i].revents)
				continue;
			active = true;
			switch (ctx->pkind[i]) {
			case P_EFD:
				if (drain_requests(ctx))
					goto out;
				break;
			case P_LISTEN:
				if (!((struct chan *)ctx->pobj[i])->dead)
					chan_accept(ctx, ctx->pobj[i]);
				break;
			case P_CLIENT:
				if (!((struct client *)ctx->pobj[i])->dead)
					client_input(ctx, ctx->pobj[i]);
				break;
			case P_TTY:
				ch = ctx->pobj[i];
				if (ch->tty)
					amp_ttyport_io(ch->tty,
						       ctx->pfd[i].revents);
				break;
			case P_TTYWATCH:
				ch = ctx->pobj[i];
				if (ch->tty)
					amp_ttyport_watch_io(ch->tty);
				break;
			}
		}
		tty_moved = ttys_pump(ctx);
		if (active)
			busy_until = now_ns() + ctx->d->spin_ns;
	}
out:
	stop_rproc(ctx);
	reap_and_rebuild(ctx);
	rmdir(ctx->dir);
	return NULL;
}

/* ---- rproc contexts, from the main thread ----------------------------- */

static void ctx_free(struct rproc_ctx *ctx)
{
	struct req *q;

	while ((q = ctx->head)) {
		ctx->head = q->next;
		answer_err(q->fd, ESHUTDOWN, "daemon shutting down");
		free(q);
	}
	while (ctx->waiters) {
		struct waiter *w = ctx->waiters;

		ctx->waiters = w->next;
		answer_err(w->fd, ESHUTDOWN, "daemon shutting down");
		free(w);
	}
	amp_rproc_free(ctx->rp);
	if (ctx->efd >= 0)
		close(ctx->efd);
	pthread_mutex_destroy(&ctx->lock);
	free(ctx->firmware);
	free(ctx->pfd);
	free(ctx->pobj);
	free(ctx->pkind);
	free(ctx->msg);
	free(ctx->resp);
	free(ctx);
}

static struct rproc_ctx *ctx_get(struct daemon *d, const char *name, char *why,
				 size_t len)
{
	struct rproc_ctx *ctx;
	sigset_t all, old;
	int r;

	for (ctx = d->rprocs; ctx; ctx = ctx->next)
		if (!strcmp(ctx->name, name))
			return ctx;
	if (d->nrprocs >= RPROC_MAX) {
		snprintf(why, len, "at most %d coprocessors", RPROC_MAX);
		return NULL;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	ctx->d = d;
	ctx->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&ctx->lock, NULL);
	ctx->tail = &ctx->head;
	ctx->dirty = true;
	snprintf(ctx->name, sizeof(ctx->name), "%s", name);
	snprintf(ctx->dir, sizeof(ctx->dir), "%s/%s", d->run_dir, name);
	ctx->rp = amp_rproc_new(name);
	ctx->msg = malloc(AMP_RPMSG_MAX_PAYLOAD + 1);
	ctx->resp = malloc(AMP_CLIENT_RESP_MAX);
	if (ctx->efd < 0 || !ctx->rp || !ctx->msg || !ctx->resp) {
		snprintf(why, len, "%s: cannot create: %s", name,
			 ctx->efd < 0 ? strerror(errno) : "out of memory");
		ctx_free(ctx);
		return NULL;
	}
	/* Signals belong to the main thread's signalfd. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&ctx->thread, NULL, rproc_thread, ctx);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		snprintf(why, len, "%s: thread: %s", name, strerror(r));
		ctx_free(ctx);
		return NULL;
	}
	ctx->started = true;
	ctx->next = d->rprocs;
	d->rprocs = ctx;
	d->nrprocs++;
	dlog(d, name, "created");
	return ctx;
}

static void ctx_post(struct rproc_ctx *ctx, struct req *q, bool quit)
{
	uint64_t one = 1;

	pthread_mutex_lock(&ctx->lock);
	if (q) {
		q->next = NULL;
		*ctx->tail = q;
		ctx->tail = &q->next;
	}
	if (quit)
		ctx->quit = true;
	pthread_mutex_unlock(&ctx->lock);
	if (write(ctx->efd, &one, sizeof(one)) < 0) {
		/* the counter is already non-zero: it wakes anyway */
	}
}

static void stop_all(struct daemon *d)
{
	struct rproc_ctx *ctx;

	for (ctx = d->rprocs; ctx; ctx = ctx->next)
		ctx_post(ctx, NULL, true);
	while ((ctx = d->rprocs)) {
		d->rprocs = ctx->next;
		pthread_join(ctx->thread, NULL);
		dlog(d, ctx->name, "removed");
		ctx_free(ctx);
	}
	d->nrprocs = 0;
}

/* ---- control connections ---------------------------------------------- */

static void conn_close(struct daemon *d, struct conn *c, bool close_fd)
{
	struct conn **pp;

	for (pp = &d->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	if (close_fd)
		sock_close(c->fd);
	free(c);
	d->nconns--;
}

/* Returns true when the request was `shutdown` (answered after it). */
static bool dispatch(struct daemon *d, int fd, char *buf, size_t len)
{
	struct rproc_ctx *ctx;
	char why[200];
	struct req *q;
	int nf;

	q = malloc(sizeof(*q) + len + 1);
	if (!q) {
		answer_err(fd, ENOMEM, "out of memory");
		return false;
	}
	memcpy(q->buf, buf, len);
	q->buf[len] = '\0';
	q->fd = fd;
	nf = q->nf = split_fields(q->buf, q->f);
	if (!strcmp(q->f[0], "shutdown")) {
		free(q);
		return true;
	}
	if (!strcmp(q->f[0], "ping")) {
		snprintf(why, sizeof(why), "ampkitd %d\n", (int)getpid());
		answer_ok(fd, why);
		free(q);
		return false;
	}
	if (nf < 2 || !safe_name(q->f[1])) {
		answer_err(fd, EINVAL, "request '%.40s': %s", q->f[0],
			   nf < 2 ? "no rproc named" : "bad rproc name");
		free(q);
		return false;
	}
	ctx = ctx_get(d, q->f[1], why, sizeof(why));
	if (!ctx) {
		answer_err(fd, ENOMEM, "%s", why);
		free(q);
		return false;
	}
	ctx_post(ctx, q, false);
	return false;
}

static void accept_conn(struct daemon *d)
{
	struct conn *c;
	int fd;

	fd = accept4(d->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (d->nconns >= CONN_MAX || !(c = calloc(1, sizeof(*c)))) {
		answer_err(fd, EAGAIN, "daemon busy");
		return;
	}
	c->fd = fd;
	c->since = now_ns();
	c->next = d->conns;
	d->conns = c;
	d->nconns++;
}

/* Read the one request a connection carries; returns the fd to answer a
 * shutdown on, or -1. */
static int conn_input(struct daemon *d, struct conn *c, char *buf)
{
	int fd = c->fd;
	ssize_t r;

	r = recv(fd, buf, AMP_CLIENT_REQ_MAX, MSG_DONTWAIT);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return -1;
	conn_close(d, c, r <= 0);
	if (r <= 0)
		return -1;
	/* The fd now belongs to whoever answers it. */
	return dispatch(d, fd, buf, (size_t)r) ? fd : -1;
}

/* ---- setup ------------------------------------------------------------ */

static int ready(const struct amp_daemon_opts *o, int err, const char *msg)
{
	char line[400];
	int n;

	if (err)
		fprintf(stderr, "ampkit daemon: %s\n", msg);
	if (o->ready_fd < 0)
		return err;
	n = err ? snprintf(line, sizeof(line), "error %d %s\n", err, msg)
		: snprintf(line, sizeof(line), "ok\n");
	if (write(o->ready_fd, line, (size_t)n) < 0) {
		/* the parent gave up waiting */
	}
	close(o->ready_fd);
	return err;
}

static int mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int setup(struct daemon *d, const struct amp_daemon_opts *o, char *why,
		 size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[PATH_MAX + 16], pid[32];
	sigset_t sigs;
	int r, n;

	if (snprintf(d->run_dir, sizeof(d->run_dir), "%s", o->run_dir) >=
		    (int)sizeof(d->run_dir) ||
	    snprintf(d->sock_path, sizeof(d->sock_path), "%s/%s", o->run_dir,
		     AMP_CLIENT_SOCK) >= (int)sizeof(d->sock_path)) {
		snprintf(why, len, "run directory %s: path too long",
			 o->run_dir);
		return -ENAMETOOLONG;
	}
	r = mkdir_p(d->run_dir);
	if (r < 0) {
		snprintf(why, len, "run directory %s: %s", d->run_dir,
			 strerror(-r));
		return r;
	}
	snprintf(d->pid_path, sizeof(d->pid_path), "%s/%s", d->run_dir,
		 AMP_CLIENT_PIDFILE);
	d->pidfd = open(d->pid_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (d->pidfd < 0) {
		r = -errno;
		snprintf(why, len, "%s: %s", d->pid_path, strerror(errno));
		return r;
	}
	if (flock(d->pidfd, LOCK_EX | LOCK_NB) < 0) {
		r = -errno;
		snprintf(why, len, "already running in %s", d->run_dir);
		close(d->pidfd);
		d->pidfd = -1;
		return r == -EWOULDBLOCK ? -EEXIST : r;
	}
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(d->pidfd, 0) < 0 ||
	    pwrite(d->pidfd, pid, (size_t)n, 0) < 0) {
		r = -errno;
		snprintf(why, len, "%s: %s", d->pid_path, strerror(errno));
		return r;
	}
	snprintf(path, sizeof(path), "%s/%s", d->run_dir, AMP_CLIENT_LOG);
	d->logfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (d->logfd < 0) {
		r = -errno;
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return r;
	}
	d->nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (d->nullfd < 0) {
		r = -errno;
		snprintf(why, len, "/dev/null: %s", strerror(errno));
		return r;
	}

	/* SIGPIPE: a client that went away is seen by send(), not a
	 * signal.  The others end the daemon through the signalfd. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	d->sigfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d->sigfd < 0) {
		r = -errno;
		snprintf(why, len, "signalfd: %s", strerror(errno));
		return r;
	}

	/* We hold the lock: any socket file left is a dead daemon's. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d->sock_path);
	unlink(d->sock_path);
	d->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
			0);
	if (d->lfd < 0 ||
	    bind(d->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(d->lfd, 32) < 0) {
		r = -errno;
		snprintf(why, len, "%s: %s", d->sock_path, strerror(errno));
		return r;
	}
	return 0;
}

static void answer_shutdown(int fd)
{
	answer_err(fd, ESHUTDOWN, "daemon shutting down");
}

static void teardown(struct daemon *d)
{
	while (d->conns) {
		answer_shutdown(d->conns->fd);
		conn_close(d, d->conns, false);
	}
	stop_all(d);
	if (d->lfd >= 0) {
		unlink(d->sock_path);
		listener_close(d->lfd, answer_shutdown);
	}
	if (d->pidfd >= 0) {
		unlink(d->pid_path);
		close(d->pidfd);
	}
	if (d->sigfd >= 0)
		close(d->sigfd);
	if (d->nullfd >= 0)
		close(d->nullfd);
	if (d->logfd >= 0)
		close(d->logfd);
}

int amp_daemon_run(const struct amp_daemon_opts *o)
{
	struct daemon d = { .logfd = -1,
			    .pidfd = -1,
			    .lfd = -1,
			    .sigfd = -1,
			    .nullfd = -1,
			    .foreground = o->foreground,
			    .spin_ns = o->spin_ns };
	struct pollfd pfd[2 + CONN_MAX];
	struct conn *conns[CONN_MAX], *c, *next;
	struct signalfd_siginfo si;
	int shutdown_fd = -1, n, i, r;
	char why[PATH_MAX + 64], *buf;
	uint64_t now;

	buf = malloc(AMP_CLIENT_REQ_MAX);
	r = buf ? setup(&d, o, why, sizeof(why)) : -ENOMEM;
	if (r < 0) {
		if (!buf)
			snprintf(why, sizeof(why), "out of memory");
		ready(o, -r, why);
		teardown(&d);
		free(buf);
		return r == -EEXIST ? AMP_DAEMON_EXIT_BUSY : 1;
	}
	dlog(&d, NULL, "started, pid %d, run directory %s", (int)getpid(),
	     d.run_dir);
	ready(o, 0, NULL);

	for (;;) {
		pfd[0] = (struct pollfd){ .fd = d.sigfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = d.lfd, .events = POLLIN };
		n = 2;
		for (c = d.conns; c && n < 2 + CONN_MAX; c = c->next) {
			conns[n - 2] = c;
			pfd[n++] = (struct pollfd){ .fd = c->fd,
						    .events = POLLIN };
		}
		r = poll(pfd, (nfds_t)n, 1000);
		if (r < 0 && errno != EINTR)
			break;
		if (pfd[0].revents &&
		    read(d.sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			dlog(&d, NULL, "%s: shutting down",
			     strsignal((int)si.ssi_signo));
			break;
		}
		for (i = 2; i < n && shutdown_fd < 0; i++)
			if (pfd[i].revents)
				shutdown_fd = conn_input(&d, conns[i - 2], buf);
		if (shutdown_fd >= 0) {
			dlog(&d, NULL, "shutdown requested");
			break;
		}
		if (pfd[1].revents)
			accept_conn(&d);
		now = now_ns();
		for (c = d.conns; c; c = next) {
			next = c->next;
			if (now - c->since > CONN_IDLE_MS * 1000000ull)
				conn_close(&d, c, true);
		}
	}
	teardown(&d);
	/* Answered last, so the asker finds every socket gone. */
	answer_ok(shutdown_fd, NULL);
	free(buf);
	return 0;
}
