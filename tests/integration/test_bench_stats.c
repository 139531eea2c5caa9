/*
 * test_bench_stats.c - the statistics every bench figure goes through
 * (median, nearest-rank p99) and the seed figures table, on known arrays.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bench.h"

static void test_empty(void **state)
{
	struct amp_bench_stats st;

	(void)state;
	amp_bench_stats(NULL, 0, &st);
	assert_int_equal(st.n, 0);
	assert_int_equal(st.median_ns, 0);
	assert_int_equal(st.p99_ns, 0);
}

static void test_one(void **state)
{
	uint64_t a[] = { 42 };
	struct amp_bench_stats st;

	(void)state;
	amp_bench_stats(a, 1, &st);
	assert_int_equal(st.median_ns, 42);
	assert_int_equal(st.p99_ns, 42);
	assert_int_equal(st.min_ns, 42);
	assert_int_equal(st.max_ns, 42);
}

static void test_odd_unsorted(void **state)
{
	uint64_t a[] = { 9, 1, 7, 3, 5 };
	struct amp_bench_stats st;

	(void)state;
	amp_bench_stats(a, 5, &st);
	assert_int_equal(st.median_ns, 5);
	assert_int_equal(st.min_ns, 1);
	assert_int_equal(st.max_ns, 9);
	assert_int_equal(st.p99_ns, 9); /* rank ceil(4.95) = 5 */
	assert_int_equal(a[0], 1);	/* sorted in place */
	assert_int_equal(a[4], 9);
}

static void test_even_mean_of_middle(void **state)
{
	uint64_t a[] = { 40, 10, 30, 20 };
	uint64_t b[] = { 1, 2 }; /* the mean rounds down */
	struct amp_bench_stats st;

	(void)state;
	amp_bench_stats(a, 4, &st);
	assert_int_equal(st.median_ns, 25);
	amp_bench_stats(b, 2, &st);
	assert_int_equal(st.median_ns, 1);
}

/* 1..n reversed: nearest-rank p99 is ceil(0.99 n). */
static void test_p99_ranks(void **state)
{
	static uint64_t a[1000];
	static const uint32_t sizes[] = { 100, 200, 101, 1000, 20, 3 };
	static const uint64_t want[] = { 99, 198, 100, 990, 20, 3 };
	struct amp_bench_stats st;
	uint32_t i, k;

	(void)state;
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		for (i = 0; i < sizes[k]; i++)
			a[i] = sizes[k] - i;
		amp_bench_stats(a, sizes[k], &st);
		assert_int_equal(st.p99_ns, want[k]);
		assert_int_equal(st.n, sizes[k]);
	}
	for (i = 0; i < 200; i++)
		a[i] = 200 - i;
	amp_bench_stats(a, 200, &st);
	assert_int_equal(st.median_ns, 100); /* (100 + 101) / 2 */
}

/* One huge outlier moves p99 and max, never the median. */
static void test_outlier(void **state)
{
	uint64_t a[200];
	struct amp_bench_stats st;
	uint32_t i;

	(void)state;
	for (i = 0; i < 200; i++)
		a[i] = 1000;
	a[17] = 1000000000;
	amp_bench_stats(a, 200, &st);
	assert_int_equal(st.median_ns, 1000);
	assert_int_equal(st.p99_ns, 1000);
	assert_int_equal(st.max_ns, 1000000000);
}

static void test_seed_figures(void **state)
{
	(void)state;
	assert_true(amp_bench_seed_ms(512, 1) == 11.97);
	assert_true(amp_bench_seed_ms(512, 8) == 56.25);
	assert_true(amp_bench_seed_ms(1024, 5) == 53.32);
	assert_true(amp_bench_seed_ms(2048, 2) == 37.63);
	assert_true(amp_bench_seed_ms(4096, 1) == 37.64);
	assert_true(amp_bench_seed_ms(4096, 2) == 0);
	assert_true(amp_bench_seed_ms(496, 100000) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_one),
		cmocka_unit_test(test_odd_unsorted),
		cmocka_unit_test(test_even_mean_of_middle),
		cmocka_unit_test(test_p99_ranks),
		cmocka_unit_test(test_outlier),
		cmocka_unit_test(test_seed_figures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
