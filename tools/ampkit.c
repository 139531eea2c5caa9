/*
 * ampkit.c - the `ampkit` command: a git-style front end whose commands
 * are thin wrappers over the libraries: the coprocessor life cycle through
 * the daemon (daemon/, include/ampkit/client.h) and the benchmark
 * (bench/).  It owns argument parsing, starting the daemon when a command
 * needs one, and the one-line errors a user sees; the work is elsewhere.
 *
 * Exit status: 0 success, 1 the command ran and something failed, 2 the
 * command line was wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ampkit/client.h>

#include "bench.h"
#include "daemon.h"

#define FW_NAME "ampkit-fw-bench"
#define FW_NAME_M4 "ampkit-fw-bench-m4.elf" /* the same app, qemu-m4 */

static const char main_usage[] =
	"usage: ampkit [--help] [--version] <command> [<args>]\n"
	"\n"
	"coprocessor (through the daemon; --rproc NAME, --run-dir DIR):\n"
	"  start      load and start a firmware         stop      stop it\n"
	"  state      offline, running or crashed       firmware  get/set it\n"
	"  recovery   crash recovery policy             coredump  core files\n"
	"  trace      the firmware's trace buffer       channels  announced "
	"channels\n"
	"  resources  peripherals, clocks, regulators\n"
	"  daemon     run the daemon                    shutdown  end it\n"
	"\n"
	"other:\n"
	"  bench      run the seed's IPC benchmark and this machine's floors\n"
	"  help       show help for a command\n"
	"\n"
	"See 'ampkit help <command>' for a command's options.\n";

static const char bench_usage[] =
	"usage: ampkit bench [options]\n"
	"\n"
	"Runs the seed benchmark (REFERENCE 9) between this process and the\n"
	"coprocessor firmware over RPMsg, a socketpair baseline, and a "
	"16-byte\n"
	"ping-pong; measures the machine's floors in the same run and states\n"
	"the targets as PASS/MISS.  See docs/bench.md.\n"
	"\n"
	"  --mode M[,M]    raw | pingpong | socketpair | daemon | lifecycle\n"
	"                  | tty | sdb | all (default all; daemon is added to\n"
	"                  all when a daemon already runs the bench firmware;\n"
	"                  lifecycle: start to announced and crash to\n"
	"                  recovered, 20 runs each; tty: the firmware's tty\n"
	"                  port through the daemon's pty, or --tty PATH;\n"
	"                  sdb: shared buffers 4 KiB..4 MiB, both ways)\n"
	"  --via daemon    the seed matrix and ping-pong through the daemon's\n"
	"                  channel sockets, each seed row paired with the\n"
	"                  in-process one (starts the daemon and the bench\n"
	"                  firmware if needed); --via standalone: never\n"
	"  --rproc NAME    the daemon's coprocessor (default remoteproc0)\n"
	"  --run-dir DIR   the daemon's run directory\n"
	"  --spin-us N     daemon path: poll for a reply N us before\n"
	"                  sleeping (default 0)\n"
	"  --matrix X[,X]  seed | extended | stream | all        (default "
	"all)\n"
	"  --reps N        repetitions of every matrix test (default: 200 up\n"
	"                  to 64 KiB, 20 above, 3 for the stream row)\n"
	"  --quick         few repetitions, for tests\n"
	"  --json FILE     write every result as JSON (schema: docs/bench.md)\n"
	"  --svg FILE      write a throughput plot\n"
	"  --platform P    where the firmware runs: posix (default, a native\n"
	"                  process), qemu-m4 (the Cortex-M4 image in QEMU\n"
	"                  mps2-an386), or all (its rows on both, compared)\n"
	"  --firmware PATH firmware ELF (default: $AMPKIT_FW_DIR/" FW_NAME ",\n"
	"                  or " FW_NAME_M4 " for qemu-m4; else\n"
	"                  ../firmware/ beside this program)\n"
	"  --buf-size N    RPMsg buffer size in bytes, 32..65536 (default "
	"512,\n"
	"                  and 65536 as well for the extended matrix)\n"
	"  --vring-num N   vring size, a power of two 2..1024 (default: the\n"
	"                  firmware's for the seed matrix, 256 for extended\n"
	"                  and stream with 512 B buffers, 16 with 64 KiB)\n"
	"  --tty PATH      the seed and extended matrices over a terminal:\n"
	"                  a board's /dev/ttyRPMSG0, ampkit's pty, a serial\n"
	"                  port (mode tty; a pty-pair baseline runs beside)\n"
	"  --tty-baud N    set the terminal's speed first (serial ports)\n"
	"  --seed-compare  the seed matrix in process with the firmware\n"
	"                  emulating the seed's debug-UART logging, then\n"
	"                  without, then with it over the firmware's tty\n"
	"                  through a daemon's pty (not with --tty or --via\n"
	"                  standalone), beside the seed's own figures\n"
	"  --baud N        the emulated debug UART's baud (default 115200)\n"
	"  -h, --help      this help\n"
	"\n"
	"Exit status: 0 every acknowledgement right, 1 a test failed or timed\n"
	"out (named in the output), 2 bad command line.\n";

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "ampkit%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(see 'ampkit help%s%s')\n", cmd ? " " : "",
		cmd ? cmd : "");
	return 2;
}

static int parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* "name[,name...]" (or "all") as bits: name i is bit i. */
static int parse_set(const char *s, const char *const *names, unsigned all,
		     unsigned *out)
{
	*out = 0;
	while (*s) {
		size_t n = strcspn(s, ",");
		unsigned bit = 0, i;

		if (n == 3 && !strncmp(s, "all", 3))
			bit = all;
		for (i = 0; !bit && names[i]; i++)
			if (strlen(names[i]) == n && !strncmp(s, names[i], n))
				bit = 1u << i;
		if (!bit)
			return -1;
		*out |= bit;
		s += n;
		if (*s == ',' && *++s == '\0')
			return -1; /* a trailing comma */
	}
	return *out ? 0 : -1;
}

/* Beside the build: <build>/tools/ampkit -> <build>/firmware/<fw>, the
 * image for `platform` (NULL: posix). */
