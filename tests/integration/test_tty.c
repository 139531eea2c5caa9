/*
 * test_tty.c - the daemon's tty channels end to end, as a user of
 * /dev/ttyRPMSGn would see them: the real daemon started through the CLI,
 * the real bench firmware (tty0: the seed's responder, tty1: echo), and
 * the pty opened through its stable path <run-dir>/<rproc>/ttyRPMSG<n>.
 *
 * Covers the listing and raw mode, 64 MiB through the echo in both
 * directions at once (every byte checked in place, and a CRC), a writer
 * 100 times faster than its reader (it blocks, nothing is lost), the seed
 * protocol at 1 MiB and more per test with one write() each, one 1 MiB
 * write() echoed whole, 1000 opens and closes of one port while the other
 * carries traffic, a crash with clients attached (hangup, then a fresh
 * open after recovery carries the seed tests and `ampkit bench --tty`),
 * a client killed in the middle of a seed test (the firmware is told, the
 * next client's tests are answered), ST's channel name on a firmware
 * without credits (raw framing, overflow counted), stop, start and
 * shutdown with a client attached, and a firmware killed mid-transfer
 * (what came back is exact up to the cut) while another coprocessor keeps
 * serving.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <ampkit/bench_proto.h>
#include <ampkit/client.h>

#include "cli_run.h"

#define MiB (1024u * 1024u)
/* Longest a healthy path may stay silent; past it the test fails
 * instead of hanging. */
#define STALL_MS 10000

static int setup(void **state)
{
	(void)state;
	return cli_setup("/tmp/ampkit-tty-XXXXXX");
}

