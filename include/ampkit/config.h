/*
 * config.h - every compile-time default of ampkit in one place.
 *
 * Per-instance settings (buffer size and count, ring sizes, timeouts) live
 * in structs passed at init; the values here are only their defaults and
 * the upper bounds that size the fixed arrays inside core objects.  Any of
 * them can be overridden with -D; the checks below reject nonsense.
 */
#ifndef AMPKIT_CONFIG_H
#define AMPKIT_CONFIG_H

/* Bytes per RPMsg buffer, header included (Linux: 512 -> 496 B payload). */
#ifndef AMP_RPMSG_BUF_SIZE_DEFAULT
#define AMP_RPMSG_BUF_SIZE_DEFAULT 512u
#endif

/* Linux waits up to 15 s for a free tx buffer before failing a send. */
#ifndef AMP_RPMSG_SEND_TIMEOUT_NS_DEFAULT
#define AMP_RPMSG_SEND_TIMEOUT_NS_DEFAULT 15000000000ull
#endif

/* Largest vring a core object can track (per-descriptor ownership bits). */
#ifndef AMP_VQ_MAX_NUM
#define AMP_VQ_MAX_NUM 1024u
#endif

/* Dynamic endpoint addresses: AMP_RPMSG_ADDR_BASE .. + AMP_RPMSG_MAX_ADDRS. */
#ifndef AMP_RPMSG_MAX_ADDRS
#define AMP_RPMSG_MAX_ADDRS 128u
#endif

/* Buffers lent to the application at once (held rx + zero-copy tx). */
#ifndef AMP_RPMSG_MAX_LOANS
#define AMP_RPMSG_MAX_LOANS 32u
#endif

/* Default time to spin on the rings before blocking on the mailbox. */
#ifndef AMP_SPIN_NS_DEFAULT
#define AMP_SPIN_NS_DEFAULT 50000u
#endif

/* Receive window a vuart grants in auto mode (rx_window 0), where bytes
 * count as consumed when the callback returns: it only bounds the bytes in
 * flight, so it is sized to keep the rings busy (a grant goes back after
 * half of it, one small control message per 32 KiB). */
#ifndef AMP_VUART_WINDOW_DEFAULT
#define AMP_VUART_WINDOW_DEFAULT 65536u
#endif

/* Buffers one shared-buffer (sdb) pool can have. */
#ifndef AMP_SDB_MAX_BUFS
#define AMP_SDB_MAX_BUFS 64u
#endif

/* RPMsg roles compiled in: bit 0 host, bit 1 remote.  A coprocessor
 * firmware is only ever the remote and can drop the host's code. */
#ifndef AMP_RPMSG_ROLES
#define AMP_RPMSG_ROLES 3u
#endif

#if AMP_RPMSG_ROLES < 1 || AMP_RPMSG_ROLES > 3
#error "AMP_RPMSG_ROLES must be 1 (host), 2 (remote) or 3 (both)"
#endif
#if AMP_RPMSG_BUF_SIZE_DEFAULT < 32
#error "AMP_RPMSG_BUF_SIZE_DEFAULT must hold the 16-byte header and a payload"
#endif
#if (AMP_VQ_MAX_NUM & (AMP_VQ_MAX_NUM - 1)) || AMP_VQ_MAX_NUM > 32768
#error "AMP_VQ_MAX_NUM must be a power of two no larger than 32768"
#endif
#if AMP_RPMSG_MAX_ADDRS % 32
#error "AMP_RPMSG_MAX_ADDRS must be a multiple of 32"
#endif
#if AMP_VUART_WINDOW_DEFAULT < 1 || AMP_VUART_WINDOW_DEFAULT > (1u << 30)
#error "AMP_VUART_WINDOW_DEFAULT must be 1..AMP_VUART_MAX_WINDOW (1 GiB)"
#endif
#if AMP_SDB_MAX_BUFS < 1 || AMP_SDB_MAX_BUFS > 65536
#error "AMP_SDB_MAX_BUFS must be 1..65536"
#endif
#if AMP_RPMSG_MAX_LOANS < 1 || AMP_RPMSG_MAX_LOANS > 255
#error "AMP_RPMSG_MAX_LOANS must be 1..255"
#endif

#endif
