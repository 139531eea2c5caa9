/*
 * ampkit.c - the `ampkit` command: a git-style front end whose commands
 * are thin wrappers over the libraries (today: bench).  It owns argument
 * parsing and the one-line errors a user sees; the work is elsewhere.
 *
 * Exit status: 0 success, 1 the command ran and something failed, 2 the
 * command line was wrong.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define FW_NAME "ampkit-fw-bench"

static const char main_usage[] =
	"usage: ampkit [--help] [--version] <command> [<args>]\n"
	"\n"
	"commands:\n"
	"  bench   run the seed's IPC benchmark and this machine's floors\n"
	"  help    show help for a command\n"
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
	"  --mode M        raw | pingpong | socketpair | all     (default "
	"all)\n"
	"  --matrix X      seed | extended | stream | all        (default "
	"all)\n"
	"  --reps N        repetitions of every matrix test (default: 200 up\n"
	"                  to 64 KiB, 20 above, 3 for the stream row)\n"
	"  --quick         few repetitions, for tests\n"
	"  --json FILE     write every result as JSON (schema: docs/bench.md)\n"
	"  --svg FILE      write a throughput plot\n"
	"  --firmware PATH firmware ELF (default: $AMPKIT_FW_DIR/" FW_NAME ",\n"
	"                  else ../firmware/" FW_NAME " beside this program)\n"
	"  --buf-size N    RPMsg buffer size in bytes, 32..65536 (default "
	"512,\n"
	"                  and 65536 as well for the extended matrix)\n"
	"  --vring-num N   vring size, a power of two 2..1024 (default: the\n"
	"                  firmware's for the seed matrix, 256 for extended\n"
	"                  and stream with 512 B buffers, 16 with 64 KiB)\n"
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

static int parse_set(const char *s, const char *const *names, unsigned all,
		     unsigned *out)
{
	unsigned i;

	if (!strcmp(s, "all")) {
		*out = all;
		return 0;
	}
	for (i = 0; names[i]; i++) {
		if (!strcmp(s, names[i])) {
			*out = 1u << i;
			return 0;
		}
	}
	return -1;
}

/* Beside the build: <build>/tools/ampkit -> <build>/firmware/<fw>. */
static char *default_firmware(void)
{
	char exe[PATH_MAX], *path, *dir = getenv("AMPKIT_FW_DIR");
	ssize_t n;

	if (dir && *dir) {
		if (asprintf(&path, "%s/%s", dir, FW_NAME) < 0)
			return NULL;
		return path;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	if (asprintf(&path, "%s/../firmware/%s", dirname(exe), FW_NAME) < 0)
		return NULL;
	return path;
}

static int cmd_bench(int argc, char **argv)
{
	static const char *const modes[] = { "raw", "pingpong", "socketpair",
					     NULL };
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
		O_VRING
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct amp_bench_opts o;
	char *fw = NULL;
	int c, ret;

	amp_bench_opts_default(&o);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case O_MODE:
			if (parse_set(optarg, modes, AMP_BENCH_MODE_ALL,
				      &o.modes) < 0)
				return usage_error(
					"bench",
					"--mode: '%s' is not raw, "
					"pingpong, socketpair or all",
					optarg);
			break;
		case O_MATRIX:
			if (parse_set(optarg, matrices, AMP_BENCH_MATRIX_ALL,
				      &o.matrices) < 0)
				return usage_error(
					"bench",
					"--matrix: '%s' is not seed, "
					"extended, stream or all",
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
		case O_BUF:
			if (parse_u32(optarg, 32, 65536, &o.buf_size) < 0)
				return usage_error("bench",
						   "--buf-size: '%s' is not a "
						   "size from 32 to 65536",
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
	if (!o.firmware && (o.modes & ~AMP_BENCH_MODE_SOCKETPAIR)) {
		fw = default_firmware();
		if (!fw) {
			fprintf(stderr, "ampkit bench: cannot locate the "
					"firmware; pass --firmware PATH\n");
			return 1;
		}
		o.firmware = fw;
	}
	if (o.firmware && (o.modes & ~AMP_BENCH_MODE_SOCKETPAIR) &&
	    access(o.firmware, R_OK) < 0) {
		fprintf(stderr,
			"ampkit bench: firmware %s: %s (build it, or pass "
			"--firmware PATH)\n",
			o.firmware, strerror(errno));
		free(fw);
		return 1;
	}
	ret = amp_bench_run(&o);
	free(fw);
	return ret;
}

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
} commands[] = {
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

static int cmd_help(int argc, char **argv)
{
	const struct command *cmd;

	if (argc < 2) {
		fputs(main_usage, stdout);
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
