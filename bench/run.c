/*
 * run.c - one `ampkit bench` run: measure the floors, run the matrices
 * through each transport, print rows as they finish, then the targets,
 * JSON and SVG.
 *
 * Order matters on a two-core machine: the floors and the socketpair
 * baseline run before any firmware exists, and each buffer configuration
 * gets its own firmware start, so no idle spinner from an earlier
 * configuration competes for a core.
 */
#include <errno.h>
#include <string.h>

#include <ampkit/rproc.h>
#include <ampkit/rproc_bench.h>

#include "bench.h"

#define CHANNEL_RAW "rpmsg-raw"
#define CHANNEL_ECHO "rpmsg-openamp-demo-channel"
#define CHANNEL_CTL "ampkit-ctl"
#define CTL_TIMEOUT_NS 5000000000ull
#define LOG_BAUD_DEFAULT 115200u
#define LOG_LINE_CHARS 36u /* an emulated debug-UART line, CR LF included */
#define ANNOUNCE_TIMEOUT_NS 5000000000ull
#define PING_SIZE 16
#define STREAM_BLOCK 496
#define STREAM_BLOCKS 100000
#define BUF_DEFAULT 512u
#define BUF_BIG 65536u
#define VRING_STREAM 256u /* rpmsg-lite's best figure used 256 buffers */
#define VRING_BIG 16u	  /* 2 x 16 x 64 KiB = 2 MiB of buffers */

struct test {
	uint32_t block, blocks;
};

/* REFERENCE §9, in the seed's order. */
static const struct test seed_matrix[] = {
	{ 512, 1 },  { 512, 2 },  { 512, 4 },  { 512, 8 },
	{ 1024, 1 }, { 1024, 2 }, { 1024, 4 }, { 1024, 5 },
	{ 2048, 1 }, { 2048, 2 }, { 4096, 1 },
};

static const struct test extended_matrix[] = {
	{ 16384, 1 },
	{ 65536, 1 },
	{ 262144, 1 },
	{ 1048576, 1 },
};

static const struct test stream_row[] = { { STREAM_BLOCK, STREAM_BLOCKS } };

struct run {
	const struct amp_bench_opts *o;
	struct amp_bench_report rep;
	FILE *out;
	int failed;
};

void amp_bench_opts_default(struct amp_bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->modes = AMP_BENCH_MODE_ALL;
	o->matrices = AMP_BENCH_MATRIX_ALL;
	o->out = stdout;
}

static uint32_t reps_for(const struct amp_bench_opts *o, uint64_t total,
			 bool stream)
{
	if (o->reps)
		return o->reps;
	if (stream)
		return o->quick ? 1 : 3;
	if (total <= 65536)
		return o->quick ? 10 : 200;
	return o->quick ? 3 : 20;
}

/* Generous: a transport as slow as 10 MB/s still finishes; a hung peer
 * is declared so in seconds, not never. */
static uint64_t timeout_for(uint64_t total)
{
	return 5000000000ull + total * 100;
}

static void record(struct run *run, const struct amp_bench_result *res)
{
	amp_bench_print_row(run->out, res);
	if (!res->ok)
		run->failed++;
	if (!amp_bench_report_add(&run->rep, res)) {
		fprintf(stderr, "ampkit bench: out of memory\n");
		run->failed++;
	}
}

static void setup_failed(struct run *run, const char *what, const char *why)
{
	fprintf(stderr, "ampkit bench: %s: %s\n", what, why);
	fflush(stderr);
	run->failed++;
}

static void run_tests(struct run *run, struct amp_bench_xport *x,
		      const struct amp_bench_result *proto,
		      const struct test *tests, size_t n)
{
	struct amp_bench_result res;
	bool stream = !strcmp(proto->matrix, "stream");
	uint64_t total;
	size_t i;

	for (i = 0; i < n; i++) {
		res = *proto;
		total = (uint64_t)tests[i].block * tests[i].blocks;
		res.seed_ms = strcmp(proto->matrix, "seed")
				      ? 0
				      : amp_bench_seed_ms(tests[i].block,
							  tests[i].blocks);
		amp_bench_run_test(x, tests[i].block, tests[i].blocks,
				   reps_for(run->o, total, stream), !stream,
				   timeout_for(total), &res);
		record(run, &res);
	}
}

