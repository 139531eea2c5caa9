/*
 * test_posix_port.c - the posix mailbox between two real processes: no
 * wake-up lost over 100k blocking ping-pongs, deadlines honoured, and a
 * peer's exit reported as -AMP_EPIPE on both sides.
 *
 * The two sides fork without exec and share a posix link; each drops the
 * other's liveness end, as the host and the firmware do.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <ampkit/errno.h>
#include <ampkit/posix.h>

#define SHM_SIZE (2 * AMP_POSIX_PAGE)
#define ROUNDS 100000u
#define MS 1000000ull
/* Far longer than any wake-up; reaching it means a lost wake-up. */
#define LOST_NS (5000 * MS)

static struct amp_posix_link lk;

static int setup(void **state)
{
	(void)state;
	return amp_posix_link_create(&lk, SHM_SIZE);
}

static int teardown(void **state)
{
	(void)state;
	amp_posix_link_destroy(&lk);
	return 0;
}

static uint32_t *ball(void)
{
	return (uint32_t *)(void *)(lk.shm.region.va + AMP_POSIX_PAGE);
}

/* Block (spurious wake-ups allowed) until *ball() == want. */
static int wait_ball(struct amp_posix_port *p, uint32_t want)
{
	struct amp_port *port = &p->port;

	while (__atomic_load_n(ball(), __ATOMIC_ACQUIRE) != want) {
		int r = port->ops->wait(port, amp_port_deadline(port, LOST_NS));

		if (r)
			return r;
	}
	return 0;
}

static pid_t fork_side(enum amp_posix_side side, int (*fn)(void))
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		amp_posix_link_drop_side(&lk, side == AMP_POSIX_HOST
						      ? AMP_POSIX_REMOTE
						      : AMP_POSIX_HOST);
		_exit(fn());
	}
	amp_posix_link_drop_side(&lk, side);
	return pid;
}