static char *default_firmware(const char *platform)
{
	char exe[PATH_MAX], *path, *dir = getenv("AMPKIT_FW_DIR");
	const char *name =
		platform && !strcmp(platform, "qemu-m4") ? FW_NAME_M4 : FW_NAME;
	ssize_t n;

	if (dir && *dir) {
		if (asprintf(&path, "%s/%s", dir, name) < 0)
			return NULL;
		return path;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	if (asprintf(&path, "%s/../firmware/%s", dirname(exe), name) < 0)
		return NULL;
	return path;
}

struct ctl {
	const char *cmd;
	const char *usage;
	const char *rproc;
	char run_dir[PATH_MAX];
	const char *args[4];
	int nargs;
	/* --wait/--timeout (start only) */
	const char *wait;
	uint32_t timeout_ms;
	bool foreground;       /* daemon only */
	const char *platform;  /* start only */
	const char *resources; /* start only */
};

/* What `ampkit bench` did to the daemon, to undo it afterwards. */
struct bench_daemon {
	struct ctl c;
	const char *rproc;
	const char *run_dir;  /* as given, NULL: default */
	const char *platform; /* to start the firmware on (NULL: posix) */
	bool started;	      /* we started the firmware: stop it after */
	bool daemon_started;  /* we started the daemon: shut it down after */
};

/* The tty rows through the daemon's pty (amp_bench_opts.tty_setup). */
struct bench_tty {
	struct bench_daemon bd;
	const char *fw;
	bool private_dir; /* a run directory of our own, removed after */
	char tmpdir[PATH_MAX];
};

static int bench_daemon_platform(struct bench_daemon *bd,
				 struct amp_bench_opts *o, char **fw);
static int bench_daemon_prepare(struct bench_daemon *bd, const char *fw,
				bool required, const char *wait);
static void bench_daemon_finish(struct bench_daemon *bd);
static int bench_tty_setup(void *priv, char *path, size_t pathlen, char *err,
			   size_t errlen);
static void bench_tty_done(void *priv);
static struct amp_bench_xport *bench_tty_ctl(void *priv, char *err,
					     size_t errlen);

static int cmd_bench(int argc, char **argv)
{
	static const char *const modes[] = { "raw",	   "pingpong",
					     "socketpair", "daemon",
					     "lifecycle",  "tty",
					     "sdb",	   NULL };
	static const char *const matrices[] = { "seed", "extended", "stream",
						NULL };
	enum {
		O_MODE = 256,
		O_MATRIX,
		O_REPS,
		O_QUICK,
		O_JSON,
		O_SVG,
		O_FW,
		O_BUF,
		O_VRING,
		O_VIA,
		O_RPROC,
		O_RUN_DIR,
		O_SPIN,
		O_TTY,
		O_TTY_BAUD,
		O_SEEDCMP,
		O_BAUD,
		O_PLATFORM
	};
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, O_MODE },
		{ "matrix", required_argument, NULL, O_MATRIX },
		{ "reps", required_argument, NULL, O_REPS },
		{ "quick", no_argument, NULL, O_QUICK },
		{ "json", required_argument, NULL, O_JSON },
		{ "svg", required_argument, NULL, O_SVG },
		{ "firmware", required_argument, NULL, O_FW },
		{ "buf-size", required_argument, NULL, O_BUF },
		{ "vring-num", required_argument, NULL, O_VRING },
		{ "via", required_argument, NULL, O_VIA },
		{ "rproc", required_argument, NULL, O_RPROC },
		{ "run-dir", required_argument, NULL, O_RUN_DIR },
		{ "spin-us", required_argument, NULL, O_SPIN },
		{ "tty", required_argument, NULL, O_TTY },
		{ "tty-baud", required_argument, NULL, O_TTY_BAUD },
		{ "seed-compare", no_argument, NULL, O_SEEDCMP },
		{ "baud", required_argument, NULL, O_BAUD },
		{ "platform", required_argument, NULL, O_PLATFORM },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_daemon bd = { .rproc = AMP_CLIENT_RPROC_DEFAULT };
	struct bench_tty bt = { .bd.rproc = AMP_CLIENT_RPROC_DEFAULT };
	struct amp_bench_opts o;
	/* What needs the firmware ELF (the tty's firmware is not ours). */
	const unsigned fw_modes = AMP_BENCH_MODE_RAW | AMP_BENCH_MODE_PINGPONG |
				  AMP_BENCH_MODE_DAEMON | AMP_BENCH_MODE_SDB |
				  AMP_BENCH_MODE_LIFECYCLE |
				  AMP_BENCH_MODE_SEEDCMP;
	unsigned extra = 0;
	uint32_t spin_us = 0;
	bool mode_given = false, need_fw, all;
	char *fw = NULL, *fw_m4 = NULL;
	int c, ret, via = 0;

	amp_bench_opts_default(&o);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case O_MODE:
			mode_given = true;
			if (parse_set(optarg, modes, AMP_BENCH_MODE_ALL,
				      &o.modes) < 0)
				return usage_error(
					"bench",
					"--mode: '%s' is not a comma "
					"list of raw, pingpong, socketpair, "
					"daemon, lifecycle, tty, sdb, all",
					optarg);
			break;
		case O_MATRIX:
			if (parse_set(optarg, matrices, AMP_BENCH_MATRIX_ALL,
				      &o.matrices) < 0)
				return usage_error(
					"bench",
					"--matrix: '%s' is not a comma "
					"list of seed, extended, stream, all",
					optarg);
			break;
		case O_REPS:
			if (parse_u32(optarg, 1, 1000000, &o.reps) < 0)
				return usage_error("bench",
						   "--reps: '%s' is not a "
						   "number from 1 to 1000000",
						   optarg);
			break;
		case O_QUICK:
			o.quick = true;
			break;
		case O_JSON:
			o.json_path = optarg;
			break;
		case O_SVG:
			o.svg_path = optarg;
			break;
		case O_FW:
			o.firmware = optarg;
			break;
		case O_PLATFORM:
			if (strcmp(optarg, "posix") &&
			    strcmp(optarg, "qemu-m4") && strcmp(optarg, "all"))
				return usage_error("bench",
						   "--platform: '%s' is not "
						   "posix, qemu-m4 or all",
						   optarg);
			o.platform = optarg;
			break;
		case O_BUF:
			if (parse_u32(optarg, 32, 65536, &o.buf_size) < 0)
				return usage_error("bench",
						   "--buf-size: '%s' is not a "
						   "size from 32 to 65536",
						   optarg);
			break;
		case O_VIA:
			if (strcmp(optarg, "daemon") &&
			    strcmp(optarg, "standalone"))
				return usage_error("bench",
						   "--via: '%s' is not daemon "
						   "or standalone",
						   optarg);
			via = optarg[0] == 'd' ? 1 : -1;
			break;
		case O_RPROC:
			bd.rproc = optarg;
			break;
		case O_RUN_DIR:
			bd.run_dir = optarg;
			break;
		case O_SPIN:
			if (parse_u32(optarg, 0, 1000000, &spin_us) < 0)
				return usage_error("bench",
						   "--spin-us: '%s' is not a "
						   "number from 0 to 1000000",
						   optarg);
			break;
		case O_VRING:
			if (parse_u32(optarg, 2, 1024, &o.vring_num) < 0 ||
			    (o.vring_num & (o.vring_num - 1)))
				return usage_error(
					"bench",
					"--vring-num: '%s' is not a "
					"power of two from 2 to 1024",
					optarg);
			break;
		case O_TTY:
			if (!*optarg)
				return usage_error("bench",
						   "--tty: '%s' is "
						   "not a path",
						   optarg);
			o.tty_path = optarg;
			extra |= AMP_BENCH_MODE_TTY;
			break;
		case O_TTY_BAUD:
			if (parse_u32(optarg, 1, 4000000, &o.tty_baud) < 0 ||
			    !amp_bench_tty_baud_ok(o.tty_baud))
				return usage_error("bench",
						   "--tty-baud: '%s' is not a "
						   "termios speed (9600, "
						   "115200, ... 4000000)",
						   optarg);
			break;
		case O_SEEDCMP:
			extra |= AMP_BENCH_MODE_SEEDCMP;
			break;
		case O_BAUD:
			if (parse_u32(optarg, 110, 10000000, &o.log_baud) < 0)
				return usage_error("bench",
						   "--baud: '%s' is not a "
						   "baud from 110 to 10000000",
						   optarg);
			break;
		case 'h':
			fputs(bench_usage, stdout);
			return 0;
		case ':':
			return usage_error("bench", "%s needs a value",
					   argv[optind - 1]);
		default:
			return usage_error("bench", "unknown option '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("bench", "unexpected argument '%s'",
				   argv[optind]);
	if (o.tty_baud && !o.tty_path)
		return usage_error("bench", "%s needs --tty PATH",
				   "--tty-baud");
	if (o.log_baud && !(extra & AMP_BENCH_MODE_SEEDCMP))
		return usage_error("bench", "%s needs --seed-compare",
				   "--baud");
	/* --tty and --seed-compare are runs of their own unless --mode
	 * asks for more. */
	if (extra) {
		o.modes = mode_given ? o.modes | extra : extra;
		mode_given = true;
	}
	if (o.tty_path) {
		/* Before minutes of measuring, not after. */
		struct amp_bench_xport *tty;
		char err[PATH_MAX + 64];

		tty = amp_bench_tty_open(o.tty_path, o.tty_baud, err,
					 sizeof(err));
		if (!tty) {
			fprintf(stderr, "ampkit bench: --tty %s\n", err);
			return 1;
		}
		amp_bench_xport_close(tty);
	}
	all = o.platform && !strcmp(o.platform, "all");
	if (all && (o.firmware || via > 0 ||
		    (mode_given && (o.modes & AMP_BENCH_MODE_DAEMON))))
		return usage_error("bench",
				   "--platform all runs each platform's own "
				   "firmware in process%s",
				   o.firmware ? " (no --firmware)"
					      : " (no daemon path)");
	/* Without a path the tty is the firmware's, through the daemon. */
	need_fw = (o.modes & fw_modes) ||
		  ((o.modes & AMP_BENCH_MODE_TTY) && !o.tty_path);
	if (!o.firmware && need_fw) {
		fw = default_firmware(o.platform);
		if (!fw) {
			fprintf(stderr, "ampkit bench: cannot locate the "
					"firmware; pass --firmware PATH\n");
			return 1;
		}
		o.firmware = fw;
	}
	if (o.firmware && need_fw && access(o.firmware, R_OK) < 0) {
		fprintf(stderr,
			"ampkit bench: firmware %s: %s (build it, or pass "
			"--firmware PATH)\n",
			o.firmware, strerror(errno));
		free(fw);
		return 1;
	}
	if (all) {
		/* Each platform's own image; a daemon runs only one. */
		fw_m4 = default_firmware("qemu-m4");
		if (!fw_m4 || access(fw_m4, R_OK) < 0) {
			fprintf(stderr,
				"ampkit bench: qemu-m4 firmware %s: not built "
				"(it needs arm-none-eabi-gcc: sudo apt-get "
				"install -y gcc-arm-none-eabi "
				"libnewlib-arm-none-eabi)\n",
				fw_m4 ? fw_m4 : "?");
			free(fw);
			free(fw_m4);
			return 1;
		}
		o.firmware_m4 = fw_m4;
		via = -1;
	}
	if (via > 0 && !mode_given)
		o.modes = AMP_BENCH_MODE_DAEMON;
	if (via > 0)
		o.modes |= AMP_BENCH_MODE_DAEMON;
	/* `make bench`: the firmware's tty as well, through a daemon of its
	 * own in a run directory nobody else uses (unless --run-dir names
	 * one), so a daemon the user runs is neither needed nor touched. */
	if (via == 0 && !mode_given) {
		o.modes |= AMP_BENCH_MODE_TTY;
		bt.private_dir = !bd.run_dir;
	}
	bd.platform = all ? "posix" : o.platform;
	if (o.modes & AMP_BENCH_MODE_DAEMON || (via == 0 && !mode_given)) {
		ret = bench_daemon_prepare(
			&bd, o.firmware, (o.modes & AMP_BENCH_MODE_DAEMON) != 0,
			"rpmsg-raw");
		if (ret > 0) {
			bench_daemon_finish(&bd);
			free(fw);
			return ret;
		}
		if (ret == 0)
			ret = bench_daemon_platform(&bd, &o, &fw);
		if (ret > 0) {
			bench_daemon_finish(&bd);
			free(fw);
			return ret;
		}
		if (ret == 0) {
			o.modes |= AMP_BENCH_MODE_DAEMON;
			o.daemon_run_dir = bd.c.run_dir;
			o.daemon_rproc = bd.rproc;
			o.daemon_spin_ns = (uint64_t)spin_us * 1000;
		}
	}
	/* --seed-compare over the firmware's tty too: through a daemon of
	 * its own unless --run-dir names one (or --mode tty uses one). */
	if ((o.modes & AMP_BENCH_MODE_SEEDCMP) && !o.tty_path && via >= 0) {
		if (!(o.modes & AMP_BENCH_MODE_TTY))
			bt.private_dir = !bd.run_dir;
		o.tty_ctl = bench_tty_ctl;
	}
	if (((o.modes & AMP_BENCH_MODE_TTY) || o.tty_ctl) && !o.tty_path) {
		/* Firmware tty port 0 (the seed responder) through the
		 * daemon's pty, brought up when the tty rows start. */
		bt.bd.rproc = bd.rproc;
		bt.bd.run_dir = bd.run_dir;
		bt.bd.platform = bd.platform;
		bt.fw = o.firmware;
		o.tty_setup = bench_tty_setup;
		o.tty_done = bench_tty_done;
		o.tty_priv = &bt;
	}
	ret = amp_bench_run(&o);
	bench_daemon_finish(&bd);
	free(fw);
	free(fw_m4);
	return ret;
}