/*
 * Each seed row in process, then at once through the daemon, so the two
 * figures of a row are taken a moment apart, not a matrix apart: the
 * ratio is the socket hop's, not the machine's mood.
 */
static void run_seed_paired(struct run *run, struct amp_bench_xport *raw,
			    struct amp_bench_xport *dmn,
			    const struct amp_bench_result *proto)
{
	struct amp_bench_result a, b;
	uint64_t total;
	uint32_t reps;
	size_t i;

	for (i = 0; i < sizeof(seed_matrix) / sizeof(seed_matrix[0]); i++) {
		total = (uint64_t)seed_matrix[i].block * seed_matrix[i].blocks;
		reps = reps_for(run->o, total, false);
		a = *proto;
		a.matrix = "seed";
		a.seed_ms = amp_bench_seed_ms(seed_matrix[i].block,
					      seed_matrix[i].blocks);
		b = a;
		b.mode = "daemon";
		b.vring_num = 0; /* filled below if known */
		amp_bench_run_test(raw, seed_matrix[i].block,
				   seed_matrix[i].blocks, reps, true,
				   timeout_for(total), &a);
		record(run, &a);
		b.buf_size = a.buf_size;
		b.vring_num = a.vring_num;
		amp_bench_run_test(dmn, seed_matrix[i].block,
				   seed_matrix[i].blocks, reps, true,
				   timeout_for(total), &b);
		if (a.ok && b.ok && a.st.median_ns)
			b.vs_inproc = (double)b.st.median_ns / a.st.median_ns;
		record(run, &b);
	}
}

/* The platform of the rows being run ("all" runs the firmware rows with
 * a copy of the options naming each; what is left is this host's). */
static const char *platform_of(const struct amp_bench_opts *o)
{
	return o->platform && strcmp(o->platform, "all") ? o->platform
							 : "posix";
}

/*
 * The terminal path a user of /dev/ttyRPMSG0 takes, and beside it the
 * same client writing a plain pty pair, so the ratio of the two 1 MiB
 * rows prices what the firmware's tty adds to a kernel pty.  Each
 * extended size runs on both at once, repetitions alternating, so the two
 * figures of the ratio see the same moments of the machine's load.
 */
