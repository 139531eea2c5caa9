/*
 * bench.h - the benchmark library behind `ampkit bench`: the seed's test
 * client over interchangeable transports, the machine's floors, the
 * statistics and the report writers (terminal table, JSON, SVG).
 *
 * The client only knows "send one message" and "receive one message by a
 * deadline", so the same code measures the in-process RPMsg endpoint, the
 * socketpair baseline and a tty; a difference in the figures is then the
 * transport's, not the client's.  Times are CLOCK_MONOTONIC nanoseconds.
 */
#ifndef AMPKIT_BENCH_H
#define AMPKIT_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

uint64_t amp_bench_now_ns(void);

/* ---- statistics ---------------------------------------------------- */

struct amp_bench_stats {
	uint32_t n;
	uint64_t min_ns;
	uint64_t median_ns; /* mean of the two middle samples when n is even */
	uint64_t p99_ns;    /* nearest rank: sample ceil(0.99 n) in order */
	uint64_t max_ns;
};

/* Sorts samples[0..n) in place.  n == 0 gives all zeros. */
void amp_bench_stats(uint64_t *samples, uint32_t n, struct amp_bench_stats *st);

/* ---- transports ---------------------------------------------------- */

struct amp_bench_xport;

struct amp_bench_xport_ops {
	/* Send one message of len <= max_msg bytes; may wait for room until
	 * deadline.  0 or a negative errno. */
	int (*send)(struct amp_bench_xport *x, const void *msg, uint32_t len,
		    uint64_t deadline);
	/* Receive one message into buf (cap bytes; longer ones are cut).
	 * Returns its full length, or a negative errno (-ETIMEDOUT at the
	 * deadline, -EPIPE if the peer is gone).  A stream transport has
	 * no messages: it returns cap once exactly cap bytes arrived, so
	 * its caller passes the size of the reply it expects. */
	int (*recv)(struct amp_bench_xport *x, void *buf, uint32_t cap,
		    uint64_t deadline);
	void (*close)(struct amp_bench_xport *x);
};

struct amp_bench_xport {
	const struct amp_bench_xport_ops *ops;
	uint32_t max_msg; /* largest message send accepts */
	bool stream;	  /* a byte stream (tty): no message boundaries */
	bool broken;	  /* a test timed out: the peer's state is unknown */
	/* Pause between the blocks of a test (not before the first, nor
	 * before the ack), 0: none; see run.c, tty+log. */
	uint64_t block_gap_ns;
};

static inline void amp_bench_xport_close(struct amp_bench_xport *x)
{
	if (x)
		x->ops->close(x);
}

/* The child side of a socketpair transport: serve messages on fd until
 * the parent closes it.  Returns the child's exit status. */
typedef int (*amp_bench_serve_fn)(int fd, uint32_t max_msg);

int amp_bench_serve_resp(int fd, uint32_t max_msg); /* seed responder */
int amp_bench_serve_echo(int fd, uint32_t max_msg);

/* A SOCK_SEQPACKET socketpair to a forked child running serve().  NULL on
 * failure with a message in err. */
struct amp_bench_xport *amp_bench_sock_open(amp_bench_serve_fn serve,
					    uint32_t max_msg, char *err,
					    size_t errlen);

/* An RPMsg endpoint in this process bound to the channel the firmware of
 * a running rproc announced as `channel` (waits up to timeout_ns). */
struct amp_rproc;
struct amp_bench_xport *amp_bench_rpmsg_open(struct amp_rproc *rp,
					     const char *channel,
					     uint64_t timeout_ns, char *err,
					     size_t errlen);

/* A channel socket of a running `ampkit daemon` (run_dir NULL: the
 * default; rproc NULL: remoteproc0).  recv() polls without blocking for
 * spin_ns before it sleeps. */
struct amp_bench_xport *amp_bench_daemon_open(const char *run_dir,
					      const char *rproc,
					      const char *channel,
					      uint64_t spin_ns, char *err,
					      size_t errlen);

/* A tty's max_msg: the largest block of any matrix, so each block is one
 * write() as the seed's client wrote it. */
#define AMP_BENCH_TTY_WRITE_MAX (1u << 20)

/* A terminal device (a pty, /dev/ttyRPMSG0, a serial port) in raw mode,
 * flushed; baud 0 leaves the speed alone.  NULL with a message naming
 * path in err. */
struct amp_bench_xport *amp_bench_tty_open(const char *path, uint32_t baud,
					   char *err, size_t errlen);