/* ---- the coprocessor commands, through the daemon -------------------- */

static const char start_usage[] =
	"usage: ampkit start [FIRMWARE.elf] [--platform P] [--resources FILE]\n"
	"                    [--wait CHANNEL] [--timeout MS] [--rproc NAME]\n"
	"                    [--run-dir DIR]\n"
	"\n"
	"Sets the firmware (if given; only while offline) and starts the\n"
	"coprocessor, like `echo start > /sys/class/remoteproc/.../state`.\n"
	"Starts the daemon first if none runs in the run directory.\n"
	"\n"
	"  --platform P    posix (default: the firmware as a native process)\n"
	"                  or qemu-m4 (a Cortex-M4 image in QEMU mps2-an386,\n"
	"                  e.g. build/firmware/ampkit-fw-bench-m4.elf);\n"
	"                  only while offline, kept for later starts\n"
	"  --resources FILE  the peripherals, clocks and regulators the\n"
	"                  firmware may ask for (docs/resources.md; "
	"`default`:\n"
	"                  the built-in table); only while offline, kept\n"
	"  --wait CHANNEL  return once the firmware announced CHANNEL\n"
	"  --timeout MS    how long --wait waits (default 5000)\n";

static const char stop_usage[] =
	"usage: ampkit stop [--rproc NAME] [--run-dir DIR]\n"
	"\n"
	"Asks the firmware to shut down, forces it after 500 ms, and releases\n"
	"its memory; its channel sockets disappear.  Stopping an offline\n"
	"coprocessor does nothing.\n";

