/*
 * client.c - the client side of `ampkit daemon` (include/ampkit/client.h):
 * where the run directory is, one request/answer on the control socket,
 * and connecting to a channel socket with an error that says why not.
 *
 * Used by the CLI, the bench's daemon transport and any user program; it
 * holds no state between calls, so every function is safe from any
 * thread.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <ampkit/client.h>

/* A daemon busy starting a firmware answers within a second; stopping one
 * that ignores the shutdown request takes its 500 ms grace on top. */
#define REQUEST_TIMEOUT_MS 30000

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int amp_client_run_dir(char *buf, size_t len)
{
	const char *env = getenv(AMP_CLIENT_RUN_DIR_ENV);
	int n;

	if (env && *env)
		n = snprintf(buf, len, "%s", env);
	else if ((env = getenv("XDG_RUNTIME_DIR")) && *env)
		n = snprintf(buf, len, "%s/ampkit", env);
	else if (geteuid() == 0)
		n = snprintf(buf, len, "/run/ampkit");
	else
		n = snprintf(buf, len, "/tmp/ampkit-%u", (unsigned)geteuid());
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int sock_path(struct sockaddr_un *sa, const char *run_dir,
		     const char *rel1, const char *rel2)
{
	int n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (rel2)
		n = snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s/%s",
			     run_dir, rel1, rel2);
	else
		n = snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s",
			     run_dir, rel1);
	return n < 0 || (size_t)n >= sizeof(sa->sun_path) ? -ENAMETOOLONG : 0;
}

static int connect_to(const struct sockaddr_un *sa)
{
	int fd, e;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
		e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static const char *dir_or_default(const char *run_dir, char *buf, size_t len)
{
	if (run_dir)
		return run_dir;
	return amp_client_run_dir(buf, len) ? NULL : buf;
}

/* Wait for fd to be ready for `events`; false on timeout. */
static bool wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r > 0;
}

