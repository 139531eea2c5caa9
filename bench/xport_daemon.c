/*
 * xport_daemon.c - the bench transport through `ampkit daemon`: a
 * channel socket (include/ampkit/client.h), as any user program would
 * reach the firmware.  Each message costs a send() here, a hop through
 * the daemon's rproc thread onto the rings, and the reply the way back,
 * so comparing it with xport_rpmsg.c (same firmware, in process) prices
 * the socket hop.
 *
 * recv() first polls without blocking for a short while: a reply usually
 * arrives sooner than a sleeping process could be woken, the same bet the
 * RPMsg core makes on the rings.  The spin is short and only while a
 * reply is awaited, so on a 2-core machine it does not starve the daemon
 * or the firmware for long.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ampkit/client.h>

#include "bench.h"

struct daemon_xport {
	struct amp_bench_xport x;
	int fd;
	uint64_t spin_ns;
};

static int daemon_send(struct amp_bench_xport *x, const void *msg, uint32_t len,
		       uint64_t deadline)
{
	struct daemon_xport *d = (struct daemon_xport *)x;
	struct pollfd p = { .fd = d->fd, .events = POLLOUT };
	uint64_t now;
	ssize_t r;

	for (;;) {
		r = send(d->fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r == (ssize_t)len)
			return 0;
		if (r >= 0)
			return -EMSGSIZE;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		now = amp_bench_now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		poll(&p, 1, (int)((deadline - now) / 1000000) + 1);
	}
}

static int daemon_recv(struct amp_bench_xport *x, void *buf, uint32_t cap,
		       uint64_t deadline)
{
	struct daemon_xport *d = (struct daemon_xport *)x;
	struct pollfd p = { .fd = d->fd, .events = POLLIN };
	uint64_t now, spin_end = 0;
	ssize_t r;

	for (;;) {
		r = amp_client_recv(d->fd, buf, cap, MSG_DONTWAIT | MSG_TRUNC);
		if (r > 0)
			return r > 0x7fffffff ? 0x7fffffff : (int)r;
		if (r == 0)
			return -EPIPE; /* the daemon closed: firmware gone */
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		now = amp_bench_now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		if (!spin_end)
			spin_end = now + d->spin_ns;
		if (now < spin_end)
			continue;
		poll(&p, 1, (int)((deadline - now) / 1000000) + 1);
	}
}

static void daemon_close(struct amp_bench_xport *x)
{
	struct daemon_xport *d = (struct daemon_xport *)x;

	close(d->fd);
	free(d);
}

static const struct amp_bench_xport_ops daemon_ops = {
	.send = daemon_send,
	.recv = daemon_recv,
	.close = daemon_close,
};

struct amp_bench_xport *amp_bench_daemon_open(const char *run_dir,
					      const char *rproc,
					      const char *channel,
					      uint64_t spin_ns, char *err,
					      size_t errlen)
{
	struct amp_client_channel ch;
	struct daemon_xport *d;

	if (amp_client_channel_info(run_dir, rproc, channel, &ch, err, errlen) <
	    0)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "daemon transport: out of memory");
		return NULL;
	}
	d->fd = amp_client_open(run_dir, rproc, channel, err, errlen);
	if (d->fd < 0) {
		free(d);
		return NULL;
	}
	d->spin_ns = spin_ns;
	d->x.ops = &daemon_ops;
	d->x.max_msg = ch.max_payload;
	return &d->x;
}