static const char state_usage[] =
	"usage: ampkit state [--rproc NAME] [--run-dir DIR]\n"
	"\n"
	"Prints the state as Linux's sysfs does: offline, running or\n"
	"crashed (offline when no daemon runs).\n";

static const char firmware_usage[] =
	"usage: ampkit firmware [NAME] [--rproc NAME] [--run-dir DIR]\n"
	"\n"
	"Prints the firmware path, or sets it (only while offline).\n";

static const char recovery_usage[] =
	"usage: ampkit recovery [enabled|disabled|recover] [--rproc NAME]\n"
	"                       [--run-dir DIR]\n"
	"\n"
	"Prints or sets whether a crashed firmware is restarted by itself;\n"
	"`recover` restarts it now.\n";

static const char coredump_usage[] =
	"usage: ampkit coredump [disabled|enabled] [--rproc NAME]\n"
	"                       [--run-dir DIR]\n"
	"\n"
	"Prints or sets whether a crash writes an ELF core file of the\n"
	"coprocessor's memory into <run-dir>/coredump/.\n";

static const char trace_usage[] =
	"usage: ampkit trace [--rproc NAME] [--run-dir DIR]\n"
	"\n"
	"Prints the firmware's trace buffer.\n";

static const char channels_usage[] =
	"usage: ampkit channels [--rproc NAME] [--run-dir DIR]\n"
	"\n"
	"Lists the channels the firmware announced: name, address, and the\n"
	"socket that carries it (one write = one message, one read = one\n"
	"message; see docs/daemon.md).  A tty channel (rpmsg-tty) shows its\n"
	"stable path <run-dir>/<rproc>/ttyRPMSG<n> and the pseudo-terminal\n"
	"it points to (see docs/tty.md).\n";

static const char resources_usage[] =
	"usage: ampkit resources [--rproc NAME] [--run-dir DIR]\n"
	"\n"
	"Prints the resource table (see docs/resources.md): each peripheral\n"
	"with its id, address, owner (host, coprocessor or unassigned) and\n"
	"whether the firmware holds it; each clock with enabled and rate;\n"
	"each regulator with enabled, voltage and the window last asked\n"
	"for; and the simulated ETZPC registers.  Changes the firmware made\n"
	"over rproc-srm show here; stop and crash give them back.\n";

static const char daemon_usage[] =
	"usage: ampkit daemon [--foreground] [--run-dir DIR]\n"
	"\n"
	"Runs the daemon that holds the coprocessors and their channel\n"
	"sockets.  Without --foreground it detaches and returns once it\n"
	"accepts requests.  Other commands start it when they need it.\n"
	"Run directory: --run-dir, else $AMPKIT_RUN_DIR, else\n"
	"$XDG_RUNTIME_DIR/ampkit, else /run/ampkit (root) or\n"
	"/tmp/ampkit-$UID.  Log: <run-dir>/ampkitd.log.\n"
	"\n"
	"Exit status: 0 running, 1 it could not start, 3 one already runs\n"
	"there.\n";

static const char shutdown_usage[] =
	"usage: ampkit shutdown [--run-dir DIR]\n"
	"\n"
	"Stops every coprocessor, removes the sockets, and ends the daemon.\n";