static int child_status(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static int remote_pong(void)
{
	struct amp_posix_port p;

	amp_posix_link_port(&lk, AMP_POSIX_REMOTE, &p, 0);
	for (uint32_t i = 1; i < 2 * ROUNDS; i += 2) {
		if (wait_ball(&p, i))
			return 1;
		__atomic_store_n(ball(), i + 1, __ATOMIC_RELEASE);
		p.port.ops->notify(&p.port, 1);
	}
	return 0;
}

static void test_pingpong_no_lost_wakeup(void **state)
{
	struct amp_posix_port p;
	pid_t pid;

	(void)state;
	amp_posix_link_port(&lk, AMP_POSIX_HOST, &p, 0);
	pid = fork_side(AMP_POSIX_REMOTE, remote_pong);
	for (uint32_t i = 1; i < 2 * ROUNDS; i += 2) {
		__atomic_store_n(ball(), i, __ATOMIC_RELEASE);
		p.port.ops->notify(&p.port, 0);
		assert_int_equal(wait_ball(&p, i + 1), 0);
	}
	assert_int_equal(child_status(pid), 0);
	/* Every round had to ring; most found the peer asleep. */
	assert_int_equal(p.stats.notifies, ROUNDS);
	assert_true(p.stats.kicks > 0);
}

static void test_pending_before_wait(void **state)
{
	struct amp_posix_port h, r;

	(void)state;
	amp_posix_link_port(&lk, AMP_POSIX_HOST, &h, 0);
	amp_posix_link_port(&lk, AMP_POSIX_REMOTE, &r, 0);
	/* Nobody sleeps: the doorbell bit alone carries the ring. */
	h.port.ops->notify(&h.port, 1);
	assert_int_equal(h.stats.kicks, 0);
	assert_int_equal(lk.ctrl->inbox[AMP_POSIX_REMOTE].pending, 2);
	assert_int_equal(r.port.ops->wait(&r.port, AMP_DEADLINE_NOW), 0);
	assert_int_equal(lk.ctrl->inbox[AMP_POSIX_REMOTE].pending, 0);
	assert_int_equal(lk.ctrl->inbox[AMP_POSIX_REMOTE].sleeping, 0);
	/* Taken: the next look finds nothing. */
	assert_int_equal(r.port.ops->wait(&r.port, AMP_DEADLINE_NOW),
			 -AMP_ETIMEDOUT);
}

static void test_deadline(void **state)
{
	struct amp_posix_port p;
	struct amp_port *port = &p.port;
	uint64_t t0, dt;

	(void)state;
	amp_posix_link_port(&lk, AMP_POSIX_HOST, &p, 0);
	t0 = amp_port_now(port);
	assert_int_equal(port->ops->wait(port, AMP_DEADLINE_NOW),
			 -AMP_ETIMEDOUT);
	assert_int_equal(port->ops->wait(port, t0 - 1), -AMP_ETIMEDOUT);
	assert_true(amp_port_now(port) - t0 < 20 * MS);

	t0 = amp_port_now(port);
	assert_int_equal(port->ops->wait(port, t0 + 30 * MS), -AMP_ETIMEDOUT);
	dt = amp_port_now(port) - t0;
	assert_true(dt >= 30 * MS);
	assert_true(dt < 300 * MS);

	/* Sub-millisecond deadlines are not rounded up to a tick. */
	t0 = amp_port_now(port);
	assert_int_equal(port->ops->wait(port, t0 + 200000), -AMP_ETIMEDOUT);
	dt = amp_port_now(port) - t0;
	assert_true(dt >= 200000);
	assert_true(dt < 200 * MS);
}

static int remote_exit_soon(void)
{
	struct timespec ts = { 0, 50 * (long)MS };

	nanosleep(&ts, NULL);
	return 0;
}

static void test_epipe_when_remote_exits(void **state)
{
	struct amp_posix_port p;
	uint64_t t0;
	pid_t pid;

	(void)state;
	amp_posix_link_port(&lk, AMP_POSIX_HOST, &p, 0);
	pid = fork_side(AMP_POSIX_REMOTE, remote_exit_soon);
	t0 = amp_port_now(&p.port);
	assert_int_equal(p.port.ops->wait(&p.port, AMP_DEADLINE_NEVER),
			 -AMP_EPIPE);
	assert_true(amp_port_now(&p.port) - t0 < 2000 * MS);
	/* Stays gone; and a message sent just before dying still wins. */
	assert_int_equal(p.port.ops->wait(&p.port, AMP_DEADLINE_NEVER),
			 -AMP_EPIPE);
	lk.ctrl->inbox[AMP_POSIX_HOST].pending = 1;
	assert_int_equal(p.port.ops->wait(&p.port, AMP_DEADLINE_NEVER), 0);
	assert_int_equal(child_status(pid), 0);
}

static int remote_wait_for_host_exit(void)
{
	struct amp_posix_port p;
	int r;

	amp_posix_link_port(&lk, AMP_POSIX_REMOTE, &p, 0);
	do
		r = p.port.ops->wait(&p.port, AMP_DEADLINE_NEVER);
	while (r == 0);
	return r == -AMP_EPIPE ? 0 : 1;
}

static void test_epipe_when_host_exits(void **state)
{
	pid_t pid;

	(void)state;
	pid = fork_side(AMP_POSIX_REMOTE, remote_wait_for_host_exit);
	/* Closing the read end is what the host's death does. */
	amp_posix_link_drop_side(&lk, AMP_POSIX_HOST);
	assert_int_equal(child_status(pid), 0);
}

static void test_attach_without_env(void **state)
{
	struct amp_posix_remote r;
	char err[128];

	(void)state;
	unsetenv(AMP_POSIX_ENV);
	assert_int_equal(amp_posix_remote_attach(&r, err, sizeof(err)),
			 -AMP_ENOENT);
	setenv(AMP_POSIX_ENV, "3,4,5", 1);
	assert_int_equal(amp_posix_remote_attach(&r, err, sizeof(err)),
			 -AMP_EINVAL);
	assert_non_null(strstr(err, AMP_POSIX_ENV));
	setenv(AMP_POSIX_ENV, "900,901,902,903,1", 1);
	assert_int_equal(amp_posix_remote_attach(&r, err, sizeof(err)),
			 -AMP_EINVAL);
	assert_non_null(strstr(err, "not open"));
	unsetenv(AMP_POSIX_ENV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pending_before_wait, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pingpong_no_lost_wakeup,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_epipe_when_remote_exits,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_epipe_when_host_exits,
						setup, teardown),
		cmocka_unit_test(test_attach_without_env),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
