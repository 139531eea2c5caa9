/*
 * rproc_qemu.c - the qemu-m4 backend of amp_rproc: the coprocessor is a
 * Cortex-M4 in QEMU's mps2-an386 board, running firmware built for it
 * (port/mps2-an386/), from the image this backend loads into the board's
 * PSRAM window.
 *
 * The window is a 16 MiB memfd that QEMU maps as the board's RAM
 * (memory-backend-file on /dev/fd/3, share=on) and the host maps too, so
 * loading is writing the ELF's segments into it, as remoteproc writes a
 * real M4's memory.  QEMU starts a boot stub that waits on the control
 * page (include/ampkit/mps2.h) until the release word; the host writes it
 * once the image and the negotiated table are in place.  Doorbells are
 * single bytes on a socketpair that QEMU connects to UART1.  QEMU's own
 * output and UART0, the firmware's console, go to a second memfd, which
 * never blocks QEMU and which the host drains into AMP_RPROC_EV_CONSOLE
 * events (the daemon's log), never onto the user's terminal.
 *
 * Every start is a fresh QEMU; stop is the shutdown doorbell, a wait for
 * the firmware to say it stopped, then SIGKILL.  A crash is a fault
 * record (the core halted), QEMU exiting, or a missed heartbeat.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ampkit/elf.h"
#include "ampkit/mps2.h"
#include "rproc_internal.h"

#define QEMU_DEFAULT "qemu-system-arm"
#define BOOT_STUB "ampkit-m4-boot.elf"
#define VECTORS_SECTION ".isr_vector"

struct qemu {
	struct amp_port port; /* the host's doorbell side */
	struct amp_rproc *rp; /* for console events */
	struct amp_posix_shm ram;
	struct amp_mps2_ctrl *ctrl;
	int bell;      /* our end of the doorbell socket */
	int bell_peer; /* QEMU's end, until QEMU holds it */
	int log;       /* memfd: QEMU's stdout and stderr, and UART0 */
	uint64_t log_done;
	char line[256];
	size_t nline;
	uint32_t vtor;
	struct amp_child qemu;
	bool gone; /* the firmware said it faulted or stopped */
};

