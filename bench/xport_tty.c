/*
 * xport_tty.c - the bench transport over a terminal device: ampkit's pty
 * for a firmware tty port, a board's /dev/ttyRPMSG0, or a real serial
 * port; and the pseudo-terminals the tests and the pty-pair baseline
 * serve from a forked child.
 *
 * A tty is a byte stream: what one write() put in may come out of read()
 * cut anywhere or joined with the next.  So, as the seed's client did,
 * each block goes out in one write() (max_msg is the largest block of any
 * matrix, so the client never cuts one), and a reply is read as exactly
 * the number of bytes the client says it expects.  The descriptor is
 * non-blocking and every wait is a poll() bounded by the test's deadline:
 * a silent or vanished peer fails the test, it never hangs it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <ampkit/bench_proto.h>

#include "bench.h"

struct tty_xport {
	struct amp_bench_xport x;
	int fd;
	pid_t child; /* the pty pair's reader, else 0 */
};

static const struct {
	uint32_t baud;
	speed_t speed;
} speeds[] = {
	{ 1200, B1200 },       { 2400, B2400 },	      { 4800, B4800 },
	{ 9600, B9600 },       { 19200, B19200 },     { 38400, B38400 },
	{ 57600, B57600 },     { 115200, B115200 },   { 230400, B230400 },
	{ 460800, B460800 },   { 921600, B921600 },   { 1000000, B1000000 },
	{ 1500000, B1500000 }, { 2000000, B2000000 }, { 3000000, B3000000 },
	{ 4000000, B4000000 },
};

bool amp_bench_tty_baud_ok(uint32_t baud)
{
	size_t i;

	for (i = 0; i < sizeof(speeds) / sizeof(speeds[0]); i++)
		if (speeds[i].baud == baud)
			return true;
	return false;
}

/* Milliseconds poll() may sleep before the deadline, rounded up so a
 * deadline a few microseconds away does not become a busy loop. */
static int wait_ms(uint64_t deadline)
{
	uint64_t now = amp_bench_now_ns(), ms;

	if (now >= deadline)
		return -1;
	ms = (deadline - now + 999999) / 1000000;
	return ms > 3600000 ? 3600000 : (int)ms;
}

/* Wait for `events` on fd until deadline: 0, -ETIMEDOUT or -errno.  An
 * error or hangup is left for the next read()/write() to name. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int ms, r;

	for (;;) {
		ms = wait_ms(deadline);
		if (ms < 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, ms);
		if (r > 0)
			return p.revents & POLLNVAL ? -EBADF : 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

static int tty_send(struct amp_bench_xport *x, const void *msg, uint32_t len,
		    uint64_t deadline)
{
	struct tty_xport *t = (struct tty_xport *)x;
	const uint8_t *p = msg;
	ssize_t n;
	int r;

	while (len) {
		n = write(t->fd, p, len);
		if (n > 0) {
			p += n;
			len -= (uint32_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			return n == 0 ? -EIO : -errno;
		r = wait_fd(t->fd, POLLOUT, deadline);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Exactly cap bytes, since a stream cannot say where a reply ends.  The
 * reply is rarely there the moment the request is out, so poll first and
 * read once it is: two system calls for a reply that arrives whole.
 */
static int tty_recv(struct amp_bench_xport *x, void *buf, uint32_t cap,
		    uint64_t deadline)
{
	struct tty_xport *t = (struct tty_xport *)x;
	uint32_t got = 0;
	ssize_t n;
	int r;

	while (got < cap) {
		r = wait_fd(t->fd, POLLIN, deadline);
		if (r < 0)
			return r;
		n = read(t->fd, (uint8_t *)buf + got, cap - got);
		if (n > 0) {
			got += (uint32_t)n;
			continue;
		}
		if (n == 0)
			return -EPIPE; /* hangup: the other side went away */
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
	}
	return (int)cap;
}

static void reap(pid_t child)
{
	int status;

	if (child <= 0)
		return;
	kill(child, SIGKILL);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
}

static void tty_close(struct amp_bench_xport *x)
{
	struct tty_xport *t = (struct tty_xport *)x;

	close(t->fd);
	reap(t->child);
	free(t);
}

static const struct amp_bench_xport_ops tty_ops = {
	.send = tty_send,
	.recv = tty_recv,
	.close = tty_close,
};

/* Raw mode as a serial library sets it: 8 bits, no echo, no line
 * editing, no translation, read() returns as soon as a byte is there. */
static int set_raw(int fd, uint32_t baud)
{
	struct termios tio;
	size_t i;

	if (tcgetattr(fd, &tio) < 0)
		return -errno;
	cfmakeraw(&tio);
	tio.c_cflag |= CLOCAL | CREAD;
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	for (i = 0; baud && i < sizeof(speeds) / sizeof(speeds[0]); i++) {
		if (speeds[i].baud != baud)
			continue;
		cfsetispeed(&tio, speeds[i].speed);
		cfsetospeed(&tio, speeds[i].speed);
		break;
	}
	if (tcsetattr(fd, TCSANOW, &tio) < 0)
		return -errno;
	return 0;
}

static struct amp_bench_xport *wrap(int fd, pid_t child, char *err,
				    size_t errlen)
{
	struct tty_xport *t = calloc(1, sizeof(*t));

	if (!t) {
		snprintf(err, errlen, "tty transport: out of memory");
		close(fd);
		reap(child);
		return NULL;
	}
	t->fd = fd;
	t->child = child;
	t->x.ops = &tty_ops;
	t->x.max_msg = AMP_BENCH_TTY_WRITE_MAX;
	t->x.stream = true;
	return &t->x;
}

