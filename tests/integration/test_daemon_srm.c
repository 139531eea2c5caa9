/*
 * test_daemon_srm.c - the resource manager as a user sees it: the real
 * firmware under the daemon asks for peripherals and changes clocks and
 * regulators (driven over its ampkit-ctl socket), and `ampkit resources`
 * shows each change, each refusal leaving the table as it was; a crash
 * gives everything back; `ampkit start --resources FILE` loads a config
 * (a bad one refused with its line), and the daemon's log tells what
 * the resource manager did.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <ampkit/client.h>

#include "cli_run.h"

static int setup(void **state)
{
	(void)state;
	return cli_setup("/tmp/ampkit-srm-XXXXXX");
}

static int teardown(void **state)
{
	(void)state;
	return cli_teardown();
}

/* One ampkit-ctl command through the daemon and its answer, which must
 * be `want`. */
static void ctl(const char *cmd, const char *want)
{
	char err[256], ans[256];
	int fd = amp_client_open(run_dir, NULL, "ampkit-ctl", err, sizeof(err));
	ssize_t n;

	if (fd < 0)
		fail_msg("open ampkit-ctl: %s", err);
	assert_int_equal(send(fd, cmd, strlen(cmd), 0), (ssize_t)strlen(cmd));
	n = amp_client_recv(fd, ans, sizeof(ans) - 1, 0);
	close(fd);
	assert_true(n > 0);
	ans[n] = '\0';
	if (strcmp(ans, want))
		fail_msg("%s: answer \"%s\", expected \"%s\"", cmd, ans, want);
}

static void resources_show(const char *line)
{
	assert_int_equal(ampkit("resources", NULL), 0);
	if (!strstr(out, line))
		fail_msg("`ampkit resources` lacks \"%s\":\n%s", line, out);
}

#define USART3_HELD                                                            \
	"usart3             31 0x4000f000  coprocessor  coprocessor\n"
#define USART3_FREE "usart3             31 0x4000f000  coprocessor  -\n"
#define USART3_K_BOOT                                                          \
	"usart3_k         usart3           no         64000000  "              \
	"4000000..104000000\n"

