/*
 * mbox.c - the posix mailbox: an IPCC-like doorbell in shared memory with
 * an eventfd behind it, and peer liveness from a pipe.
 *
 * The fast path never enters the kernel: ringing sets a channel bit in the
 * peer's inbox, and the eventfd is written only if the peer said it is
 * going to sleep.  That is Dekker's handshake, so both halves need a full
 * barrier between their store and their load:
 *
 *   waiter:  sleeping = 1; MB; if (pending) return; ppoll(efd)
 *   ringer:  pending |= bit; MB; if (sleeping) write(efd)
 *
 * Whatever the interleaving, either the waiter sees the bit or the ringer
 * sees the waiter asleep and writes the eventfd, so no wake-up is lost.
 * A stale eventfd count only causes a spurious wake-up, which port.h
 * allows.  amp_posix_wait_fds() is the same wait with the caller's fds
 * added, for event loops (amp_rproc_run) that serve sockets too.
 */
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "ampkit/errno.h"
#include "ampkit/posix.h"

/* The core returns -AMP_Exxx; posix callers compare with -Exxx. */
AMP_STATIC_ASSERT(AMP_EPERM == EPERM, "EPERM");
AMP_STATIC_ASSERT(AMP_ENOENT == ENOENT, "ENOENT");
AMP_STATIC_ASSERT(AMP_EIO == EIO, "EIO");
AMP_STATIC_ASSERT(AMP_E2BIG == E2BIG, "E2BIG");
AMP_STATIC_ASSERT(AMP_ENOEXEC == ENOEXEC, "ENOEXEC");
AMP_STATIC_ASSERT(AMP_EAGAIN == EAGAIN, "EAGAIN");
AMP_STATIC_ASSERT(AMP_ENOMEM == ENOMEM, "ENOMEM");
AMP_STATIC_ASSERT(AMP_EFAULT == EFAULT, "EFAULT");
AMP_STATIC_ASSERT(AMP_EBUSY == EBUSY, "EBUSY");
AMP_STATIC_ASSERT(AMP_EEXIST == EEXIST, "EEXIST");
AMP_STATIC_ASSERT(AMP_ENODEV == ENODEV, "ENODEV");
AMP_STATIC_ASSERT(AMP_EINVAL == EINVAL, "EINVAL");
AMP_STATIC_ASSERT(AMP_ENOSPC == ENOSPC, "ENOSPC");
AMP_STATIC_ASSERT(AMP_EPIPE == EPIPE, "EPIPE");
AMP_STATIC_ASSERT(AMP_ERANGE == ERANGE, "ERANGE");
AMP_STATIC_ASSERT(AMP_EPROTO == EPROTO, "EPROTO");
AMP_STATIC_ASSERT(AMP_EBADMSG == EBADMSG, "EBADMSG");
AMP_STATIC_ASSERT(AMP_EOVERFLOW == EOVERFLOW, "EOVERFLOW");
AMP_STATIC_ASSERT(AMP_EMSGSIZE == EMSGSIZE, "EMSGSIZE");
AMP_STATIC_ASSERT(AMP_ENOBUFS == ENOBUFS, "ENOBUFS");
AMP_STATIC_ASSERT(AMP_ENOTSUP == ENOTSUP, "ENOTSUP");
AMP_STATIC_ASSERT(AMP_EADDRINUSE == EADDRINUSE, "EADDRINUSE");
AMP_STATIC_ASSERT(AMP_ENOTCONN == ENOTCONN, "ENOTCONN");
AMP_STATIC_ASSERT(AMP_ETIMEDOUT == ETIMEDOUT, "ETIMEDOUT");

#define SEQ __ATOMIC_SEQ_CST

static struct amp_posix_port *to_posix(struct amp_port *port)
{
	return AMP_CONTAINER_OF(port, struct amp_posix_port, port);
}

static void posix_notify(struct amp_port *port, uint32_t ch)
{
	struct amp_posix_port *p = to_posix(port);
	uint64_t one = 1;

	p->stats.notifies++;
	__atomic_fetch_or(&p->peer->pending, 1u << (ch & 31), SEQ);
	AMP_MB();
	if (!__atomic_load_n(&p->peer->sleeping, SEQ))
		return;
	p->stats.kicks++;
	/* Non-blocking: a full counter (never in practice) already means
	 * "wake up"; a dead peer is reported by wait(), not here. */
	if (write(p->peer_efd, &one, sizeof(one)) < 0)
		return;
}

