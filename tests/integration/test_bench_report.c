/*
 * test_bench_report.c - the report writers on a hand-made report: targets
 * computed from the right rows (PASS, MISS, not measured), the JSON read
 * back field by field (with escaping), the SVG's series, legend and that
 * every point lands inside the plot.  It leaves bench_report_test.json and
 * .svg behind for the ctests that parse them with python3.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bench.h"

static struct amp_bench_result row(const char *mode, const char *matrix,
				   uint32_t buf, uint32_t vn, uint32_t block,
				   uint32_t blocks, uint64_t median_ns)
{
	struct amp_bench_result r;

	memset(&r, 0, sizeof(r));
	r.mode = mode;
	r.matrix = matrix;
	r.buf_size = buf;
	r.vring_num = vn;
	r.msg_max = buf - 16;
	r.block = block;
	r.blocks = blocks;
	r.total = (uint64_t)block * blocks;
	r.msgs = (uint64_t)((block + r.msg_max - 1) / r.msg_max) * blocks;
	r.reps = 10;
	r.st.n = 10;
	r.st.min_ns = median_ns - 1;
	r.st.median_ns = median_ns;
	r.st.p99_ns = median_ns * 2;
	r.st.max_ns = median_ns * 3;
	r.bytes_per_s = (double)r.total * 1e9 / median_ns;
	r.msgs_per_s = (double)r.msgs * 1e9 / median_ns;
	r.seed_ms =
		strcmp(matrix, "seed") ? 0 : amp_bench_seed_ms(block, blocks);
	r.ok = true;
	return r;
}

static void fill(struct amp_bench_report *r)
{
	struct amp_bench_result x;

	memset(r, 0, sizeof(*r));
	snprintf(r->machine.cpu, sizeof(r->machine.cpu),
		 "Test CPU \"quoted\" & <tagged>");
	snprintf(r->machine.kernel, sizeof(r->machine.kernel), "Linux 6.1");
	r->machine.cpus = 2;
	r->have_floors = true;
	r->floors.busy_poll_rtt_ns = 300;
	r->floors.wake_rtt_ns = 40000;
	r->floors.memcpy_gbps = 50;

	x = row("socketpair", "seed", 512, 0, 512, 1, 20000);
	amp_bench_report_add(r, &x);
	x = row("socketpair", "stream", 512, 0, 496, 100000, 200000000);
	amp_bench_report_add(r, &x); /* 5e5 msgs/s */
	x = row("raw", "seed", 512, 16, 512, 1, 5000);
	amp_bench_report_add(r, &x);
	x = row("raw", "seed", 512, 16, 4096, 1, 9000);
	amp_bench_report_add(r, &x);
	x = row("raw", "seed", 512, 16, 1024, 4, 12000);
	amp_bench_report_add(r, &x);
	x = row("pingpong", "pingpong", 512, 16, 16, 1, 500);
	amp_bench_report_add(r, &x);
	x = row("raw", "stream", 512, 256, 496, 100000, 50000000);
	amp_bench_report_add(r, &x); /* 2e6 msgs/s */
	x = row("raw", "extended", 65536, 16, 1048576, 1, 69905);
	amp_bench_report_add(r, &x); /* 15 GB/s */
	x = row("raw", "extended", 65536, 16, 65536, 1, 10000);
	amp_bench_report_add(r, &x);
	x = row("raw", "extended", 512, 256, 262144, 1, 1000000);
	x.ok = false;
	snprintf(x.why, sizeof(x.why), "rep 3: ack says \"262143\"\n");
	amp_bench_report_add(r, &x);
}