struct amp_bench_xport *amp_bench_tty_open(const char *path, uint32_t baud,
					   char *err, size_t errlen)
{
	int fd, r;

	if (baud && !amp_bench_tty_baud_ok(baud)) {
		snprintf(err, errlen, "%s: %u baud is not a speed termios has",
			 path, baud);
		return NULL;
	}
	fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	r = set_raw(fd, baud);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path,
			 r == -ENOTTY ? "not a terminal" : strerror(-r));
		close(fd);
		return NULL;
	}
	/* Whatever an earlier user left in either direction is not ours. */
	tcflush(fd, TCIOFLUSH);
	return wrap(fd, 0, err, errlen);
}

/* ---- pseudo-terminals served by a child ------------------------------ */

/* A new pty: master and slave open, the slave raw, its path in path. */
static int pty_new(int *master, int *slave, char *path, size_t pathlen,
		   char *err, size_t errlen)
{
	int r;

	*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*master < 0) {
		snprintf(err, errlen, "posix_openpt: %s", strerror(errno));
		return -1;
	}
	if (grantpt(*master) < 0 || unlockpt(*master) < 0 ||
	    (r = ptsname_r(*master, path, pathlen)) != 0) {
		snprintf(err, errlen, "pty slave: %s", strerror(errno));
		close(*master);
		return -1;
	}
	*slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0 || (r = set_raw(*slave, 0)) < 0) {
		snprintf(err, errlen, "%s: %s", path,
			 strerror(*slave < 0 ? errno : -r));
		if (*slave >= 0)
			close(*slave);
		close(*master);
		return -1;
	}
	return 0;
}

/* The child serves serve_fd and closes close_fd (-1: none). */
static pid_t spawn(amp_bench_serve_fn serve, int serve_fd, int close_fd,
		   char *err, size_t errlen)
{
	pid_t pid;

	fflush(NULL); /* or the child would flush our buffered output too */
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (close_fd >= 0)
			close(close_fd);
		_exit(serve(serve_fd, AMP_BENCH_TTY_WRITE_MAX));
	}
	return pid;
}

pid_t amp_bench_pty_serve(amp_bench_serve_fn serve, char *path, size_t pathlen,
			  char *err, size_t errlen)
{
	int master, slave;
	pid_t pid;

	if (pty_new(&master, &slave, path, pathlen, err, errlen) < 0)
		return -1;
	/*
	 * The child keeps a slave descriptor of its own, as a daemon does,
	 * so the master never reads EIO between the caller's opens.
	 */
	pid = spawn(serve, master, -1, err, errlen);
	close(master);
	close(slave);
	return pid;
}

void amp_bench_pty_stop(pid_t child)
{
	reap(child);
}

struct amp_bench_xport *amp_bench_ptypair_open(amp_bench_serve_fn serve,
					       char *err, size_t errlen)
{
	char path[64];
	int master, slave, fl;
	pid_t pid;

	if (pty_new(&master, &slave, path, sizeof(path), err, errlen) < 0)
		return NULL;
	pid = spawn(serve, slave, master, err, errlen);
	close(slave);
	if (pid < 0) {
		close(master);
		return NULL;
	}
	fl = fcntl(master, F_GETFL);
	if (fl < 0 || fcntl(master, F_SETFL, fl | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "pty master: %s", strerror(errno));
		close(master);
		reap(pid);
		return NULL;
	}
	return wrap(master, pid, err, errlen);
}

/* ---- the responder on a stream ----------------------------------------- */

static int write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * amp_bench_resp_feed wants a test's header whole at the front of one
 * message.  A stream may cut it anywhere, so while idle the first bytes
 * are gathered until they make a header: 4 to see the length field, then
 * 6, or 10 when the length is 0 (the extended form).
 */
int amp_bench_serve_stream_resp(int fd, uint32_t max_msg)
{
	struct amp_bench_resp resp = { 0 };
	uint8_t hdr[AMP_BENCH_EXT_HDR_SIZE], ack[4], *buf, *p;
	uint32_t held = 0, want, take, n, left;
	size_t cap = max_msg < 65536 ? max_msg : 65536;
	ssize_t r;

	buf = malloc(cap);
	if (!buf)
		return 1;
	for (;;) {
		r = read(fd, buf, cap);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break; /* EOF, or EIO once the other side is gone */
		for (p = buf, left = (uint32_t)r; left;
		     p += take, left -= take) {
			if (resp.expected ||
			    (!held && left >= AMP_BENCH_EXT_HDR_SIZE)) {
				take = left;
				n = amp_bench_resp_feed(&resp, p, take, ack);
			} else {
				want = held < 4 ? 4
				       : hdr[2] || hdr[3]
					       ? AMP_BENCH_HDR_SIZE
					       : AMP_BENCH_EXT_HDR_SIZE;
				take = want - held < left ? want - held : left;
				memcpy(hdr + held, p, take);
				held += take;
				if (held < want || want == 4)
					continue;
				n = amp_bench_resp_feed(&resp, hdr, held, ack);
				held = 0;
			}
			if (n && write_all(fd, ack, n) < 0)
				goto out;
		}
	}
out:
	free(buf);
	return 0;
}