static uint64_t posix_now_ns(struct amp_port *port)
{
	struct timespec ts;

	(void)port;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Take the doorbell: true if the peer rang since we last looked.  A
 * channel in exit_mask is remembered for good: it is a request, not a
 * wake-up. */
static int take_pending(struct amp_posix_port *p)
{
	uint32_t bits = __atomic_exchange_n(&p->own->pending, 0, SEQ);

	if (bits & p->exit_mask)
		p->exit_requested = 1;
	return bits != 0;
}

int amp_posix_exit_requested(struct amp_posix_port *p)
{
	if (!p->exit_requested && (AMP_LOAD(&p->own->pending) & p->exit_mask))
		p->exit_requested = 1;
	return p->exit_requested;
}

void amp_posix_heartbeat(struct amp_posix_port *p)
{
	uint64_t now;

	if (!p->beat)
		return;
	now = posix_now_ns(&p->port);
	if (now < p->next_beat)
		return;
	/* Only the remote writes it; the host only compares. */
	AMP_STORE(p->beat, AMP_LOAD(p->beat) + 1);
	p->next_beat = now + p->beat_ns;
}

static void drain(int efd)
{
	uint64_t v;

	if (read(efd, &v, sizeof(v)) < 0)
		return; /* EAGAIN: a concurrent drain got it; harmless */
}

int amp_posix_wait_fds(struct amp_posix_port *p, struct pollfd *user, int nuser,
		       uint64_t deadline)
{
	struct pollfd fds[2 + AMP_POSIX_WAIT_MAX_FDS];
	int r = 0, woke = 0, gone = 0;

	if (nuser < 0 || nuser > AMP_POSIX_WAIT_MAX_FDS || (nuser && !user))
		return -AMP_EINVAL;
	fds[0] = (struct pollfd){ .fd = p->own_efd, .events = POLLIN };
	/* events 0: only hang-up/error are reported, so bytes a peer might
	 * write into the pipe are never mistaken for death */
	fds[1] = (struct pollfd){ .fd = p->alive_fd, .events = 0 };
	for (int i = 0; i < nuser; i++) {
		fds[2 + i] = user[i];
		fds[2 + i].revents = 0;
	}
	amp_posix_heartbeat(p);
	__atomic_store_n(&p->own->sleeping, 1, SEQ);
	AMP_MB();
	if (take_pending(p))
		woke = AMP_POSIX_WOKE_BELL;
	else
		p->stats.sleeps++;
	for (;;) {
		struct timespec ts, *tsp = NULL;
		uint64_t now = posix_now_ns(&p->port), until = deadline;

		/* A remote blocked here is waiting, not hung: keep beating. */
		if (p->beat && p->next_beat < until)
			until = p->next_beat;
		if (woke || p->exit_requested)
			until = now;
		if (until != AMP_DEADLINE_NEVER) {
			uint64_t left = until > now ? until - now : 0;

			ts.tv_sec = (time_t)(left / 1000000000ull);
			ts.tv_nsec = (long)(left % 1000000000ull);
			tsp = &ts;
		}
		r = ppoll(fds, (nfds_t)(2 + nuser), tsp, NULL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0) {
			if (fds[0].revents & POLLIN) {
				drain(p->own_efd);
				woke |= AMP_POSIX_WOKE_BELL;
			}
			if (fds[1].revents & (POLLHUP | POLLERR | POLLNVAL))
				gone = 1;
			for (int i = 0; i < nuser; i++)
				if (fds[2 + i].revents)
					woke |= AMP_POSIX_WOKE_FDS;
		}
		/* ppoll may round the timeout down; only the clock says the
		 * deadline has passed. */
		if (r < 0 || woke || gone || p->exit_requested || !tsp ||
		    posix_now_ns(&p->port) >= deadline)
			break;
		amp_posix_heartbeat(p);
	}
	__atomic_store_n(&p->own->sleeping, 0, SEQ);
	if (take_pending(p))
		woke |= AMP_POSIX_WOKE_BELL;
	for (int i = 0; i < nuser; i++)
		user[i].revents = fds[2 + i].revents;
	if (r < 0 && !woke && !gone)
		return -AMP_EIO;
	if (gone || p->exit_requested)
		woke |= AMP_POSIX_WOKE_GONE;
	return woke;
}

static int posix_wait(struct amp_port *port, uint64_t deadline)
{
	struct amp_posix_port *p = to_posix(port);
	int r = amp_posix_wait_fds(p, NULL, 0, deadline);

	if (r < 0)
		return r;
	if (p->exit_requested)
		return -AMP_EPIPE;
	/* A message sent just before the peer died must still be seen:
	 * the doorbell wins over the hang-up. */
	if (r & AMP_POSIX_WOKE_BELL)
		return 0;
	if (r & AMP_POSIX_WOKE_GONE)
		return -AMP_EPIPE;
	return -AMP_ETIMEDOUT;
}

static const struct amp_port_ops posix_port_ops = {
	.notify = posix_notify,
	.wait = posix_wait,
	.now_ns = posix_now_ns,
};

void amp_posix_port_init(struct amp_posix_port *p, struct amp_posix_ctrl *ctrl,
			 enum amp_posix_side side, int own_efd, int peer_efd,
			 int alive_fd, uint32_t spin_ns)
{
	p->port.ops = &posix_port_ops;
	p->port.spin_ns = spin_ns;
	p->own = &ctrl->inbox[side];
	p->peer = &ctrl->inbox[side == AMP_POSIX_HOST ? AMP_POSIX_REMOTE
						      : AMP_POSIX_HOST];
	p->own_efd = own_efd;
	p->peer_efd = peer_efd;
	p->alive_fd = alive_fd;
	p->exit_mask = 0;
	p->exit_requested = 0;
	p->beat = NULL;
	p->beat_ns = 0;
	p->next_beat = 0;
	p->stats = (struct amp_posix_port_stats){ 0 };
}