static void test_targets(void **state)
{
	struct amp_bench_report r;
	struct amp_bench_result x;

	(void)state;
	fill(&r);
	assert_int_equal(r.n, 10);
	amp_bench_targets(&r);
	assert_false(r.t[AMP_BENCH_T_START].measured);
	assert_false(r.t[AMP_BENCH_T_RECOVERY].measured);
	assert_true(r.t[AMP_BENCH_T_PINGPONG].measured);
	assert_true(fabs(r.t[AMP_BENCH_T_PINGPONG].value - 500.0 / 300) < 1e-9);
	assert_true(r.t[AMP_BENCH_T_PINGPONG].pass);
	assert_true(fabs(r.t[AMP_BENCH_T_STREAM].value - 2e6) < 1);
	assert_true(r.t[AMP_BENCH_T_STREAM].pass);
	assert_true(fabs(r.t[AMP_BENCH_T_STREAM_VS].value - 4) < 1e-9);
	assert_true(r.t[AMP_BENCH_T_STREAM_VS].pass);
	/* The 1 MiB row, not the 64 KiB one. */
	assert_true(fabs(r.t[AMP_BENCH_T_MEMCPY].value - 0.3) < 1e-3);
	assert_true(r.t[AMP_BENCH_T_MEMCPY].pass);

	/* A slower round trip misses; a failed row is not used. */
	r.res[5].st.median_ns = 700;
	r.res[6].ok = false;
	amp_bench_targets(&r);
	assert_false(r.t[AMP_BENCH_T_PINGPONG].pass);
	assert_true(r.t[AMP_BENCH_T_PINGPONG].measured);
	assert_false(r.t[AMP_BENCH_T_STREAM].measured);
	assert_false(r.t[AMP_BENCH_T_STREAM].pass);
	assert_false(r.t[AMP_BENCH_T_STREAM_VS].measured);

	/* Exactly at the limit passes (the issue says "<=" and ">="). */
	r.res[5].st.median_ns = 600;
	amp_bench_targets(&r);
	assert_true(r.t[AMP_BENCH_T_PINGPONG].pass);

	r.have_floors = false;
	amp_bench_targets(&r);
	assert_false(r.t[AMP_BENCH_T_PINGPONG].measured);
	assert_false(r.t[AMP_BENCH_T_MEMCPY].measured);

	/* Life-cycle rows: medians in ms against 50 and 200. */
	x = row("lifecycle", "start", 0, 0, 0, 0, 4000000);
	amp_bench_report_add(&r, &x);
	x = row("lifecycle", "recovery", 0, 0, 0, 0, 250000000);
	amp_bench_report_add(&r, &x);
	amp_bench_targets(&r);
	assert_true(fabs(r.t[AMP_BENCH_T_START].value - 4.0) < 1e-9);
	assert_true(r.t[AMP_BENCH_T_START].pass);
	assert_true(r.t[AMP_BENCH_T_RECOVERY].measured);
	assert_false(r.t[AMP_BENCH_T_RECOVERY].pass);
	amp_bench_report_free(&r);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static int count(const char *s, const char *needle)
{
	int n = 0;

	while ((s = strstr(s, needle))) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/* The number after "key": in the first object that contains `within`. */
static double field(const char *doc, const char *within, const char *key)
{
	const char *obj = strstr(doc, within), *p;
	char pat[64];

	assert_non_null(obj);
	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(obj, pat);
	assert_non_null(p);
	return strtod(p + strlen(pat), NULL);
}

static void test_json(void **state)
{
	struct amp_bench_report r;
	FILE *f;
	char *doc;

	(void)state;
	fill(&r);
	amp_bench_targets(&r);
	f = fopen("bench_report_test.json", "w");
	assert_non_null(f);
	assert_int_equal(amp_bench_write_json(f, &r), 0);
	fclose(f);
	doc = slurp("bench_report_test.json");

	assert_non_null(strstr(doc, "\"version\": 1,"));
	assert_true(field(doc, "\"floors\"", "busy_poll_rtt_ns") == 300);
	assert_true(field(doc, "\"floors\"", "wake_rtt_ns") == 40000);
	assert_true(field(doc, "\"floors\"", "memcpy_gbps") == 50);
	assert_int_equal(count(doc, "{\"platform\": \"posix\""), 10);
	assert_true(field(doc, "\"mode\": \"pingpong\"", "median_ns") == 500);
	assert_true(field(doc, "\"matrix\": \"stream\"", "msgs_per_s") == 5e5);
	assert_true(field(doc, "\"block\": 4096", "seed_ms") == 37.64);
	assert_true(fabs(field(doc, "\"block\": 1048576", "bytes_per_s") -
			 1.5e10) < 1e6);
	/* No seed figure is null, not 0; a failure carries its reason. */
	assert_non_null(strstr(doc, "\"seed_ms\": null"));
	assert_non_null(strstr(doc, "\"seed_ms\": 11.97"));
	assert_non_null(strstr(doc, "\"ok\": false, \"error\": \"rep 3: ack "
				    "says \\\"262143\\\"\\u000a\"}"));
	assert_non_null(strstr(doc, "\"cpu\": \"Test CPU \\\"quoted\\\" & "
				    "<tagged>\""));
	assert_int_equal(count(doc, "\"pass\": true"), 4);
	assert_non_null(strstr(doc, "\"name\": \"stream_vs_socketpair\""));
	assert_true(field(doc, "\"name\": \"stream_vs_socketpair\"", "value") ==
		    4);
	/* One failed row: the whole document says so. */
	assert_non_null(strstr(doc, "\n  \"ok\": false\n}\n"));
	free(doc);
	amp_bench_report_free(&r);
}

/* REFERENCE 9's table, each time scaled by f[i] (1: the seed's figure). */
static void add_seed_log_rows(struct amp_bench_report *r, const double *f)
{
	static const uint32_t shape[11][2] = {
		{ 512, 1 },  { 512, 2 },  { 512, 4 },  { 512, 8 },
		{ 1024, 1 }, { 1024, 2 }, { 1024, 4 }, { 1024, 5 },
		{ 2048, 1 }, { 2048, 2 }, { 4096, 1 },
	};
	struct amp_bench_result x;
	int i;

	for (i = 0; i < 11; i++) {
		x = row("raw+log", "seed", 512, 16, shape[i][0], shape[i][1],
			1);
		x.log_baud = 115200;
		x.st.median_ns = (uint64_t)(x.seed_ms * 1e6 * f[i]);
		amp_bench_report_add(r, &x);
		x = row("raw", "seed", 512, 16, shape[i][0], shape[i][1],
			20000 + i);
		amp_bench_report_add(r, &x);
	}
}

/* The tty target reads the two 1 MiB rows; the seed-emulation target
 * needs all eleven rows and reports the worst |deviation|. */
static void test_tty_and_seed_targets(void **state)
{
	static const double exact[11] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	static const double off[11] = {
		1.05, 0.97, 1, 1, 1, 1, 1, 1, 1, 1, 1.12
	};
	struct amp_bench_report r;
	struct amp_bench_result x;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	fill(&r);
	amp_bench_targets(&r);
	assert_false(r.t[AMP_BENCH_T_TTY].measured);
	assert_false(r.t[AMP_BENCH_T_SEED_EMU].measured);

	x = row("ptypair", "extended", 512, 0, 1048576, 1, 4000000);
	amp_bench_report_add(&r, &x);
	x = row("tty", "extended", 512, 0, 65536, 1, 100000);
	amp_bench_report_add(&r, &x); /* not the 1 MiB row: ignored */
	amp_bench_targets(&r);
	assert_false(r.t[AMP_BENCH_T_TTY].measured);
	x = row("tty", "extended", 512, 0, 1048576, 1, 10000000);
	amp_bench_report_add(&r, &x);
	amp_bench_targets(&r);
	assert_true(fabs(r.t[AMP_BENCH_T_TTY].value - 0.4) < 1e-9);
	assert_false(r.t[AMP_BENCH_T_TTY].pass);
	r.res[r.n - 1].st.median_ns = 8000000;
	r.res[r.n - 1].bytes_per_s = 1048576 * 1e9 / 8e6;
	amp_bench_targets(&r);
	assert_true(r.t[AMP_BENCH_T_TTY].pass); /* 0.5 exactly */

	add_seed_log_rows(&r, exact);
	amp_bench_targets(&r);
	assert_true(r.t[AMP_BENCH_T_SEED_EMU].measured);
	assert_true(r.t[AMP_BENCH_T_SEED_EMU].value < 1e-3);
	assert_true(r.t[AMP_BENCH_T_SEED_EMU].pass);
	amp_bench_report_free(&r);

	fill(&r);
	add_seed_log_rows(&r, off);
	amp_bench_targets(&r);
	assert_true(fabs(r.t[AMP_BENCH_T_SEED_EMU].value - 12.0) < 1e-3);
	assert_false(r.t[AMP_BENCH_T_SEED_EMU].pass);

	/* Beside the seed's figure: the model, the deviation, the row
	 * without logging. */
	f = open_memstream(&out, &len);
	amp_bench_print_summary(f, &r);
	fclose(f);
	assert_non_null(strstr(out, "logging emulated at 115200 baud"));
	/* 512 x 1: 2 messages, model 3.15 x 4, seed 11.97, +5%, 20 us */
	assert_non_null(strstr(out, "  512 x 1       2     11.97     12.60 "
				    "     12.57    +5.0%         20.0  PASS"));
	assert_non_null(strstr(out, "   -3.0%"));
	assert_non_null(strstr(out, "+12.0%         20.0  MISS"));
	free(out);

	/* JSON: the baud and the deviation on those rows only. */
	f = open_memstream(&out, &len);
	assert_int_equal(amp_bench_write_json(f, &r), 0);
	fclose(f);
	assert_int_equal(count(out, "\"log_baud\": 115200"), 11);
	assert_non_null(strstr(out, "\"log_baud\": 115200, "
				    "\"seed_dev_pct\": 5,"));
	assert_non_null(strstr(out, "\"log_baud\": null, "
				    "\"seed_dev_pct\": null,"));
	assert_non_null(strstr(out, "\"name\": \"seed_emulation_dev_pct\""));
	free(out);

	/* One failed row: not measured, rather than a pass on ten. */
	r.res[12].ok = false;
	amp_bench_targets(&r);
	assert_false(r.t[AMP_BENCH_T_SEED_EMU].measured);
	amp_bench_report_free(&r);
}

/* Every <circle> lies inside the plot frame or in the legend column. */
static void check_circles(const char *doc, int want)
{
	const char *p = doc;
	double cx, cy;
	int n = 0;

	while ((p = strstr(p, "<circle "))) {
		assert_int_equal(
			sscanf(p, "<circle cx=\"%lf\" cy=\"%lf\"", &cx, &cy),
			2);
		assert_true(cx >= 80 && cx <= 960);
		assert_true(cy >= 62 && cy <= 450);
		n++;
		p++;
	}
	assert_int_equal(n, want);
}

static void test_svg(void **state)
{
	struct amp_bench_report r;
	FILE *f;
	char *doc;

	(void)state;
	fill(&r);
	f = fopen("bench_report_test.svg", "w");
	assert_non_null(f);
	assert_int_equal(amp_bench_write_svg(f, &r), 0);
	fclose(f);
	doc = slurp("bench_report_test.svg");
	assert_true(strncmp(doc, "<?xml", 5) == 0);
	assert_non_null(
		strstr(doc, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	assert_non_null(strstr(doc, "</svg>\n"));
	assert_non_null(strstr(doc, "throughput vs transfer size"));
	assert_non_null(strstr(doc, "throughput (MB/s, log scale)"));
	assert_non_null(strstr(doc, "transfer size per test (bytes"));
	assert_non_null(strstr(doc, ">raw RPMsg, 512 B buffers<"));
	assert_non_null(strstr(doc, ">raw RPMsg, 64 KiB buffers<"));
	assert_non_null(strstr(doc, ">socketpair, 496 B messages<"));
	assert_non_null(strstr(doc, ">seed: STM32MP157"));
	assert_non_null(strstr(doc, "memcpy 50.0 GB/s (floor)"));
	assert_non_null(strstr(doc, "&amp; &lt;tagged&gt;"));
	assert_null(strstr(doc, "<tagged>"));
	assert_null(strstr(doc, "pingpong"));
	assert_null(strstr(doc, "nan"));
	/* 8 ok throughput rows + 11 seed figures + 4 legend markers. */
	check_circles(doc, 8 + 11 + 4);
	assert_int_equal(count(doc, "<polyline "), 4);
	free(doc);
	amp_bench_report_free(&r);
}

static void test_svg_empty(void **state)
{
	struct amp_bench_report r;
	char buf[16384];
	FILE *f;

	(void)state;
	memset(&r, 0, sizeof(r));
	f = fmemopen(buf, sizeof(buf), "w");
	assert_non_null(f);
	assert_int_equal(amp_bench_write_svg(f, &r), 0);
	fclose(f);
	assert_non_null(strstr(buf, "</svg>"));
	assert_null(strstr(buf, "<circle"));
	assert_null(strstr(buf, "nan"));
	assert_null(strstr(buf, "inf"));
}

/* The sdb and direct-mode rows of one size, at the given MB/s. */
static void add_sdb_size(struct amp_bench_report *r, const char *plat,
			 uint32_t size, double sdb_h2r, double sdb_r2h,
			 double copy_h2r, double copy_r2h)
{
	const struct {
		const char *mode, *matrix;
		double mbs;
	} k[] = {
		{ "sdb", "h2r", sdb_h2r },
		{ "sdb", "r2h", sdb_r2h },
		{ "copy", "h2r", copy_h2r },
		{ "copy", "r2h", copy_r2h },
	};

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		struct amp_bench_result x;

		if (k[i].mbs <= 0)
			continue;
		x = row(k[i].mode, k[i].matrix, 512, 0, size, 64, 1000000);
		x.platform = plat;
		x.bytes_per_s = k[i].mbs * 1e6;
		amp_bench_report_add(r, &x);
	}
}

/* sdb against the copying mode: the worst ratio over the sizes from
 * 64 KiB on, each direction against the same direction; smaller sizes
 * do not count; a size without its copy rows leaves it unmeasured;
 * memcpy from the slower 1 MiB direction; qemu-m4 rows apart. */
static void test_sdb_targets(void **state)
{
	struct amp_bench_report r;
	struct amp_bench_result x;

	(void)state;
	fill(&r);
	amp_bench_targets(&r);
	assert_false(r.t[AMP_BENCH_T_SDB_RAW].measured);
	assert_false(r.t[AMP_BENCH_T_SDB_MEMCPY].measured);

	add_sdb_size(&r, NULL, 16384, 1000, 1000, 1000, 1000);	 /* ignored */
	add_sdb_size(&r, NULL, 65536, 20000, 30000, 5000, 4000); /* 4, 7.5 */
	add_sdb_size(&r, NULL, 1048576, 40000, 30000, 5000, 12000); /* 8, 2.5 */
	amp_bench_targets(&r);
	assert_true(fabs(r.t[AMP_BENCH_T_SDB_RAW].value - 2.5) < 1e-9);
	assert_false(r.t[AMP_BENCH_T_SDB_RAW].pass);
	/* memcpy 50 GB/s; the slower 1 MiB direction is 30 GB/s */
	assert_true(fabs(r.t[AMP_BENCH_T_SDB_MEMCPY].value - 0.6) < 1e-9);
	assert_true(r.t[AMP_BENCH_T_SDB_MEMCPY].pass);
	assert_false(r.t[AMP_BENCH_T_M4_SDB_RAW].measured);

	/* The tty: the slower sdb direction per size over the tty row. */
	x = row("tty", "extended", 512, 0, 65536, 1, 1000000);
	x.bytes_per_s = 100e6;
	amp_bench_report_add(&r, &x); /* 20000 / 100 = 200 */
	x = row("tty", "extended", 512, 0, 1048576, 1, 1000000);
	x.bytes_per_s = 2000e6;
	amp_bench_report_add(&r, &x); /* 30000 / 2000 = 15 */
	amp_bench_targets(&r);
	assert_true(fabs(r.t[AMP_BENCH_T_SDB_TTY].value - 15) < 1e-9);
	assert_true(r.t[AMP_BENCH_T_SDB_TTY].pass);

	/* A size whose copy row is missing: not a pass by default. */
	add_sdb_size(&r, "qemu-m4", 65536, 900, 1900, 0, 300);
	amp_bench_targets(&r);
	assert_false(r.t[AMP_BENCH_T_M4_SDB_RAW].measured);
	r.n--;
	add_sdb_size(&r, "qemu-m4", 65536, 0, 0, 300, 0);
	amp_bench_targets(&r);
	assert_false(r.t[AMP_BENCH_T_M4_SDB_RAW].measured);
	add_sdb_size(&r, "qemu-m4", 65536, 0, 0, 0, 400);
	amp_bench_targets(&r);
	assert_true(fabs(r.t[AMP_BENCH_T_M4_SDB_RAW].value - 3.0) < 1e-9);
	assert_true(r.t[AMP_BENCH_T_M4_SDB_RAW].pass);
	/* posix figures stay posix's */
	assert_true(fabs(r.t[AMP_BENCH_T_SDB_RAW].value - 2.5) < 1e-9);
	amp_bench_report_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_tty_and_seed_targets),
		cmocka_unit_test(test_sdb_targets),
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_svg_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