bool amp_bench_tty_baud_ok(uint32_t baud); /* a termios speed */

/* The pty-pair baseline: a stream transport writing a pty master whose
 * raw slave a forked child reads with serve(). */
struct amp_bench_xport *amp_bench_ptypair_open(amp_bench_serve_fn serve,
					       char *err, size_t errlen);

/* A pty whose master a forked child serves with serve() (keeping a slave
 * open so the master never sees a hangup); the slave's path, raw, goes to
 * path for the caller to open.  The child's pid, or -1 with err set. */
pid_t amp_bench_pty_serve(amp_bench_serve_fn serve, char *path, size_t pathlen,
			  char *err, size_t errlen);
void amp_bench_pty_stop(pid_t child); /* kill and reap */

/* The seed responder on a stream descriptor (read/write, any cuts). */
int amp_bench_serve_stream_resp(int fd, uint32_t max_msg);

/* ---- client ---------------------------------------------------------- */

struct amp_bench_result {
	const char *platform; /* "posix" (NULL too), "qemu-m4" */
	const char *mode;     /* "raw", "socketpair", "pingpong", ... */
	const char *matrix;   /* "seed", "extended", "stream", "pingpong" */
	uint32_t buf_size;    /* bytes per buffer incl. any transport header */
	uint32_t vring_num;   /* 0: not a vring transport */
	uint32_t msg_max;     /* largest message payload used */
	uint32_t block;
	uint32_t blocks;
	uint64_t total; /* bytes per repetition */
	uint64_t msgs;	/* messages sent per repetition */
	uint32_t reps;	/* repetitions measured */
	struct amp_bench_stats st;
	double bytes_per_s; /* total / median */
	double msgs_per_s;  /* msgs / median */
	double seed_ms;	    /* the seed's own figure, 0 if none */
	double vs_inproc;   /* daemon rows: median / the paired in-process
			       row's median, measured just before; 0: none */
	uint32_t log_baud;  /* the firmware emulated the seed's debug-UART
			       logging at this baud (--seed-compare); 0: no */
	bool ok;
	char why[128]; /* what went wrong when !ok */
};

/* The summary of a result's n timed repetitions (samples sorted in
 * place), and its rates from total and msgs. */
void amp_bench_result_timed(struct amp_bench_result *res, uint64_t *samples,
			    uint32_t n);

/* One seed test: `reps` repetitions of (block, blocks) after one
 * unmeasured warm-up (if warmup).  Fills res (mode, matrix and the buffer
 * fields are the caller's).  Returns 0, or -1 if any repetition failed. */
int amp_bench_run_test(struct amp_bench_xport *x, uint32_t block,
		       uint32_t blocks, uint32_t reps, bool warmup,
		       uint64_t timeout_ns, struct amp_bench_result *res);

/* The same test on two transports, repetition by repetition (a, b, a,
 * b, ...), so both see the same moments of a machine whose load moves:
 * for a ratio of the two.  A transport that fails stops; the other goes
 * on.  0 if both are ok, else -1. */
int amp_bench_run_test_pair(struct amp_bench_xport *a,
			    struct amp_bench_xport *b, uint32_t block,
			    uint32_t blocks, uint32_t reps, bool warmup,
			    uint64_t timeout_ns, struct amp_bench_result *res_a,
			    struct amp_bench_result *res_b);

/* Round trips of a `size`-byte message through an echo peer. */
int amp_bench_run_pingpong(struct amp_bench_xport *x, uint32_t size,
			   uint32_t iters, uint32_t warmup,
			   struct amp_bench_result *res);

/* ---- floors ---------------------------------------------------------- */

struct amp_bench_floors {
	double busy_poll_rtt_ns; /* median, two processes spinning */
	double wake_rtt_ns;	 /* median, two processes blocking */
	double memcpy_gbps;	 /* best, 64 KiB in cache, 1e9 bytes/s */
	/* qemu-m4 runs only (0: not measured): the UART1 doorbell's own
	 * round trip, median, the floor of that platform's round trip. */
	double m4_bell_rtt_ns;
};

int amp_bench_measure_floors(struct amp_bench_floors *f, uint32_t rtt_iters,
			     uint32_t wake_iters, char *err, size_t errlen);
double amp_bench_busy_poll_rtt(uint32_t iters);
double amp_bench_wake_rtt(uint32_t iters);
double amp_bench_memcpy_gbps(void);

/* ---- report ---------------------------------------------------------- */