int amp_client_request(const char *run_dir, const char *const *fields,
		       int nfields, char *resp, size_t resplen, char *err,
		       size_t errlen)
{
	char dirbuf[256], *req, *ans, *nl, *msg;
	struct sockaddr_un sa;
	size_t off = 0, n;
	ssize_t r;
	long code;
	int fd, i, ret;

	run_dir = dir_or_default(run_dir, dirbuf, sizeof(dirbuf));
	if (!run_dir || sock_path(&sa, run_dir, AMP_CLIENT_SOCK, NULL)) {
		seterr(err, errlen, "run directory path too long");
		return -ENAMETOOLONG;
	}
	req = malloc(AMP_CLIENT_REQ_MAX);
	ans = malloc(AMP_CLIENT_RESP_MAX + 1);
	if (!req || !ans) {
		free(req);
		free(ans);
		seterr(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < nfields; i++) {
		n = strlen(fields[i]);
		if (strchr(fields[i], '\n') ||
		    off + n + 1 > AMP_CLIENT_REQ_MAX) {
			seterr(err, errlen, "request field '%.40s' %s",
			       fields[i],
			       strchr(fields[i], '\n') ? "holds a newline"
						       : "too long");
			ret = -EINVAL;
			goto out;
		}
		memcpy(req + off, fields[i], n);
		off += n;
		req[off++] = '\n';
	}
	fd = connect_to(&sa);
	if (fd < 0) {
		ret = fd;
		seterr(err, errlen, "no ampkit daemon in %s (%s)", run_dir,
		       strerror(-fd));
		goto out;
	}
	r = send(fd, req, off ? off - 1 : 0, MSG_NOSIGNAL);
	if (r < 0) {
		ret = -errno;
		seterr(err, errlen, "daemon in %s: send: %s", run_dir,
		       strerror(errno));
		close(fd);
		goto out;
	}
	if (!wait_fd(fd, POLLIN, REQUEST_TIMEOUT_MS)) {
		ret = -ETIMEDOUT;
		seterr(err, errlen, "daemon in %s did not answer within %d s",
		       run_dir, REQUEST_TIMEOUT_MS / 1000);
		close(fd);
		goto out;
	}
	r = recv(fd, ans, AMP_CLIENT_RESP_MAX, 0);
	ret = r < 0 ? -errno : 0;
	close(fd);
	if (r <= 0) {
		if (!ret)
			ret = -ECONNRESET;
		seterr(err, errlen, "daemon in %s closed without answering",
		       run_dir);
		goto out;
	}
	ans[r] = '\0';
	nl = strchr(ans, '\n');
	if (nl)
		*nl++ = '\0';
	if (!strcmp(ans, "ok")) {
		if (resp && resplen)
			snprintf(resp, resplen, "%s", nl ? nl : "");
	} else if (!strncmp(ans, "error ", 6)) {
		code = strtol(ans + 6, &msg, 10);
		while (*msg == ' ')
			msg++;
		ret = code > 0 && code < 4096 ? -(int)code : -EPROTO;
		seterr(err, errlen, "%s", msg);
	} else {
		ret = -EPROTO;
		seterr(err, errlen, "daemon in %s: malformed answer '%.40s'",
		       run_dir, ans);
	}
out:
	free(req);
	free(ans);
	return ret;
}

/* Parse one line of the `channels` answer: name addr max path. */
static int parse_channel(const char *line, struct amp_client_channel *ch)
{
	unsigned addr, max;
	char name[33], path[109];

	if (sscanf(line, "%32s %x %u %108s", name, &addr, &max, path) != 4 ||
	    strlen(name) >= sizeof(ch->name) ||
	    strlen(path) >= sizeof(ch->path))
		return -1;
	memcpy(ch->name, name, strlen(name) + 1);
	memcpy(ch->path, path, strlen(path) + 1);
	ch->addr = addr;
	ch->max_payload = max;
	return 0;
}

int amp_client_channel_info(const char *run_dir, const char *rproc,
			    const char *channel, struct amp_client_channel *ch,
			    char *err, size_t errlen)
{
	const char *f[2] = { "channels",
			     rproc ? rproc : AMP_CLIENT_RPROC_DEFAULT };
	char *body, *line, *save = NULL;
	int ret;

	body = malloc(AMP_CLIENT_RESP_MAX);
	if (!body) {
		seterr(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = amp_client_request(run_dir, f, 2, body, AMP_CLIENT_RESP_MAX, err,
				 errlen);
	if (ret < 0)
		goto out;
	ret = -ENOENT;
	for (line = strtok_r(body, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!parse_channel(line, ch) && !strcmp(ch->name, channel)) {
			ret = 0;
			break;
		}
	}
	if (ret)
		seterr(err, errlen, "%s has not announced channel %s", f[1],
		       channel);
out:
	free(body);
	return ret;
}

/* The channel socket is missing or refused: ask the daemon why. */
static void explain(const char *run_dir, const char *rproc, const char *channel,
		    int e, char *err, size_t errlen)
{
	const char *f[2] = { "state", rproc };
	struct amp_client_channel ch;
	char state[64], why[200];
	int r;

	r = amp_client_request(run_dir, f, 2, state, sizeof(state), why,
			       sizeof(why));
	if (r < 0) {
		seterr(err, errlen, "%s", why);
		return;
	}
	state[strcspn(state, "\n")] = '\0';
	if (strcmp(state, "running"))
		seterr(err, errlen, "%s is %s: no channel %s", rproc, state,
		       channel);
	else if (!amp_client_channel_info(run_dir, rproc, channel, &ch, NULL,
					  0))
		/* announced, but a tty channel is a pty, not a socket */
		seterr(err, errlen,
		       "channel %s of %s is a tty, not a socket: open %s "
		       "(docs/tty.md)",
		       channel, rproc, ch.path);
	else
		seterr(err, errlen, "%s has not announced channel %s (%s)",
		       rproc, channel, strerror(e));
}

int amp_client_open(const char *run_dir, const char *rproc, const char *channel,
		    char *err, size_t errlen)
{
	char dirbuf[256];
	struct sockaddr_un sa;
	int fd;

	rproc = rproc ? rproc : AMP_CLIENT_RPROC_DEFAULT;
	run_dir = dir_or_default(run_dir, dirbuf, sizeof(dirbuf));
	if (!channel || !*channel || strchr(channel, '/') ||
	    strchr(rproc, '/')) {
		seterr(err, errlen, "bad channel or rproc name");
		return -EINVAL;
	}
	if (!run_dir || sock_path(&sa, run_dir, rproc, channel)) {
		seterr(err, errlen, "channel socket path too long");
		return -ENAMETOOLONG;
	}
	fd = connect_to(&sa);
	if (fd == -ENOENT || fd == -ECONNREFUSED)
		explain(run_dir, rproc, channel, -fd, err, errlen);
	else if (fd < 0)
		seterr(err, errlen, "%s: %s", sa.sun_path, strerror(-fd));
	return fd;
}

/* One message (recvmsg `flags`), with the first fd it carries in *pass
 * (-1: none; any others are closed). */
static ssize_t recv_fd(int fd, void *buf, size_t len, int flags, int *pass)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(4 * sizeof(int))];
	} c;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = c.space,
			    .msg_controllen = sizeof(c.space) };
	struct cmsghdr *cm;
	size_t i, nfd;
	int *fds;
	ssize_t r;

	*pass = -1;
	r = recvmsg(fd, &m, flags | MSG_CMSG_CLOEXEC);
	for (cm = CMSG_FIRSTHDR(&m); r >= 0 && cm; cm = CMSG_NXTHDR(&m, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		fds = (int *)(void *)CMSG_DATA(cm);
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			if (*pass < 0)
				*pass = fds[i];
			else
				close(fds[i]);
		}
	}
	return r;
}

ssize_t amp_client_recv(int fd, void *buf, size_t len, int flags)
{
	int pass;
	ssize_t r = recv_fd(fd, buf, len, flags, &pass);

	/* The daemon marks its notices with a passed fd: data from the
	 * firmware never carries one, so no payload is mistaken for one. */
	if (pass >= 0) {
		close(pass);
		errno = EMSGSIZE;
		return -1;
	}
	return r;
}

/* ---- shared buffers ---------------------------------------------------- */

