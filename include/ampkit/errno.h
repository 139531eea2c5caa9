/*
 * errno.h - error codes and diagnostics shared by every layer.
 *
 * The core is freestanding and may not have <errno.h>, so it carries the
 * Linux numbers itself: a negative AMP_Exxx equals the negative errno a
 * Linux caller expects (checked in port/posix).  Validators also fill a
 * struct amp_diag naming what was wrong and where, so the edges (CLI,
 * daemon log) can print one clear line without guessing.
 */
#ifndef AMPKIT_ERRNO_H
#define AMPKIT_ERRNO_H

#include <stdint.h>

#define AMP_EPERM 1
#define AMP_ENOENT 2
#define AMP_EIO 5
#define AMP_E2BIG 7
#define AMP_EAGAIN 11
#define AMP_ENOMEM 12
#define AMP_EFAULT 14
#define AMP_EBUSY 16
#define AMP_EEXIST 17
#define AMP_ENODEV 19
#define AMP_EINVAL 22
#define AMP_ENOSPC 28
#define AMP_EPIPE 32
#define AMP_ERANGE 34
#define AMP_ENOEXEC 8
#define AMP_EBADMSG 74
#define AMP_EOVERFLOW 75
#define AMP_EMSGSIZE 90
#define AMP_ENOBUFS 105
#define AMP_EPROTO 71
#define AMP_ENOTSUP 95
#define AMP_EADDRINUSE 98
#define AMP_ENOTCONN 107
#define AMP_ETIMEDOUT 110

/* What a validator found wrong: a static message and the byte offset (in
 * the file or table being checked) where it was found. */
struct amp_diag {
	const char *msg;
	uint32_t offset;
};

static inline int amp_fail(struct amp_diag *d, int err, const char *msg,
			   uint32_t offset)
{
	if (d) {
		d->msg = msg;
		d->offset = offset;
	}
	return err;
}

#endif
