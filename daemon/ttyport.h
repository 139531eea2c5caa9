/*
 * ttyport.h - one rpmsg tty channel ("rpmsg-tty", "rpmsg-tty-channel")
 * exposed by the daemon as a pseudo-terminal, like /dev/ttyRPMSGn on the
 * board: a vuart on the host side, a pty master, and the symlink
 * <dir>/ttyRPMSG<n> to the pty's /dev/pts/N.  Used by the coprocessor's
 * thread only (the vuart under it is single-threaded).  docs/tty.md.
 */
#ifndef AMPKIT_DAEMON_TTYPORT_H
#define AMPKIT_DAEMON_TTYPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct amp_rpmsg_dev;
struct amp_ttyport;

/* Where the port reports what a person should know (tty up/down, the
 * peer breaking the flow-control protocol): one line, no newline. */
typedef void (*amp_ttyport_log_fn)(void *priv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* True for the channel names the daemon bridges to a pty. */
bool amp_ttyport_is_tty(const char *channel);

/*
 * Bridge channel `name` announced at `addr` on `dev`: open the vuart, the
 * pty (raw mode; the settings a client makes outlive its close), a watch
 * on the slave's opens, and the symlink <dir>/ttyRPMSG<n>.  When the
 * tty's last client closes, a firmware that negotiated credits gets a
 * CLOSED control message after that client's last byte (vuart.h).  NULL
 * with one line in why on failure.
 */
struct amp_ttyport *amp_ttyport_open(struct amp_rpmsg_dev *dev,
				     const char *name, uint32_t addr,
				     const char *dir, int n,
				     amp_ttyport_log_fn log, void *log_priv,
				     char *why, size_t len);

/* Hang up (an attached client's read() returns 0, its write() EIO, poll
 * POLLHUP, as a serial port that lost carrier), remove the symlink and
 * close the vuart.  Call it while the rpmsg device is still the one the
 * port was opened on (before a recovery re-creates it).  It may run from
 * inside a message the port's own calls delivered (a channel withdrawn),
 * so the memory stays, and every call below does nothing, until
 * amp_ttyport_free(), which hangs up first if need be. */
void amp_ttyport_hangup(struct amp_ttyport *t);
void amp_ttyport_free(struct amp_ttyport *t);

/* The pty master to poll and the events the port waits for now, asked
 * before every poll: -1 while no client has the tty open (a master
 * without a slave polls hung up, always). */
int amp_ttyport_fd(const struct amp_ttyport *t);
short amp_ttyport_events(const struct amp_ttyport *t);

/* The master was ready (revents from poll; POLLHUP: the last client
 * closed the tty). */
void amp_ttyport_io(struct amp_ttyport *t, short revents);

/* The watch on the slave's opens (inotify), to poll for POLLIN: -1 if
 * there is none.  When it is readable, amp_ttyport_watch_io. */
int amp_ttyport_watch_fd(const struct amp_ttyport *t);
void amp_ttyport_watch_io(struct amp_ttyport *t);

/* After the rpmsg device delivered messages (data, credits): move what
 * can move now, without waiting, send a grant left due, and report
 * protocol errors the vuart counted.  Returns true if the port waits for
 * a free tx buffer (not credit): the caller's loop must then wake when
 * one is released. */
bool amp_ttyport_pump(struct amp_ttyport *t);

/* Whether bytes went through the pty since the last call: more are
 * likely ready, so the caller's next turn should not block or spin. */
bool amp_ttyport_moved(struct amp_ttyport *t);

int amp_ttyport_index(const struct amp_ttyport *t);
const char *amp_ttyport_link(const struct amp_ttyport *t); /* symlink */
const char *amp_ttyport_pts(const struct amp_ttyport *t);  /* /dev/pts/N */

#endif