int amp_client_sdb_open(const char *run_dir, const char *rproc, uint32_t count,
			uint32_t host_count, uint32_t size,
			struct amp_client_sdb *out, char *err, size_t errlen)
{
	struct amp_sdb_msg hello = { AMP_SDB_HELLO, host_count, count, size };
	uint8_t ans[sizeof(struct amp_client_sdb_hello) +
		    AMP_CLIENT_SDB_ERROR_MAX];
	struct amp_client_sdb_hello h;
	long page = sysconf(_SC_PAGESIZE);
	uint64_t delta;
	int fd, shm = -1, ret;
	ssize_t r;
	void *map;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	fd = amp_client_open(run_dir, rproc, AMP_SDB_NAME, err, errlen);
	if (fd < 0)
		return fd;
	/* A daemon that refuses at once (EBUSY) may have answered and shut
	 * the socket before the HELLO goes: then its answer says why. */
	if (send(fd, &hello, sizeof(hello), MSG_NOSIGNAL) < 0 &&
	    errno != EPIPE) {
		ret = -errno;
		seterr(err, errlen, "rpmsg-sdb: send: %s", strerror(errno));
		goto fail;
	}
	if (!wait_fd(fd, POLLIN, REQUEST_TIMEOUT_MS)) {
		ret = -ETIMEDOUT;
		seterr(err, errlen, "rpmsg-sdb: no answer within %d s",
		       REQUEST_TIMEOUT_MS / 1000);
		goto fail;
	}
	do
		r = recv_fd(fd, ans, sizeof(ans), 0, &shm);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		ret = -errno;
		seterr(err, errlen, "rpmsg-sdb: recv: %s", strerror(errno));
		goto fail;
	}
	if (r == 0) {
		ret = -ECONNRESET;
		seterr(err, errlen, "rpmsg-sdb: the daemon closed the socket");
		goto fail;
	}
	if ((size_t)r >= sizeof(struct amp_sdb_msg) &&
	    ((struct amp_sdb_msg *)(void *)ans)->type == AMP_CLIENT_SDB_ERROR) {
		struct amp_sdb_msg e;

		memcpy(&e, ans, sizeof(e));
		ret = e.index > 0 && e.index < 4096 ? -(int)e.index : -EPROTO;
		seterr(err, errlen, "rpmsg-sdb: %.*s",
		       (int)((size_t)r - sizeof(e)), (char *)ans + sizeof(e));
		goto fail;
	}
	memcpy(&h, ans, sizeof(h) <= (size_t)r ? sizeof(h) : (size_t)r);
	if ((size_t)r != sizeof(h) || shm < 0 || h.m.type != AMP_SDB_HELLO ||
	    h.m.index != host_count || h.m.offset != count ||
	    h.m.length != size || (uint64_t)count * size > h.pool_len) {
		ret = -EPROTO;
		seterr(err, errlen, "rpmsg-sdb: malformed answer to the HELLO");
		goto fail;
	}
	delta = h.pool_off % (uint64_t)page;
	map = mmap(NULL, (size_t)(h.pool_len + delta), PROT_READ | PROT_WRITE,
		   MAP_SHARED, shm, (off_t)(h.pool_off - delta));
	if (map == MAP_FAILED) {
		ret = -errno;
		seterr(err, errlen, "rpmsg-sdb: mmap: %s", strerror(errno));
		goto fail;
	}
	close(shm);
	out->fd = fd;
	out->map = map;
	out->map_len = (size_t)(h.pool_len + delta);
	out->pool = (uint8_t *)map + delta;
	out->pool_len = h.pool_len;
	out->count = count;
	out->host_count = host_count;
	out->size = size;
	return 0;
fail:
	if (shm >= 0)
		close(shm);
	close(fd);
	return ret;
}

void amp_client_sdb_close(struct amp_client_sdb *s)
{
	if (s->map)
		munmap(s->map, s->map_len);
	if (s->fd >= 0)
		close(s->fd);
	s->map = NULL;
	s->pool = NULL;
	s->fd = -1;
}

int amp_client_sdb_send(const struct amp_client_sdb *s, uint32_t type,
			uint32_t index, uint32_t offset, uint32_t length)
{
	struct amp_sdb_msg m = { type, index, offset, length };

	if (send(s->fd, &m, sizeof(m), MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

int amp_client_sdb_recv(const struct amp_client_sdb *s, struct amp_sdb_msg *m,
			int timeout_ms)
{
	uint8_t buf[sizeof(*m) + AMP_CLIENT_SDB_ERROR_MAX];
	int pass;
	ssize_t r;

	if (!wait_fd(s->fd, POLLIN, timeout_ms))
		return -ETIMEDOUT;
	do
		r = recv_fd(s->fd, buf, sizeof(buf), 0, &pass);
	while (r < 0 && errno == EINTR);
	if (pass >= 0)
		close(pass);
	if (r < 0)
		return -errno;
	if (r == 0)
		return 0;
	if ((size_t)r < sizeof(*m))
		return -EPROTO;
	memcpy(m, buf, sizeof(*m));
	return 1;
}