static void run_tty(struct run *run)
{
	const struct amp_bench_opts *o = run->o;
	struct amp_bench_result tty_proto = { .mode = "tty" },
				pty_proto = { .mode = "ptypair",
					      .matrix = "extended" };
	struct amp_bench_xport *tty = NULL, *pty = NULL;
	bool extended = o->matrices & AMP_BENCH_MATRIX_EXTENDED;
	char err[200], path[4096];
	size_t i;

	/* Through the daemon the tty is the firmware's, on its platform; a
	 * terminal given by path is this host's device, whatever is behind
	 * it (a board's /dev/ttyRPMSG0). */
	tty_proto.platform = o->tty_path ? NULL : platform_of(o);
	if (o->tty_path) {
		snprintf(path, sizeof(path), "%s", o->tty_path);
	} else if (!o->tty_setup) {
		setup_failed(run, "tty", "no terminal to run over");
		return;
	} else if (o->tty_setup(o->tty_priv, path, sizeof(path), err,
				sizeof(err)) < 0) {
		setup_failed(run, "tty", err);
		return;
	}
	tty = amp_bench_tty_open(path, o->tty_baud, err, sizeof(err));
	if (!tty)
		setup_failed(run, "tty", err);
	if (extended) {
		pty = amp_bench_ptypair_open(amp_bench_serve_stream_resp, err,
					     sizeof(err));
		if (!pty)
			setup_failed(run, "pty pair", err);
	}
	if (tty && (o->matrices & AMP_BENCH_MATRIX_SEED)) {
		tty_proto.matrix = "seed";
		run_tests(run, tty, &tty_proto, seed_matrix,
			  sizeof(seed_matrix) / sizeof(seed_matrix[0]));
	}
	tty_proto.matrix = "extended";
	for (i = 0; extended &&
		    i < sizeof(extended_matrix) / sizeof(extended_matrix[0]);
	     i++) {
		const struct test *t = &extended_matrix[i];
		uint64_t total = (uint64_t)t->block * t->blocks;
		struct amp_bench_result a = pty_proto, b = tty_proto;

		if (!pty || !tty) {
			run_tests(run, pty ? pty : tty,
				  pty ? &pty_proto : &tty_proto, t, 1);
			continue;
		}
		amp_bench_run_test_pair(pty, tty, t->block, t->blocks,
					reps_for(o, total, false), true,
					timeout_for(total), &a, &b);
		record(run, &a);
		record(run, &b);
	}
	amp_bench_xport_close(pty);
	amp_bench_xport_close(tty);
	if (!o->tty_path && o->tty_done)
		o->tty_done(o->tty_priv);
}

static void run_pingpong(struct run *run, struct amp_bench_xport *x,
			 const struct amp_bench_result *proto)
{
	struct amp_bench_result res = *proto;
	uint32_t iters = run->o->quick ? 2000 : 100000;

	amp_bench_run_pingpong(x, PING_SIZE, iters, iters / 10, &res);
	record(run, &res);
}

static void run_socketpair(struct run *run, uint32_t buf_size)
{
	const struct amp_bench_opts *o = run->o;
	struct amp_bench_result proto = { .mode = "socketpair",
					  .buf_size = buf_size };
	struct amp_bench_xport *x;
	char err[160];

	/* Same message cap as an RPMsg buffer of buf_size. */
	x = amp_bench_sock_open(o->sock_serve ? o->sock_serve
					      : amp_bench_serve_resp,
				buf_size - 16, err, sizeof(err));
	if (!x) {
		setup_failed(run, "socketpair", err);
		return;
	}
	if (o->matrices & AMP_BENCH_MATRIX_SEED) {
		proto.matrix = "seed";
		run_tests(run, x, &proto, seed_matrix,
			  sizeof(seed_matrix) / sizeof(seed_matrix[0]));
	}
	if (o->matrices & AMP_BENCH_MATRIX_STREAM) {
		proto.matrix = "stream";
		run_tests(run, x, &proto, stream_row, 1);
	}
	amp_bench_xport_close(x);

	x = amp_bench_sock_open(amp_bench_serve_echo, buf_size - 16, err,
				sizeof(err));
	if (!x) {
		setup_failed(run, "socketpair echo", err);
		return;
	}
	proto.matrix = "pingpong";
	run_pingpong(run, x, &proto);
	amp_bench_xport_close(x);
}

/* What one firmware start (one buffer configuration) runs. */
enum {
	DO_SEED = 1u << 0,
	DO_PINGPONG = 1u << 1,
	DO_EXTENDED = 1u << 2,
	DO_STREAM = 1u << 3,
	DO_DAEMON = 1u << 4, /* seed and ping-pong through the daemon too */
};

/* A firmware of its own for one buffer configuration; proto learns what
 * was really negotiated, not what was asked for.  NULL: reported. */
static struct amp_rproc *start_firmware(struct run *run, uint32_t buf_size,
					uint32_t vring_num,
					struct amp_bench_result *proto)
{
	struct amp_rproc_cfg cfg;
	struct amp_rpmsg_dev *dev;
	struct amp_rproc *rp = amp_rproc_new(NULL);
	char err[200];
	int ret;