static int teardown(void **state)
{
	(void)state;
	return cli_teardown();
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void tty_path(char *buf, size_t len, const char *rproc, int n)
{
	snprintf(buf, len, "%s/%s/ttyRPMSG%d", run_dir, rproc, n);
}

/* Start `rproc`; both tty ports are up when it returns (tty1 is
 * announced after tty0). */
static void start(const char *rproc)
{
	assert_int_equal(ampkit("start", fw, "--rproc", rproc, "--wait",
				"ttyRPMSG1", NULL),
			 0);
}

/* Wait (the daemon's `wait` request, no polling) until ttyRPMSG<n> of
 * rproc is up again, e.g. after a recovery. */
static void wait_tty(const char *rproc, int n)
{
	char name[16], resp[64], err[256];
	const char *f[4] = { "wait", rproc, name, "5000" };

	snprintf(name, sizeof(name), "ttyRPMSG%d", n);
	if (amp_client_request(run_dir, f, 4, resp, sizeof(resp), err,
			       sizeof(err)) < 0)
		fail_msg("%s of %s did not come back: %s", name, rproc, err);
}

static int tty_open(const char *rproc, int n)
{
	char path[256];
	int fd;

	tty_path(path, sizeof(path), rproc, n);
	fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		fail_msg("open %s: %s", path, strerror(errno));
	return fd;
}

/* Read exactly n bytes unless the path stays silent for STALL_MS, ends
 * or fails; returns what was read. */
static size_t read_full(int fd, void *buf, size_t n)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		if (poll(&p, 1, STALL_MS) != 1)
			break;
		r = read(fd, (uint8_t *)buf + got, n - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static bool write_full(int fd, const void *buf, size_t n)
{
	size_t off = 0;
	ssize_t w;

	while (off < n) {
		w = write(fd, (const uint8_t *)buf + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		off += (size_t)w;
	}
	return true;
}

/* A byte stream no reordering, loss or duplication can leave intact. */
struct gen {
	uint64_t s;
};

static void gen_fill(struct gen *g, uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		g->s = g->s * 6364136223846793005ull + 1442695040888963407ull;
		b[i] = (uint8_t)(g->s >> 56);
	}
}

/* One seed test of `total` bytes sent with a single write(); the ack. */
static long seed_test(int fd, uint32_t total)
{
	uint8_t *buf = malloc(total), ack[4];
	uint32_t hs = amp_bench_hdr_size(total), as = amp_bench_ack_size(total);
	long r = -1;

	assert_non_null(buf);
	amp_bench_pattern(buf, 0, total);
	amp_bench_hdr_write(buf, total, amp_crc16(0, buf + hs, total - hs));
	if (write(fd, buf, total) == (ssize_t)total &&
	    read_full(fd, ack, as) == as)
		r = (long)amp_bench_ack_parse(ack, as);
	free(buf);
	return r;
}

static void test_listed_raw(void **state)
{
	char path[256], target[64], line[400];
	struct termios tio;
	ssize_t n;
	int fd;

	(void)state;
	start("remoteproc0");
	assert_int_equal(ampkit("channels", NULL), 0);
	for (int i = 0; i < 2; i++) {
		tty_path(path, sizeof(path), "remoteproc0", i);
		n = readlink(path, target, sizeof(target) - 1);
		assert_true(n > 0);
		target[n] = '\0';
		assert_non_null(strstr(target, "/dev/pts/"));
		/* channels shows the stable path and the pty behind it */
		snprintf(line, sizeof(line), "%s -> %s\n", path, target);
		if (!strstr(out, line))
			fail_msg("'%s' not in:\n%s", line, out);
	}
	assert_non_null(strstr(out, "rpmsg-tty "));
	/* The client library knows a tty is not a socket, and says where
	 * it is. */
	assert_true(amp_client_open(run_dir, NULL, "rpmsg-tty", line,
				    sizeof(line)) < 0);
	if (!strstr(line, "is a tty, not a socket: open ") ||
	    !strstr(line, "/remoteproc0/ttyRPMSG"))
		fail_msg("amp_client_open: %s", line);
	/* Raw by default: no echo, no line editing, no translation. */
	fd = tty_open("remoteproc0", 1);
	assert_int_equal(tcgetattr(fd, &tio), 0);
	assert_int_equal(tio.c_lflag & (ICANON | ECHO | ISIG), 0);
	assert_int_equal(tio.c_iflag & (ICRNL | IXON), 0);
	assert_int_equal(tio.c_oflag & OPOST, 0);
	/* A client's settings survive its close (the daemon keeps the
	 * slave open), as they do on a serial port. */
	cfsetspeed(&tio, B9600);
	assert_int_equal(tcsetattr(fd, TCSANOW, &tio), 0);
	close(fd);
	fd = tty_open("remoteproc0", 1);
	assert_int_equal(tcgetattr(fd, &tio), 0);
	assert_int_equal(cfgetospeed(&tio), B9600);
	close(fd);
}

struct writer {
	pthread_t th;
	int fd;
	uint64_t total; /* 0: until write() fails */
	uint32_t chunk; /* 0: varying sizes */
	atomic_uint_fast64_t done;
	uint16_t crc;
	int err;	/* errno of the write that failed, 0 if none */
	unsigned calls; /* write() calls made */
	uint8_t *buf;
};

static void *writer_main(void *arg)
{
	static const uint32_t sizes[] = { 1,	7,     496,    497,
					  4096, 65536, 100000, 300 };
	struct writer *w = arg;
	struct gen g = { 1 };
	uint64_t off = 0;
	uint32_t n;
	unsigned k = 0;
	ssize_t r;

	while (!w->total || off < w->total) {
		n = w->chunk ? w->chunk : sizes[k++ % 8];
		if (w->total && n > w->total - off)
			n = (uint32_t)(w->total - off);
		gen_fill(&g, w->buf, n);
		w->crc = amp_crc16(w->crc, w->buf, n);
		for (uint32_t o = 0; o < n; o += (uint32_t)r) {
			r = write(w->fd, w->buf + o, n - o);
			w->calls++;
			if (r < 0 && errno == EINTR) {
				r = 0;
				continue;
			}
			if (r <= 0) {
				w->err = r < 0 ? errno : EIO;
				return NULL;
			}
			atomic_fetch_add(&w->done, (uint64_t)r);
		}
		off += n;
	}
	return NULL;
}

static void writer_start(struct writer *w, int fd, uint64_t total,
			 uint32_t chunk)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->total = total;
	w->chunk = chunk;
	w->buf = malloc(chunk > 100000 ? chunk : 100000);
	assert_non_null(w->buf);
	assert_int_equal(pthread_create(&w->th, NULL, writer_main, w), 0);
}

/* Join, or give up on a writer stuck in write() (the test fails then). */
static bool writer_join(struct writer *w, int ms)
{
	struct timespec dl;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += ms / 1000;
	ok = pthread_timedjoin_np(w->th, NULL, &dl) == 0;
	if (!ok) {
		pthread_cancel(w->th);
		pthread_join(w->th, NULL);
	}
	free(w->buf);
	return ok;
}

/*
 * Read `total` bytes of the writer's stream back, checking each byte in
 * place; `rate` > 0 (bytes/s) makes a slow reader: 1 KiB at a time, each
 * read waiting until the schedule allows it, so it never reads faster
 * than that on average (a late wakeup only makes it slower).  Returns
 * the offset of the first wrong byte, or total.  *ahead: the most the
 * writer was ever ahead of this reader.
 */
static uint64_t read_stream(int fd, uint64_t total, double rate,
			    const struct writer *w, uint64_t *ahead,
			    uint16_t *crc)
{
	static uint8_t buf[256 * 1024], want[256 * 1024];
	struct gen g = { 1 };
	uint64_t got = 0, lead;
	size_t cap = rate > 0 ? 1024 : sizeof(buf), n;
	struct timespec t0;
	double due_ms;

	*ahead = 0;
	*crc = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (got < total) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, STALL_MS) != 1)
			break;
		n = total - got < cap ? (size_t)(total - got) : cap;
		r = read(fd, buf, n);
		if (r <= 0)
			break;
		gen_fill(&g, want, (size_t)r);
		if (memcmp(buf, want, (size_t)r)) {
			for (n = 0; buf[n] == want[n]; n++)
				;
			return got + n;
		}
		*crc = amp_crc16(*crc, buf, (size_t)r);
		got += (size_t)r;
		lead = atomic_load(&((struct writer *)w)->done) - got;
		if (lead > *ahead && lead < UINT64_MAX / 2)
			*ahead = lead;
		due_ms = rate > 0 ? (double)got / rate * 1e3 : 0;
		if (due_ms > ms_since(&t0))
			usleep((useconds_t)((due_ms - ms_since(&t0)) * 1e3));
	}
	return got;
}

