/*
 * app.h - what a firmware application provides (amp_app_init) and what
 * its platform gives it besides RPMsg: a log into the trace buffer.
 *
 * Each platform's startup code (port/posix/fw_main.c for the native
 * build, port/mps2-an386/fw_main.c for the emulated Cortex-M4) brings the
 * RPMsg link up as the remote, attaches the trace buffer the resource
 * table declares, then hands the link to the application.  From then on
 * the app runs inside its endpoint callbacks and in amp_app_idle(), which
 * the platform's main loop calls between waits, so the same firmware
 * source builds for every platform.
 */
#ifndef AMPKIT_APP_H
#define AMPKIT_APP_H

#include <stdint.h>
#include "rpmsg.h"

/* Called once, after the link is up and before the first message is
 * delivered: create (and so announce) endpoints here.  Return 0, or a
 * negative AMP_E* to stop the firmware. */
int amp_app_init(struct amp_rpmsg_dev *dev);

/* Called by the main loop before each wait for messages, outside any
 * callback: the place for work a callback had to defer, above all a write
 * that may wait (it waits for credits or buffers, and those arrive as
 * messages, which are never delivered while a callback runs).  It may
 * wait itself, delivering messages, but not past `deadline` (the loop
 * must keep its heartbeat).  Return > 0 if work is left (the loop then
 * polls without blocking and calls again), 0 when idle, or a negative
 * AMP_E* to stop the firmware. */
int amp_app_idle(struct amp_rpmsg_dev *dev, uint64_t deadline);

/*
 * A carveout of the firmware's resource table, by name, where the host
 * placed it: its address in the shared memory (da; da = pa on every
 * ampkit platform, the window is mapped 1:1) and its length.  The values
 * come from the copy of the table the platform checked at startup, after
 * the host wrote it, so the host cannot move the area afterwards.
 * 0, -AMP_ENOENT (no carveout of that name), or -AMP_EFAULT (the host
 * put it outside the shared memory, or left it unplaced).  Callable from
 * amp_app_init() on.
 */
int amp_app_carveout(const char *name, uint64_t *pa, uint32_t *len);

/*
 * The trace buffer (resource type TRACE, Linux's "cm4_log"): a ring of
 * text the host reads with amp_rproc_trace().  Layout, in the buffer:
 *
 *   u32 pos      next byte to write, from the text start (< len - 8)
 *   u32 wrapped  1 once the text has wrapped around
 *   text         len - 8 bytes, lines ending in '\n'
 *
 * pos is stored after the bytes it covers, so a reader never sees a line
 * before it is written.  amp_app_log() formats like a small printf (%s
 * %c %d %i %u %x %X %p %%, flags '0' and '-', a width, length modifiers
 * l ll z), freestanding, without a heap, and adds the newline.  Before a
 * buffer is attached (or without one) it does nothing.
 */
#define AMP_APP_TRACE_HDR 8u

/* Platform code: log into `buf` of `len` bytes (NULL: stop logging).
 * The buffer is reset to empty. */
void amp_app_trace_attach(void *buf, uint32_t len);

void amp_app_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Optional, defined by platform code that has a console: gets each log
 * line (newline included) as amp_app_log() writes it.  Weak, so a
 * platform without a console defines nothing. */
void amp_app_console(const char *line, uint32_t len) __attribute__((weak));

#endif
