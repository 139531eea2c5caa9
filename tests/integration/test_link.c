/*
 * test_link.c - the host link end to end: amp_rproc starts the real
 * native firmware (firmware/bench.c) as a child process, and the tests
 * talk to it over RPMsg the way the bench and the CLI do.
 *
 * Covers what a user would hit: channels announced, echo of every size up
 * to the largest payload, the seed protocol on "rpmsg-raw", start/stop
 * releasing every fd and child, a firmware killed mid-wait, and the error
 * lines for a missing file, a non-ELF file, an image that cannot run and a
 * resource table with a bad vring size.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <ampkit/bench_proto.h>
#include <ampkit/elf.h>
#include <ampkit/rproc.h>
#include <ampkit/rsc_table.h>
#include "rproc_internal.h"
#include "integration/proc.h"

#define MS 1000000ull
#define SEC (1000 * MS)
#define RAW "rpmsg-raw"
#define ECHO "rpmsg-openamp-demo-channel"

static char fw[512];
static char tmpdir[64];

/* ---- helpers ---- */

static uint8_t *read_all(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return buf;
}

static void write_all(const char *path, const void *data, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* Offset in the firmware file of the rpmsg vdev's vring `i` field at
 * `field` bytes into struct amp_fw_rsc_vdev_vring. */
static size_t vring_field(const uint8_t *img, size_t size, int i, size_t field)
{
	struct amp_diag d;
	size_t off, len;
	uint32_t vdev;

	assert_int_equal(amp_elf_find_section(img, size, AMP_RSC_SECTION, &off,
					      &len, &d),
			 0);
	memcpy(&vdev, img + off + offsetof(struct amp_rsc_table, offset),
	       sizeof(vdev));
	return off + vdev + offsetof(struct amp_fw_rsc_vdev, vring) +
	       (size_t)i * sizeof(struct amp_fw_rsc_vdev_vring) + field;
}

/* A copy of the real firmware with one u32 of vring `i` replaced. */
static void patched_fw(const char *path, int i, size_t field, uint32_t val,
		       mode_t mode)
{
	size_t size;
	uint8_t *img = read_all(fw, &size);

	memcpy(img + vring_field(img, size, i, field), &val, sizeof(val));
	write_all(path, img, size, mode);
	free(img);
}

static struct amp_rproc *start_fw(const char *path, uint32_t vring_num)
{
	struct amp_rproc *rp = amp_rproc_new(NULL);
	struct amp_rproc_cfg cfg;
	int r;

	assert_non_null(rp);
	amp_rproc_cfg_default(&cfg);
	cfg.firmware = path;
	cfg.vring_num = vring_num;
	r = amp_rproc_start(rp, &cfg);
	if (r)
		fail_msg("start: %s", amp_rproc_error(rp));
	assert_int_equal(amp_rproc_state(rp), AMP_RPROC_RUNNING);
	return rp;
}

static int start_error(const char *path, uint32_t vring_num, char *err,
		       size_t errlen)
{
	struct amp_rproc *rp = amp_rproc_new(NULL);
	struct amp_rproc_cfg cfg;
	int r;

	assert_non_null(rp);
	amp_rproc_cfg_default(&cfg);
	cfg.firmware = path;
	cfg.vring_num = vring_num;
	r = amp_rproc_start(rp, &cfg);
	snprintf(err, errlen, "%s", amp_rproc_error(rp));
	assert_int_equal(amp_rproc_state(rp), AMP_RPROC_OFFLINE);
	assert_null(amp_rproc_rpmsg(rp));
	amp_rproc_free(rp);
	return r;
}

struct rx {
	uint8_t data[AMP_RPMSG_MAX_PAYLOAD];
	uint32_t len, src;
	unsigned got;
};

static void rx_cb(struct amp_rpmsg_ept *ept, void *data, uint32_t len,
		  uint32_t src)
{
	struct rx *rx = ept->priv;

	memcpy(rx->data, data, len);
	rx->len = len;
	rx->src = src;
	rx->got++;
}

static void wait_rx(struct amp_rpmsg_dev *dev, struct rx *rx, unsigned want)
{
	uint64_t deadline = amp_port_deadline(dev->port, 10 * SEC);

	while (rx->got < want) {
		int r = amp_rpmsg_wait(dev, deadline);

		if (r <= 0)
			fail_msg("waiting for message %u: error %d (have %u; "
				 "stats rx %u tx %u bad %u dropped %u)",
				 want, r, rx->got, dev->stats.rx, dev->stats.tx,
				 dev->stats.bad, dev->stats.dropped);
	}
}

/* ---- tests ---- */

static void test_channels_announced(void **state)
{
	struct amp_rproc *rp;
	uint32_t raw = 0, echo = 0;

	(void)state;
	rp = start_fw(fw, 0);
	assert_int_equal(amp_rproc_wait_channel(rp, RAW, &raw, 10 * SEC), 0);
	assert_int_equal(amp_rproc_wait_channel(rp, ECHO, &echo, 10 * SEC), 0);
	assert_true(raw >= AMP_RPMSG_ADDR_BASE);
	assert_true(echo >= AMP_RPMSG_ADDR_BASE);
	assert_int_not_equal(raw, echo);
	assert_true(amp_rproc_process_pid(rp) > 0);
	/* A name never announced times out; the link stays up. */
	assert_int_equal(amp_rproc_wait_channel(rp, "nope", &raw, 20 * MS),
			 -AMP_ETIMEDOUT);
	assert_non_null(strstr(amp_rproc_error(rp), "nope"));
	assert_int_equal(amp_rproc_state(rp), AMP_RPROC_RUNNING);
	/* Starting twice is refused, naming the state. */
	{
		struct amp_rproc_cfg cfg;

		amp_rproc_cfg_default(&cfg);
		cfg.firmware = fw;
		assert_int_equal(amp_rproc_start(rp, &cfg), -AMP_EBUSY);
		assert_non_null(strstr(amp_rproc_error(rp), "running"));
	}
	assert_int_equal(amp_rproc_stop(rp), 0);
	assert_int_equal(amp_rproc_state(rp), AMP_RPROC_OFFLINE);
	assert_int_equal(amp_rproc_stop(rp), 0); /* idempotent */
	amp_rproc_free(rp);
	no_child_left();
}

static void echo_sizes(uint32_t vring_num)
{
	static struct rx rx;
	struct amp_rproc *rp = start_fw(fw, vring_num);
	struct amp_rpmsg_dev *dev = amp_rproc_rpmsg(rp);
	struct amp_rpmsg_ept ept;
	uint8_t msg[AMP_RPMSG_MAX_PAYLOAD + 1];
	uint32_t echo, max, sizes[] = { 1, 2, 15, 16, 17, 100, 255, 256, 0 };
	unsigned sent = 0;

	assert_int_equal(amp_rproc_wait_channel(rp, ECHO, &echo, 10 * SEC), 0);
	memset(&rx, 0, sizeof(rx));
	assert_int_equal(amp_rpmsg_create_ept(&ept, dev, "echo-client",
					      AMP_RPMSG_ADDR_ANY, echo, rx_cb,
					      &rx),
			 0);
	max = amp_rpmsg_max_payload(dev);
	assert_int_equal(max, 512 - AMP_RPMSG_HDR_SIZE);
	sizes[AMP_ARRAY_SIZE(sizes) - 1] = max;
	for (size_t i = 0; i < AMP_ARRAY_SIZE(sizes); i++) {
		uint32_t n = sizes[i];

		for (uint32_t k = 0; k < n; k++)
			msg[k] = (uint8_t)(k * 7 + i);
		assert_int_equal(amp_rpmsg_send(&ept, msg, n), 0);
		wait_rx(dev, &rx, ++sent);
		assert_int_equal(rx.len, n);
		assert_int_equal(rx.src, echo);
		assert_memory_equal(rx.data, msg, n);
	}
	assert_int_equal(amp_rpmsg_send(&ept, msg, max + 1), -AMP_EMSGSIZE);
	/* More in flight than there are buffers: a blocked send must keep
	 * delivering the echoes or both sides would stall. */
	for (unsigned k = 0; k < 200; k++) {
		memset(msg, (int)k, 64);
		assert_int_equal(amp_rpmsg_send(&ept, msg, 64), 0);
	}
	wait_rx(dev, &rx, sent + 200);
	assert_int_equal(rx.data[0], 199);
	amp_rpmsg_destroy_ept(&ept);
	amp_rproc_free(rp);
	no_child_left();
}

static void test_echo(void **state)
{
	(void)state;
	echo_sizes(0);
}

static void test_echo_vring_num_override(void **state)
{
	(void)state;
	echo_sizes(64);
}

static void test_seed_protocol_raw(void **state)
{
	static struct rx rx;
	struct amp_rproc *rp = start_fw(fw, 0);
	struct amp_rpmsg_dev *dev = amp_rproc_rpmsg(rp);
	struct amp_rpmsg_ept ept;
	uint32_t raw, total = 4096, off, max, hdr;
	uint8_t buf[4096];

	(void)state;
	assert_int_equal(amp_rproc_wait_channel(rp, RAW, &raw, 10 * SEC), 0);
	memset(&rx, 0, sizeof(rx));
	assert_int_equal(amp_rpmsg_create_ept(&ept, dev, "bench-client",
					      AMP_RPMSG_ADDR_ANY, raw, rx_cb,
					      &rx),
			 0);
	hdr = amp_bench_hdr_size(total);
	amp_bench_pattern(buf, 0, total);
	amp_bench_hdr_write(buf, total, amp_crc16(0, buf + hdr, total - hdr));
	max = amp_rpmsg_max_payload(dev);
	for (off = 0; off < total; off += max) {
		uint32_t n = total - off < max ? total - off : max;

		assert_int_equal(amp_rpmsg_send(&ept, buf + off, n), 0);
	}
	wait_rx(dev, &rx, 1);
	assert_int_equal(rx.len, amp_bench_ack_size(total));
	assert_int_equal(amp_bench_ack_parse(rx.data, rx.len), total);
	amp_rpmsg_destroy_ept(&ept);
	amp_rproc_free(rp);
	no_child_left();
}

static void test_stop_releases_everything(void **state)
{
	int before = count_fds();

	(void)state;
	for (int i = 0; i < 20; i++) {
		struct amp_rproc *rp = start_fw(fw, 0);
		uint32_t addr;

		assert_int_equal(
			amp_rproc_wait_channel(rp, ECHO, &addr, 10 * SEC), 0);
		assert_int_equal(amp_rproc_stop(rp), 0);
		assert_int_equal(count_fds(), before);
		no_child_left();
		amp_rproc_free(rp);
	}
	assert_int_equal(count_fds(), before);
}

static pid_t kill_later(pid_t victim, long delay_ms)
{
	pid_t k = fork();

	assert_true(k >= 0);
	if (k == 0) {
		struct timespec ts = { delay_ms / 1000,
				       (delay_ms % 1000) * (long)MS };

		nanosleep(&ts, NULL);
		kill(victim, SIGKILL);
		_exit(0);
	}
	return k;
}

static void test_firmware_killed_while_waiting(void **state)
{
	struct amp_rproc *rp = start_fw(fw, 0);
	uint32_t addr;
	uint64_t t0;
	pid_t k;

	(void)state;
	assert_int_equal(amp_rproc_wait_channel(rp, ECHO, &addr, 10 * SEC), 0);
	k = kill_later(amp_rproc_process_pid(rp), 100);
	t0 = now_ns();
	assert_int_equal(amp_rproc_wait_channel(rp, "never", &addr, 30 * SEC),
			 -AMP_EPIPE);
	assert_true(now_ns() - t0 < 3 * SEC);
	assert_int_equal(waitpid(k, NULL, 0), k);
	assert_int_equal(amp_rproc_state(rp), AMP_RPROC_CRASHED);
	assert_string_equal(amp_rproc_state_name(amp_rproc_state(rp)),
			    "crashed");
	assert_non_null(strstr(amp_rproc_error(rp), "killed by signal 9"));
	/* The device stays usable (mapped) until stop and keeps saying so. */
	assert_non_null(amp_rproc_rpmsg(rp));
	assert_int_equal(
		amp_rpmsg_wait(amp_rproc_rpmsg(rp), AMP_DEADLINE_NEVER),
		-AMP_EPIPE);
	assert_int_equal(amp_rproc_wait_channel(rp, ECHO, &addr, SEC),
			 -AMP_EPIPE);
	assert_int_equal(amp_rproc_stop(rp), 0);
	assert_int_equal(amp_rproc_state(rp), AMP_RPROC_OFFLINE);
	amp_rproc_free(rp);
	no_child_left();
}

static void test_firmware_killed_in_rpmsg_wait(void **state)
{
	struct amp_rproc *rp = start_fw(fw, 0);
	struct amp_rpmsg_dev *dev = amp_rproc_rpmsg(rp);
	uint32_t addr;
	uint64_t t0;
	pid_t k;
	int r;

	(void)state;
	assert_int_equal(amp_rproc_wait_channel(rp, ECHO, &addr, 10 * SEC), 0);
	k = kill_later(amp_rproc_process_pid(rp), 100);
	t0 = now_ns();
	do
		r = amp_rpmsg_wait(dev, amp_port_deadline(dev->port, 30 * SEC));
	while (r > 0);
	assert_int_equal(r, -AMP_EPIPE);
	assert_true(now_ns() - t0 < 3 * SEC);
	assert_int_equal(waitpid(k, NULL, 0), k);
	amp_rproc_free(rp);
	no_child_left();
}

/* The host process dies without stopping the firmware: the firmware sees
 * its liveness pipe break (or PDEATHSIG fires) and goes away too. */
static void test_host_exit_ends_firmware(void **state)
{
	int pfd[2], fwpid = -1, pidfd;
	struct pollfd p;
	pid_t host;

	(void)state;
	assert_int_equal(pipe(pfd), 0);
	host = fork();
	assert_true(host >= 0);
	if (host == 0) {
		struct amp_rproc *rp = amp_rproc_new(NULL);
		struct amp_rproc_cfg cfg;
		uint32_t addr;
		int pid = -1;

		amp_rproc_cfg_default(&cfg);
		cfg.firmware = fw;
		if (!amp_rproc_start(rp, &cfg) &&
		    !amp_rproc_wait_channel(rp, ECHO, &addr, 10 * SEC))
			pid = amp_rproc_process_pid(rp);
		if (write(pfd[1], &pid, sizeof(pid)) < 0)
			_exit(2);
		_exit(0); /* no stop: the firmware is orphaned */
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &fwpid, sizeof(fwpid)), sizeof(fwpid));
	close(pfd[0]);
	assert_true(fwpid > 0);
	pidfd = (int)syscall(SYS_pidfd_open, fwpid, 0);
	assert_int_equal(waitpid(host, NULL, 0), host);
	if (pidfd < 0) {
		/* No pidfd (or already gone and reaped): it must not exist. */
		assert_true(kill(fwpid, 0) < 0);
		return;
	}
	p = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 5000), 1);
	close(pidfd);
}

