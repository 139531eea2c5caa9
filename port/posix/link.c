/*
 * link.c - everything two processes need to talk on the posix platform,
 * created by the host before it launches the firmware: the shared memory
 * with its control block, one eventfd per inbox, and the liveness pipe.
 *
 * All fds are close-on-exec; the launcher hands the remote's four to the
 * firmware at fixed numbers and nothing else leaks.  The liveness pipe
 * only works if each end has exactly one holder, hence drop_side().
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ampkit/posix.h"

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int amp_posix_link_create(struct amp_posix_link *l, uint64_t size)
{
	int pfd[2], r;

	l->ctrl = NULL;
	l->efd[0] = l->efd[1] = l->alive_rd = l->alive_wr = -1;
	r = amp_posix_shm_create(&l->shm, size);
	if (r)
		return r;
	if (size < AMP_POSIX_PAGE) {
		r = -EINVAL;
		goto fail;
	}
	for (int i = 0; i < 2; i++) {
		l->efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (l->efd[i] < 0) {
			r = -errno;
			goto fail;
		}
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		r = -errno;
		goto fail;
	}
	l->alive_rd = pfd[0];
	l->alive_wr = pfd[1];
	l->ctrl = (struct amp_posix_ctrl *)(void *)l->shm.region.va;
	l->ctrl->magic = AMP_POSIX_MAGIC;
	l->ctrl->version = AMP_POSIX_VERSION;
	return 0;
fail:
	amp_posix_link_destroy(l);
	return r;
}

void amp_posix_link_port(struct amp_posix_link *l, enum amp_posix_side side,
			 struct amp_posix_port *p, uint32_t spin_ns)
{
	int other = side == AMP_POSIX_HOST ? AMP_POSIX_REMOTE : AMP_POSIX_HOST;

	amp_posix_port_init(p, l->ctrl, side, l->efd[side], l->efd[other],
			    side == AMP_POSIX_HOST ? l->alive_rd : l->alive_wr,
			    spin_ns);
}

void amp_posix_link_drop_side(struct amp_posix_link *l,
			      enum amp_posix_side other)
{
	close_fd(other == AMP_POSIX_REMOTE ? &l->alive_wr : &l->alive_rd);
}

void amp_posix_link_destroy(struct amp_posix_link *l)
{
	close_fd(&l->efd[0]);
	close_fd(&l->efd[1]);
	close_fd(&l->alive_rd);
	close_fd(&l->alive_wr);
	amp_posix_shm_close(&l->shm);
	l->ctrl = NULL;
}
