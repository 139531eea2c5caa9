/*
 * rproc_process.c - the posix backend of amp_rproc: the "coprocessor" is
 * the firmware executable run as a child process over a posix link.
 *
 * Launch is amp_spawn (spawn.c): the child gets exactly four fds at fixed
 * numbers (3 shm, 4 its eventfd, 5 the host's eventfd, 6 the liveness
 * pipe's write end) and the AMPKIT_POSIX_LINK variable naming them.  The
 * child is always reaped with waitpid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rproc_internal.h"

#define CHILD_FD_SHM 3 /* then its eventfd, the host's, the liveness pipe */

extern char **environ;

struct process {
	struct amp_posix_link link;
	struct amp_posix_port port;
	struct amp_child child;
};

static struct process *proc(const struct amp_rproc *rp)
{
	return rp->backend;
}

static int process_prepare(struct amp_rproc *rp, uint64_t size)
{
	struct process *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return amp_rproc_fail(rp, -AMP_ENOMEM, "out of memory");
	r = amp_posix_link_create(&p->link, size);
	if (r) {
		free(p);
		return amp_rproc_fail(rp, r,
				      "cannot create %llu bytes of shared "
				      "memory: %s",
				      (unsigned long long)size, strerror(-r));
	}
	amp_posix_link_port(&p->link, AMP_POSIX_HOST, &p->port, rp->spin_ns);
	p->child.pid = -1;
	p->child.pidfd = -1;
	rp->backend = p;
	rp->shm = p->link.shm.region;
	rp->port = &p->port.port;
	return 0;
}

static void process_unprepare(struct amp_rproc *rp)
{
	struct process *p = proc(rp);

	if (!p)
		return;
	amp_posix_link_destroy(&p->link);
	free(p);
	rp->backend = NULL;
	rp->port = NULL;
	rp->shm = (struct amp_region){ 0 };
}

/* The host's environment without any stale link variable, plus ours. */
static char **child_env(char *link_var)
{
	size_t n = 0, len = strlen(AMP_POSIX_ENV);
	char **env;

	while (environ && environ[n])
		n++;
	env = malloc((n + 2) * sizeof(*env));
	if (!env)
		return NULL;
	n = 0;
	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, AMP_POSIX_ENV, len) || (*e)[len] != '=')
			env[n++] = *e;
	env[n++] = link_var;
	env[n] = NULL;
	return env;
}

static int process_start(struct amp_rproc *rp)
{
	struct process *p = proc(rp);
	struct amp_posix_link *l = &p->link;
	char link_var[96];
	char *argv[] = { rp->firmware, NULL };
	char **envp;
	int src[4] = { l->shm.fd, l->efd[AMP_POSIX_REMOTE],
		       l->efd[AMP_POSIX_HOST], l->alive_wr };
	struct amp_spawn sp;
	int r;

	l->ctrl->rsc_offset = rp->rsc_offset;
	l->ctrl->rsc_size = rp->rsc_size;
	l->ctrl->spin_ns = rp->spin_ns;
	/* Beat four times per period, so one late beat is not a hang. */
	l->ctrl->heartbeat_us = (uint32_t)(rp->heartbeat_ns / 4000 > UINT32_MAX
						   ? UINT32_MAX
						   : rp->heartbeat_ns / 4000);
	if (!l->ctrl->heartbeat_us)
		l->ctrl->heartbeat_us = 1;
	l->ctrl->heartbeat = 0;
	rp->beat = &l->ctrl->heartbeat;
	snprintf(link_var, sizeof(link_var), "%s=%d,%d,%d,%d,%d", AMP_POSIX_ENV,
		 CHILD_FD_SHM, CHILD_FD_SHM + 1, CHILD_FD_SHM + 2,
		 CHILD_FD_SHM + 3, (int)getpid());
	envp = child_env(link_var);
	if (!envp)
		return amp_rproc_fail(rp, -AMP_ENOMEM, "out of memory");
	sp = (struct amp_spawn){ .path = rp->firmware,
				 .argv = argv,
				 .envp = envp,
				 .fds = src,
				 .nfds = 4,
				 .out_fd = -1 };
	r = amp_child_spawn(&p->child, &sp);
	free(envp);
	if (r)
		return amp_rproc_fail(rp, r, "%s: cannot execute: %s",
				      rp->firmware, strerror(-r));
	/* The child holds the only write end now: its death is our HUP. */
	amp_posix_link_drop_side(l, AMP_POSIX_REMOTE);
	return 0;
}

static void describe_exit(struct amp_rproc *rp, int st)
{
	if (st < 0)
		snprintf(rp->exit_msg, sizeof(rp->exit_msg),
			 "firmware exited (status unknown)");
	else if (WIFSIGNALED(st))
		snprintf(rp->exit_msg, sizeof(rp->exit_msg),
			 "firmware killed by signal %d (%s)", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
	else
		snprintf(rp->exit_msg, sizeof(rp->exit_msg),
			 "firmware exited with status %d", WEXITSTATUS(st));
}

/* The shutdown request (or the hang-up) was the asking; after grace_ns
 * the core is "reset": SIGKILL, as ST's driver resets the M4. */
static void process_stop(struct amp_rproc *rp, uint64_t grace_ns)
{
	struct process *p = proc(rp);

	if (!p || p->child.pid <= 0)
		return;
	amp_child_reap_within(&p->child, grace_ns);
	amp_child_end(&p->child);
	describe_exit(rp, p->child.status);
	rp->exit_clean = p->child.status >= 0 && WIFEXITED(p->child.status) &&
			 WEXITSTATUS(p->child.status) == 0;
}

static bool process_is_alive(struct amp_rproc *rp)
{
	struct process *p = proc(rp);

	return p && p->child.pid > 0 && !amp_child_reap(&p->child, WNOHANG);
}

static int process_wait_fds(struct amp_rproc *rp, struct pollfd *fds, int nfds,
			    uint64_t deadline)
{
	struct process *p = proc(rp);

	return amp_posix_wait_fds(&p->port, fds, nfds, deadline);
}

static int process_pid(const struct amp_rproc *rp)
{
	struct process *p = proc(rp);

	return p && p->child.pid > 0 ? p->child.pid : -1;
}

static int process_shm_fd(const struct amp_rproc *rp)
{
	const struct process *p = proc(rp);

	return p ? p->link.shm.fd : -1;
}

const struct amp_rproc_ops amp_rproc_process_ops = {
	.name = "posix",
	.pa_base = AMP_POSIX_PA_BASE,
	.max_size = AMP_POSIX_SHM_MAX,
	.image_base = AMP_POSIX_IMAGE_BASE,
	.image_size = AMP_POSIX_IMAGE_SIZE,
	.prepare = process_prepare,
	.start = process_start,
	.stop = process_stop,
	.is_alive = process_is_alive,
	.pid = process_pid,
	.wait_fds = process_wait_fds,
	.unprepare = process_unprepare,
	.shm_fd = process_shm_fd,
};
