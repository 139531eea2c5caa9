/*
 * test_qemu.c - the qemu-m4 platform end to end: the Thumb-2 firmware
 * booted by QEMU mps2-an386 from the image amp_rproc loaded into the
 * shared window (the stub QEMU starts holds the core until the release),
 * its channels, the seed matrix with every acknowledgement checked, a
 * reload that runs new code, a real fault (the "crash" command) reported
 * with its PC, dumped and recovered from, a hang caught by the heartbeat,
 * QEMU itself killed and recovered, an
 * image outside the window refused before QEMU starts, and the message a
 * machine without QEMU gets.
 *
 * Needs qemu-system-arm and the Cortex-M4 images (built when
 * arm-none-eabi-gcc is installed); `make test` installs both as root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <ampkit/mps2.h>
#include <ampkit/rproc.h>

#include "bench.h"
#include "integration/proc.h"
#include "rproc_internal.h" /* amp_rproc_process_pid */

#define MS 1000000ull
#define SEC (1000 * MS)
#define RAW "rpmsg-raw"
#define ECHO "rpmsg-openamp-demo-channel"
#define CTL "ampkit-ctl"

static char fw_bench[512], fw_echo[512];

/* What the events said: the last crash and every console line. */
struct log {
	char crash[160];
	unsigned crashes;
	char console[4096];
};

static struct log lg;

static void on_event(struct amp_rproc *rp, enum amp_rproc_event ev,
		     const char *detail, uint32_t addr, void *priv)
{
	size_t n = strlen(lg.console);

	(void)rp;
	(void)addr;
	(void)priv;
	if (ev == AMP_RPROC_EV_CRASHED) {
		snprintf(lg.crash, sizeof(lg.crash), "%s", detail);
		lg.crashes++;
	}
	if (ev == AMP_RPROC_EV_CONSOLE && n < sizeof(lg.console) - 2)
		snprintf(lg.console + n, sizeof(lg.console) - n, "%s\n",
			 detail);
}

static struct amp_rproc *start(const char *fw)
{
	struct amp_rproc *rp = amp_rproc_new(NULL);
	struct amp_rproc_cfg cfg;

	assert_non_null(rp);
	memset(&lg, 0, sizeof(lg));
	amp_rproc_cfg_default(&cfg);
	cfg.firmware = fw;
	cfg.platform = "qemu-m4";
	cfg.on_event = on_event;
	if (amp_rproc_start(rp, &cfg))
		fail_msg("start %s: %s", fw, amp_rproc_error(rp));
	assert_string_equal(amp_rproc_platform(rp), "qemu-m4");
	return rp;
}

static void wait_channel(struct amp_rproc *rp, const char *name)
{
	int r = amp_rproc_wait_channel(rp, name, NULL, 10 * SEC);

	if (r)
		fail_msg("channel %s: %s (console:\n%s)", name,
			 amp_rproc_error(rp), lg.console);
}

/* The console is written out while the core is idle and read by the
 * host's loop: run it until `text` shows up. */
static void wait_console(struct amp_rproc *rp, const char *text)
{
	uint64_t end = now_ns() + 10 * SEC;

	while (!strstr(lg.console, text) && now_ns() < end)
		assert_true(amp_rproc_run(rp, NULL, 0, 50 * MS) >= 0);
	if (!strstr(lg.console, text))
		fail_msg("console has no \"%s\":\n%s", text, lg.console);
}

static bool has_channel(struct amp_rproc *rp, const char *name)
{
	struct amp_rproc_chan_info ch[16];
	int n = amp_rproc_channels(rp, ch, 16);

	for (int i = 0; i < n; i++)
		if (!strcmp(ch[i].name, name))
			return true;
	return false;
}

static struct amp_bench_xport *open_x(struct amp_rproc *rp, const char *ch)
{
	char err[200];
	struct amp_bench_xport *x =
		amp_bench_rpmsg_open(rp, ch, 10 * SEC, err, sizeof(err));

	if (!x)
		fail_msg("open %s: %s", ch, err);
	return x;
}

static void seed_test(struct amp_bench_xport *x, uint32_t block,
		      uint32_t blocks, uint32_t reps)
{
	struct amp_bench_result res = { .mode = "raw", .matrix = "seed" };

	if (amp_bench_run_test(x, block, blocks, reps, true, 20 * SEC, &res))
		fail_msg("%u x %u: %s", block, blocks, res.why);
	assert_true(res.ok);
	assert_int_equal(res.reps, reps);
}

