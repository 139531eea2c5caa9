/*
 * remote.c - the firmware's half of the posix link: find the fds the host
 * passed, map the shared memory and check the control block before
 * anything in it is used.
 *
 * The host is a peer like any other: its control block is validated
 * (magic, version, table inside the window) and the table itself is left
 * to amp_rsc_table_check by the caller.  Host death is caught twice: the
 * liveness pipe reports it to wait(), and PR_SET_PDEATHSIG kills a
 * firmware that is busy and never waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ampkit/errno.h"
#include "ampkit/posix.h"

static int parse_list(const char *s, long *out, int n)
{
	for (int i = 0; i < n; i++) {
		char *end;

		errno = 0;
		out[i] = strtol(s, &end, 10);
		if (errno || end == s || out[i] < 0 || out[i] > 0x7fffffff)
			return -1;
		if (*end != (i == n - 1 ? '\0' : ','))
			return -1;
		s = end + 1;
	}
	return 0;
}

static int fail(char *err, size_t errlen, int code, const char *msg,
		const char *what)
{
	snprintf(err, errlen, "%s: %s%s%s", AMP_POSIX_ENV, msg,
		 what ? ": " : "", what ? what : "");
	return code;
}

static int check_ctrl(const struct amp_posix_remote *r, char *err,
		      size_t errlen)
{
	const struct amp_posix_ctrl *c = (const void *)r->shm.region.va;
	uint64_t size = r->shm.region.size;
	uint64_t off, len;

	if (size < AMP_POSIX_PAGE)
		return fail(err, errlen, -AMP_EINVAL,
			    "shared memory smaller than the control page",
			    NULL);
	if (AMP_LOAD(&c->magic) != AMP_POSIX_MAGIC)
		return fail(err, errlen, -AMP_EPROTO,
			    "bad control block magic (offset 0x0)", NULL);
	if (AMP_LOAD(&c->version) != AMP_POSIX_VERSION)
		return fail(err, errlen, -AMP_EPROTO,
			    "unsupported control block version (offset 0x4)",
			    NULL);
	off = AMP_LOAD(&c->rsc_offset);
	len = AMP_LOAD(&c->rsc_size);
	/* The table must not overlap the control block: the peer may
	 * write inbox words at any time. */
	if (off < sizeof(*c) || len < 16 || off > size || len > size - off ||
	    off % 4)
		return fail(err, errlen, -AMP_EINVAL,
			    "resource table outside the shared memory "
			    "(offset 0x8)",
			    NULL);
	return 0;
}

int amp_posix_remote_attach(struct amp_posix_remote *r, char *err,
			    size_t errlen)
{
	const char *env = getenv(AMP_POSIX_ENV);
	struct amp_posix_ctrl *c;
	long v[5];
	int ret;

	r->shm.fd = -1;
	r->shm.region.va = NULL;
	r->rsc = NULL;
	if (!env)
		return fail(err, errlen, -AMP_ENOENT, "not set", NULL);
	if (parse_list(env, v, 5))
		return fail(err, errlen, -AMP_EINVAL,
			    "expected shmfd,efd_in,efd_out,alivefd,hostpid",
			    env);
	for (int i = 0; i < 4; i++)
		if (fcntl((int)v[i], F_GETFD) < 0)
			return fail(err, errlen, -AMP_EINVAL, "fd not open",
				    env);
	/* Set before checking the parent, so a host dying in between is
	 * caught by one or the other. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != (pid_t)v[4])
		return fail(err, errlen, -AMP_EPIPE, "the host is already gone",
			    NULL);
	r->host_pid = (int)v[4];
	ret = amp_posix_shm_map_fd(&r->shm, (int)v[0]);
	if (ret)
		return fail(err, errlen, ret, "cannot map shared memory", NULL);
	ret = check_ctrl(r, err, errlen);
	if (ret) {
		amp_posix_shm_close(&r->shm);
		return ret;
	}
	c = (struct amp_posix_ctrl *)(void *)r->shm.region.va;
	r->rsc = r->shm.region.va + AMP_LOAD(&c->rsc_offset);
	r->rsc_size = AMP_LOAD(&c->rsc_size);
	amp_posix_port_init(&r->port, c, AMP_POSIX_REMOTE, (int)v[1], (int)v[2],
			    (int)v[3], AMP_LOAD(&c->spin_ns));
	/* The host's stop is a doorbell on the shutdown channel, as ST's
	 * IPCC channel 2. */
	r->port.exit_mask = 1u << AMP_POSIX_CH_SHUTDOWN;
	if (AMP_LOAD(&c->heartbeat_us)) {
		r->port.beat = &c->heartbeat;
		r->port.beat_ns = AMP_LOAD(&c->heartbeat_us) * 1000ull;
	}
	return 0;
}

void amp_posix_remote_detach(struct amp_posix_remote *r)
{
	amp_posix_shm_close(&r->shm);
	r->rsc = NULL;
}