enum {
	AMP_BENCH_T_PINGPONG,  /* pingpong RTT / busy-poll floor <= 2 */
	AMP_BENCH_T_STREAM,    /* stream msgs/s >= 1e6 */
	AMP_BENCH_T_STREAM_VS, /* stream / socketpair stream >= 3 */
	AMP_BENCH_T_MEMCPY,    /* 64 KiB-buffer throughput / memcpy >= 0.25 */
	AMP_BENCH_T_DAEMON,    /* worst seed row daemon / in-process <= 3 */
	AMP_BENCH_T_START,     /* start to channel announced, median <= 50 ms */
	AMP_BENCH_T_RECOVERY,  /* crash to announced again, median <= 200 ms */
	AMP_BENCH_T_TTY,       /* tty 1 MiB / pty pair 1 MiB, bytes/s >= 0.5 */
	AMP_BENCH_T_SEED_EMU,  /* seed rows, logging emulated: worst
				  |deviation| from the seed's figure <= 10% */
	AMP_BENCH_T_M4_PINGPONG, /* qemu-m4 pingpong / doorbell RTT <= 2 */
	AMP_BENCH_T_M4_BOOT,	 /* qemu-m4 start to announced <= 1000 ms */
	AMP_BENCH_T_SDB_MEMCPY,	 /* sdb 1 MiB buffers / memcpy >= 0.5 */
	AMP_BENCH_T_SDB_RAW,	 /* sdb / copy, >= 64 KiB, worst >= 3 */
	AMP_BENCH_T_SDB_TTY,	 /* sdb / tty, >= 64 KiB, worst >= 10 */
	AMP_BENCH_T_M4_SDB_RAW,	 /* the same two on qemu-m4 */
	AMP_BENCH_T_M4_SDB_TTY,
	AMP_BENCH_T_COUNT
};

struct amp_bench_target {
	const char *name; /* stable id, used in JSON */
	const char *what; /* one line for people */
	const char *op;	  /* "<=" or ">=" */
	double limit;
	double value;
	bool measured;
	bool pass;
	const char *basis; /* which rows it was computed from */
};

struct amp_bench_machine {
	char cpu[96];
	char kernel[64];
	long cpus;
	char compiler[64];
	double load1; /* 1-minute load average when the run began; -1 unknown */
};

struct amp_bench_report {
	struct amp_bench_machine machine;
	bool have_floors;
	struct amp_bench_floors floors;
	struct amp_bench_result *res;
	size_t n;
	size_t cap;
	struct amp_bench_target t[AMP_BENCH_T_COUNT];
};

void amp_bench_machine_info(struct amp_bench_machine *m);
/* Appends a copy; NULL if out of memory. */
struct amp_bench_result *
amp_bench_report_add(struct amp_bench_report *r,
		     const struct amp_bench_result *res);
void amp_bench_report_free(struct amp_bench_report *r);
void amp_bench_targets(struct amp_bench_report *r);

void amp_bench_print_header(FILE *f);
void amp_bench_print_row(FILE *f, const struct amp_bench_result *res);
void amp_bench_print_summary(FILE *f, const struct amp_bench_report *r);
int amp_bench_write_json(FILE *f, const struct amp_bench_report *r);
int amp_bench_write_svg(FILE *f, const struct amp_bench_report *r);

/* The seed's figure for (block, blocks) in ms, 0 if the seed has none. */
double amp_bench_seed_ms(uint32_t block, uint32_t blocks);

/* REFERENCE 9's fit of the seed's times: one debug-UART line per RPMsg
 * callback plus two per test, 3.15 ms each at 115200 baud. */
#define AMP_BENCH_SEED_LINE_MS 3.15
#define AMP_BENCH_SEED_MSG 496u /* the Linux tty's payload per message */

/* (median / seed figure - 1) x 100 for a row with a seed figure, else NaN. */
double amp_bench_seed_dev_pct(const struct amp_bench_result *r);

/* ---- the whole run ----------------------------------------------------- */