/* The common options; positional arguments land in c->args. */
static int ctl_parse(struct ctl *c, int argc, char **argv, int max_args,
		     bool has_rproc, bool has_wait)
{
	enum {
		O_RPROC = 256,
		O_RUN_DIR,
		O_WAIT,
		O_TIMEOUT,
		O_FG,
		O_PLATFORM,
		O_RESOURCES
	};
	static const struct option longopts[] = {
		{ "rproc", required_argument, NULL, O_RPROC },
		{ "platform", required_argument, NULL, O_PLATFORM },
		{ "resources", required_argument, NULL, O_RESOURCES },
		{ "run-dir", required_argument, NULL, O_RUN_DIR },
		{ "wait", required_argument, NULL, O_WAIT },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "foreground", no_argument, NULL, O_FG },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL;
	char cwd[PATH_MAX];
	int o, n = 0;

	c->rproc = AMP_CLIENT_RPROC_DEFAULT;
	c->timeout_ms = 5000;
	opterr = 0;
	optind = 1;
	while ((o = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (o) {
		case O_RPROC:
			if (!has_rproc)
				goto unknown;
			c->rproc = optarg;
			break;
		case O_RUN_DIR:
			dir = optarg;
			break;
		case O_WAIT:
			if (!has_wait)
				goto unknown;
			c->wait = optarg;
			break;
		case O_TIMEOUT:
			if (!has_wait)
				goto unknown;
			if (parse_u32(optarg, 0, 3600000, &c->timeout_ms) < 0)
				return usage_error(c->cmd,
						   "--timeout: '%s' is not a "
						   "number of ms",
						   optarg);
			break;
		case O_FG:
			if (strcmp(c->cmd, "daemon"))
				goto unknown;
			c->foreground = true;
			break;
		case O_PLATFORM:
			if (strcmp(c->cmd, "start"))
				goto unknown;
			if (strcmp(optarg, "posix") &&
			    strcmp(optarg, "qemu-m4"))
				return usage_error(c->cmd,
						   "--platform: '%s' is not "
						   "posix or qemu-m4",
						   optarg);
			c->platform = optarg;
			break;
		case O_RESOURCES:
			if (strcmp(c->cmd, "start"))
				goto unknown;
			c->resources = optarg;
			break;
		case 'h':
			fputs(c->usage, stdout);
			return 0;
		case ':':
			return usage_error(c->cmd, "%s needs a value",
					   argv[optind - 1]);
		default:
		unknown:
			return usage_error(c->cmd, "unknown option '%s'",
					   argv[optind - 1]);
		}
	}
	for (; optind < argc; optind++) {
		if (c->nargs >= max_args)
			return usage_error(c->cmd, "unexpected argument '%s'",
					   argv[optind]);
		c->args[c->nargs++] = argv[optind];
	}
	if (!*c->rproc || strchr(c->rproc, '/') || c->rproc[0] == '.')
		return usage_error(c->cmd, "--rproc: '%s' is not a name",
				   c->rproc);
	/* The daemon runs in /: hand it absolute paths only. */
	if (!dir) {
		if (amp_client_run_dir(c->run_dir, sizeof(c->run_dir)) < 0)
			return usage_error(c->cmd, "%s",
					   "run directory path "
					   "too long");
		dir = c->run_dir;
	}
	if (dir[0] != '/' && getcwd(cwd, sizeof(cwd)))
		n = snprintf(c->run_dir, sizeof(c->run_dir), "%s/%s", cwd, dir);
	else if (dir != c->run_dir)
		n = snprintf(c->run_dir, sizeof(c->run_dir), "%s", dir);
	if (n < 0 || (size_t)n >= sizeof(c->run_dir))
		return usage_error(c->cmd, "--run-dir: '%s': path too long",
				   dir);
	return -1; /* parsed, go on */
}

static int fail(const char *cmd, const char *msg)
{
	fprintf(stderr, "ampkit %s: %s\n", cmd, msg);
	return 1;
}

/* AMPKIT_DAEMON_SPIN_US: for measuring the trade-off (docs/daemon.md). */
static unsigned long long daemon_spin_ns(void)
{
	const char *s = getenv("AMPKIT_DAEMON_SPIN_US");

	return s ? strtoull(s, NULL, 10) * 1000ull : 0;
}

/* Detach and run the daemon; returns once it accepts requests.  0, 1,
 * or AMP_DAEMON_EXIT_BUSY when one already serves the directory. */
static int daemon_background(const char *run_dir, bool quiet)
{
	struct amp_daemon_opts o = { .run_dir = run_dir,
				     .spin_ns = daemon_spin_ns() };
	char line[512] = "", *msg;
	int p[2], st, devnull;
	ssize_t n, got = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		fprintf(stderr, "ampkit daemon: pipe: %s\n", strerror(errno));
		return 1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "ampkit daemon: fork: %s\n", strerror(errno));
		close(p[0]);
		close(p[1]);
		return 1;
	}
	if (pid == 0) {
		close(p[0]);
		setsid();
		/* Nothing of the caller's may stay open in a long-lived
		 * process: a test runner waits for its pipes to close. */
		devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDOUT_FILENO);
			dup2(devnull, STDERR_FILENO);
			if (devnull > STDERR_FILENO)
				close(devnull);
		}
		if (chdir("/") < 0)
			_exit(1);
		umask(077);
		o.ready_fd = p[1];
		_exit(amp_daemon_run(&o));
	}
	close(p[1]);
	while ((n = read(p[0], line + got, sizeof(line) - 1 - (size_t)got)) !=
	       0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		got += n;
	}
	close(p[0]);
	line[got] = '\0';
	line[strcspn(line, "\n")] = '\0';
	if (!strcmp(line, "ok"))
		return 0;
	/* Reap it if it died during setup (it reports, then exits). */
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!strncmp(line, "error ", 6)) {
		long code = strtol(line + 6, &msg, 10);

		while (*msg == ' ')
			msg++;
		if (code == EEXIST)
			return AMP_DAEMON_EXIT_BUSY;
		if (!quiet)
			fprintf(stderr, "ampkit daemon: %s\n", msg);
		return 1;
	}
	if (!quiet)
		fprintf(stderr,
			"ampkit daemon: exited during startup (see %s/%s)\n",
			run_dir, AMP_CLIENT_LOG);
	return 1;
}