static void test_resources_cli(void **state)
{
	char log[65536], path[128];
	FILE *f;
	size_t n;
	(void)state;

	assert_int_equal(ampkit("resources", NULL), 1);
	assert_non_null(strstr(errout, "offline (no daemon in"));
	assert_int_equal(ampkit("start", fw, "--wait", "rproc-srm", NULL), 0);
	resources_show("resources: built-in\n");
	resources_show(USART3_FREE);
	resources_show("i2c1               40 0x40012000  host         -\n");
	resources_show("spi4               51 0x44005000  unassigned   -\n");
	resources_show(USART3_K_BOOT);
	resources_show("etzpc 00000000 80000000 02010020 00000000 00020000 "
		       "00000000\n");

	ctl("rm-request i2c1", "error: owned by the host");
	ctl("rm-request spi4", "error: not assigned");
	ctl("rm-request usart3",
	    "ok periph usart3 id 31 held 1 owner coprocessor");
	ctl("rm-request usart3", "error: already held");
	ctl("rm-request adc", "ok periph adc id 72 held 1 owner coprocessor");
	ctl("srm-clock usart3 usart3_k 48000000 1",
	    "ok clock usart3_k rate 48000000 enabled 1");
	ctl("srm-reg adc vdda 1 2500 2800",
	    "ok regulator vdda enabled 1 mv 2500");
	resources_show(USART3_HELD);
	resources_show("adc                72 0x48003000  coprocessor  "
		       "coprocessor\n");
	resources_show("usart3_k         usart3           yes        48000000  "
		       "4000000..104000000\n");
	resources_show("vdda             adc              yes         2500 mV  "
		       "1800..3300   2500..2800\n");
	/* refused: the table shows what it showed */
	ctl("srm-clock usart3 usart3_k 200000000 0",
	    "error: rate out of range");
	ctl("srm-reg adc vdda 0 100 200", "error: voltage out of range");
	ctl("srm-clock i2c1 i2c1_k 48000000 0", "error: owned by the host");
	resources_show(
		"usart3_k         usart3           yes        48000000  ");
	resources_show(
		"vdda             adc              yes         2500 mV  ");
	resources_show(
		"i2c1_k           i2c1             yes        24000000  ");

	/* a crash gives everything back */
	assert_true(firmware_of(daemon_pid(), -1) > 0);
	assert_int_equal(ampkit("recovery", "disabled", NULL), 0);
	{
		char err[256];
		int fd = amp_client_open(run_dir, NULL, "ampkit-ctl", err,
					 sizeof(err));

		assert_true(fd >= 0);
		assert_int_equal(send(fd, "crash", 5, 0), 5);
		close(fd);
	}
	for (int i = 0; i < 500; i++) {
		assert_int_equal(ampkit("state", NULL), 0);
		if (!strcmp(out, "crashed\n"))
			break;
		usleep(10000);
	}
	assert_string_equal(out, "crashed\n");
	assert_int_equal(firmware_of(daemon_pid(), -1), -1);
	resources_show(USART3_FREE);
	resources_show("adc                72 0x48003000  coprocessor  -\n");
	resources_show(USART3_K_BOOT);
	resources_show("vdda             adc              no          3300 mV  "
		       "1800..3300   -\n");
	assert_int_equal(ampkit("stop", NULL), 0);

	/* the daemon's log says what happened */
	snprintf(path, sizeof(path), "%s/%s", run_dir, AMP_CLIENT_LOG);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(log, 1, sizeof(log) - 1, f);
	fclose(f);
	log[n] = '\0';
	assert_non_null(strstr(log, "srm: request usart3: granted"));
	assert_non_null(strstr(log, "srm: request i2c1: owned by the host"));
	assert_non_null(strstr(log, "srm: set clock usart3_k on usart3: "
				    "rate out of range"));
	assert_non_null(strstr(log, "srm: released 2 peripherals"));
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	fclose(f);
}

static void test_start_resources(void **state)
{
	char bad[128], good[128];
	(void)state;

	snprintf(bad, sizeof(bad), "%s/bad.res", run_dir);
	snprintf(good, sizeof(good), "%s/good.res", run_dir);
	write_file(bad,
		   "peripheral led id=7 addr=0x50002000 owner=coprocessor\n"
		   "clock led_k dev=lamp rate=1000\n");
	write_file(good, "peripheral led id=7 addr=0x50002000 "
			 "owner=coprocessor\n"
			 "clock led_k dev=led rate=1000 min=10 max=2000\n");
	assert_int_equal(ampkit("start", fw, "--resources", bad, NULL), 1);
	assert_non_null(strstr(errout, "bad.res:2: clock led_k: dev=lamp is "
				       "no peripheral declared above"));
	assert_int_equal(ampkit("state", NULL), 0);
	assert_string_equal(out, "offline\n");
	assert_int_equal(ampkit("start", fw, "--resources", good, "--wait",
				"rproc-srm", NULL),
			 0);
	resources_show("resources: ");
	resources_show("/good.res\n");
	resources_show("led                 7 0x50002000  coprocessor  -\n");
	ctl("rm-request usart3", "error: unknown device");
	ctl("rm-request led", "ok periph led id 7 held 1 owner coprocessor");
	ctl("srm-clock led led_k 1500 1", "ok clock led_k rate 1500 enabled 1");
	resources_show("led_k            led              yes            1500  "
		       "10..2000\n");
	/* only while offline */
	assert_int_equal(ampkit("start", "--resources", "default", NULL), 1);
	assert_non_null(strstr(errout, "only change while offline"));
	assert_int_equal(ampkit("stop", NULL), 0);
	resources_show("led                 7 0x50002000  coprocessor  -\n");
	assert_int_equal(ampkit("start", "--resources", "default", "--wait",
				"rproc-srm", NULL),
			 0);
	resources_show("resources: built-in\n");
	resources_show(USART3_FREE);
	assert_int_equal(ampkit("stop", NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_resources_cli, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_start_resources, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