static struct qemu *qemu_of(const struct amp_rproc *rp)
{
	return rp->backend;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- console: QEMU's output, line by line ---- */

static void console_line(struct qemu *q)
{
	while (q->nline &&
	       (q->line[q->nline - 1] == '\r' || q->line[q->nline - 1] == '\n'))
		q->nline--;
	q->line[q->nline] = '\0';
	if (q->nline)
		amp_rproc_emit(q->rp, AMP_RPROC_EV_CONSOLE, q->line, 0);
	q->nline = 0;
}

static void console_drain(struct qemu *q, bool flush)
{
	char buf[1024];
	ssize_t n;

	while (q->log >= 0 &&
	       (n = pread(q->log, buf, sizeof(buf), (off_t)q->log_done)) > 0) {
		q->log_done += (uint64_t)n;
		for (ssize_t i = 0; i < n; i++) {
			char c = buf[i];

			if (c == '\n') {
				console_line(q);
				continue;
			}
			/* The guest's bytes go into the daemon's log: no
			 * control characters or escape sequences. */
			if ((unsigned char)c < 0x20 && c != '\t' && c != '\r')
				c = '?';
			else if ((unsigned char)c == 0x7f)
				c = '?';
			if (q->nline == sizeof(q->line) - 1)
				console_line(q); /* a long line, in pieces */
			q->line[q->nline++] = c;
		}
	}
	if (flush && q->nline)
		console_line(q);
}

/* ---- the doorbell ---- */

static void qemu_notify(struct amp_port *port, uint32_t ch)
{
	struct qemu *q = AMP_CONTAINER_OF(port, struct qemu, port);
	uint8_t b = (uint8_t)ch;

	/* A full socket means the guest has bytes it has not read yet:
	 * it will look at the rings anyway, so the ring coalesces. */
	if (send(q->bell, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return;
}

static uint32_t stage(const struct qemu *q)
{
	return AMP_LOAD(&q->ctrl->stage);
}

/* Read what the guest rang: AMP_POSIX_WOKE_BELL for a doorbell, _GONE
 * once it faulted, stopped or hung up. */
static int take_bells(struct qemu *q)
{
	uint8_t buf[64];
	int woke = 0;
	ssize_t n;

	while ((n = recv(q->bell, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == AMP_MPS2_BELL_FAULT ||
			    buf[i] == AMP_MPS2_BELL_EXITED)
				q->gone = true;
			else if (buf[i] != AMP_MPS2_BELL_PONG)
				woke |= AMP_POSIX_WOKE_BELL;
		}
	if (n == 0)
		q->gone = true; /* QEMU closed its end: it is gone */
	return woke;
}

/* Wait for a doorbell, the guest's end, one of the caller's fds, or the
 * deadline (on CLOCK_MONOTONIC): AMP_POSIX_WOKE_* bits, 0 at the
 * deadline. */
static int qemu_wait_any(struct qemu *q, struct pollfd *user, int nuser,
			 uint64_t deadline)
{
	struct pollfd fds[2 + AMP_POSIX_WAIT_MAX_FDS];
	int woke = 0;

	if (nuser < 0 || nuser > AMP_POSIX_WAIT_MAX_FDS || (nuser && !user))
		return -AMP_EINVAL;
	for (;;) {
		uint64_t now = mono_ns(), left;
		struct timespec ts, *tsp = NULL;
		int r;

		woke |= take_bells(q);
		console_drain(q, false);
		if (q->gone || stage(q) == AMP_MPS2_STAGE_FAULT)
			woke |= AMP_POSIX_WOKE_GONE;
		if (woke && !nuser)
			return woke;
		/* Already woken: the caller's fds are still looked at once. */
		left = woke || deadline <= now ? 0 : deadline - now;
		if (woke || deadline != AMP_DEADLINE_NEVER) {
			ts.tv_sec = (time_t)(left / 1000000000ull);
			ts.tv_nsec = (long)(left % 1000000000ull);
			tsp = &ts;
		}
		fds[0] = (struct pollfd){ .fd = q->bell, .events = POLLIN };
		fds[1] = (struct pollfd){ .fd = q->qemu.pidfd,
					  .events = POLLIN };
		for (int i = 0; i < nuser; i++) {
			fds[2 + i] = user[i];
			fds[2 + i].revents = 0;
		}
		r = ppoll(fds, (nfds_t)(2 + nuser), tsp, NULL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		for (int i = 0; i < nuser; i++) {
			user[i].revents = fds[2 + i].revents;
			if (user[i].revents)
				woke |= AMP_POSIX_WOKE_FDS;
		}
		if (fds[1].revents || (fds[0].revents & ~POLLIN))
			woke |= AMP_POSIX_WOKE_GONE;
		if (fds[0].revents & POLLIN)
			woke |= take_bells(q);
		if (q->gone)
			woke |= AMP_POSIX_WOKE_GONE;
		if (woke || r == 0)
			return woke;
	}
}

static int qemu_port_wait(struct amp_port *port, uint64_t deadline)
{
	struct qemu *q = AMP_CONTAINER_OF(port, struct qemu, port);
	int w = qemu_wait_any(q, NULL, 0, deadline);

	if (w < 0)
		return w;
	if (w & AMP_POSIX_WOKE_GONE)
		return -AMP_EPIPE;
	return w ? 0 : -AMP_ETIMEDOUT;
}

static uint64_t qemu_port_now(struct amp_port *port)
{
	(void)port;
	return mono_ns();
}

static const struct amp_port_ops qemu_port_ops = {
	.notify = qemu_notify,
	.wait = qemu_port_wait,
	.now_ns = qemu_port_now,
};

/* ---- life cycle ---- */

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void qemu_unprepare(struct amp_rproc *rp)
{
	struct qemu *q = qemu_of(rp);

	if (!q)
		return;
	close_fd(&q->bell);
	close_fd(&q->bell_peer);
	close_fd(&q->log);
	amp_posix_shm_close(&q->ram);
	free(q);
	rp->backend = NULL;
	rp->port = NULL;
	rp->shm = (struct amp_region){ 0 };
}

static int qemu_prepare(struct amp_rproc *rp, uint64_t size)
{
	struct qemu *q = calloc(1, sizeof(*q));
	int sv[2], r;

	(void)size; /* the board's RAM is always the whole window */
	if (!q)
		return amp_rproc_fail(rp, -AMP_ENOMEM, "out of memory");
	q->rp = rp;
	q->bell = q->bell_peer = q->log = q->qemu.pidfd = -1;
	q->qemu.pid = -1;
	r = amp_posix_shm_create(&q->ram, AMP_MPS2_WINDOW_SIZE);
	if (r) {
		free(q);
		return amp_rproc_fail(rp, r,
				      "cannot create the %u MiB window of the "
				      "qemu-m4 board: %s",
				      AMP_MPS2_WINDOW_SIZE >> 20, strerror(-r));
	}
	rp->backend = q;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    (q->log = memfd_create("ampkit-qemu-log", MFD_CLOEXEC)) < 0) {
		r = -errno;
		if (q->log < 0 && sv[0] >= 0) {
			close(sv[0]);
			close(sv[1]);
		}
		qemu_unprepare(rp);
		return amp_rproc_fail(rp, r, "qemu-m4: doorbell or log: %s",
				      strerror(-r));
	}
	q->bell = sv[0];
	q->bell_peer = sv[1];
	fcntl(q->bell, F_SETFL, O_NONBLOCK);
	q->ram.region.pa = AMP_MPS2_WINDOW_PA;
	q->ctrl = (struct amp_mps2_ctrl *)(void *)(q->ram.region.va +
						   AMP_MPS2_CTRL_OFF);
	q->port.ops = &qemu_port_ops;
	q->port.spin_ns = rp->spin_ns;
	/* The control page is not the firmware's to point us at. */
	rp->shm = (struct amp_region){ q->ram.region.va, AMP_MPS2_WINDOW_PA,
				       AMP_MPS2_CTRL_OFF };
	rp->port = &q->port;
	return 0;
}

static void *window_va(void *ctx, uint64_t da, uint64_t len)
{
	return amp_region_pa_to_va(ctx, da, len);
}

/* remoteproc's load: the segments into the window, and where the vector
 * table the stub jumps through landed. */
static int qemu_load(struct amp_rproc *rp, const uint8_t *elf, size_t size)
{
	struct qemu *q = qemu_of(rp);
	struct amp_elf_mem mem = { .da_to_va = window_va, .ctx = &rp->shm };
	struct amp_diag d = { 0 };
	size_t off, len;
	uint64_t da;
	int r;

	r = amp_elf_find_section(elf, size, VECTORS_SECTION, &off, &len, &d);
	if (r || len < 8 || amp_elf_offset_to_da(elf, size, off, len, &da))
		return amp_rproc_fail(rp, -AMP_ENOEXEC,
				      "%s: no loadable %s section (the "
				      "Cortex-M vector table the qemu-m4 "
				      "board starts through)",
				      rp->firmware, VECTORS_SECTION);
	if (da % 128)
		return amp_rproc_fail(rp, -AMP_ENOEXEC,
				      "%s: %s at 0x%llx is not 128-byte "
				      "aligned, as VTOR requires",
				      rp->firmware, VECTORS_SECTION,
				      (unsigned long long)da);
	r = amp_elf_load(elf, size, &mem, NULL, &d);
	if (r)
		return amp_rproc_fail(
			rp, r, "%s: %s (offset 0x%x)", rp->firmware,
			d.msg ? d.msg : "cannot load segments", d.offset);
	q->vtor = (uint32_t)da;
	return 0;
}

/* An executable named `name`: itself if it has a slash, else on PATH. */
static int find_program(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");

	if (strchr(name, '/')) {
		snprintf(out, len, "%s", name);
		return access(out, X_OK);
	}
	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		snprintf(out, len, "%.*s/%s", (int)n, n ? p : ".", name);
		if (!access(out, X_OK))
			return 0;
		p += n + (end != NULL);
	}
	return -1;
}

/* The boot stub: $AMPKIT_M4_BOOT, else beside the firmware. */
static void stub_path(const struct amp_rproc *rp, char *out, size_t len)
{
	const char *env = getenv("AMPKIT_M4_BOOT");
	const char *slash = strrchr(rp->firmware, '/');

	if (env && *env)
		snprintf(out, len, "%s", env);
	else if (slash)
		snprintf(out, len, "%.*s/%s", (int)(slash - rp->firmware),
			 rp->firmware, BOOT_STUB);
	else
		snprintf(out, len, "%s", BOOT_STUB);
}

static int qemu_start(struct amp_rproc *rp)
{
	struct qemu *q = qemu_of(rp);
	struct amp_mps2_ctrl *c = q->ctrl;
	const char *qemu_env = getenv("AMPKIT_QEMU");
	char qemu[512], stub[512], ram[160];
	int fds[2] = { q->ram.fd, q->bell_peer }, r;
	struct amp_spawn sp;

	if (find_program(qemu_env && *qemu_env ? qemu_env : QEMU_DEFAULT, qemu,
			 sizeof(qemu)))
		return amp_rproc_fail(
			rp, -AMP_ENOENT,
			"the qemu-m4 platform needs %s, which is not "
			"installed: sudo apt-get install -y qemu-system-arm",
			qemu_env && *qemu_env ? qemu_env : QEMU_DEFAULT);
	stub_path(rp, stub, sizeof(stub));
	if (access(stub, R_OK))
		return amp_rproc_fail(rp, -AMP_ENOENT,
				      "qemu-m4 boot stub %s: %s (it is built "
				      "with the Cortex-M4 firmware; or set "
				      "AMPKIT_M4_BOOT)",
				      stub, strerror(errno));
	snprintf(ram, sizeof(ram),
		 "memory-backend-file,id=ram,size=%uM,mem-path=/dev/fd/3,"
		 "share=on",
		 AMP_MPS2_WINDOW_SIZE >> 20);
	char *argv[] = { qemu,
			 "-machine",
			 "mps2-an386,memory-backend=ram",
			 "-object",
			 ram,
			 "-kernel",
			 stub,
			 "-nodefaults",
			 "-display",
			 "none",
			 "-monitor",
			 "none",
			 "-nic",
			 "none",
			 "-chardev",
			 "stdio,id=console,signal=off",
			 "-serial",
			 "chardev:console",
			 "-chardev",
			 "socket,id=bell,fd=4",
			 "-serial",
			 "chardev:bell",
			 NULL };

	memset(c, 0, sizeof(*c));
	c->magic = AMP_MPS2_MAGIC;
	c->version = AMP_MPS2_VERSION;
	c->vtor = q->vtor;
	c->image_pa = AMP_MPS2_WINDOW_PA;
	c->image_len = (uint32_t)rp->lay.image_end;
	/* Beat four times per period, so one late beat is not a hang. */
	c->heartbeat_ms = (uint32_t)(rp->heartbeat_ns / 4000000u);
	if (!c->heartbeat_ms)
		c->heartbeat_ms = 1;
	rp->beat = &c->heartbeat;

	sp = (struct amp_spawn){ .path = qemu,
				 .argv = argv,
				 .envp = environ,
				 .fds = fds,
				 .nfds = 2,
				 .out_fd = q->log };
	r = amp_child_spawn(&q->qemu, &sp);
	if (r)
		return amp_rproc_fail(rp, r, "%s: cannot execute: %s", qemu,
				      strerror(-r));
	q->gone = false;
	/* QEMU holds the only other end now: its death is our hang-up. */
	close_fd(&q->bell_peer);
	/* The image and the negotiated table are in place: release the
	 * core (the stub spins on this word). */
	AMP_STORE_RELEASE(&c->release, AMP_MPS2_RELEASE);
	return 0;
}

static const char *fault_name(uint32_t exc)
{
	static const char *const names[] = { "HardFault", "MemManage",
					     "BusFault", "UsageFault" };

	return exc >= 3 && exc <= 6 ? names[exc - 3] : "exception";
}

/* Shutdown doorbell already sent (or not, for a crash): give the
 * firmware grace_ns to say it stopped, then end QEMU, as ST's driver
 * resets the M4 after its 500 ms. */
static void qemu_stop(struct amp_rproc *rp, uint64_t grace_ns)
{
	struct qemu *q = qemu_of(rp);
	uint64_t deadline = mono_ns() + grace_ns;
	bool by_itself, st_ok;
	uint32_t st;

	if (!q || q->qemu.pid <= 0)
		return;
	while (!amp_child_reap(&q->qemu, WNOHANG) && mono_ns() < deadline) {
		uint64_t now = mono_ns();

		st = stage(q);
		if (st == AMP_MPS2_STAGE_FAULT || st == AMP_MPS2_STAGE_EXITED)
			break; /* it said so: reset the core now */
		if (!q->gone) {
			if (qemu_wait_any(q, NULL, 0, deadline) < 0)
				break;
		} else {
			/* Hung up: QEMU is on its way out, wait for that. */
			amp_child_reap_within(&q->qemu, deadline - now);
		}
	}
	st = stage(q);
	by_itself = q->qemu.reaped;
	amp_child_end(&q->qemu);
	console_drain(q, true);
	st_ok = q->qemu.status >= 0;
	rp->exit_clean = st == AMP_MPS2_STAGE_EXITED;
	if (st == AMP_MPS2_STAGE_FAULT) {
		const struct amp_mps2_fault *f = &q->ctrl->fault;

		snprintf(rp->exit_msg, sizeof(rp->exit_msg),
			 "%s at pc 0x%08x (lr 0x%08x, cfsr 0x%08x)",
			 fault_name(f->exception), (unsigned)f->pc,
			 (unsigned)f->lr, (unsigned)f->cfsr);
	} else if (st == AMP_MPS2_STAGE_EXITED) {
		snprintf(rp->exit_msg, sizeof(rp->exit_msg),
			 "firmware stopped");
	} else if (by_itself && st_ok && WIFEXITED(q->qemu.status)) {
		snprintf(rp->exit_msg, sizeof(rp->exit_msg),
			 "QEMU exited with status %d (see its log)",
			 WEXITSTATUS(q->qemu.status));
	} else if (by_itself && st_ok && WIFSIGNALED(q->qemu.status)) {
		snprintf(rp->exit_msg, sizeof(rp->exit_msg),
			 "QEMU killed by signal %d (%s)",
			 WTERMSIG(q->qemu.status),
			 strsignal(WTERMSIG(q->qemu.status)));
	} else {
		snprintf(rp->exit_msg, sizeof(rp->exit_msg),
			 "firmware did not stop (stage %u); QEMU ended",
			 (unsigned)st);
	}
}

static bool qemu_is_alive(struct amp_rproc *rp)
{
	struct qemu *q = qemu_of(rp);
	uint32_t st;

	if (!q || q->qemu.pid <= 0 || q->gone ||
	    amp_child_reap(&q->qemu, WNOHANG))
		return false;
	st = stage(q);
	return st != AMP_MPS2_STAGE_FAULT && st != AMP_MPS2_STAGE_EXITED;
}

static int qemu_pid(const struct amp_rproc *rp)
{
	const struct qemu *q = qemu_of(rp);

	return q && q->qemu.pid > 0 && !q->qemu.reaped ? q->qemu.pid : -1;
}

/* The doorbell alone, both ways: PING, and the handler's PONG, the
 * host spinning on the socket as the rings' waits spin first. */
static int qemu_bell_rtt(struct amp_rproc *rp, uint32_t n, uint64_t *samples)
{
	struct qemu *q = qemu_of(rp);

	for (uint32_t i = 0; i < n; i++) {
		uint8_t b = AMP_MPS2_BELL_PING;
		uint64_t t0 = mono_ns(), end = t0 + 1000000000ull;
		ssize_t r;

		if (send(q->bell, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL) != 1)
			return -AMP_EPIPE;
		do
			r = recv(q->bell, &b, 1, MSG_DONTWAIT);
		while ((r < 0 && errno == EAGAIN && mono_ns() < end) ||
		       (r == 1 && b != AMP_MPS2_BELL_PONG));
		if (r != 1)
			return r == 0 ? -AMP_EPIPE : -AMP_ETIMEDOUT;
		samples[i] = mono_ns() - t0;
	}
	return 0;
}

static int qemu_wait_fds(struct amp_rproc *rp, struct pollfd *fds, int nfds,
			 uint64_t deadline)
{
	return qemu_wait_any(qemu_of(rp), fds, nfds, deadline);
}

static int qemu_shm_fd(const struct amp_rproc *rp)
{
	const struct qemu *q = qemu_of(rp);

	return q ? q->ram.fd : -1;
}

const struct amp_rproc_ops amp_rproc_qemu_ops = {
	.name = "qemu-m4",
	.pa_base = AMP_MPS2_WINDOW_PA,
	.max_size = AMP_MPS2_CTRL_OFF,
	.image_base = AMP_MPS2_WINDOW_PA,
	.image_size = AMP_MPS2_CTRL_OFF,
	.prepare = qemu_prepare,
	.load = qemu_load,
	.start = qemu_start,
	.stop = qemu_stop,
	.is_alive = qemu_is_alive,
	.pid = qemu_pid,
	.bell_rtt = qemu_bell_rtt,
	.wait_fds = qemu_wait_fds,
	.unprepare = qemu_unprepare,
	.shm_fd = qemu_shm_fd,
};