/* One request; starts the daemon first when `autostart` and none runs.
 * 0 with the body in resp, or prints the error and returns 1. */
static int ctl_request(struct ctl *c, const char *const *f, int nf,
		       bool autostart, char *resp, size_t resplen)
{
	char err[512];
	int r;

	r = amp_client_request(c->run_dir, f, nf, resp, resplen, err,
			       sizeof(err));
	if ((r == -ENOENT || r == -ECONNREFUSED) && autostart) {
		r = daemon_background(c->run_dir, false);
		if (r != 0 && r != AMP_DAEMON_EXIT_BUSY)
			return fail(c->cmd, "could not start the daemon");
		r = amp_client_request(c->run_dir, f, nf, resp, resplen, err,
				       sizeof(err));
	}
	if (r < 0)
		return fail(c->cmd, err);
	return 0;
}

/* Without a daemon nothing runs: what a read-only command says then. */
static bool no_daemon(struct ctl *c)
{
	const char *f[1] = { "ping" };

	return amp_client_request(c->run_dir, f, 1, NULL, 0, NULL, 0) < 0;
}

static int absolute_path(const char *cmd, const char *in, char *out, size_t len)
{
	char cwd[PATH_MAX];

	if (realpath(in, out))
		return 0;
	/* Like sysfs, a name that does not exist yet is accepted; start
	 * reports it. */
	if (in[0] == '/' || !getcwd(cwd, sizeof(cwd))) {
		snprintf(out, len, "%s", in);
		return 0;
	}
	if (snprintf(out, len, "%s/%s", cwd, in) >= (int)len)
		return usage_error(cmd, "'%s': path too long", in);
	return 0;
}

static int cmd_start(int argc, char **argv)
{
	struct ctl c = { .cmd = "start", .usage = start_usage };
	char fw[PATH_MAX], res[PATH_MAX], ms[16];
	const char *f[4];
	int r;

	r = ctl_parse(&c, argc, argv, 1, true, true);
	if (r >= 0)
		return r;
	f[1] = c.rproc;
	if (c.platform) {
		f[0] = "platform";
		f[2] = c.platform;
		if (ctl_request(&c, f, 3, true, NULL, 0))
			return 1;
	}
	if (c.resources) {
		if (strcmp(c.resources, "default") &&
		    absolute_path(c.cmd, c.resources, res, sizeof(res)))
			return 2;
		f[0] = "resources";
		f[2] = strcmp(c.resources, "default") ? res : "default";
		if (ctl_request(&c, f, 3, true, NULL, 0))
			return 1;
	}
	f[0] = "start";
	if (c.nargs > 0) {
		if (absolute_path(c.cmd, c.args[0], fw, sizeof(fw)))
			return 2;
		f[2] = fw;
	}
	if (ctl_request(&c, f, c.nargs > 0 ? 3 : 2, true, NULL, 0))
		return 1;
	if (!c.wait)
		return 0;
	snprintf(ms, sizeof(ms), "%u", c.timeout_ms);
	f[0] = "wait";
	f[2] = c.wait;
	f[3] = ms;
	return ctl_request(&c, f, 4, false, NULL, 0);
}

/* A command that sends `verb rproc [arg]` and prints the answer. */
static int simple(struct ctl *c, const char *verb, const char *arg,
		  bool autostart)
{
	const char *f[3] = { verb, c->rproc, arg };
	char *resp = malloc(AMP_CLIENT_RESP_MAX);
	int r;

	if (!resp)
		return fail(c->cmd, "out of memory");
	r = ctl_request(c, f, arg ? 3 : 2, autostart, resp,
			AMP_CLIENT_RESP_MAX);
	if (!r)
		fputs(resp, stdout);
	free(resp);
	return r;
}

static int cmd_stop(int argc, char **argv)
{
	struct ctl c = { .cmd = "stop", .usage = stop_usage };
	int r = ctl_parse(&c, argc, argv, 0, true, false);

	if (r >= 0)
		return r;
	if (no_daemon(&c))
		return 0;
	return simple(&c, "stop", NULL, false);
}

static int cmd_state(int argc, char **argv)
{
	struct ctl c = { .cmd = "state", .usage = state_usage };
	int r = ctl_parse(&c, argc, argv, 0, true, false);

	if (r >= 0)
		return r;
	if (no_daemon(&c)) {
		puts("offline");
		return 0;
	}
	return simple(&c, "state", NULL, false);
}

static int cmd_firmware(int argc, char **argv)
{
	struct ctl c = { .cmd = "firmware", .usage = firmware_usage };
	char fw[PATH_MAX];
	int r = ctl_parse(&c, argc, argv, 1, true, false);

	if (r >= 0)
		return r;
	if (c.nargs <= 0)
		return simple(&c, "firmware", NULL, true);
	if (absolute_path(c.cmd, c.args[0], fw, sizeof(fw)))
		return 2;
	return simple(&c, "firmware", fw, true);
}

static int choice(struct ctl *c, int argc, char **argv, const char *verb,
		  const char *const *words, const char *expect)
{
	int r = ctl_parse(c, argc, argv, 1, true, false);

	if (r >= 0)
		return r;
	if (c->nargs <= 0)
		return simple(c, verb, NULL, true);
	for (int i = 0; words[i]; i++)
		if (!strcmp(c->args[0], words[i]))
			return simple(c, verb, c->args[0], true);
	fprintf(stderr, "ampkit %s: '%s' is not %s\n(see 'ampkit help %s')\n",
		verb, c->args[0], expect, verb);
	return 2;
}

static int cmd_recovery(int argc, char **argv)
{
	static const char *const words[] = { "enabled", "disabled", "recover",
					     NULL };
	struct ctl c = { .cmd = "recovery", .usage = recovery_usage };

	return choice(&c, argc, argv, "recovery", words,
		      "enabled, disabled or recover");
}

static int cmd_coredump(int argc, char **argv)
{
	static const char *const words[] = { "disabled", "enabled", NULL };
	struct ctl c = { .cmd = "coredump", .usage = coredump_usage };

	return choice(&c, argc, argv, "coredump", words, "disabled or enabled");
}