enum {
	AMP_BENCH_MODE_RAW = 1u << 0,
	AMP_BENCH_MODE_PINGPONG = 1u << 1,
	AMP_BENCH_MODE_SOCKETPAIR = 1u << 2,
	AMP_BENCH_MODE_DAEMON = 1u << 3, /* only when asked for */
	AMP_BENCH_MODE_LIFECYCLE = 1u << 4,
	AMP_BENCH_MODE_TTY = 1u << 5,	  /* needs tty_path */
	AMP_BENCH_MODE_SDB = 1u << 6,	  /* shared buffers, in process */
	AMP_BENCH_MODE_SEEDCMP = 1u << 7, /* --seed-compare */
	AMP_BENCH_MODE_ALL = 0x57u,	  /* all but daemon and tty */
	AMP_BENCH_MATRIX_SEED = 1u << 0,
	AMP_BENCH_MATRIX_EXTENDED = 1u << 1,
	AMP_BENCH_MATRIX_STREAM = 1u << 2,
	AMP_BENCH_MATRIX_ALL = 7u,
};

struct amp_bench_opts {
	unsigned modes;
	unsigned matrices;
	uint32_t reps;	    /* 0: per-test defaults */
	bool quick;	    /* few repetitions, for tests */
	uint32_t buf_size;  /* 0: 512 B, and 64 KiB too for extended */
	uint32_t vring_num; /* 0: per-config defaults */
	/* Where the firmware runs: "posix" (NULL too), "qemu-m4", or "all"
	 * (the firmware rows on each, firmware for posix and firmware_m4
	 * for qemu-m4), and its image for that platform. */
	const char *platform;
	const char *firmware;
	const char *firmware_m4;
	const char *json_path;
	/* AMP_BENCH_MODE_DAEMON: the daemon to go through (NULL: default
	 * run directory, remoteproc0) and how long the client polls for a
	 * reply before it sleeps (0: not at all). */
	const char *daemon_run_dir;
	const char *daemon_rproc;
	uint64_t daemon_spin_ns;
	const char *svg_path;
	/* AMP_BENCH_MODE_TTY: the terminal to run over (ampkit's pty, a
	 * board's /dev/ttyRPMSG0, a serial port) and its speed (0: leave
	 * it).  The pty-pair baseline runs beside it. */
	const char *tty_path;
	uint32_t tty_baud;
	/* Without tty_path: called right before the tty rows to bring a
	 * terminal up (the command starts a daemon and the firmware and
	 * names the firmware's pty in path), and tty_done right after, so
	 * nothing idles beside the other rows.  0, or -1 with err set. */
	int (*tty_setup)(void *priv, char *path, size_t pathlen, char *err,
			 size_t errlen);
	void (*tty_done)(void *priv);
	/* And, for --seed-compare, the firmware's "ampkit-ctl" channel
	 * behind that terminal (to switch its logging emulation); NULL with
	 * err set if it cannot be opened.  Without it (or with tty_path)
	 * the comparison runs in process only. */
	struct amp_bench_xport *(*tty_ctl)(void *priv, char *err,
					   size_t errlen);
	void *tty_priv;
	/* AMP_BENCH_MODE_SEEDCMP: the baud of the emulated debug UART
	 * (0: 115200). */
	uint32_t log_baud;
	FILE *out;
	/* Tests only: the socketpair child's responder (default
	 * amp_bench_serve_resp), to prove a wrong ack fails the run. */
	amp_bench_serve_fn sock_serve;
};

/* The shared-buffer rows (sdb.c) against a running bench firmware:
 * buffer sizes 4 KiB..4 MiB, `total` bytes each way per repetition (at
 * least two pools' worth), one unmeasured repetition then `reps`; each
 * result (proto's mode and platform, matrix "h2r" or "r2h") goes to
 * rec.  0, or -1 with err set (the rows already given stand). */
int amp_bench_sdb_rows(struct amp_rproc *rp, uint32_t reps, uint64_t total,
		       const struct amp_bench_result *proto,
		       void (*rec)(void *ctx, const struct amp_bench_result *),
		       void *ctx, char *err, size_t errlen);

/* The same rows through `ampkit daemon`'s rpmsg-sdb (the pool mapped
 * from the passed fd, hand-overs on the socket), the firmware's control
 * channel through the daemon too. */
int amp_bench_sdb_daemon_rows(const char *run_dir, const char *rproc,
			      uint64_t spin_ns, uint32_t reps, uint64_t total,
			      const struct amp_bench_result *proto,
			      void (*rec)(void *ctx,
					  const struct amp_bench_result *),
			      void *ctx, char *err, size_t errlen);

void amp_bench_opts_default(struct amp_bench_opts *o);
/* 0: every test ok; 1: an ack was wrong, a test timed out or a transport
 * could not be set up (each named on o->out / stderr). */
int amp_bench_run(const struct amp_bench_opts *o);

#endif
