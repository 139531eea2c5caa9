/*
 * floors.c - what this machine can do at best, measured in the same run
 * as the benchmark so ratios against it mean something on a noisy VM:
 * the round trip of two processes spinning on shared cache lines, the
 * round trip of two processes that block and wake each other, and memcpy
 * bandwidth in cache.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ampkit/compiler.h>

#include "bench.h"

#define LINE                                                                   \
	128 /* two lines apart, so the adjacent-line prefetch of one           \
	       side never drags in the other's */
#define STOP UINT64_MAX

/* The child must not outlive us if we die in the middle. */
static pid_t fork_child(void)
{
	pid_t parent = getpid(), pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
	}
	return pid;
}

static void reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

static double median_of(uint64_t *samples, uint32_t n)
{
	struct amp_bench_stats st;

	amp_bench_stats(samples, n, &st);
	return (double)st.median_ns;
}

/*
 * Each side spins only on its own line and writes the other's, so one
 * round trip is exactly two cache-line transfers: the least any
 * shared-memory protocol with a request and a reply can cost.
 */
double amp_bench_busy_poll_rtt(uint32_t iters)
{
	uint32_t warm = iters / 10 + 100, i;
	volatile uint64_t *ping, *pong;
	uint64_t *samples, t0, v, seen = 0;
	void *mem;
	pid_t pid;
	double med = -1;

	samples = calloc(iters, sizeof(*samples));
	mem = mmap(NULL, 2 * LINE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!samples || mem == MAP_FAILED) {
		free(samples);
		return -1;
	}
	ping = (uint64_t *)mem;
	pong = (uint64_t *)((char *)mem + LINE);
	pid = fork_child();
	if (pid == 0) {
		for (;;) {
			while ((v = AMP_LOAD_ACQUIRE(ping)) == seen)
				amp_cpu_relax();
			if (v == STOP)
				_exit(0);
			seen = v;
			AMP_STORE_RELEASE(pong, v);
		}
	}
	if (pid > 0) {
		for (i = 1; i <= warm + iters; i++) {
			t0 = amp_bench_now_ns();
			AMP_STORE_RELEASE(ping, i);
			while (AMP_LOAD_ACQUIRE(pong) != i)
				amp_cpu_relax();
			if (i > warm)
				samples[i - warm - 1] = amp_bench_now_ns() - t0;
		}
		AMP_STORE_RELEASE(ping, STOP);
		reap(pid);
		med = median_of(samples, iters);
	}
	munmap(mem, 2 * LINE);
	free(samples);
	return med;
}

/* eventfd reads block in the kernel: each hop is a full sleep and wake. */
double amp_bench_wake_rtt(uint32_t iters)
{
	uint32_t warm = iters / 10 + 10, i;
	uint64_t *samples, one = 1, stop = 2, v, t0;
	int to_child, to_parent;
	double med = -1;
	pid_t pid;

	samples = calloc(iters, sizeof(*samples));
	to_child = eventfd(0, 0);
	to_parent = eventfd(0, 0);
	if (!samples || to_child < 0 || to_parent < 0)
		goto out;
	pid = fork_child();
	if (pid == 0) {
		while (read(to_child, &v, sizeof(v)) == sizeof(v) && v == 1)
			if (write(to_parent, &one, sizeof(one)) != sizeof(one))
				break;
		_exit(0);
	}
	if (pid < 0)
		goto out;
	for (i = 0; i < warm + iters; i++) {
		t0 = amp_bench_now_ns();
		if (write(to_child, &one, sizeof(one)) != sizeof(one) ||
		    read(to_parent, &v, sizeof(v)) != sizeof(v))
			break;
		if (i >= warm)
			samples[i - warm] = amp_bench_now_ns() - t0;
	}
	if (write(to_child, &stop, sizeof(stop)) != sizeof(stop))
		kill(pid, SIGKILL);
	reap(pid);
	if (i == warm + iters)
		med = median_of(samples, iters);
out:
	if (to_child >= 0)
		close(to_child);
	if (to_parent >= 0)
		close(to_parent);
	free(samples);
	return med;
}

/* 64 KiB source and destination stay in L2; best of several runs, since
 * the floor is what the machine can do, not what it did on average. */
double amp_bench_memcpy_gbps(void)
{
	const size_t size = 64 * 1024;
	const uint32_t copies = 2000;
	uint8_t *src, *dst;
	uint64_t t0, ns;
	double best = 0, gbps;
	uint32_t run, k;

	src = aligned_alloc(64, size);
	dst = aligned_alloc(64, size);
	if (!src || !dst) {
		free(src);
		free(dst);
		return -1;
	}
	memset(src, 0x5a, size);
	memset(dst, 0, size);
	for (run = 0; run < 8; run++) {
		t0 = amp_bench_now_ns();
		for (k = 0; k < copies; k++) {
			memcpy(dst, src, size);
			/* Keep every copy: dst is read by "someone". */
			__asm__ volatile("" : : "r"(dst) : "memory");
		}
		ns = amp_bench_now_ns() - t0;
		gbps = (double)size * copies / (double)(ns ? ns : 1);
		if (gbps > best)
			best = gbps;
	}
	free(src);
	free(dst);
	return best;
}

int amp_bench_measure_floors(struct amp_bench_floors *f, uint32_t rtt_iters,
			     uint32_t wake_iters, char *err, size_t errlen)
{
	/* Like memcpy's best run, the floor is the best of several medians:
	 * one round can land on a moment the shared machine is busy. */
	f->busy_poll_rtt_ns = -1;
	for (int i = 0; i < 5; i++) {
		double ns = amp_bench_busy_poll_rtt(rtt_iters);

		if (ns > 0 &&
		    (f->busy_poll_rtt_ns <= 0 || ns < f->busy_poll_rtt_ns))
			f->busy_poll_rtt_ns = ns;
	}
	f->wake_rtt_ns = amp_bench_wake_rtt(wake_iters);
	f->memcpy_gbps = amp_bench_memcpy_gbps();
	if (f->busy_poll_rtt_ns <= 0 || f->wake_rtt_ns <= 0 ||
	    f->memcpy_gbps <= 0) {
		snprintf(err, errlen, "floors: could not measure %s",
			 f->busy_poll_rtt_ns <= 0 ? "the busy-poll round trip"
			 : f->wake_rtt_ns <= 0	  ? "the wake-up round trip"
						  : "memcpy bandwidth");
		return -1;
	}
	return 0;
}
