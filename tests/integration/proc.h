/*
 * proc.h - what the integration tests ask of this process and its
 * children: monotonic time in ns, how many fds are open, and that no
 * child is left to reap.  Include after cmocka.h.
 */
#ifndef AMPKIT_TEST_PROC_H
#define AMPKIT_TEST_PROC_H

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>

/* The sanitizer build (gcc's macro, clang's feature test): the tests that
 * move a lot scale down there. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static inline void no_child_left(void)
{
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

#endif