static void echo_test(struct amp_bench_xport *x)
{
	struct amp_bench_result res = { .mode = "pingpong" };

	if (amp_bench_run_pingpong(x, 16, 200, 20, &res))
		fail_msg("ping-pong: %s", res.why);
	assert_true(res.ok);
}

/* Run the loop until the state is `want`. */
static void run_until_state(struct amp_rproc *rp, enum amp_rproc_state want,
			    uint64_t timeout)
{
	uint64_t end = now_ns() + timeout;

	while (amp_rproc_state(rp) != want && now_ns() < end)
		assert_true(amp_rproc_run(rp, NULL, 0, 100 * MS) >= 0);
	if (amp_rproc_state(rp) != want)
		fail_msg("state %s, wanted %s (%s)",
			 amp_rproc_state_name(amp_rproc_state(rp)),
			 amp_rproc_state_name(want), amp_rproc_error(rp));
}

static void ctl(struct amp_rproc *rp, const char *cmd)
{
	struct amp_bench_xport *x = open_x(rp, CTL);

	assert_int_equal(
		x->ops->send(x, cmd, (uint32_t)strlen(cmd), now_ns() + 5 * SEC),
		0);
	amp_bench_xport_close(x);
}

/* The board itself dies (QEMU killed): a crash, and with recovery on a
 * fresh QEMU brings the channel back by itself. */
static void test_qemu_killed_recovered(void **state)
{
	struct amp_rproc *rp;
	struct amp_bench_xport *raw;
	uint64_t end;

	(void)state;
	rp = start(fw_bench);
	wait_channel(rp, RAW);
	assert_true(amp_rproc_process_pid(rp) > 0);
	assert_int_equal(kill(amp_rproc_process_pid(rp), SIGKILL), 0);
	end = now_ns() + 10 * SEC;
	while (!lg.crashes && now_ns() < end)
		assert_true(amp_rproc_run(rp, NULL, 0, 100 * MS) >= 0);
	if (!strstr(lg.crash, "QEMU killed by signal 9"))
		fail_msg("crash report: %s", lg.crash);
	run_until_state(rp, AMP_RPROC_RUNNING, 10 * SEC);
	wait_channel(rp, RAW);
	raw = open_x(rp, RAW);
	seed_test(raw, 1024, 5, 3);
	amp_bench_xport_close(raw);
	amp_rproc_free(rp);
	no_child_left();
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 52);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* ---- tests ---- */

static void test_boots_loaded_image_and_runs_seed_matrix(void **state)
{
	static const uint32_t matrix[][2] = {
		{ 512, 1 },  { 512, 2 },  { 512, 4 },  { 512, 8 },
		{ 1024, 1 }, { 1024, 2 }, { 1024, 4 }, { 1024, 5 },
		{ 2048, 1 }, { 2048, 2 }, { 4096, 1 }
	};
	struct amp_rproc *rp;
	struct amp_bench_xport *raw, *echo;
	char trace[4096];
	long n;

	(void)state;
	rp = start(fw_bench);
	wait_channel(rp, RAW);
	wait_channel(rp, ECHO);
	/* The core ran the image rproc wrote into the window: it says
	 * where it runs, and the stub moved on through the control page. */
	n = amp_rproc_trace(rp, trace, sizeof(trace) - 1);
	assert_true(n > 0);
	trace[n] = '\0';
	assert_non_null(strstr(trace, "cortex-m4 up, image 0x21000000"));
	assert_non_null(strstr(trace, "ampkit bench firmware booting"));
	wait_console(rp, "firmware: cortex-m4 up");

	raw = open_x(rp, RAW);
	for (size_t i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++)
		seed_test(raw, matrix[i][0], matrix[i][1], 5);
	seed_test(raw, 1 << 20, 1, 1); /* the extended header, 4-byte ack */
	amp_bench_xport_close(raw);
	echo = open_x(rp, ECHO);
	echo_test(echo);
	amp_bench_xport_close(echo);

	assert_int_equal(amp_rproc_stop(rp), 0);
	assert_int_equal(amp_rproc_state(rp), AMP_RPROC_OFFLINE);
	assert_true(amp_rproc_process_pid(rp) < 0);
	no_child_left();
	amp_rproc_free(rp);
}

