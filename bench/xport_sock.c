/*
 * xport_sock.c - the baseline a PC user might pick instead of RPMsg: a
 * Unix SOCK_SEQPACKET socketpair to a forked child that runs the same
 * seed responder (or an echo).  SEQPACKET keeps message boundaries, so the
 * child sees exactly the messages the client sent, as the firmware does.
 *
 * The socket timeouts are set once, so the message path is one send() or
 * recv() per message and nothing else; the deadline is only checked when
 * a timeout fires.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ampkit/bench_proto.h>

#include "bench.h"

/* How often a blocked send/recv wakes to look at the deadline. */
#define SOCK_POLL_SEC 1

struct sock_xport {
	struct amp_bench_xport x;
	int fd;
	pid_t child;
};

static int sock_send(struct amp_bench_xport *x, const void *msg, uint32_t len,
		     uint64_t deadline)
{
	struct sock_xport *s = (struct sock_xport *)x;
	ssize_t r;

	for (;;) {
		r = send(s->fd, msg, len, MSG_NOSIGNAL);
		if (r == (ssize_t)len)
			return 0;
		if (r >= 0)
			return -EMSGSIZE; /* SEQPACKET sends whole or not */
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		if (amp_bench_now_ns() >= deadline)
			return -ETIMEDOUT;
	}
}

static int sock_recv(struct amp_bench_xport *x, void *buf, uint32_t cap,
		     uint64_t deadline)
{
	struct sock_xport *s = (struct sock_xport *)x;
	ssize_t r;

	for (;;) {
		/* MSG_TRUNC: the real length, even when it did not fit. */
		r = recv(s->fd, buf, cap, MSG_TRUNC);
		if (r > 0)
			return r > 0x7fffffff ? 0x7fffffff : (int)r;
		if (r == 0)
			return -EPIPE;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		if (amp_bench_now_ns() >= deadline)
			return -ETIMEDOUT;
	}
}

static void sock_close(struct amp_bench_xport *x)
{
	struct sock_xport *s = (struct sock_xport *)x;
	int status;

	close(s->fd); /* the child sees EOF and exits */
	if (x->broken)
		kill(s->child, SIGKILL);
	while (waitpid(s->child, &status, 0) < 0 && errno == EINTR)
		;
	free(s);
}

static const struct amp_bench_xport_ops sock_ops = {
	.send = sock_send,
	.recv = sock_recv,
	.close = sock_close,
};

struct amp_bench_xport *amp_bench_sock_open(amp_bench_serve_fn serve,
					    uint32_t max_msg, char *err,
					    size_t errlen)
{
	struct timeval tv = { .tv_sec = SOCK_POLL_SEC };
	struct sock_xport *s;
	int sv[2];

	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "socketpair transport: out of memory");
		return NULL;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0) {
		snprintf(err, errlen, "socketpair(AF_UNIX, SOCK_SEQPACKET): %s",
			 strerror(errno));
		free(s);
		return NULL;
	}
	fflush(NULL); /* or the child would flush our buffered output too */
	s->child = fork();
	if (s->child < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		free(s);
		return NULL;
	}
	if (s->child == 0) {
		close(sv[0]);
		_exit(serve(sv[1], max_msg));
	}
	close(sv[1]);
	s->fd = sv[0];
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	s->x.ops = &sock_ops;
	s->x.max_msg = max_msg;
	return &s->x;
}

/* A child's recv; 0 at EOF (parent closed), < 0 on error. */
static ssize_t child_recv(int fd, void *buf, uint32_t cap)
{
	ssize_t r;

	do
		r = recv(fd, buf, cap, 0);
	while (r < 0 && errno == EINTR);
	return r;
}

static int child_send(int fd, const void *buf, size_t len)
{
	ssize_t r;

	do
		r = send(fd, buf, len, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	return r == (ssize_t)len ? 0 : -1;
}

int amp_bench_serve_resp(int fd, uint32_t max_msg)
{
	struct amp_bench_resp resp = { 0 };
	uint8_t ack[4];
	uint32_t n;
	uint8_t *buf;
	ssize_t r;

	buf = malloc(max_msg);
	if (!buf)
		return 1;
	while ((r = child_recv(fd, buf, max_msg)) > 0) {
		n = amp_bench_resp_feed(&resp, buf, (uint32_t)r, ack);
		if (n && child_send(fd, ack, n) < 0)
			break;
	}
	free(buf);
	return r == 0 ? 0 : 1;
}

int amp_bench_serve_echo(int fd, uint32_t max_msg)
{
	uint8_t *buf;
	ssize_t r;

	buf = malloc(max_msg);
	if (!buf)
		return 1;
	while ((r = child_recv(fd, buf, max_msg)) > 0)
		if (child_send(fd, buf, (size_t)r) < 0)
			break;
	free(buf);
	return r == 0 ? 0 : 1;
}
