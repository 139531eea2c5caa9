/*
 * stats.c - the clock and the summary statistics every bench figure goes
 * through, so the median and p99 mean the same thing in every row.
 */
#include <stdlib.h>
#include <time.h>

#include "bench.h"

uint64_t amp_bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/*
 * p99 by nearest rank rather than interpolation: it is always a time that
 * was really measured, and with 200 samples it is the second-slowest.
 */
void amp_bench_stats(uint64_t *samples, uint32_t n, struct amp_bench_stats *st)
{
	uint64_t rank;

	st->n = n;
	if (n == 0) {
		st->min_ns = st->median_ns = st->p99_ns = st->max_ns = 0;
		return;
	}
	qsort(samples, n, sizeof(*samples), cmp_u64);
	st->min_ns = samples[0];
	st->max_ns = samples[n - 1];
	if (n % 2)
		st->median_ns = samples[n / 2];
	else
		st->median_ns = samples[n / 2 - 1] +
				(samples[n / 2] - samples[n / 2 - 1]) / 2;
	rank = ((uint64_t)n * 99 + 99) / 100; /* ceil(0.99 n), >= 1 */
	st->p99_ns = samples[rank - 1];
}

void amp_bench_result_timed(struct amp_bench_result *res, uint64_t *samples,
			    uint32_t n)
{
	res->reps = n;
	amp_bench_stats(samples, n, &res->st);
	if (res->st.median_ns) {
		res->bytes_per_s = (double)res->total * 1e9 / res->st.median_ns;
		res->msgs_per_s = (double)res->msgs * 1e9 / res->st.median_ns;
	}
}