/* Start A, stop, start B, stop, start A: each runs its own code (the
 * echo firmware announces only the echo channel). */
static void test_reload_runs_each_image(void **state)
{
	const char *order[] = { fw_bench, fw_echo, fw_bench };
	struct amp_rproc *rp = amp_rproc_new(NULL);
	struct amp_rproc_cfg cfg;

	(void)state;
	assert_non_null(rp);
	amp_rproc_cfg_default(&cfg);
	cfg.platform = "qemu-m4";
	cfg.on_event = on_event;
	for (int i = 0; i < 3; i++) {
		struct amp_bench_xport *x;
		bool bench = order[i] == fw_bench;

		cfg.firmware = order[i];
		memset(&lg, 0, sizeof(lg));
		if (amp_rproc_start(rp, &cfg))
			fail_msg("start %s: %s", order[i], amp_rproc_error(rp));
		wait_channel(rp, ECHO);
		if (bench)
			wait_channel(rp, CTL);
		assert_int_equal(has_channel(rp, RAW), bench);
		assert_int_equal(has_channel(rp, CTL), bench);
		x = open_x(rp, ECHO);
		echo_test(x);
		amp_bench_xport_close(x);
		if (bench) {
			x = open_x(rp, RAW);
			seed_test(x, 4096, 1, 3);
			amp_bench_xport_close(x);
		}
		wait_console(rp, bench ? "bench firmware" : "echo firmware");
		assert_int_equal(amp_rproc_stop(rp), 0);
	}
	no_child_left();
	amp_rproc_free(rp);
}

/* "crash" makes the firmware execute an undefined instruction: the
 * fault handler's record reaches the crash report with the PC. */
static void test_fault_reported_and_recovered(void **state)
{
	struct amp_rproc *rp;
	struct amp_bench_xport *raw;
	unsigned pc = 0;
	const char *at;

	(void)state;
	rp = start(fw_bench);
	amp_rproc_set_recovery(rp, false);
	wait_channel(rp, RAW);
	raw = open_x(rp, RAW);
	seed_test(raw, 2048, 2, 3);
	amp_bench_xport_close(raw);

	ctl(rp, "crash");
	run_until_state(rp, AMP_RPROC_CRASHED, 10 * SEC);
	assert_int_equal(lg.crashes, 1);
	at = strstr(lg.crash, "UsageFault at pc 0x");
	if (!at)
		fail_msg("crash report: %s", lg.crash);
	assert_int_equal(sscanf(at, "UsageFault at pc 0x%x", &pc), 1);
	assert_true(pc >= AMP_MPS2_WINDOW_PA && pc < AMP_MPS2_CTRL_PA);
	assert_non_null(strstr(amp_rproc_error(rp), "crash detected"));
	assert_non_null(strstr(lg.console, "fault: UsageFault at pc 0x"));
	/* The dump holds the window's areas, the image (its strings)
	 * among them. */
	{
		char core[] = "/tmp/ampkit-m4-core-XXXXXX";
		int fd = mkstemp(core);
		size_t len;
		char *img;

		assert_true(fd >= 0);
		close(fd);
		if (amp_rproc_coredump(rp, core))
			fail_msg("coredump: %s", amp_rproc_error(rp));
		img = read_all(core, &len);
		assert_non_null(
			memmem(img, len, "ampkit bench firmware booting", 29));
		free(img);
		unlink(core);
	}
	/* Recovery disabled: it stays crashed until told. */
	assert_true(amp_rproc_run(rp, NULL, 0, 200 * MS) >= 0);
	assert_int_equal(amp_rproc_state(rp), AMP_RPROC_CRASHED);

	assert_int_equal(amp_rproc_recover(rp), 0);
	assert_int_equal(amp_rproc_state(rp), AMP_RPROC_RUNNING);
	wait_channel(rp, RAW);
	raw = open_x(rp, RAW);
	seed_test(raw, 4096, 1, 3);
	seed_test(raw, 512, 8, 3);
	amp_bench_xport_close(raw);
	amp_rproc_free(rp);
	no_child_left();
}