	if (!rp) {
		setup_failed(run, "rproc", "out of memory");
		return NULL;
	}
	amp_rproc_cfg_default(&cfg);
	cfg.firmware = run->o->firmware;
	cfg.rpmsg.buf_size = buf_size;
	cfg.vring_num = vring_num;
	cfg.platform = platform_of(run->o);
	proto->platform = cfg.platform;
	ret = amp_rproc_start(rp, &cfg);
	if (ret < 0) {
		snprintf(err, sizeof(err), "%s (%s)", amp_rproc_error(rp),
			 strerror(-ret));
		setup_failed(run, run->o->firmware, err);
		amp_rproc_free(rp);
		return NULL;
	}
	dev = amp_rproc_rpmsg(rp);
	proto->buf_size = dev->buf_size;
	proto->vring_num = dev->svq.num;
	return rp;
}

/* The floor of a platform whose mailbox is slower than shared memory
 * (qemu-m4), measured on the idle firmware right before the ping-pong it
 * is the floor of.  Nothing on posix: its floor is the busy-poll one. */
static void doorbell_floor(struct run *run, struct amp_rproc *rp)
{
	uint64_t ns;
	int r = amp_rproc_bench_doorbell_rtt(rp, run->o->quick ? 200 : 2000,
					     &ns);

	if (!r)
		run->rep.floors.m4_bell_rtt_ns = (double)ns;
	else if (r != -AMP_ENOTSUP)
		setup_failed(run, "doorbell floor", strerror(-r));
}

static void run_rproc(struct run *run, uint32_t buf_size, uint32_t vring_num,
		      unsigned what)
{
	const struct amp_bench_opts *o = run->o;
	struct amp_bench_result proto = { .mode = "raw" };
	struct amp_bench_xport *raw = NULL, *echo = NULL, *dmn = NULL;
	struct amp_rproc *rp;
	char err[200];

	if (!what)
		return;
	rp = start_firmware(run, buf_size, vring_num, &proto);
	if (!rp)
		return;

	if (what & (DO_SEED | DO_EXTENDED | DO_STREAM | DO_DAEMON)) {
		raw = amp_bench_rpmsg_open(rp, CHANNEL_RAW, ANNOUNCE_TIMEOUT_NS,
					   err, sizeof(err));
		if (!raw)
			setup_failed(run, o->firmware, err);
	}
	if (raw && (what & DO_DAEMON)) {
		dmn = amp_bench_daemon_open(o->daemon_run_dir, o->daemon_rproc,
					    CHANNEL_RAW, o->daemon_spin_ns, err,
					    sizeof(err));
		if (!dmn)
			setup_failed(run, "daemon", err);
	}
	if (raw && dmn && (what & DO_SEED)) {
		run_seed_paired(run, raw, dmn, &proto);
	} else if (raw && (what & DO_SEED)) {
		proto.matrix = "seed";
		run_tests(run, raw, &proto, seed_matrix,
			  sizeof(seed_matrix) / sizeof(seed_matrix[0]));
	}
	if (raw && (what & DO_EXTENDED)) {
		proto.matrix = "extended";
		run_tests(run, raw, &proto, extended_matrix,
			  sizeof(extended_matrix) / sizeof(extended_matrix[0]));
	}
	if (raw && (what & DO_STREAM)) {
		proto.matrix = "stream";
		run_tests(run, raw, &proto, stream_row, 1);
	}
	if (what & DO_PINGPONG) {
		echo = amp_bench_rpmsg_open(rp, CHANNEL_ECHO,
					    ANNOUNCE_TIMEOUT_NS, err,
					    sizeof(err));
		if (echo) {
			doorbell_floor(run, rp);
			proto.mode = "pingpong";
			proto.matrix = "pingpong";
			run_pingpong(run, echo, &proto);
		} else {
			setup_failed(run, o->firmware, err);
		}
	}
	if (what & DO_DAEMON) {
		amp_bench_xport_close(dmn);
		dmn = amp_bench_daemon_open(o->daemon_run_dir, o->daemon_rproc,
					    CHANNEL_ECHO, o->daemon_spin_ns,
					    err, sizeof(err));
		if (dmn) {
			proto.mode = "daemon";
			proto.matrix = "pingpong";
			run_pingpong(run, dmn, &proto);
		} else {
			setup_failed(run, "daemon", err);
		}
	}
	amp_bench_xport_close(dmn);
	amp_bench_xport_close(echo);
	amp_bench_xport_close(raw);
	amp_rproc_stop(rp);
	amp_rproc_free(rp);
}

