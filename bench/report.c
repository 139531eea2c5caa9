/*
 * report.c - everything a bench run tells people and machines: the table
 * in the seed's shape, the floors and the targets computed from
 * this run's rows, the JSON document (schema in docs/bench.md) and the
 * SVG plot.  Nothing here measures; it only reads struct amp_bench_report.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

/* REFERENCE §9: the seed's times on a real STM32MP157C-DK2, ms. */
static const struct {
	uint32_t block, blocks;
	double ms;
} seed_figures[] = {
	{ 512, 1, 11.97 },  { 512, 2, 18.77 },	{ 512, 4, 31.02 },
	{ 512, 8, 56.25 },  { 1024, 1, 15.32 }, { 1024, 2, 24.82 },
	{ 1024, 4, 43.83 }, { 1024, 5, 53.32 }, { 2048, 1, 21.74 },
	{ 2048, 2, 37.63 }, { 4096, 1, 37.64 },
};

double amp_bench_seed_ms(uint32_t block, uint32_t blocks)
{
	size_t i;

	for (i = 0; i < sizeof(seed_figures) / sizeof(seed_figures[0]); i++)
		if (seed_figures[i].block == block &&
		    seed_figures[i].blocks == blocks)
			return seed_figures[i].ms;
	return 0;
}

double amp_bench_seed_dev_pct(const struct amp_bench_result *r)
{
	if (r->seed_ms <= 0 || !r->st.median_ns)
		return NAN;
	return (r->st.median_ns / 1e6 / r->seed_ms - 1.0) * 100.0;
}

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

void amp_bench_machine_info(struct amp_bench_machine *m)
{
	struct utsname u;
	char line[256], *v;
	FILE *f;

	memset(m, 0, sizeof(*m));
	snprintf(m->cpu, sizeof(m->cpu), "unknown");
	f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "model name", 10) || !(v = strchr(line, ':')))
			continue;
		for (v++; *v == ' ' || *v == '\t'; v++)
			;
		snprintf(m->cpu, sizeof(m->cpu), "%s", v);
		trim(m->cpu);
		break;
	}
	if (f)
		fclose(f);
	if (uname(&u) == 0)
		snprintf(m->kernel, sizeof(m->kernel), "%.20s %.40s", u.sysname,
			 u.release);
	m->cpus = sysconf(_SC_NPROCESSORS_ONLN);
	m->load1 = -1;
	f = fopen("/proc/loadavg", "r");
	if (f && fscanf(f, "%lf", &m->load1) != 1)
		m->load1 = -1;
	if (f)
		fclose(f);
#if defined(__clang__)
	snprintf(m->compiler, sizeof(m->compiler), "clang %s",
		 __clang_version__);
#elif defined(__GNUC__)
	snprintf(m->compiler, sizeof(m->compiler), "gcc %s", __VERSION__);
#endif
}

struct amp_bench_result *
amp_bench_report_add(struct amp_bench_report *r,
		     const struct amp_bench_result *res)
{
	struct amp_bench_result *p;
	size_t cap;

	if (r->n == r->cap) {
		cap = r->cap ? 2 * r->cap : 32;
		p = realloc(r->res, cap * sizeof(*p));
		if (!p)
			return NULL;
		r->res = p;
		r->cap = cap;
	}
	r->res[r->n] = *res;
	return &r->res[r->n++];
}

void amp_bench_report_free(struct amp_bench_report *r)
{
	free(r->res);
	r->res = NULL;
	r->n = r->cap = 0;
}

static bool on_platform(const struct amp_bench_result *p, const char *plat)
{
	return !strcmp(p->platform ? p->platform : "posix", plat);
}

/* The last good row of `mode`/`matrix` on `plat` (sizes 0: any). */
static const struct amp_bench_result *
find_on(const struct amp_bench_report *r, const char *plat, const char *mode,
	const char *matrix, uint32_t buf_size, uint64_t total)
{
	const struct amp_bench_result *best = NULL;
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct amp_bench_result *p = &r->res[i];

		if (!on_platform(p, plat) || strcmp(p->mode, mode) ||
		    strcmp(p->matrix, matrix) || !p->ok || !p->st.median_ns)
			continue;
		if ((buf_size && p->buf_size != buf_size) ||
		    (total && p->total != total))
			continue;
		best = p;
	}
	return best;
}