static void test_echo_64mib_both_ways(void **state)
{
	const uint64_t total = 64ull * MiB;
	struct timespec t0;
	struct writer w;
	uint64_t got, ahead;
	uint16_t crc;
	double ms;
	int fd;

	(void)state;
	start("remoteproc0");
	fd = tty_open("remoteproc0", 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	writer_start(&w, fd, total, 0);
	got = read_stream(fd, total, 0, &w, &ahead, &crc);
	ms = ms_since(&t0);
	assert_true(writer_join(&w, 5000));
	if (got != total)
		fail_msg("echo stream broken at byte %llu of %llu",
			 (unsigned long long)got, (unsigned long long)total);
	assert_int_equal(w.err, 0);
	assert_int_equal(crc, w.crc);
	print_message("64 MiB each way through ttyRPMSG1: %.0f ms, "
		      "%.1f MB/s each way\n",
		      ms, (double)total / ms / 1e3);
	close(fd);
}

/*
 * A writer at least 100 times faster than its reader.  The writer's rate
 * with nothing holding it back is measured first, through the same port
 * with a reader that keeps up; then a reader paced at 1/100 of that
 * (never slower than 1 MiB in 8 s, so the test stays short on a slow
 * machine) takes 1 MiB.  The writer must be held back by blocking
 * writes, never more than the path's buffers ahead, and every byte must
 * arrive.
 */
static void test_slow_reader(void **state)
{
	const uint64_t fast_total = 8ull * MiB, total = MiB;
	struct timespec t0;
	struct writer w;
	uint64_t got, ahead;
	uint16_t crc;
	double fast, rate, ms;
	int fd;

	(void)state;
	start("remoteproc0");
	fd = tty_open("remoteproc0", 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	writer_start(&w, fd, fast_total, 65536);
	got = read_stream(fd, fast_total, 0, &w, &ahead, &crc);
	ms = ms_since(&t0);
	assert_true(writer_join(&w, 5000));
	assert_int_equal(got, fast_total);
	assert_int_equal(crc, w.crc);
	fast = (double)fast_total / ms * 1e3;

	rate = fast / 100;
	if (rate < (double)total / 8)
		rate = (double)total / 8;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	writer_start(&w, fd, total, 65536);
	got = read_stream(fd, total, rate, &w, &ahead, &crc);
	ms = ms_since(&t0);
	assert_true(writer_join(&w, 5000));
	if (got != total)
		fail_msg("slow reader: stream broken at byte %llu",
			 (unsigned long long)got);
	assert_int_equal(crc, w.crc);
	assert_int_equal(w.err, 0);
	print_message("slow reader: writer alone %.1f MB/s, reader paced at "
		      "%.0f KB/s (%.0fx slower, took %.0f KB/s over %.1f s); "
		      "the writer was at most %llu KiB ahead\n",
		      fast / 1e6, rate / 1e3, fast / rate, (double)total / ms,
		      ms / 1e3, (unsigned long long)(ahead / 1024));
	/* Pty buffers, the daemon's staging and out ring, the firmware's
	 * window and the writer's own 64 KiB chunk: well under the 1 MiB
	 * an unblocked writer would have been ahead by. */
	assert_true(ahead < 384 * 1024);
	close(fd);
}

/* The seed protocol on tty0, each test in one write(): the matrix's
 * sizes, the largest standard one, and extended ones of 1 MiB and
 * more, far past the 5-6 KB where the seed's tty hung. */
static void test_seed_over_tty(void **state)
{
	static const uint32_t totals[] = { 512,	 1024,	  2048,
					   4096, 65535,	  65536,
					   MiB,	 2 * MiB, 3 * MiB + 7 };
	struct timespec t0;
	int fd;

	(void)state;
	start("remoteproc0");
	fd = tty_open("remoteproc0", 0);
	for (unsigned i = 0; i < sizeof(totals) / sizeof(totals[0]); i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (seed_test(fd, totals[i]) != (long)totals[i])
			fail_msg("seed test of %u bytes failed", totals[i]);
		if (totals[i] >= MiB)
			print_message("seed test of %u bytes: %.1f ms\n",
				      totals[i], ms_since(&t0));
	}
	close(fd);
}

/* One write() of 1 MiB through the echo returns 1 MiB and comes back
 * whole. */
static void test_one_big_write(void **state)
{
	struct writer w;
	uint64_t got, ahead;
	uint16_t crc;
	int fd;

	(void)state;
	start("remoteproc0");
	fd = tty_open("remoteproc0", 1);
	writer_start(&w, fd, MiB, MiB);
	got = read_stream(fd, MiB, 0, &w, &ahead, &crc);
	assert_true(writer_join(&w, 5000));
	assert_int_equal(got, MiB);
	assert_int_equal(crc, w.crc);
	assert_int_equal(w.err, 0);
	assert_int_equal(w.calls, 1); /* not cut short */
	close(fd);
}

struct pingpong {
	pthread_t th;
	int fd;
	atomic_bool stop;
	atomic_uint_fast64_t bytes;
	atomic_bool broken;
};

/* Write 4 KiB, read it back, check it, until told to stop. */
static void *pingpong_main(void *arg)
{
	struct pingpong *pp = arg;
	struct gen gw = { 7 }, gr = { 7 };
	uint8_t buf[4096], want[4096];

	while (!atomic_load(&pp->stop)) {
		gen_fill(&gw, buf, sizeof(buf));
		if (!write_full(pp->fd, buf, sizeof(buf)) ||
		    read_full(pp->fd, buf, sizeof(buf)) != sizeof(buf)) {
			atomic_store(&pp->broken, true);
			break;
		}
		gen_fill(&gr, want, sizeof(want));
		if (memcmp(buf, want, sizeof(buf))) {
			atomic_store(&pp->broken, true);
			break;
		}
		atomic_fetch_add(&pp->bytes, sizeof(buf));
	}
	return NULL;
}

static void test_open_close_1000(void **state)
{
	struct pingpong pp = { .fd = -1 };
	struct termios tio;
	int fd;

	(void)state;
	start("remoteproc0");
	pp.fd = tty_open("remoteproc0", 1);
	assert_int_equal(pthread_create(&pp.th, NULL, pingpong_main, &pp), 0);
	/* 1000 opens at least, and on until the other port has carried
	 * 1 MiB meanwhile. */
	for (int i = 0; i < 1000 || (atomic_load(&pp.bytes) < MiB &&
				     !atomic_load(&pp.broken));
	     i++) {
		fd = tty_open("remoteproc0", 0);
		if (i % 100 == 0) {
			assert_int_equal(tcgetattr(fd, &tio), 0);
			assert_int_equal(tio.c_lflag & ICANON, 0);
		}
		assert_int_equal(close(fd), 0);
	}
	atomic_store(&pp.stop, true);
	pthread_join(pp.th, NULL);
	assert_false(atomic_load(&pp.broken));
	print_message("1000 opens of ttyRPMSG0 while %llu KiB echoed on "
		      "ttyRPMSG1\n",
		      (unsigned long long)(atomic_load(&pp.bytes) / 1024));
	assert_true(atomic_load(&pp.bytes) >= MiB);
	/* Neither port lost anything or got stuck. */
	fd = tty_open("remoteproc0", 0);
	assert_int_equal(seed_test(fd, MiB), MiB);
	close(fd);
	close(pp.fd);
}

/* Expect the hangup a serial port shows when it loses carrier. */
static void assert_hung_up(int fd, const char *what)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint8_t b[64];
	ssize_t r;

	if (poll(&p, 1, 3000) != 1 || !(p.revents & POLLHUP))
		fail_msg("%s: no hangup seen (revents 0x%x)", what,
			 (unsigned)p.revents);
	do
		r = read(fd, b, sizeof(b)); /* what was in flight, then 0 */
	while (r > 0);
	assert_true(r == 0 || errno == EIO);
	errno = 0;
	assert_int_equal(write(fd, "x", 1), -1);
	assert_int_equal(errno, EIO);
}

static bool log_has(const char *text, int times)
{
	char path[128], line[1024];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", run_dir, AMP_CLIENT_LOG);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, text) != NULL;
	fclose(f);
	return n >= times;
}

static void test_crash_hangup_recover(void **state)
{
	char err[256], path[256], before[64], after[64];
	struct timespec t0;
	int fd0, fd1, ctl;
	ssize_t n;

	(void)state;
	start("remoteproc0");
	fd0 = tty_open("remoteproc0", 0);
	fd1 = tty_open("remoteproc0", 1);
	assert_int_equal(seed_test(fd0, MiB), MiB);
	tty_path(path, sizeof(path), "remoteproc0", 0);
	n = readlink(path, before, sizeof(before) - 1);
	assert_true(n > 0);
	before[n] = '\0';

	/* A firmware fault (abort on posix) with both ports open. */
	ctl = amp_client_open(run_dir, NULL, "ampkit-ctl", err, sizeof(err));
	assert_true(ctl >= 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(send(ctl, "crash", 5, MSG_NOSIGNAL), 5);
	assert_hung_up(fd0, "ttyRPMSG0");
	print_message("client saw the hangup after %.1f ms\n", ms_since(&t0));
	assert_hung_up(fd1, "ttyRPMSG1");
	close(fd0);
	close(fd1);
	close(ctl);

	/* Recovery (on by default) brings a fresh pty under the same name. */
	wait_tty("remoteproc0", 0);
	wait_tty("remoteproc0", 1);
	n = readlink(path, after, sizeof(after) - 1);
	assert_true(n > 0);
	after[n] = '\0';
	print_message("ttyRPMSG0: %s before the crash, %s after\n", before,
		      after);
	fd0 = tty_open("remoteproc0", 0);
	assert_int_equal(seed_test(fd0, MiB), MiB);
	assert_int_equal(seed_test(fd0, 4096), 4096);
	close(fd0);
	/* And the benchmark a user would run on it, through the path. */
	if (ampkit("bench", "--tty", path, "--matrix", "seed", "--quick",
		   NULL) != 0 ||
	    !strstr(out, "tty        seed"))
		fail_msg("ampkit bench --tty %s after recovery:\n%s\n%s", path,
			 out, errout);
	assert_true(log_has("ttyRPMSG0 down (hung up)", 1));
	assert_true(log_has("ttyRPMSG0 up", 2));
	assert_true(log_has("ttyRPMSG1 up", 2));
}

/* Whether the firmware's trace buffer holds `text`. */
static bool trace_has(const char *rproc, const char *text)
{
	static char resp[AMP_CLIENT_RESP_MAX];
	const char *f[2] = { "trace", rproc };
	char err[256];

	if (amp_client_request(run_dir, f, 2, resp, sizeof(resp), err,
			       sizeof(err)) < 0)
		return false;
	return strstr(resp, text) != NULL;
}

/*
 * A client that dies halfway through a seed test must not leave the
 * responder on tty0 waiting for the rest: the daemon sees the tty's last
 * close and tells the firmware after the client's last byte, so the next
 * client's tests are answered right.  (Without that, the next 2048-byte
 * test is counted into the dead one's 4096 and gets no ack; the one
 * after gets a wrong ack.)
 */
static void test_client_vanishes_mid_test(void **state)
{
	uint8_t buf[4096];
	char path[256];
	int fd, st;
	pid_t pid;

	(void)state;
	start("remoteproc0");
	fd = tty_open("remoteproc0", 0);
	assert_int_equal(seed_test(fd, 512), 512);
	close(fd);

	/* 1000 bytes of a 4096-byte test, then the client is killed. */
	amp_bench_pattern(buf, 0, sizeof(buf));
	amp_bench_hdr_write(buf, sizeof(buf),
			    amp_crc16(0, buf + 6, sizeof(buf) - 6));
	tty_path(path, sizeof(path), "remoteproc0", 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fd = open(path, O_RDWR | O_NOCTTY);
		if (fd < 0 || write(fd, buf, 1000) != 1000)
			_exit(1);
		raise(SIGKILL);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);

	/* Its end reaches the firmware after its 1000 bytes (the trace
	 * says what was dropped).  A client opening the port the same
	 * microsecond could come before the daemon noticed; docs/tty.md. */
	for (int i = 0;
	     i < 500 && !trace_has("remoteproc0", "tty0: host closed the tty: "
						  "test at 1000 of 4096 bytes");
	     i++)
		usleep(10000);
	fd = tty_open("remoteproc0", 0);
	assert_int_equal(seed_test(fd, 2048), 2048);
	assert_int_equal(seed_test(fd, 4096), 4096);
	close(fd);
	assert_true(trace_has("remoteproc0", "tty0: host closed the tty: test "
					     "at 1000 of 4096 bytes"));
}

/*
 * The bench app as an STM32Cube VIRT_UART firmware presents its ttys:
 * both ports named "rpmsg-tty-channel" (ST's name) and no credits, so the
 * daemon speaks upstream's raw framing to it.  Each port is a pty; the
 * seed protocol works over tty0; a client that keeps its own window (at
 * most 32 KiB unread, as one must with an upstream rpmsg tty) gets 4 MiB
 * echoed intact; one that writes 1 MiB without reading overflows the
 * daemon's buffer, which drops the excess, keeps the prefix exact, and
 * says so in the log; and the port still works after.
 */
static void test_st_name_without_credits(void **state)
{
	static uint8_t buf[65536], want[65536];
	const uint64_t total = 4ull * MiB;
	struct gen gw = { 3 }, gr = { 3 };
	uint64_t sent = 0, got = 0;
	char fw_st[600], line[400], path[256];
	size_t n;
	ssize_t r;
	int fd;

	(void)state;
	snprintf(fw_st, sizeof(fw_st), "%s-st", fw);
	assert_int_equal(ampkit("start", fw_st, "--wait", "ttyRPMSG1", NULL),
			 0);
	assert_int_equal(ampkit("channels", NULL), 0);
	for (int i = 0; i < 2; i++) {
		const char *at, *bol;

		tty_path(path, sizeof(path), "remoteproc0", i);
		snprintf(line, sizeof(line), "%s -> /dev/pts/", path);
		at = strstr(out, line);
		for (bol = at; bol && bol > out && bol[-1] != '\n'; bol--)
			;
		if (!at || strncmp(bol, "rpmsg-tty-channel ", 18))
			fail_msg("no rpmsg-tty-channel line for %s in:\n%s",
				 path, out);
	}
	assert_null(strstr(out, "rpmsg-tty "));

	fd = tty_open("remoteproc0", 0);
	assert_int_equal(seed_test(fd, 4096), 4096);
	assert_int_equal(seed_test(fd, MiB), MiB);
	close(fd);

	/* Bulk echo, the client never more than 32 KiB ahead. */
	fd = tty_open("remoteproc0", 1);
	while (got < total) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (sent < total && sent - got < 32 * 1024) {
			n = 4096;
			gen_fill(&gw, buf, n);
			assert_true(write_full(fd, buf, n));
			sent += n;
			continue;
		}
		if (poll(&p, 1, STALL_MS) != 1)
			fail_msg("echo stalled at %llu of %llu",
				 (unsigned long long)got,
				 (unsigned long long)total);
		r = read(fd, buf, sizeof(buf));
		assert_true(r > 0);
		gen_fill(&gr, want, (size_t)r);
		if (memcmp(buf, want, (size_t)r))
			fail_msg("echo wrong after byte %llu",
				 (unsigned long long)got);
		got += (uint64_t)r;
	}
	assert_false(log_has("excess dropped", 1));

	/* 1 MiB without reading: the daemon cannot hold the firmware back,
	 * so past its 64 KiB buffer (and the pty's) the echo is dropped. */
	gw = (struct gen){ 5 };
	gr = (struct gen){ 5 };
	for (sent = 0; sent < MiB; sent += 65536) {
		gen_fill(&gw, buf, 65536);
		assert_true(write_full(fd, buf, 65536));
	}
	for (int i = 0; i < 500 && !log_has("excess dropped", 1); i++)
		usleep(10000);
	if (!log_has("ttyRPMSG1: the firmware sent", 1) ||
	    !log_has("excess dropped", 1))
		fail_msg("no overflow line in the daemon's log");
	/* What did arrive starts as the stream did, and is far less. */
	got = 0;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 1500) != 1)
			break;
		r = read(fd, buf, sizeof(buf));
		assert_true(r > 0);
		if (got < 64 * 1024) {
			n = (size_t)r < 64 * 1024 - got ? (size_t)r
							: 64 * 1024 - got;
			gen_fill(&gr, want, n);
			if (memcmp(buf, want, n))
				fail_msg("overflowed echo wrong within its "
					 "first 64 KiB");
		}
		got += (uint64_t)r;
	}
	print_message("1 MiB written without reading: %llu KiB echoed, the "
		      "rest dropped\n",
		      (unsigned long long)(got / 1024));
	assert_true(got >= 64 * 1024 && got < MiB);
	/* Every byte is accounted for: echoed, or counted as dropped (the
	 * count is logged at most once a second). */
	snprintf(line, sizeof(line),
		 "ttyRPMSG1: %llu bytes from the firmware dropped so far",
		 (unsigned long long)(MiB - got));
	for (int i = 0; i < 500 && !log_has(line, 1); i++)
		usleep(10000);
	if (!log_has(line, 1))
		fail_msg("no '%s' in the daemon's log", line);

	/* The port goes on. */
	gen_fill(&gw, buf, 1000);
	assert_true(write_full(fd, buf, 1000));
	assert_int_equal(read_full(fd, want, 1000), 1000);
	assert_memory_equal(buf, want, 1000);
	close(fd);
}