/* Turn the firmware's emulation of the seed's logging on (baud) or off
 * (0) through its control channel, and check that it says so. */
static int set_log(struct amp_bench_xport *ctl, uint32_t baud, char *err,
		   size_t errlen)
{
	char cmd[32], want[40], got[64];
	uint64_t deadline = amp_bench_now_ns() + CTL_TIMEOUT_NS;
	int n, r;

	n = snprintf(cmd, sizeof(cmd), "log %u", baud);
	snprintf(want, sizeof(want), "ok %s", cmd);
	r = ctl->ops->send(ctl, cmd, (uint32_t)n, deadline);
	if (r == 0)
		r = ctl->ops->recv(ctl, got, sizeof(got) - 1, deadline);
	if (r < 0) {
		snprintf(err, errlen, "\"%s\" on %s: %s", cmd, CHANNEL_CTL,
			 r == -ETIMEDOUT ? "no reply in 5 s" : strerror(-r));
		return -1;
	}
	got[r < (int)sizeof(got) ? r : (int)sizeof(got) - 1] = '\0';
	if (strcmp(got, want)) {
		snprintf(err, errlen,
			 "\"%s\" on %s: the firmware answered \"%.40s\", "
			 "not \"%s\"",
			 cmd, CHANNEL_CTL, got, want);
		return -1;
	}
	return 0;
}

/* The seed matrix with the firmware's logging emulated: a row takes
 * 10-60 ms, so fewer repetitions. */
static void run_seed_logged(struct run *run, struct amp_bench_xport *x,
			    const struct amp_bench_result *proto, uint32_t baud)
{
	const struct amp_bench_opts *o = run->o;
	struct amp_bench_result res;
	uint64_t total;
	uint32_t reps;
	size_t i;

	for (i = 0; i < sizeof(seed_matrix) / sizeof(seed_matrix[0]); i++) {
		res = *proto;
		res.log_baud = baud;
		res.seed_ms = amp_bench_seed_ms(seed_matrix[i].block,
						seed_matrix[i].blocks);
		reps = o->reps ? o->reps : o->quick ? 3 : 20;
		total = (uint64_t)seed_matrix[i].block * seed_matrix[i].blocks;
		amp_bench_run_test(x, seed_matrix[i].block,
				   seed_matrix[i].blocks, reps, true,
				   timeout_for(total), &res);
		record(run, &res);
	}
}

/*
 * The same over the firmware's tty port through the daemon's pty, as the
 * seed ran it over /dev/ttyRPMSG0 (the daemon cuts what it reads from
 * the pty into messages of at most 496 bytes, as Linux's rpmsg tty cut
 * each write), rows tty+log; then the plain tty seed rows.
 */