/* The issue #2..#4 targets are posix figures. */
static const struct amp_bench_result *find(const struct amp_bench_report *r,
					   const char *mode, const char *matrix,
					   uint32_t buf_size, uint64_t total)
{
	return find_on(r, "posix", mode, matrix, buf_size, total);
}

static void set(struct amp_bench_target *t, double value, const char *basis)
{
	t->value = value;
	t->measured = isfinite(value);
	t->pass = t->measured &&
		  (t->op[0] == '<' ? value <= t->limit : value >= t->limit);
	t->basis = basis;
}

/*
 * The "Must reach" figures, each a ratio or rate from rows of
 * this run only.  A target whose rows were not run (or failed) stays
 * unmeasured rather than passing.
 */
/* A row of `mode`/`matrix` on `plat` with transfers of `block` bytes. */
static const struct amp_bench_result *
find_block(const struct amp_bench_report *r, const char *plat, const char *mode,
	   const char *matrix, uint32_t block)
{
	const struct amp_bench_result *best = NULL;

	for (size_t i = 0; i < r->n; i++) {
		const struct amp_bench_result *p = &r->res[i];

		if (on_platform(p, plat) && !strcmp(p->mode, mode) &&
		    !strcmp(p->matrix, matrix) && p->ok && p->st.median_ns &&
		    p->block == block)
			best = p;
	}
	return best;
}

/* Issue 6's figures on `plat`.  Against memcpy (mem may be NULL): the
 * slower direction of the sdb rows with 1 MiB buffers.  Against the
 * direct modes, over every size from 64 KiB on, the worst ratio: sdb /
 * copy in the same direction (the copying raw mode, 512-byte buffers),
 * and the slower sdb direction / the tty (which carries only the host's
 * writes, one transfer of that size each). */
static void sdb_targets(struct amp_bench_report *r, const char *plat,
			struct amp_bench_target *mem,
			struct amp_bench_target *raw_t,
			struct amp_bench_target *tty_t)
{
	static const char *const dirs[] = { "h2r", "r2h" };
	const struct amp_bench_result *a, *b, *c, *tty;
	double sdb, vs_copy = INFINITY, vs_tty = INFINITY;

	a = find_block(r, plat, "sdb", "h2r", 1u << 20);
	b = find_block(r, plat, "sdb", "r2h", 1u << 20);
	sdb = a && b ? fmin(a->bytes_per_s, b->bytes_per_s) : NAN;
	if (mem)
		set(mem,
		    r->have_floors ? sdb / (r->floors.memcpy_gbps * 1e9) : NAN,
		    "slower of sdb h2r/r2h with 1 MiB buffers, bytes/s / "
		    "memcpy");
	for (size_t i = 0; i < r->n; i++) {
		const struct amp_bench_result *p = &r->res[i];
		double slower = INFINITY, ratio = INFINITY;
		bool copies = true;
		int d;

		if (!on_platform(p, plat) || strcmp(p->mode, "sdb") ||
		    strcmp(p->matrix, "h2r") || !p->ok || !p->st.median_ns ||
		    p->block < 65536)
			continue;
		/* a size counts only with both directions of both modes */
		for (d = 0; d < 2; d++) {
			a = find_block(r, plat, "sdb", dirs[d], p->block);
			c = find_block(r, plat, "copy", dirs[d], p->block);
			if (!a)
				break;
			slower = fmin(slower, a->bytes_per_s);
			copies = copies && c;
			if (c)
				ratio = fmin(ratio,
					     a->bytes_per_s / c->bytes_per_s);
		}
		if (d < 2)
			continue;
		if (copies)
			vs_copy = fmin(vs_copy, ratio);
		tty = find_on(r, plat, "tty", "extended", 0, p->block);
		if (tty)
			vs_tty = fmin(vs_tty, slower / tty->bytes_per_s);
	}
	/* none compared: unmeasured, not passing */
	set(raw_t, isinf(vs_copy) ? NAN : vs_copy,
	    "worst sdb / copy (512-byte RPMsg buffers), same size and "
	    "direction, 64 KiB..4 MiB");
	set(tty_t, isinf(vs_tty) ? NAN : vs_tty,
	    "worst slower-sdb-direction / tty, same size, 64 KiB..1 MiB");
}