static int cmd_trace(int argc, char **argv)
{
	struct ctl c = { .cmd = "trace", .usage = trace_usage };
	int r = ctl_parse(&c, argc, argv, 0, true, false);

	if (r >= 0)
		return r;
	if (no_daemon(&c)) {
		fprintf(stderr,
			"ampkit trace: %s is offline (no daemon in %s)\n",
			c.rproc, c.run_dir);
		return 1;
	}
	return simple(&c, "trace", NULL, false);
}

static int cmd_channels(int argc, char **argv)
{
	struct ctl c = { .cmd = "channels", .usage = channels_usage };
	const char *f[2] = { "channels", NULL };
	char *resp, *line, *save = NULL;
	char name[33], path[109], pts[64];
	unsigned addr, max;
	int r = ctl_parse(&c, argc, argv, 0, true, false);

	if (r >= 0)
		return r;
	if (no_daemon(&c))
		return 0;
	f[1] = c.rproc;
	resp = malloc(AMP_CLIENT_RESP_MAX);
	if (!resp)
		return fail(c.cmd, "out of memory");
	r = ctl_request(&c, f, 2, false, resp, AMP_CLIENT_RESP_MAX);
	for (line = r ? NULL : strtok_r(resp, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		switch (sscanf(line, "%32s %x %u %108s %63s", name, &addr, &max,
			       path, pts)) {
		case 4:
			printf("%-32s 0x%-6x %s\n", name, addr, path);
			break;
		case 5: /* a tty: its stable name and the pty behind it */
			printf("%-32s 0x%-6x %s -> %s\n", name, addr, path,
			       pts);
			break;
		}
	free(resp);
	return r;
}

static int cmd_resources(int argc, char **argv)
{
	struct ctl c = { .cmd = "resources", .usage = resources_usage };
	int r = ctl_parse(&c, argc, argv, 0, true, false);

	if (r >= 0)
		return r;
	if (no_daemon(&c)) {
		fprintf(stderr,
			"ampkit resources: %s is offline (no daemon in %s)\n",
			c.rproc, c.run_dir);
		return 1;
	}
	return simple(&c, "resources", NULL, false);
}

static int cmd_daemon(int argc, char **argv)
{
	struct ctl c = { .cmd = "daemon", .usage = daemon_usage };
	struct amp_daemon_opts o = { .ready_fd = -1,
				     .foreground = true,
				     .spin_ns = daemon_spin_ns() };
	int r = ctl_parse(&c, argc, argv, 0, false, false);

	if (r >= 0)
		return r;
	o.run_dir = c.run_dir;
	if (c.foreground)
		return amp_daemon_run(&o);
	r = daemon_background(c.run_dir, false);
	if (r == AMP_DAEMON_EXIT_BUSY)
		fprintf(stderr, "ampkit daemon: already running in %s\n",
			c.run_dir);
	return r;
}

static int cmd_shutdown(int argc, char **argv)
{
	struct ctl c = { .cmd = "shutdown", .usage = shutdown_usage };
	const char *f[1] = { "shutdown" };
	int r = ctl_parse(&c, argc, argv, 0, false, false);

	if (r >= 0)
		return r;
	if (no_daemon(&c))
		return 0;
	return ctl_request(&c, f, 1, false, NULL, 0);
}

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
} commands[] = {
	{ "start", cmd_start, start_usage },
	{ "stop", cmd_stop, stop_usage },
	{ "state", cmd_state, state_usage },
	{ "firmware", cmd_firmware, firmware_usage },
	{ "recovery", cmd_recovery, recovery_usage },
	{ "coredump", cmd_coredump, coredump_usage },
	{ "trace", cmd_trace, trace_usage },
	{ "channels", cmd_channels, channels_usage },
	{ "resources", cmd_resources, resources_usage },
	{ "daemon", cmd_daemon, daemon_usage },
	{ "shutdown", cmd_shutdown, shutdown_usage },
	{ "bench", cmd_bench, bench_usage },
};

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static const char help_usage[] =
	"usage: ampkit help [<command>]\n"
	"\n"
	"Shows a command's options, or without one the list of commands.\n";

static int cmd_help(int argc, char **argv)
{
	const struct command *cmd;

	if (argc < 2) {
		fputs(main_usage, stdout);
		return 0;
	}
	/* help is a command too: `ampkit help --help`, `ampkit help help` */
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		fputs(help_usage, stdout);
		return 0;
	}
	cmd = find_command(argv[1]);
	if (!cmd)
		return usage_error(NULL, "no help for unknown command '%s'",
				   argv[1]);
	fputs(cmd->usage, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const struct command *cmd;

	if (argc < 2) {
		fputs(main_usage, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(1, argv);
	if (!strcmp(argv[1], "--version")) {
		printf("ampkit %s\n", AMPKIT_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "help"))
		return cmd_help(argc - 1, argv + 1);
	if (argv[1][0] == '-')
		return usage_error(NULL, "unknown option '%s'", argv[1]);
	cmd = find_command(argv[1]);
	if (!cmd)
		return usage_error(NULL, "'%s' is not an ampkit command",
				   argv[1]);
	return cmd->run(argc - 1, argv + 1);
}

/* ---- bench through the daemon ---------------------------------------- */

static bool is_bench_firmware(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return !strcmp(base, FW_NAME) || !strcmp(base, FW_NAME_M4);
}

/*
 * Returns 0 when the bench may go through the daemon, -1 when it should
 * not (not required and no daemon runs the bench firmware), or an exit
 * status (1) after printing why a required daemon path is not usable.
 */
static int bench_daemon_prepare(struct bench_daemon *bd, const char *fw,
				bool required, const char *wait)
{
	struct ctl *c = &bd->c;
	const char *f[4] = { "state", bd->rproc };
	char state[64], cur[PATH_MAX + 2], path[PATH_MAX], cwd[PATH_MAX];
	int n;

	c->cmd = "bench";
	c->rproc = bd->rproc;
	if (!bd->run_dir)
		n = amp_client_run_dir(c->run_dir, sizeof(c->run_dir));
	else if (bd->run_dir[0] != '/' && getcwd(cwd, sizeof(cwd)))
		n = snprintf(c->run_dir, sizeof(c->run_dir), "%s/%s", cwd,
			     bd->run_dir) >= (int)sizeof(c->run_dir);
	else
		n = snprintf(c->run_dir, sizeof(c->run_dir), "%s",
			     bd->run_dir) >= (int)sizeof(c->run_dir);
	if (n)
		return fail("bench", "--run-dir: path too long");
	if (!required) {
		if (no_daemon(c) ||
		    amp_client_request(c->run_dir, f, 2, state, sizeof(state),
				       NULL, 0) < 0 ||
		    strcmp(state, "running\n"))
			return -1;
		f[0] = "firmware";
		if (amp_client_request(c->run_dir, f, 2, cur, sizeof(cur), NULL,
				       0) < 0)
			return -1;
		cur[strcspn(cur, "\n")] = '\0';
		return is_bench_firmware(cur) ? 0 : -1;
	}
	bd->daemon_started = no_daemon(c);
	if (ctl_request(c, f, 2, true, state, sizeof(state)))
		return 1;
	if (!strcmp(state, "offline\n")) {
		if (!fw || !realpath(fw, path))
			return fail("bench", "no bench firmware to start in "
					     "the daemon; pass --firmware");
		f[2] = bd->platform ? bd->platform : "posix";
		f[0] = "platform";
		if (ctl_request(c, f, 3, false, NULL, 0))
			return 1;
		f[0] = "start";
		f[2] = path;
		if (ctl_request(c, f, 3, false, NULL, 0))
			return 1;
		bd->started = true;
	} else {
		f[0] = "firmware";
		if (ctl_request(c, f, 2, false, cur, sizeof(cur)))
			return 1;
		cur[strcspn(cur, "\n")] = '\0';
		state[strcspn(state, "\n")] = '\0';
		if (strcmp(state, "running") || !is_bench_firmware(cur)) {
			fprintf(stderr,
				"ampkit bench: %s is %s with %s, not the bench "
				"firmware (%s)\n",
				bd->rproc, state, cur, FW_NAME);
			return 1;
		}
	}
	f[0] = "wait";
	f[2] = wait;
	f[3] = "5000";
	return ctl_request(c, f, 4, false, NULL, 0) ? 1 : 0;
}

/*
 * The in-process rows a daemon row is paired with run on the daemon's
 * platform: adopt it (and its default firmware) unless --platform chose
 * one, which must then be the daemon's.  0, or an exit status after
 * saying why.
 */
static int bench_daemon_platform(struct bench_daemon *bd,
				 struct amp_bench_opts *o, char **fw)
{
	static char plat[32];
	const char *f[2] = { "platform", bd->rproc };

	if (ctl_request(&bd->c, f, 2, false, plat, sizeof(plat)))
		return 1;
	plat[strcspn(plat, "\n")] = '\0';
	if (o->platform && strcmp(o->platform, plat)) {
		fprintf(stderr,
			"ampkit bench: %s runs on %s, not --platform %s\n",
			bd->rproc, plat, o->platform);
		return 1;
	}
	if (!o->platform && strcmp(plat, "posix") && *fw) {
		free(*fw);
		*fw = default_firmware(plat);
		o->firmware = *fw;
	}
	o->platform = plat;
	return o->firmware ? 0 : fail("bench", "cannot locate the firmware");
}

/* Undo what bench_daemon_prepare started, and only that. */
static void bench_daemon_finish(struct bench_daemon *bd)
{
	const char *f[2] = { "stop", bd->rproc };

	if (bd->daemon_started) {
		f[0] = "shutdown";
		amp_client_request(bd->c.run_dir, f, 1, NULL, 0, NULL, 0);
	} else if (bd->started) {
		amp_client_request(bd->c.run_dir, f, 2, NULL, 0, NULL, 0);
	}
	bd->daemon_started = bd->started = false;
}

static int remove_one(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

/* A run directory of our own: the daemon that used it has ended. */
static void remove_tree(const char *dir)
{
	nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

static int bench_tty_setup(void *priv, char *path, size_t pathlen, char *err,
			   size_t errlen)
{
	struct bench_tty *bt = priv;
	int r;

	if (bt->private_dir) {
		const char *tmp = getenv("TMPDIR");

		int n = snprintf(bt->tmpdir, sizeof(bt->tmpdir),
				 "%s/ampkit-bench-XXXXXX",
				 tmp && *tmp ? tmp : "/tmp");

		if (n < 0 || (size_t)n >= sizeof(bt->tmpdir)) {
			snprintf(err, errlen, "TMPDIR is too long");
			return -1;
		}
		if (!mkdtemp(bt->tmpdir)) {
			snprintf(err, errlen, "mkdtemp %s: %s", bt->tmpdir,
				 strerror(errno));
			return -1;
		}
		bt->bd.run_dir = bt->tmpdir;
	}
	/* The seed responder is the firmware's first tty port. */
	if (bench_daemon_prepare(&bt->bd, bt->fw, true, "ttyRPMSG0")) {
		snprintf(err, errlen,
			 "the firmware's ttyRPMSG0 did not come up in the "
			 "daemon (%s)",
			 bt->bd.c.run_dir);
		bench_daemon_finish(&bt->bd);
		return -1;
	}
	/* Where the daemon puts a coprocessor's ttys (docs/tty.md). */
	r = snprintf(path, pathlen, "%s/%s/ttyRPMSG0", bt->bd.c.run_dir,
		     bt->bd.rproc);
	if (r < 0 || (size_t)r >= pathlen) {
		snprintf(err, errlen, "%s: path too long", bt->bd.c.run_dir);
		bench_daemon_finish(&bt->bd);
		return -1;
	}
	return 0;
}

/* The control channel of the firmware behind the tty, for the logging
 * switch of --seed-compare. */
static struct amp_bench_xport *bench_tty_ctl(void *priv, char *err,
					     size_t errlen)
{
	struct bench_tty *bt = priv;

	return amp_bench_daemon_open(bt->bd.c.run_dir, bt->bd.rproc,
				     "ampkit-ctl", 0, err, errlen);
}

static void bench_tty_done(void *priv)
{
	struct bench_tty *bt = priv;

	bench_daemon_finish(&bt->bd);
	if (bt->private_dir)
		remove_tree(bt->tmpdir);
}