static void run_seed_compare_tty(struct run *run, uint32_t baud)
{
	const struct amp_bench_opts *o = run->o;
	struct amp_bench_result proto = { .mode = "tty+log", .matrix = "seed" };
	struct amp_bench_xport *tty = NULL, *ctl = NULL;
	char err[200], path[4096];

	proto.platform = platform_of(o);
	if (o->tty_setup(o->tty_priv, path, sizeof(path), err, sizeof(err)) <
	    0) {
		setup_failed(run, "tty", err);
		return;
	}
	tty = amp_bench_tty_open(path, 0, err, sizeof(err));
	if (tty)
		ctl = o->tty_ctl(o->tty_priv, err, sizeof(err));
	if (!tty || !ctl) {
		setup_failed(run, "tty", err);
		goto done;
	}
	if (set_log(ctl, baud, err, sizeof(err)) < 0) {
		setup_failed(run, "tty", err);
		goto done;
	}
	/* Linux's tty write() put a block into the rings before it
	 * returned, so each block was its own messages.  A pty takes a
	 * write at once, and blocks written back to back reach the daemon
	 * as one run, cut into fewer messages.  So the client leaves one
	 * emulated line's time between blocks: enough for the daemon to
	 * take each on its own, and hidden behind the firmware's logging,
	 * at least two lines a block. */
	tty->block_gap_ns = LOG_LINE_CHARS * 10ull * 1000000000ull / baud;
	run_seed_logged(run, tty, &proto, baud);
	if (set_log(ctl, 0, err, sizeof(err)) < 0) {
		setup_failed(run, "tty", err);
		goto done;
	}
	/* And what the tty costs without the logging. */
	tty->block_gap_ns = 0;
	proto.mode = "tty";
	run_tests(run, tty, &proto, seed_matrix,
		  sizeof(seed_matrix) / sizeof(seed_matrix[0]));
done:
	amp_bench_xport_close(ctl);
	amp_bench_xport_close(tty);
	if (o->tty_done)
		o->tty_done(o->tty_priv);
}

/*
 * --seed-compare: the seed's matrix through the same 496-byte messages
 * the Linux tty cut its writes into, once with the firmware logging as
 * the seed's did (each line blocking for its characters at the baud) and
 * once without, so the table shows what the seed's figures measured;
 * then, if a daemon can give the firmware's tty, the logged matrix over
 * that tty too.
 */
static void run_seed_compare(struct run *run)
{
	const struct amp_bench_opts *o = run->o;
	uint32_t baud = o->log_baud ? o->log_baud : LOG_BAUD_DEFAULT;
	struct amp_bench_result proto = { .mode = "raw+log", .matrix = "seed" };
	struct amp_bench_xport *raw = NULL, *ctl = NULL;
	struct amp_rproc *rp;
	char err[200];

	rp = start_firmware(run, BUF_DEFAULT, 0, &proto);
	if (!rp)
		return;
	raw = amp_bench_rpmsg_open(rp, CHANNEL_RAW, ANNOUNCE_TIMEOUT_NS, err,
				   sizeof(err));
	if (raw)
		ctl = amp_bench_rpmsg_open(rp, CHANNEL_CTL, ANNOUNCE_TIMEOUT_NS,
					   err, sizeof(err));
	if (!raw || !ctl) {
		setup_failed(run, o->firmware, err);
		goto stop;
	}
	if (set_log(ctl, baud, err, sizeof(err)) < 0) {
		setup_failed(run, o->firmware, err);
		goto stop;
	}
	run_seed_logged(run, raw, &proto, baud);
	if (set_log(ctl, 0, err, sizeof(err)) < 0) {
		setup_failed(run, o->firmware, err);
		goto stop;
	}
	proto.mode = "raw";
	run_tests(run, raw, &proto, seed_matrix,
		  sizeof(seed_matrix) / sizeof(seed_matrix[0]));
stop:
	amp_bench_xport_close(ctl);
	amp_bench_xport_close(raw);
	amp_rproc_stop(rp);
	amp_rproc_free(rp);
	if (!o->tty_path && o->tty_setup && o->tty_ctl)
		run_seed_compare_tty(run, baud);
}

/*
 * The life cycle as a user waits for it: start until the raw channel is
 * announced, and a killed firmware until it is recovered and announced
 * again.  A row per figure (block and blocks 0; p99 is the slowest run).
 */