void amp_bench_targets(struct amp_bench_report *r)
{
	static const struct {
		const char *name, *what, *op;
		double limit;
	} init[AMP_BENCH_T_COUNT] = {
		[AMP_BENCH_T_PINGPONG] = { "pingpong_rtt_vs_busy_poll",
					   "16-byte round trip / busy-poll "
					   "floor",
					   "<=", 2.0 },
		[AMP_BENCH_T_STREAM] = { "stream_msgs_per_s",
					 "496-byte streaming, messages/s",
					 ">=", 1e6 },
		[AMP_BENCH_T_STREAM_VS] = { "stream_vs_socketpair",
					    "streaming / socketpair streaming",
					    ">=", 3.0 },
		[AMP_BENCH_T_MEMCPY] = { "buf64k_vs_memcpy",
					 "64 KiB-buffer throughput / memcpy",
					 ">=", 0.25 },
		[AMP_BENCH_T_DAEMON] = { "daemon_vs_inprocess",
					 "seed rows: daemon / in-process, "
					 "worst",
					 "<=", 3.0 },
		[AMP_BENCH_T_START] = { "start_to_announced_ms",
					"start to channel announced, ms",
					"<=", 50.0 },
		[AMP_BENCH_T_RECOVERY] = { "crash_to_recovered_ms",
					   "crash to recovered & announced, "
					   "ms",
					   "<=", 200.0 },
		[AMP_BENCH_T_TTY] = { "tty_vs_ptypair",
				      "tty 1 MiB / pty pair 1 MiB", ">=", 0.5 },
		[AMP_BENCH_T_SEED_EMU] = { "seed_emulation_dev_pct",
					   "logging emulated: worst |seed "
					   "dev| %",
					   "<=", 10.0 },
		[AMP_BENCH_T_M4_PINGPONG] = { "m4_pingpong_vs_doorbell",
					      "qemu-m4 16-byte round trip / "
					      "doorbell",
					      "<=", 2.0 },
		[AMP_BENCH_T_M4_BOOT] = { "m4_start_to_announced_ms",
					  "qemu-m4 start to announced, ms",
					  "<=", 1000.0 },
		[AMP_BENCH_T_SDB_MEMCPY] = { "sdb_vs_memcpy",
					     "sdb 1 MiB buffers / memcpy",
					     ">=", 0.5 },
		[AMP_BENCH_T_SDB_RAW] = { "sdb_vs_raw",
					  "sdb / RPMsg copies, >= 64 KiB, "
					  "worst",
					  ">=", 3.0 },
		[AMP_BENCH_T_SDB_TTY] = { "sdb_vs_tty",
					  "sdb / tty, >= 64 KiB, worst",
					  ">=", 10.0 },
		[AMP_BENCH_T_M4_SDB_RAW] = { "m4_sdb_vs_raw",
					     "qemu-m4 sdb / copies, worst",
					     ">=", 3.0 },
		[AMP_BENCH_T_M4_SDB_TTY] = { "m4_sdb_vs_tty",
					     "qemu-m4 sdb / tty, worst",
					     ">=", 10.0 },
	};
	double worst = NAN, dev;
	const char *log_mode = "raw+log";
	int nlog = 0;
	size_t k;
	const struct amp_bench_result *pp, *st, *sp, *big, *up, *rec, *tty,
		*pty;
	const double none = NAN;
	int i;

	memset(r->t, 0, sizeof(r->t));
	for (i = 0; i < AMP_BENCH_T_COUNT; i++) {
		r->t[i].name = init[i].name;
		r->t[i].what = init[i].what;
		r->t[i].op = init[i].op;
		r->t[i].limit = init[i].limit;
	}
	pp = find(r, "pingpong", "pingpong", 0, 0);
	st = find(r, "raw", "stream", 0, 0);
	sp = find(r, "socketpair", "stream", 0, 0);
	big = find(r, "raw", "extended", 65536, 1u << 20);
	up = find(r, "lifecycle", "start", 0, 0);
	rec = find(r, "lifecycle", "recovery", 0, 0);
	tty = find(r, "tty", "extended", 0, 1u << 20);
	pty = find(r, "ptypair", "extended", 0, 1u << 20);

	set(&r->t[AMP_BENCH_T_PINGPONG],
	    pp && r->have_floors ? pp->st.median_ns / r->floors.busy_poll_rtt_ns
				 : none,
	    "pingpong median / busy_poll_rtt_ns");
	set(&r->t[AMP_BENCH_T_STREAM], st ? st->msgs_per_s : none,
	    "raw stream row (100000 x 496 B, 512 B buffers)");
	set(&r->t[AMP_BENCH_T_STREAM_VS],
	    st && sp ? st->msgs_per_s / sp->msgs_per_s : none,
	    "raw stream msgs/s / socketpair stream msgs/s");
	set(&r->t[AMP_BENCH_T_MEMCPY],
	    big && r->have_floors
		    ? big->bytes_per_s / (r->floors.memcpy_gbps * 1e9)
		    : none,
	    "raw 1 MiB test in 64 KiB buffers (65520 B messages) / memcpy");
	/* Every seed row must make it, so the worst one is the figure. */
	for (k = 0; k < r->n; k++) {
		const struct amp_bench_result *p = &r->res[k];

		if (strcmp(p->mode, "daemon") || strcmp(p->matrix, "seed"))
			continue;
		if (!p->ok || p->vs_inproc <= 0) {
			worst = NAN;
			break;
		}
		if (isnan(worst) || p->vs_inproc > worst)
			worst = p->vs_inproc;
	}
	set(&r->t[AMP_BENCH_T_DAEMON], worst,
	    "max over seed rows of daemon median / in-process median, "
	    "measured back to back");
	set(&r->t[AMP_BENCH_T_START], up ? up->st.median_ns / 1e6 : none,
	    "median of the lifecycle start row");
	set(&r->t[AMP_BENCH_T_RECOVERY], rec ? rec->st.median_ns / 1e6 : none,
	    "median of the lifecycle recovery row (SIGKILL to announced)");
	set(&r->t[AMP_BENCH_T_TTY],
	    tty && pty ? tty->bytes_per_s / pty->bytes_per_s : none,
	    "tty extended 1 MiB bytes/s / ptypair extended 1 MiB bytes/s");
	/* All eleven seed rows must be there and within the limit: those
	 * over the tty when it ran (the seed's own transport), else the
	 * in-process ones. */
	worst = NAN;
	for (k = 0; k < r->n; k++)
		if (r->res[k].log_baud && !strcmp(r->res[k].mode, "tty+log"))
			log_mode = "tty+log";
	for (k = 0; k < r->n; k++) {
		const struct amp_bench_result *p = &r->res[k];

		if (!p->log_baud || strcmp(p->mode, log_mode))
			continue;
		dev = amp_bench_seed_dev_pct(p);
		if (!p->ok || isnan(dev)) {
			nlog = -1;
			break;
		}
		nlog++;
		if (isnan(worst) || fabs(dev) > worst)
			worst = fabs(dev);
	}
	set(&r->t[AMP_BENCH_T_SEED_EMU], nlog == 11 ? worst : none,
	    strcmp(log_mode, "tty+log")
		    ? "max over the 11 raw+log seed rows (firmware logging "
		      "emulated) of |median / seed - 1| x 100"
		    : "max over the 11 tty+log seed rows (firmware logging "
		      "emulated, through the daemon's pty) of |median / seed "
		      "- 1| x 100");
	pp = find_on(r, "qemu-m4", "pingpong", "pingpong", 0, 0);
	up = find_on(r, "qemu-m4", "lifecycle", "start", 0, 0);
	set(&r->t[AMP_BENCH_T_M4_PINGPONG],
	    pp && r->floors.m4_bell_rtt_ns > 0
		    ? pp->st.median_ns / r->floors.m4_bell_rtt_ns
		    : none,
	    "qemu-m4 pingpong median / m4_bell_rtt_ns");
	set(&r->t[AMP_BENCH_T_M4_BOOT], up ? up->st.median_ns / 1e6 : none,
	    "median of the qemu-m4 lifecycle start row");
	sdb_targets(r, "posix", &r->t[AMP_BENCH_T_SDB_MEMCPY],
		    &r->t[AMP_BENCH_T_SDB_RAW], &r->t[AMP_BENCH_T_SDB_TTY]);
	sdb_targets(r, "qemu-m4", NULL, &r->t[AMP_BENCH_T_M4_SDB_RAW],
		    &r->t[AMP_BENCH_T_M4_SDB_TTY]);
}

