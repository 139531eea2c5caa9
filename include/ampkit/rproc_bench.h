/*
 * rproc_bench.h - how long the life cycle takes, for `ampkit bench --mode
 * lifecycle` and issue 3's targets: start to channel announced, and a
 * killed firmware to recovered and announced again.
 *
 * Each call runs its own rproc from `cfg` (firmware path required) and
 * stops it before returning.  Times are CLOCK_MONOTONIC, in ns.
 */
#ifndef AMPKIT_RPROC_BENCH_H
#define AMPKIT_RPROC_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include "rproc.h"

#define AMP_RPROC_BENCH_RUNS 20

struct amp_rproc_bench_times {
	uint64_t median_ns, min_ns, max_ns;
	unsigned runs;
};

/* amp_rproc_start() until `channel` (NULL: "rpmsg-raw") is announced,
 * `runs` times (0: AMP_RPROC_BENCH_RUNS), each from offline.  0, or a
 * negative AMP_E* with a one-line reason in err. */
int amp_rproc_bench_start_time(const struct amp_rproc_cfg *cfg,
			       const char *channel, unsigned runs,
			       struct amp_rproc_bench_times *out, char *err,
			       size_t errlen);

/* SIGKILL of the running firmware until, through amp_rproc_run() with
 * recovery enabled, `channel` is announced again. */
int amp_rproc_bench_recovery_time(const struct amp_rproc_cfg *cfg,
				  const char *channel, unsigned runs,
				  struct amp_rproc_bench_times *out, char *err,
				  size_t errlen);

/* The platform's doorbell round trip on a running rproc (qemu-m4: a
 * UART1 byte answered by the guest's interrupt handler), the floor of its
 * message round trip: `iters` samples, their median in *median_ns.
 * -AMP_ENOTSUP where the platform has none (posix: its floor is the
 * busy-poll round trip the bench measures itself). */
int amp_rproc_bench_doorbell_rtt(struct amp_rproc *rp, unsigned iters,
				 uint64_t *median_ns);

#endif