/* "hang" spins with interrupts on: only the missed heartbeat shows it. */
static void test_hang_caught_by_heartbeat(void **state)
{
	struct amp_rproc *rp;

	(void)state;
	rp = start(fw_bench);
	amp_rproc_set_recovery(rp, false);
	wait_channel(rp, CTL);
	ctl(rp, "hang");
	run_until_state(rp, AMP_RPROC_CRASHED, 10 * SEC);
	assert_non_null(strstr(lg.crash, "heartbeat missed"));
	amp_rproc_free(rp);
	no_child_left();
}

/* The image's first segment moved to SSRAM2 (0x20000000), which the host
 * cannot reach: refused by the segment check, before QEMU starts. */
static void test_image_outside_window_refused(void **state)
{
	char path[] = "/tmp/ampkit-m4-outside-XXXXXX";
	struct amp_rproc *rp = amp_rproc_new(NULL);
	struct amp_rproc_cfg cfg;
	uint32_t phoff, paddr = 0x20000000u;
	size_t len;
	char *elf = read_all(fw_bench, &len);
	int fd;

	(void)state;
	memcpy(&phoff, elf + 28, 4); /* ELF32 e_phoff */
	for (uint16_t i = 0, n = *(uint16_t *)(elf + 44); i < n; i++) {
		char *ph = elf + phoff + 32u * i;

		if (*(uint32_t *)ph == 1) {	    /* the first PT_LOAD */
			memcpy(ph + 12, &paddr, 4); /* its p_paddr */
			break;
		}
	}
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, elf, len), (ssize_t)len);
	close(fd);
	free(elf);

	amp_rproc_cfg_default(&cfg);
	cfg.firmware = path;
	cfg.platform = "qemu-m4";
	if (amp_rproc_start(rp, &cfg) != -AMP_EINVAL)
		fail_msg("start: %s", amp_rproc_error(rp));
	assert_non_null(strstr(amp_rproc_error(rp), "bad phdr da 0x20000000"));
	assert_non_null(strstr(amp_rproc_error(rp), "outside device memory"));
	assert_int_equal(amp_rproc_state(rp), AMP_RPROC_OFFLINE);
	assert_true(amp_rproc_process_pid(rp) < 0);
	no_child_left();
	unlink(path);
	amp_rproc_free(rp);
}

static void test_missing_qemu_named(void **state)
{
	struct amp_rproc *rp = amp_rproc_new(NULL);
	struct amp_rproc_cfg cfg;

	(void)state;
	amp_rproc_cfg_default(&cfg);
	cfg.firmware = fw_bench;
	cfg.platform = "qemu-m4";
	setenv("AMPKIT_QEMU", "/nonexistent/qemu-system-arm", 1);
	assert_int_equal(amp_rproc_start(rp, &cfg), -AMP_ENOENT);
	unsetenv("AMPKIT_QEMU");
	assert_non_null(strstr(amp_rproc_error(rp),
			       "sudo apt-get install -y qemu-system-arm"));
	assert_int_equal(amp_rproc_state(rp), AMP_RPROC_OFFLINE);
	/* Nothing was left behind: the next start works. */
	if (amp_rproc_start(rp, &cfg))
		fail_msg("start: %s", amp_rproc_error(rp));
	wait_channel(rp, RAW);
	amp_rproc_free(rp);
	no_child_left();

	rp = amp_rproc_new(NULL);
	assert_int_equal(amp_rproc_set_platform(rp, "qemu-m3"), -AMP_EINVAL);
	assert_non_null(strstr(amp_rproc_error(rp), "posix or qemu-m4"));
	amp_rproc_free(rp);
}

int main(void)
{
	const char *dir = getenv("AMPKIT_FW_DIR");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boots_loaded_image_and_runs_seed_matrix),
		cmocka_unit_test(test_reload_runs_each_image),
		cmocka_unit_test(test_fault_reported_and_recovered),
		cmocka_unit_test(test_hang_caught_by_heartbeat),
		cmocka_unit_test(test_qemu_killed_recovered),
		cmocka_unit_test(test_image_outside_window_refused),
		cmocka_unit_test(test_missing_qemu_named),
	};

	snprintf(fw_bench, sizeof(fw_bench), "%s/ampkit-fw-bench-m4.elf",
		 dir ? dir : "firmware");
	snprintf(fw_echo, sizeof(fw_echo), "%s/ampkit-fw-echo-m4.elf",
		 dir ? dir : "firmware");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