/* ---- terminal ------------------------------------------------------- */

static const char *fmt_ns(char *buf, size_t len, double ns)
{
	if (ns < 1e4)
		snprintf(buf, len, "%.0f ns", ns);
	else if (ns < 1e7)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	return buf;
}

static const char *fmt_rate(char *buf, size_t len, double v)
{
	if (v >= 1e6)
		snprintf(buf, len, "%.2fM", v / 1e6);
	else if (v >= 1e3)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
	return buf;
}

static const char *fmt_buf(char *buf, size_t len,
			   const struct amp_bench_result *r)
{
	char size[12];

	if (!r->buf_size)
		snprintf(size, sizeof(size), "-");
	else if (r->buf_size % 1024 == 0)
		snprintf(size, sizeof(size), "%uK", r->buf_size / 1024);
	else
		snprintf(size, sizeof(size), "%u", r->buf_size);
	if (r->vring_num)
		snprintf(buf, len, "%sx%u", size, r->vring_num);
	else
		snprintf(buf, len, "%s", size);
	return buf;
}

void amp_bench_print_header(FILE *f)
{
	fprintf(f,
		"%-8s %-10s %-9s %-8s %6s %6s %10s %10s %10s %9s %8s %8s  %s\n",
		"platform", "mode", "matrix", "buf x n", "block", "blocks",
		"time", "p99", "MB/s", "msgs/s", "seed ms", "x seed", "ack");
}