/* `ampkit stop` hangs the ports up as a crash does and removes their
 * paths; `start` brings them back; `shutdown` leaves nothing behind. */
static void test_stop_start_shutdown(void **state)
{
	char path[256], rel[128];
	struct stat st;
	int fd;

	(void)state;
	start("remoteproc0");
	fd = tty_open("remoteproc0", 1);
	assert_int_equal(ampkit("stop", NULL), 0);
	assert_hung_up(fd, "ttyRPMSG1 after stop");
	close(fd);
	for (int i = 0; i < 2; i++) {
		tty_path(path, sizeof(path), "remoteproc0", i);
		assert_int_equal(lstat(path, &st), -1);
	}
	assert_int_equal(ampkit("channels", NULL), 0);
	assert_null(strstr(out, "ttyRPMSG"));

	assert_int_equal(ampkit("start", "--wait", "ttyRPMSG1", NULL), 0);
	fd = tty_open("remoteproc0", 0);
	assert_int_equal(seed_test(fd, MiB), MiB);
	assert_int_equal(ampkit("shutdown", NULL), 0);
	assert_hung_up(fd, "ttyRPMSG0 after shutdown");
	close(fd);
	snprintf(rel, sizeof(rel), "%s/remoteproc0", run_dir);
	assert_int_equal(lstat(rel, &st), -1);
}

