/*
 * client.h - talking to a running `ampkit daemon` from another process:
 * its run directory, one request on its control socket, and opening a
 * coprocessor's RPMsg channel as a socket.
 *
 * A channel socket follows the /dev/rpmsgN contract (REFERENCE §7): one
 * write() is one RPMsg message of at most the channel's max payload, one
 * read() returns one message.  The daemon cannot make an oversized write()
 * fail by itself (the kernel accepts it), so it drops the message and
 * answers with a notice that amp_client_recv() turns into EMSGSIZE; a
 * program that checks the size first (amp_client_channel_info) never
 * sees one.  When the firmware stops or crashes the daemon closes every
 * connected socket: read() returns 0.  docs/daemon.md has the details.
 *
 * Linux only.  Functions return a file descriptor or 0 on success and a
 * negative errno on failure, with one line for people in err (may be
 * NULL).
 */
#ifndef AMPKIT_CLIENT_H
#define AMPKIT_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ampkit/sdb.h>

#define AMP_CLIENT_SOCK "ampkit.sock"
#define AMP_CLIENT_PIDFILE "ampkitd.pid"
#define AMP_CLIENT_LOG "ampkitd.log"
#define AMP_CLIENT_RUN_DIR_ENV "AMPKIT_RUN_DIR"
#define AMP_CLIENT_RPROC_DEFAULT "remoteproc0"

/* Largest control request and response (a response carries the trace). */
#define AMP_CLIENT_REQ_MAX 4096
#define AMP_CLIENT_RESP_MAX 65536

/* The run directory: $AMPKIT_RUN_DIR, else $XDG_RUNTIME_DIR/ampkit, else
 * /run/ampkit for root, else /tmp/ampkit-$UID.  0 or -ENAMETOOLONG. */
int amp_client_run_dir(char *buf, size_t len);

/* Send one request (fields[0] the verb, fields[1] usually the rproc name;
 * docs/daemon.md) and read the answer.  0 with the body (NUL-terminated)
 * in resp; the daemon's negative errno with its message in err; -ENOENT
 * or -ECONNREFUSED when no daemon listens in run_dir (NULL: default). */
int amp_client_request(const char *run_dir, const char *const *fields,
		       int nfields, char *resp, size_t resplen, char *err,
		       size_t errlen);

struct amp_client_channel {
	char name[32];
	uint32_t addr;	      /* the firmware's endpoint address */
	uint32_t max_payload; /* largest message one write() may carry */
	char path[108];	      /* the channel socket */
};

/* What the daemon knows about `channel` of `rproc` (NULL: remoteproc0):
 * -ENOENT with a reason in err if it is not announced. */
int amp_client_channel_info(const char *run_dir, const char *rproc,
			    const char *channel, struct amp_client_channel *ch,
			    char *err, size_t errlen);

/* Connect to the socket of `channel` (e.g. "rpmsg-raw") of `rproc`.
 * Returns a blocking, close-on-exec SOCK_SEQPACKET fd, or a negative
 * errno with the reason (no daemon, rproc offline, channel not
 * announced) in err. */
int amp_client_open(const char *run_dir, const char *rproc, const char *channel,
		    char *err, size_t errlen);

/* recv() for a channel socket: one message into buf (flags as recv's).
 * Returns its length (cut to len; MSG_TRUNC in flags: its full length),
 * 0 when the daemon closed the channel (firmware stopped or crashed), or
 * -1 with errno set; EMSGSIZE when the daemon dropped an earlier message
 * of this client for being larger than the channel's max payload. */
ssize_t amp_client_recv(int fd, void *buf, size_t len, int flags);

/*
 * Shared buffers through the daemon (docs/sdb.md, "Through the daemon"):
 * <run-dir>/<rproc>/rpmsg-sdb, one client at a time.  The client sends a
 * HELLO (struct amp_sdb_msg: index = host_count, offset = count, length
 * = size); the daemon answers with one struct amp_client_sdb_hello
 * carrying the shared memory's fd (SCM_RIGHTS), or with an ERROR and
 * end-of-file.  Then both ways carry struct amp_sdb_msg, one per
 * message: the client sends FILLED (one of the host's buffers, 0 ..
 * host_count-1, free) and RELEASE (a firmware buffer it was given); it
 * receives FILLED (a firmware buffer to read), RELEASE (a host buffer
 * is free again) and ERROR (a message of its was refused; nothing
 * changed).
 */
#define AMP_CLIENT_SDB_ERROR 0x100u

/* The daemon's answer to the HELLO: the layout back, and where the pool
 * is in the passed fd. */
struct amp_client_sdb_hello {
	struct amp_sdb_msg m; /* HELLO, the same layout */
	uint64_t pool_off;    /* the pool's offset in the fd */
	uint64_t pool_len;    /* bytes there (the carveout) */
};

/* An ERROR: m.index is a positive errno, m.offset and m.length the type
 * and index of the message refused (0 for the handshake); any bytes
 * after the 16 are a reason for people (not NUL-terminated). */
#define AMP_CLIENT_SDB_ERROR_MAX 256

struct amp_client_sdb {
	int fd;	       /* the socket: poll it for POLLIN */
	uint8_t *pool; /* buffer i at pool + i * size */
	uint32_t count, host_count, size;
	uint64_t pool_len;
	void *map; /* the mapping (page-aligned, may start before pool) */
	size_t map_len;
};

/* Connect to rpmsg-sdb of `rproc` (NULL: remoteproc0), ask for the
 * layout (count buffers of size bytes, the first host_count the host's,
 * i.e. the client's), and map the pool (MAP_SHARED, read-write).  0, or
 * a negative errno with the reason in err: the daemon's refusal (EBUSY:
 * another client has it; EINVAL: the layout does not fit; EPROTO: the
 * firmware refused it; ETIMEDOUT: no answer from the firmware), or no
 * channel. */
int amp_client_sdb_open(const char *run_dir, const char *rproc, uint32_t count,
			uint32_t host_count, uint32_t size,
			struct amp_client_sdb *out, char *err, size_t errlen);
/* Unmap and close: the daemon gives back what the client held. */
void amp_client_sdb_close(struct amp_client_sdb *s);

/* One message each way (send()/recv() of a struct amp_sdb_msg would do
 * the same).  send: 0 or -errno.  recv: 1 with *m set, 0 at end-of-file
 * (the firmware stopped or crashed), -errno (-ETIMEDOUT after
 * timeout_ms, < 0: wait forever). */
int amp_client_sdb_send(const struct amp_client_sdb *s, uint32_t type,
			uint32_t index, uint32_t offset, uint32_t length);
int amp_client_sdb_recv(const struct amp_client_sdb *s, struct amp_sdb_msg *m,
			int timeout_ms);

#endif