void amp_bench_print_row(FILE *f, const struct amp_bench_result *r)
{
	char med[24], p99[24], buf[32], rate[24], mbs[24], seed[16],
		speedup[16];

	snprintf(seed, sizeof(seed), "%s", "-");
	snprintf(speedup, sizeof(speedup), "%s", "-");
	if (r->seed_ms > 0) {
		snprintf(seed, sizeof(seed), "%.2f", r->seed_ms);
		if (r->st.median_ns)
			fmt_rate(speedup, sizeof(speedup),
				 r->seed_ms * 1e6 / r->st.median_ns);
	}
	/* Rows that move no data (the life cycle) are latencies only. */
	snprintf(mbs, sizeof(mbs), "-");
	snprintf(rate, sizeof(rate), "-");
	if (r->total) {
		snprintf(mbs, sizeof(mbs), "%.1f", r->bytes_per_s / 1e6);
		fmt_rate(rate, sizeof(rate), r->msgs_per_s);
	}
	fprintf(f,
		"%-8s %-10s %-9s %-8s %6u %6u %10s %10s %10s %9s %8s %8s  %s\n",
		r->platform ? r->platform : "posix", r->mode, r->matrix,
		fmt_buf(buf, sizeof(buf), r), r->block, r->blocks,
		fmt_ns(med, sizeof(med), (double)r->st.median_ns),
		fmt_ns(p99, sizeof(p99), (double)r->st.p99_ns), mbs, rate, seed,
		speedup, r->ok ? "ok" : "FAIL");
	fflush(f);
}

/* --platform all: each seed row on qemu-m4 beside the same row on posix
 * (the raw in-process rows, logging off). */
