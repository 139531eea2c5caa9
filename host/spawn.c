/*
 * spawn.c - start a coprocessor's program (the native firmware, or QEMU
 * for an emulated core) as a child with exactly the fds it is meant to
 * have: the backends' one way of launching.
 *
 * Everything is prepared before the fork (the host may have threads, so
 * the child only makes async-signal-safe calls).  The child gets the
 * given fds at 3, 4, ..., optionally one fd as stdout and stderr (and
 * /dev/null as stdin), its own process group (a terminal's ^C goes to the
 * host, which then stops it), and SIGKILL if the host dies.  An exec
 * failure comes back through a close-on-exec pipe, so "cannot execute" is
 * reported by the start, not seen later as a crash.  struct amp_child
 * keeps the rest of the child's life: a pidfd to wait on, and the reap.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rproc_internal.h"

#define CHILD_FD_FIRST 3
#define CHILD_FD_SCRATCH 32 /* above every fixed number */

/* Only async-signal-safe calls from here to execve. */
static __attribute__((noreturn)) void child(const struct amp_spawn *s,
					    pid_t parent, int errfd, int null)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	int tmp[AMP_SPAWN_MAX_FDS], last, e;
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	sigaction(SIGTERM, &dfl, NULL);
	sigaction(SIGPIPE, &dfl, NULL);
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	/* Move every source out of the way first, so no dup2 onto 3.. can
	 * clobber one not yet placed. */
	errfd = fcntl(errfd, F_DUPFD_CLOEXEC, CHILD_FD_SCRATCH);
	if (errfd < 0)
		_exit(127);
	for (int i = 0; i < s->nfds; i++)
		if ((tmp[i] = fcntl(s->fds[i], F_DUPFD, CHILD_FD_SCRATCH)) < 0)
			goto fail;
	if (s->out_fd >= 0) {
		int out = fcntl(s->out_fd, F_DUPFD, CHILD_FD_SCRATCH);

		if (out < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 ||
		    dup2(out, 2) < 0)
			goto fail;
	}
	for (int i = 0; i < s->nfds; i++)
		if (dup2(tmp[i], CHILD_FD_FIRST + i) < 0)
			goto fail;
	last = CHILD_FD_FIRST + s->nfds;
	if (dup3(errfd, last, O_CLOEXEC) < 0)
		goto fail;
	errfd = last;
#ifdef SYS_close_range
	/* Nothing else of the host's leaks in, even fds it opened without
	 * O_CLOEXEC. */
	syscall(SYS_close_range, last + 1, ~0u, 0);
#endif
	execve(s->path, s->argv, s->envp);
fail:
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

int amp_spawn(const struct amp_spawn *s, int *child_errno)
{
	int errpipe[2], null = -1;
	pid_t parent = getpid(), pid;
	ssize_t n;

	*child_errno = 0;
	if (s->nfds < 0 || s->nfds > AMP_SPAWN_MAX_FDS) {
		*child_errno = EINVAL;
		return -1;
	}
	if (s->out_fd >= 0 &&
	    (null = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		*child_errno = errno;
		return -1;
	}
	if (pipe2(errpipe, O_CLOEXEC) < 0) {
		*child_errno = errno;
		if (null >= 0)
			close(null);
		return -1;
	}
	pid = fork();
	if (pid == 0)
		child(s, parent, errpipe[1], null);
	*child_errno = pid < 0 ? errno : 0;
	close(errpipe[1]);
	if (null >= 0)
		close(null);
	if (pid > 0) {
		do
			n = read(errpipe[0], child_errno, sizeof(*child_errno));
		while (n < 0 && errno == EINTR);
		if (n > 0) {
			int st;

			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			pid = -1;
		} else {
			*child_errno = 0;
		}
	}
	close(errpipe[0]);
	return pid;
}

int amp_child_spawn(struct amp_child *c, const struct amp_spawn *s)
{
	int child_errno;
	int pid = amp_spawn(s, &child_errno);

	c->pid = -1;
	c->pidfd = -1;
	c->status = -1;
	c->reaped = false;
	if (pid < 0)
		return -child_errno;
	c->pid = pid;
#ifdef SYS_pidfd_open
	c->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (c->pidfd >= 0)
		fcntl(c->pidfd, F_SETFD, FD_CLOEXEC);
#endif
	return 0;
}

bool amp_child_reap(struct amp_child *c, int flags)
{
	int st, r;

	if (c->reaped || c->pid <= 0)
		return true;
	do
		r = waitpid(c->pid, &st, flags);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return false;
	/* ECHILD: someone else reaped it (SIGCHLD ignored); it is gone */
	c->status = r > 0 ? st : -1;
	c->reaped = true;
	return true;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool amp_child_reap_within(struct amp_child *c, uint64_t ns)
{
	uint64_t end = mono_ns() + ns;

	for (;;) {
		uint64_t now;
		struct timespec ts;

		if (amp_child_reap(c, WNOHANG))
			return true;
		now = mono_ns();
		if (now >= end)
			return false;
		ts.tv_sec = (time_t)((end - now) / 1000000000ull);
		ts.tv_nsec = (long)((end - now) % 1000000000ull);
		if (c->pidfd >= 0) {
			struct pollfd pfd = { .fd = c->pidfd,
					      .events = POLLIN };

			ppoll(&pfd, 1, &ts, NULL);
		} else {
			/* No pidfd (kernel < 5.3): only on the stop path */
			struct timespec ms = { 0, 1000000 };

			nanosleep(&ms, NULL);
		}
	}
}

void amp_child_end(struct amp_child *c)
{
	if (c->pid > 0 && !amp_child_reap(c, WNOHANG)) {
		kill(c->pid, SIGKILL);
		amp_child_reap(c, 0);
	}
	if (c->pidfd >= 0)
		close(c->pidfd);
	c->pidfd = -1;
	c->pid = -1;
}
