/*
 * cli_run.h - driving `ampkit` as a user would, for the integration tests
 * of the daemon: the CLI run as a separate process (stdout and stderr
 * captured), the daemon's pid, the firmware process it started, and a
 * seed test over a channel socket.
 * Static functions: each test program includes it once, after cmocka.h.
 */
#ifndef AMPKIT_TESTS_CLI_RUN_H
#define AMPKIT_TESTS_CLI_RUN_H

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/socket.h>

#include <ampkit/bench_proto.h>
#include <ampkit/client.h>

static char run_dir[64];
static char out[8192], errout[8192];
static char fw[512]; /* the bench firmware */

/* Run `ampkit args...`; stdout and stderr land in out/errout. */
static int ampkit(const char *a0, ...)
{
	char *argv[16], of[128], ef[128];
	va_list ap;
	int n = 0, st, fd;
	pid_t pid;
	FILE *f;

	argv[n++] = AMPKIT_BIN;
	argv[n++] = (char *)a0;
	va_start(ap, a0);
	while (n < 15 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	snprintf(of, sizeof(of), "%s.out", run_dir);
	snprintf(ef, sizeof(ef), "%s.err", run_dir);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fd = open(of, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		fd = open(ef, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	out[0] = errout[0] = '\0';
	if ((f = fopen(of, "r"))) {
		out[fread(out, 1, sizeof(out) - 1, f)] = '\0';
		fclose(f);
	}
	if ((f = fopen(ef, "r"))) {
		errout[fread(errout, 1, sizeof(errout) - 1, f)] = '\0';
		fclose(f);
	}
	unlink(of);
	unlink(ef);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* The firmware process `daemon` started (ampkit-fw-bench), or -1.  With
 * two coprocessors running, `skip` names one not to return. */
static pid_t firmware_of(pid_t daemon, pid_t skip)
{
	char path[300], line[256], comm[64];
	struct dirent *e;
	pid_t found = -1;
	int ppid;
	DIR *d = opendir("/proc");
	FILE *f;

	while (d && (e = readdir(d))) {
		snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		comm[0] = '\0';
		ppid = -1;
		while (fgets(line, sizeof(line), f)) {
			sscanf(line, "Name: %63s", comm);
			sscanf(line, "PPid: %d", &ppid);
		}
		fclose(f);
		if (ppid == daemon && !strcmp(comm, "ampkit-fw-bench") &&
		    atoi(e->d_name) != skip)
			found = atoi(e->d_name);
	}
	if (d)
		closedir(d);
	return found;
}

static pid_t daemon_pid(void)
{
	char path[128];
	FILE *f;
	int pid = -1;

	snprintf(path, sizeof(path), "%s/%s", run_dir, AMP_CLIENT_PIDFILE);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &pid), 1);
	fclose(f);
	return pid;
}

/* A fresh run directory from `tmpl` (mkdtemp) for the daemon, and the
 * firmware path; cmocka setup/teardown call these. */
static int cli_setup(const char *tmpl)
{
	const char *dir = getenv("AMPKIT_FW_DIR");

	snprintf(fw, sizeof(fw), "%s/ampkit-fw-bench", dir ? dir : ".");
	snprintf(run_dir, sizeof(run_dir), "%s", tmpl);
	if (!mkdtemp(run_dir))
		return -1;
	setenv(AMP_CLIENT_RUN_DIR_ENV, run_dir, 1);
	return 0;
}

/* Shut the daemon down and remove its run directory. */
static int cli_teardown(void)
{
	char cmd[128];

	ampkit("shutdown", NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", run_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* One seed test of `total` bytes in 496-byte messages over a channel
 * socket; the ack, or -1. */
static inline long channel_seed_test(int fd, uint32_t total)
{
	uint8_t buf[4096], ack[8];
	uint32_t off, n;
	ssize_t r;

	assert_true(total <= sizeof(buf));
	amp_bench_pattern(buf, 0, total);
	amp_bench_hdr_write(buf, total,
			    amp_crc16(0, buf + AMP_BENCH_HDR_SIZE,
				      total - AMP_BENCH_HDR_SIZE));
	for (off = 0; off < total; off += n) {
		n = total - off < 496 ? total - off : 496;
		assert_int_equal(send(fd, buf + off, n, MSG_NOSIGNAL), n);
	}
	r = amp_client_recv(fd, ack, sizeof(ack), 0);
	return r == 2 ? (long)amp_bench_ack_parse(ack, 2) : -1;
}

#endif