static void print_platforms(FILE *f, const struct amp_bench_report *r)
{
	bool head = false;

	for (size_t i = 0; i < r->n; i++) {
		const struct amp_bench_result *p = &r->res[i], *m4 = NULL;

		if (!on_platform(p, "posix") || strcmp(p->mode, "raw") ||
		    strcmp(p->matrix, "seed") || p->log_baud || !p->ok)
			continue;
		for (size_t j = 0; j < r->n && !m4; j++) {
			const struct amp_bench_result *q = &r->res[j];

			if (on_platform(q, "qemu-m4") &&
			    !strcmp(q->mode, "raw") &&
			    !strcmp(q->matrix, "seed") && !q->log_baud &&
			    q->ok && q->block == p->block &&
			    q->blocks == p->blocks)
				m4 = q;
		}
		if (!m4 || !p->st.median_ns)
			continue;
		if (!head)
			fprintf(f, "\n  the seed matrix on both platforms "
				   "(in process, raw endpoint):\n"
				   "    block x n     posix      qemu-m4   "
				   "qemu-m4 / posix\n");
		head = true;
		fprintf(f, "    %5u x %-3u %8.1f us  %8.1f us  %8.1f\n",
			p->block, p->blocks, p->st.median_ns / 1e3,
			m4->st.median_ns / 1e3,
			(double)m4->st.median_ns / (double)p->st.median_ns);
	}
}

/* The seed row measured the same way without the logging, for a row
 * with (raw+log: raw, tty+log: tty). */
static const struct amp_bench_result *
plain_twin(const struct amp_bench_report *r, const struct amp_bench_result *p)
{
	const struct amp_bench_result *best = NULL;
	const char *mode = strcmp(p->mode, "tty+log") ? "raw" : "tty";
	size_t i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->res[i].mode, mode) &&
		    !strcmp(r->res[i].matrix, "seed") && r->res[i].ok &&
		    r->res[i].block == p->block &&
		    r->res[i].blocks == p->blocks && r->res[i].st.median_ns)
			best = &r->res[i];
	return best;
}

/*
 * --seed-compare: each seed row with the firmware's logging emulated next
 * to the seed's own figure, REFERENCE 9's model (3.15 ms per line at
 * 115200 baud, one line per 496-byte message plus two) and the same row
 * without logging.
 */
static void print_seed_compare(FILE *f, const struct amp_bench_report *r)
{
	const struct amp_bench_result *p, *off;
	char plain[24];
	double model, dev;
	uint64_t msgs;
	size_t i, n = 0;

	for (i = 0; i < r->n; i++) {
		p = &r->res[i];
		if (!p->log_baud || p->seed_ms <= 0)
			continue;
		if (!n++)
			fprintf(f,
				"\n  the seed's table reproduced: firmware "
				"logging emulated at %u baud (docs/seed.md)\n"
				"    %-7s %-11s %5s %9s %9s %10s %8s %12s\n",
				p->log_baud, "mode", "block x n", "msgs",
				"seed ms", "model ms", "log on ms", "dev",
				"log off us");
		/* The messages the firmware's callback sees: each block cut
		 * at 496 bytes, in process by the client, over the tty by
		 * the daemon.  The seed's line cost, scaled to the baud. */
		msgs = (uint64_t)((p->block + AMP_BENCH_SEED_MSG - 1) /
				  AMP_BENCH_SEED_MSG) *
		       p->blocks;
		model = AMP_BENCH_SEED_LINE_MS * 115200.0 / p->log_baud *
			(double)(msgs + 2);
		dev = amp_bench_seed_dev_pct(p);
		off = plain_twin(r, p);
		snprintf(plain, sizeof(plain), "-");
		if (off)
			snprintf(plain, sizeof(plain), "%.1f",
				 off->st.median_ns / 1e3);
		if (p->ok && !isnan(dev))
			fprintf(f,
				"    %-7s %5u x %-3u %5llu %9.2f %9.2f %10.2f "
				"%+7.1f%% %12s  %s\n",
				p->mode, p->block, p->blocks,
				(unsigned long long)msgs, p->seed_ms, model,
				p->st.median_ns / 1e6, dev, plain,
				fabs(dev) <= 10.0 ? "PASS" : "MISS");
		else
			fprintf(f,
				"    %-7s %5u x %-3u %5llu %9.2f %9.2f %10s "
				"%8s "
				"%12s  FAIL\n",
				p->mode, p->block, p->blocks,
				(unsigned long long)msgs, p->seed_ms, model,
				"-", "-", plain);
	}
}