/* Reader side of a transfer that the firmware's death cuts short: every
 * byte up to the cut is checked against the writer's stream. */
struct drain {
	pthread_t th;
	int fd;
	atomic_uint_fast64_t got;
	atomic_bool wrong; /* a byte differed from the stream */
	uint64_t wrong_at;
};

static void *drain_main(void *arg)
{
	static uint8_t buf[65536], want[65536];
	struct drain *d = arg;
	struct gen g = { 1 }; /* the writer's */
	ssize_t r;

	while ((r = read(d->fd, buf, sizeof(buf))) > 0) {
		gen_fill(&g, want, (size_t)r);
		if (memcmp(buf, want, (size_t)r)) {
			ssize_t i = 0;

			while (buf[i] == want[i])
				i++;
			d->wrong_at = atomic_load(&d->got) + (uint64_t)i;
			atomic_store(&d->wrong, true);
			break;
		}
		atomic_fetch_add(&d->got, (uint64_t)r);
	}
	return NULL;
}

static void test_killed_mid_transfer(void **state)
{
	struct drain dr = { .fd = -1 };
	struct timespec dl, t0;
	struct writer w;
	pid_t fwpid;
	int fd, other;

	(void)state;
	start("remoteproc0");
	fwpid = firmware_of(daemon_pid(), -1);
	assert_true(fwpid > 0);
	start("remoteproc1");
	other = tty_open("remoteproc1", 0);

	fd = tty_open("remoteproc0", 1);
	dr.fd = fd;
	writer_start(&w, fd, 0, 65536); /* until the port dies */
	assert_int_equal(pthread_create(&dr.th, NULL, drain_main, &dr), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (atomic_load(&dr.got) < 2 * MiB && ms_since(&t0) < STALL_MS)
		usleep(1000); /* let the transfer get going */
	assert_true(atomic_load(&dr.got) >= 2 * MiB);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(kill(fwpid, SIGKILL), 0);
	/* Both sides of the client end with an error, not a hang. */
	assert_true(writer_join(&w, 5000));
	assert_int_equal(w.err, EIO);
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 5;
	assert_int_equal(pthread_timedjoin_np(dr.th, NULL, &dl), 0);
	print_message("killed after %llu KiB: writer and reader ended "
		      "%.1f ms later\n",
		      (unsigned long long)(atomic_load(&dr.got) / 1024),
		      ms_since(&t0));
	/* What came back before the cut is the stream, byte for byte. */
	if (atomic_load(&dr.wrong))
		fail_msg("echo wrong at byte %llu of what came back",
			 (unsigned long long)dr.wrong_at);
	assert_true(atomic_load(&dr.got) <= atomic_load(&w.done));
	close(fd);

	/* The other coprocessor's tty never noticed. */
	assert_int_equal(seed_test(other, MiB), MiB);
	close(other);
	/* And this one's come back. */
	wait_tty("remoteproc0", 0);
	fd = tty_open("remoteproc0", 0);
	assert_int_equal(seed_test(fd, 65536), 65536);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_listed_raw, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_echo_64mib_both_ways,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_reader, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_seed_over_tty, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_one_big_write, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_open_close_1000, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_crash_hangup_recover,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_vanishes_mid_test,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_st_name_without_credits,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_start_shutdown, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_killed_mid_transfer, setup,
						teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
