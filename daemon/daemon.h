/*
 * daemon.h - `ampkit daemon` as a library call, so the CLI (tools/) can
 * run it in the foreground or after detaching, and tests can find the
 * same entry point.  The protocol it speaks is in docs/daemon.md and its
 * client side in include/ampkit/client.h.
 */
#ifndef AMPKIT_DAEMON_H
#define AMPKIT_DAEMON_H

#include <stdbool.h>

struct amp_daemon_opts {
	const char *run_dir; /* created if missing */
	bool foreground;     /* also log to stderr */
	/* Written once the control socket listens ("ok\n") or setup failed
	 * ("error <errno> <message>\n"), then closed; -1: none. */
	int ready_fd;
	/* After traffic, how long an rproc thread keeps turning without
	 * blocking before it sleeps (0: never spins beyond the rproc's
	 * own spin on the rings). */
	unsigned long long spin_ns;
};

/* Run until SIGTERM, SIGINT or a `shutdown` request; every coprocessor
 * is stopped and every socket removed before it returns.  0 on a clean
 * exit, 1 if setup failed (reported on ready_fd and stderr), 3 if another
 * daemon already serves run_dir. */
int amp_daemon_run(const struct amp_daemon_opts *o);

#define AMP_DAEMON_EXIT_BUSY 3

#endif