static void lifecycle_row(struct run *run, const char *what,
			  int (*measure)(const struct amp_rproc_cfg *,
					 const char *, unsigned,
					 struct amp_rproc_bench_times *, char *,
					 size_t))
{
	struct amp_bench_result res = { .mode = "lifecycle", .matrix = what };
	struct amp_rproc_bench_times t;
	struct amp_rproc_cfg cfg;

	amp_rproc_cfg_default(&cfg);
	cfg.firmware = run->o->firmware;
	cfg.platform = platform_of(run->o);
	res.platform = cfg.platform;
	res.ok = measure(&cfg, CHANNEL_RAW,
			 run->o->quick ? 3 : AMP_RPROC_BENCH_RUNS, &t, res.why,
			 sizeof(res.why)) == 0;
	if (res.ok) {
		res.reps = t.runs;
		res.st = (struct amp_bench_stats){ .n = t.runs,
						   .min_ns = t.min_ns,
						   .median_ns = t.median_ns,
						   .p99_ns = t.max_ns,
						   .max_ns = t.max_ns };
	}
	record(run, &res);
}

static int write_file(const char *path, const struct amp_bench_report *r,
		      int (*writer)(FILE *, const struct amp_bench_report *))
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f) {
		fprintf(stderr, "ampkit bench: %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	ret = writer(f, r);
	if (fclose(f) != 0 || ret < 0) {
		fprintf(stderr, "ampkit bench: %s: write failed\n", path);
		return -1;
	}
	return 0;
}

static void record_cb(void *ctx, const struct amp_bench_result *res)
{
	record(ctx, res);
}

/* The shared-buffer rows' repetitions and bytes per repetition. */
static uint32_t sdb_reps(const struct amp_bench_opts *o)
{
	return o->reps ? o->reps : o->quick ? 2 : 5;
}

static uint64_t sdb_total(const struct amp_bench_opts *o)
{
	return o->quick ? 8u << 20 : 64u << 20;
}

/* The shared-buffer rows on a firmware of their own. */
static void run_sdb(struct run *run)
{
	struct amp_bench_result proto = { .mode = "sdb" };
	struct amp_rproc *rp = start_firmware(run, BUF_DEFAULT, 0, &proto);
	uint32_t reps = sdb_reps(run->o);
	uint64_t total = sdb_total(run->o);
	char err[200];

	if (!rp)
		return;
	proto.vring_num = 0;
	if (amp_bench_sdb_rows(rp, reps, total, &proto, record_cb, run, err,
			       sizeof(err)) < 0)
		setup_failed(run, "sdb", err);
	amp_rproc_stop(rp);
	amp_rproc_free(rp);
}

/* The same through the daemon (--via daemon), on the daemon's firmware. */
static void run_sdb_daemon(struct run *run)
{
	const struct amp_bench_opts *o = run->o;
	struct amp_bench_result proto = { .mode = "sdb-daemon",
					  .platform = o->platform };
	uint32_t reps = sdb_reps(o);
	uint64_t total = sdb_total(o);
	char err[200];

	if (amp_bench_sdb_daemon_rows(o->daemon_run_dir, o->daemon_rproc,
				      o->daemon_spin_ns, reps, total, &proto,
				      record_cb, run, err, sizeof(err)) < 0)
		setup_failed(run, "sdb-daemon", err);
}

/* Every row that runs the firmware, on run->o's platform. */
static void run_firmware_rows(struct run *run, uint32_t buf, uint32_t big,
			      uint32_t vn, unsigned raw)
{
	const struct amp_bench_opts *o = run->o;

	run_rproc(
		run, buf, vn,
		(raw & AMP_BENCH_MATRIX_SEED ? DO_SEED : 0) |
			(o->modes & AMP_BENCH_MODE_PINGPONG ? DO_PINGPONG : 0) |
			(o->modes & AMP_BENCH_MODE_DAEMON ? DO_DAEMON | DO_SEED
							  : 0));
	run_rproc(run, buf, vn ? vn : VRING_STREAM,
		  (raw & AMP_BENCH_MATRIX_EXTENDED ? DO_EXTENDED : 0) |
			  (raw & AMP_BENCH_MATRIX_STREAM ? DO_STREAM : 0));
	if (big)
		run_rproc(run, big, vn ? vn : VRING_BIG,
			  raw & AMP_BENCH_MATRIX_EXTENDED ? DO_EXTENDED : 0);
	if (o->modes & AMP_BENCH_MODE_LIFECYCLE) {
		lifecycle_row(run, "start", amp_rproc_bench_start_time);
		lifecycle_row(run, "recovery", amp_rproc_bench_recovery_time);
	}
	if (o->modes & AMP_BENCH_MODE_SDB)
		run_sdb(run);
	if ((o->modes & AMP_BENCH_MODE_SDB) &&
	    (o->modes & AMP_BENCH_MODE_DAEMON))
		run_sdb_daemon(run);
	if (o->modes & AMP_BENCH_MODE_SEEDCMP)
		run_seed_compare(run);
}

int amp_bench_run(const struct amp_bench_opts *o)
{
	struct run run = { .o = o, .out = o->out ? o->out : stdout };
	uint32_t buf = o->buf_size ? o->buf_size : BUF_DEFAULT;
	uint32_t big = o->buf_size ? 0 : BUF_BIG;
	uint32_t vn = o->vring_num;
	unsigned raw = o->modes & AMP_BENCH_MODE_RAW ? o->matrices : 0;
	char err[160];
	int ret = 0;

	amp_bench_machine_info(&run.rep.machine);
	fprintf(run.out, "ampkit bench on %s (%ld cpus, %s)\n",
		run.rep.machine.cpu, run.rep.machine.cpus,
		run.rep.machine.kernel);
	/* Spinning rows need both cores: say so when something else had
	 * them (an idle QEMU's 1 kHz timer already shows). */
	if (run.rep.machine.load1 > 0.5)
		fprintf(run.out,
			"note: load average %.2f before the run: other work "
			"takes the cores the spinning rows need, so figures "
			"will be noisy\n",
			run.rep.machine.load1);
	fprintf(run.out, "measuring floors...\n");
	fflush(run.out);
	if (amp_bench_measure_floors(&run.rep.floors, o->quick ? 2000 : 20000,
				     o->quick ? 200 : 2000, err,
				     sizeof(err)) < 0)
		setup_failed(&run, "floors", err);
	else
		run.rep.have_floors = true;

	fprintf(run.out, "\n");
	amp_bench_print_header(run.out);
	if (o->modes & AMP_BENCH_MODE_SOCKETPAIR)
		run_socketpair(&run, buf);
	if (o->platform && !strcmp(o->platform, "all")) {
		/* The firmware's rows on each platform in turn; what does
		 * not involve the firmware runs once. */
		struct amp_bench_opts on = *o;

		on.platform = "posix";
		run.o = &on;
		run_firmware_rows(&run, buf, big, vn, raw);
		on.platform = "qemu-m4";
		on.firmware = o->firmware_m4;
		run_firmware_rows(&run, buf, big, vn, raw);
		run.o = o;
	} else {
		run_firmware_rows(&run, buf, big, vn, raw);
	}
	if (o->modes & AMP_BENCH_MODE_TTY)
		run_tty(&run);

	amp_bench_targets(&run.rep);
	amp_bench_print_summary(run.out, &run.rep);
	if (o->json_path &&
	    write_file(o->json_path, &run.rep, amp_bench_write_json) < 0)
		ret = 1;
	if (o->svg_path &&
	    write_file(o->svg_path, &run.rep, amp_bench_write_svg) < 0)
		ret = 1;
	if (run.failed) {
		fprintf(run.out, "\nampkit bench: %d failure(s)\n", run.failed);
		ret = 1;
	}
	fflush(run.out);
	amp_bench_report_free(&run.rep);
	return ret;
}