static void test_bad_path(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(
		start_error("/nonexistent/ampkit-fw", 0, err, sizeof(err)),
		-ENOENT);
	assert_non_null(strstr(err, "/nonexistent/ampkit-fw"));
	assert_non_null(strstr(err, "No such file"));
}

static void test_not_elf(void **state)
{
	char path[128], err[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/not-elf", tmpdir);
	write_all(path, "#!/bin/sh\necho hello\n", 21, 0755);
	assert_true(start_error(path, 0, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "ELF"));
}

static void test_not_executable(void **state)
{
	char path[128], err[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/no-exec", tmpdir);
	patched_fw(path, 0, offsetof(struct amp_fw_rsc_vdev_vring, num), 16,
		   0644);
	if (geteuid() == 0) /* root may execute anything with an x bit... */
		assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(start_error(path, 0, err, sizeof(err)), -EACCES);
	assert_non_null(strstr(err, "cannot execute"));
	assert_non_null(strstr(err, path));
}

static void test_vring_num_not_pow2(void **state)
{
	char path[128], err[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/num12", tmpdir);
	patched_fw(path, 1, offsetof(struct amp_fw_rsc_vdev_vring, num), 12,
		   0755);
	assert_int_equal(start_error(path, 0, err, sizeof(err)), -AMP_EINVAL);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, AMP_RSC_SECTION));
	assert_non_null(strstr(err, "power of two"));
	/* The same mistake in the configuration is named as such. */
	assert_int_equal(start_error(fw, 12, err, sizeof(err)), -AMP_EINVAL);
	assert_non_null(strstr(err, "vring_num 12"));
}

static void test_fixed_vring_da(void **state)
{
	char path[128], err[512];
	struct amp_rproc *rp;
	uint32_t addr;

	(void)state;
	/* ST's layout: vring0 at 0x10040000 is inside the posix window. */
	snprintf(path, sizeof(path), "%s/da-st", tmpdir);
	patched_fw(path, 0, offsetof(struct amp_fw_rsc_vdev_vring, da),
		   0x10040000, 0755);
	rp = start_fw(path, 0);
	assert_int_equal(amp_rproc_wait_channel(rp, ECHO, &addr, 10 * SEC), 0);
	amp_rproc_free(rp);
	/* Address 0 is not. */
	snprintf(path, sizeof(path), "%s/da-0", tmpdir);
	patched_fw(path, 1, offsetof(struct amp_fw_rsc_vdev_vring, da), 0,
		   0755);
	assert_int_equal(start_error(path, 0, err, sizeof(err)), -AMP_EINVAL);
	assert_non_null(strstr(err, "vring 1 da 0x0"));
	no_child_left();
}

static void test_error_paths_leak_nothing(void **state)
{
	char path[128], err[512];
	int before;

	(void)state;
	snprintf(path, sizeof(path), "%s/leak-noexec", tmpdir);
	patched_fw(path, 0, offsetof(struct amp_fw_rsc_vdev_vring, num), 16,
		   0600);
	before = count_fds();
	for (int i = 0; i < 5; i++) {
		assert_true(start_error("/nonexistent", 0, err, 512) < 0);
		assert_true(start_error(path, 0, err, 512) < 0);
		assert_true(start_error(fw, 12, err, 512) < 0);
	}
	assert_int_equal(count_fds(), before);
	no_child_left();
}

static int group_setup(void **state)
{
	const char *dir = getenv("AMPKIT_FW_DIR");

	(void)state;
	if (!dir) {
		fprintf(stderr, "AMPKIT_FW_DIR is not set\n");
		return -1;
	}
	snprintf(fw, sizeof(fw), "%s/ampkit-fw-bench", dir);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ampkit-link-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_channels_announced),
		cmocka_unit_test(test_echo),
		cmocka_unit_test(test_echo_vring_num_override),
		cmocka_unit_test(test_seed_protocol_raw),
		cmocka_unit_test(test_stop_releases_everything),
		cmocka_unit_test(test_firmware_killed_while_waiting),
		cmocka_unit_test(test_firmware_killed_in_rpmsg_wait),
		cmocka_unit_test(test_host_exit_ends_firmware),
		cmocka_unit_test(test_bad_path),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_not_executable),
		cmocka_unit_test(test_vring_num_not_pow2),
		cmocka_unit_test(test_fixed_vring_da),
		cmocka_unit_test(test_error_paths_leak_nothing),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