void amp_bench_print_summary(FILE *f, const struct amp_bench_report *r)
{
	const struct amp_bench_target *t;
	size_t i, bad = 0;
	char value[32];
	int k;

	fprintf(f, "\nfloors & ratios (this run, %s, %ld cpus)\n",
		r->machine.cpu, r->machine.cpus);
	if (r->have_floors)
		fprintf(f,
			"  busy-poll round trip   %8.0f ns   (two processes "
			"spinning on shared cache lines)\n"
			"  wake-up round trip     %8.0f ns   (two processes "
			"blocking on eventfds)\n"
			"  memcpy                 %8.1f GB/s (64 KiB, in "
			"cache, best run)\n",
			r->floors.busy_poll_rtt_ns, r->floors.wake_rtt_ns,
			r->floors.memcpy_gbps);
	if (r->floors.m4_bell_rtt_ns > 0)
		fprintf(f,
			"  qemu-m4 doorbell       %8.0f ns   (a UART1 byte "
			"answered by the guest's interrupt handler)\n",
			r->floors.m4_bell_rtt_ns);
	for (k = 0; k < AMP_BENCH_T_COUNT; k++) {
		t = &r->t[k];
		if (t->measured)
			snprintf(value, sizeof(value), "%.*f",
				 t->value >= 1000 ? 0 : 3, t->value);
		else
			snprintf(value, sizeof(value), "-");
		fprintf(f, "  %-38s %12s   target %s %-9.*f %s\n", t->what,
			value, t->op, t->limit >= 1000 ? 0 : 2, t->limit,
			!t->measured ? "n/a (not run)"
			: t->pass    ? "PASS"
				     : "MISS");
	}
	for (i = 0; i < r->n; i++) {
		const struct amp_bench_result *p = &r->res[i];

		if (strcmp(p->mode, "daemon") || p->vs_inproc <= 0)
			continue;
		if (!bad++)
			fprintf(f, "\n  daemon socket path / in-process, per "
				   "seed row (target <= 3):\n");
		fprintf(f, "    %5u x %-3u %10.1f us / %8.1f us = %5.2f  %s\n",
			p->block, p->blocks, p->st.median_ns / 1e3,
			p->st.median_ns / p->vs_inproc / 1e3, p->vs_inproc,
			p->vs_inproc <= 3.0 ? "PASS" : "MISS");
	}
	print_seed_compare(f, r);
	print_platforms(f, r);
	bad = 0;
	for (i = 0; i < r->n; i++)
		if (!r->res[i].ok)
			bad++;
	if (bad) {
		fprintf(f, "\n%zu test(s) FAILED:\n", bad);
		for (i = 0; i < r->n; i++)
			if (!r->res[i].ok)
				fprintf(f, "  %s %s %ux%u (buf %u): %s\n",
					r->res[i].mode, r->res[i].matrix,
					r->res[i].block, r->res[i].blocks,
					r->res[i].buf_size, r->res[i].why);
	}
}

/* ---- JSON ------------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* JSON has no NaN or infinity: an unmeasurable number is null. */
static void json_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.6g", v);
	else
		fputs("null", f);
}

