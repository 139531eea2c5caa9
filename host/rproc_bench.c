/*
 * rproc_bench.c - timing the life cycle (rproc_bench.h): what a user
 * waits for when starting a coprocessor, and how long a crash keeps a
 * channel away.  The recovery path is timed the way a daemon lives it:
 * amp_rproc_run() notices the death, recovers, and reports the channel.
 * Also the platform's doorbell round trip, the floor its message round
 * trip is judged against (qemu-m4).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ampkit/rproc_bench.h"
#include "rproc_internal.h"

#define SEC 1000000000ull
#define CHANNEL_TIMEOUT_NS (5 * SEC)

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void summarize(uint64_t *t, unsigned n,
		      struct amp_rproc_bench_times *out)
{
	qsort(t, n, sizeof(*t), cmp_u64);
	out->runs = n;
	out->min_ns = t[0];
	out->max_ns = t[n - 1];
	out->median_ns = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

struct watch {
	const char *channel;
	uint64_t up_at; /* 0 until announced */
};

static void on_event(struct amp_rproc *rp, enum amp_rproc_event ev,
		     const char *detail, uint32_t addr, void *priv)
{
	struct watch *w = priv;

	(void)rp;
	(void)addr;
	if (ev == AMP_RPROC_EV_CHANNEL_UP && !strcmp(detail, w->channel) &&
	    !w->up_at)
		w->up_at = mono_ns();
}

static int fail(char *err, size_t errlen, int r, const char *what,
		struct amp_rproc *rp)
{
	snprintf(err, errlen, "%s: %s", what, rp ? amp_rproc_error(rp) : "");
	return r;
}

int amp_rproc_bench_start_time(const struct amp_rproc_cfg *cfg,
			       const char *channel, unsigned runs,
			       struct amp_rproc_bench_times *out, char *err,
			       size_t errlen)
{
	struct amp_rproc *rp = amp_rproc_new("bench");
	uint64_t *t;
	int r = 0;

	if (!runs)
		runs = AMP_RPROC_BENCH_RUNS;
	t = calloc(runs, sizeof(*t));
	if (!rp || !t) {
		amp_rproc_free(rp);
		free(t);
		snprintf(err, errlen, "out of memory");
		return -AMP_ENOMEM;
	}
	for (unsigned i = 0; i < runs && !r; i++) {
		uint64_t t0 = mono_ns();

		r = amp_rproc_start(rp, cfg);
		if (r) {
			fail(err, errlen, r, "start", rp);
			break;
		}
		r = amp_rproc_wait_channel(rp, channel ? channel : "rpmsg-raw",
					   NULL, CHANNEL_TIMEOUT_NS);
		t[i] = mono_ns() - t0;
		if (r)
			fail(err, errlen, r, "waiting for the channel", rp);
		amp_rproc_stop(rp);
	}
	if (!r)
		summarize(t, runs, out);
	amp_rproc_free(rp);
	free(t);
	return r;
}

int amp_rproc_bench_recovery_time(const struct amp_rproc_cfg *cfg,
				  const char *channel, unsigned runs,
				  struct amp_rproc_bench_times *out, char *err,
				  size_t errlen)
{
	struct amp_rproc *rp = amp_rproc_new("bench");
	struct watch w = { channel ? channel : "rpmsg-raw", 0 };
	struct amp_rproc_cfg c = *cfg;
	uint64_t *t;
	int r;

	if (!runs)
		runs = AMP_RPROC_BENCH_RUNS;
	t = calloc(runs, sizeof(*t));
	if (!rp || !t) {
		amp_rproc_free(rp);
		free(t);
		snprintf(err, errlen, "out of memory");
		return -AMP_ENOMEM;
	}
	c.on_event = on_event;
	c.priv = &w;
	r = amp_rproc_start(rp, &c);
	if (r)
		fail(err, errlen, r, "start", rp);
	else if ((r = amp_rproc_wait_channel(rp, w.channel, NULL,
					     CHANNEL_TIMEOUT_NS)))
		fail(err, errlen, r, "waiting for the channel", rp);
	amp_rproc_set_recovery(rp, true);
	for (unsigned i = 0; i < runs && !r; i++) {
		uint64_t t0, end;

		w.up_at = 0;
		t0 = mono_ns();
		kill(amp_rproc_process_pid(rp), SIGKILL);
		end = t0 + CHANNEL_TIMEOUT_NS;
		while (!w.up_at && mono_ns() < end)
			amp_rproc_run(rp, NULL, 0, end - mono_ns());
		if (!w.up_at) {
			r = -AMP_ETIMEDOUT;
			fail(err, errlen, r, "recovery", rp);
			break;
		}
		t[i] = w.up_at - t0;
	}
	if (!r)
		summarize(t, runs, out);
	amp_rproc_free(rp);
	free(t);
	return r;
}

int amp_rproc_bench_doorbell_rtt(struct amp_rproc *rp, unsigned iters,
				 uint64_t *median_ns)
{
	struct amp_rproc_bench_times st;
	uint64_t *t;
	int r;

	if (!rp->ops->bell_rtt)
		return -AMP_ENOTSUP;
	if (rp->state != AMP_RPROC_RUNNING || !iters)
		return -AMP_EINVAL;
	t = calloc(iters, sizeof(*t));
	if (!t)
		return -AMP_ENOMEM;
	r = rp->ops->bell_rtt(rp, iters, t);
	if (!r) {
		summarize(t, iters, &st);
		*median_ns = st.median_ns;
	}
	free(t);
	return r;
}