int amp_bench_write_json(FILE *f, const struct amp_bench_report *r)
{
	const struct amp_bench_result *p;
	const struct amp_bench_target *t;
	bool all_ok = true;
	size_t i;
	int k;

	fprintf(f, "{\n  \"version\": 1,\n  \"tool\": \"ampkit bench\",\n");
	fprintf(f, "  \"machine\": {\"cpu\": ");
	json_str(f, r->machine.cpu);
	fprintf(f, ", \"cpus\": %ld, \"kernel\": ", r->machine.cpus);
	json_str(f, r->machine.kernel);
	fprintf(f, ", \"compiler\": ");
	json_str(f, r->machine.compiler);
	fprintf(f, ", \"load1\": ");
	json_num(f, r->machine.load1 >= 0 ? r->machine.load1 : NAN);
	fprintf(f, "},\n  \"floors\": ");
	if (r->have_floors) {
		fprintf(f, "{\"busy_poll_rtt_ns\": ");
		json_num(f, r->floors.busy_poll_rtt_ns);
		fprintf(f, ", \"wake_rtt_ns\": ");
		json_num(f, r->floors.wake_rtt_ns);
		fprintf(f, ", \"memcpy_gbps\": ");
		json_num(f, r->floors.memcpy_gbps);
		fprintf(f, ", \"m4_doorbell_rtt_ns\": ");
		if (r->floors.m4_bell_rtt_ns > 0)
			json_num(f, r->floors.m4_bell_rtt_ns);
		else
			fprintf(f, "null");
		fprintf(f, "},\n");
	} else {
		fprintf(f, "null,\n");
	}
	fprintf(f, "  \"results\": [");
	for (i = 0; i < r->n; i++) {
		p = &r->res[i];
		all_ok = all_ok && p->ok;
		fprintf(f, "%s\n    {\"platform\": ", i ? "," : "");
		json_str(f, p->platform ? p->platform : "posix");
		fprintf(f, ", \"mode\": ");
		json_str(f, p->mode);
		fprintf(f, ", \"matrix\": ");
		json_str(f, p->matrix);
		fprintf(f,
			", \"buf_size\": %u, \"vring_num\": %u, "
			"\"msg_max\": %u, \"block\": %u, \"blocks\": %u, "
			"\"total\": %llu, \"msgs\": %llu, \"reps\": %u, "
			"\"median_ns\": %llu, \"p99_ns\": %llu, "
			"\"min_ns\": %llu, \"max_ns\": %llu, "
			"\"bytes_per_s\": ",
			p->buf_size, p->vring_num, p->msg_max, p->block,
			p->blocks, (unsigned long long)p->total,
			(unsigned long long)p->msgs, p->reps,
			(unsigned long long)p->st.median_ns,
			(unsigned long long)p->st.p99_ns,
			(unsigned long long)p->st.min_ns,
			(unsigned long long)p->st.max_ns);
		json_num(f, p->bytes_per_s);
		fprintf(f, ", \"msgs_per_s\": ");
		json_num(f, p->msgs_per_s);
		fprintf(f, ", \"seed_ms\": ");
		json_num(f, p->seed_ms > 0 ? p->seed_ms : NAN);
		fprintf(f, ", \"vs_inprocess\": ");
		json_num(f, p->vs_inproc > 0 ? p->vs_inproc : NAN);
		fprintf(f, ", \"log_baud\": ");
		json_num(f, p->log_baud ? (double)p->log_baud : NAN);
		fprintf(f, ", \"seed_dev_pct\": ");
		json_num(f, p->log_baud ? amp_bench_seed_dev_pct(p) : NAN);
		fprintf(f,
			", \"ok\": %s, \"error\": ", p->ok ? "true" : "false");
		if (p->ok)
			fputs("null", f);
		else
			json_str(f, p->why);
		fputc('}', f);
	}
	fprintf(f, "\n  ],\n  \"targets\": [");
	for (k = 0; k < AMP_BENCH_T_COUNT; k++) {
		t = &r->t[k];
		fprintf(f, "%s\n    {\"name\": ", k ? "," : "");
		json_str(f, t->name);
		fprintf(f, ", \"what\": ");
		json_str(f, t->what);
		fprintf(f, ", \"op\": ");
		json_str(f, t->op);
		fprintf(f, ", \"limit\": ");
		json_num(f, t->limit);
		fprintf(f, ", \"value\": ");
		json_num(f, t->measured ? t->value : NAN);
		fprintf(f, ", \"pass\": %s, \"basis\": ",
			!t->measured ? "null"
			: t->pass    ? "true"
				     : "false");
		json_str(f, t->basis ? t->basis : "");
		fputc('}', f);
	}
	fprintf(f, "\n  ],\n  \"ok\": %s\n}\n", all_ok ? "true" : "false");
	return ferror(f) ? -1 : 0;
}
