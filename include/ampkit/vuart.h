/*
 * vuart.h - the virtual UART service: a byte stream over one RPMsg
 * channel, like Linux rpmsg_tty ("rpmsg-tty") and ST's VIRT_UART
 * ("rpmsg-tty-channel"), for both roles.
 *
 * On the wire a data message is the payload and nothing else, exactly as
 * upstream sends it.  When both sides are ampkit (the device offered and
 * the driver acknowledged AMP_VIRTIO_RPMSG_F_CREDITS, see rpmsg.h) the
 * stream also has credit-based flow control: each receiver grants its
 * sender a window of bytes with small control messages (rpmsg header
 * flags AMP_RPMSG_F_CTL, payload struct amp_vuart_credit), and a sender
 * never has more bytes in flight than it was granted.  A writer then waits
 * (with a deadline) instead of losing bytes or hanging; data beyond the
 * window is a protocol error, dropped and counted.  Between such peers a
 * side may also say its user went away (AMP_VUART_CTL_CLOSED, below).
 * Without credits (a Linux or OpenAMP peer) only the rings' own
 * back-pressure applies, and the wire is the payload alone.
 *
 * Receiving is a callback, as in VIRT_UART.  With rx_window 0 the bytes
 * count as consumed when the callback returns; otherwise the application
 * keeps them and says when it has consumed them (amp_vuart_consumed), and
 * the peer never has more than rx_window bytes outstanding.
 *
 * Like the RPMsg device it sits on, a vuart is single-threaded, and
 * amp_vuart_write must not be called from inside a receive callback when
 * it may have to wait (the credits it waits for arrive as messages, and
 * messages are not delivered to a callback that is still running).  A
 * write that waits runs callbacks; one of them writing to the same port
 * is safe for the accounting, but its bytes land between the waiting
 * write's messages.
 */
#ifndef AMPKIT_VUART_H
#define AMPKIT_VUART_H

#include <stdint.h>

#include "compiler.h"
#include "rpmsg.h"

#define AMP_VUART_NAME "rpmsg-tty"	      /* upstream Linux */
#define AMP_VUART_NAME_ST "rpmsg-tty-channel" /* ST VIRT_UART, old kernels */

/*
 * Control messages, sent with AMP_RPMSG_F_CTL and only between peers that
 * negotiated credits: 8 bytes, little-endian, u32 type then u32 argument.
 *
 * AMP_VUART_CTL_CREDIT: `bytes` more may be sent to the sender of the
 *   message (added to the receiver's window).
 * AMP_VUART_CTL_CLOSED: argument 0.  The sender's user of the port went
 *   away: on the host, the tty's last client closed it (or died) - a
 *   serial port's DTR dropping.  It follows every byte that user wrote,
 *   so the receiver's application, told by AMP_VUART_EV_PEER_CLOSED in
 *   order with the data, can drop a half-received message or a reply
 *   nobody will read and start the next session clean.  The port stays
 *   open and the credits stand.
 *
 * Any other length or type, or a CLOSED with a non-zero argument, is
 * malformed: counted in stats.bad_ctl and ignored.
 */
#define AMP_VUART_CTL_CREDIT 1u
#define AMP_VUART_CTL_CLOSED 2u
struct amp_vuart_credit {
	uint32_t type;	/* AMP_VUART_CTL_CREDIT (or _CLOSED) */
	uint32_t bytes; /* added to the sender's window (CLOSED: 0) */
} AMP_PACKED;
AMP_STATIC_ASSERT(sizeof(struct amp_vuart_credit) == 8, "vuart credit");

/* Events from the peer (amp_vuart.on_event). */
#define AMP_VUART_EV_PEER_CLOSED 1u /* a CLOSED message, see above */

/* Largest window one side may grant (keeps the sums in 32 bits). */
#define AMP_VUART_MAX_WINDOW (1u << 30)

struct amp_vuart;
typedef void (*amp_vuart_rx_cb)(struct amp_vuart *vu, const void *data,
				uint32_t len);
typedef void (*amp_vuart_event_cb)(struct amp_vuart *vu, uint32_t event);

struct amp_vuart_stats {
	uint64_t rx_bytes, tx_bytes;
	uint32_t credits_rx, credits_tx; /* control messages */
	uint32_t closed_rx, closed_tx;	 /* CLOSED messages */
	uint32_t overrun;  /* data beyond the window we granted: dropped */
	uint32_t bad_ctl;  /* malformed or impossible control messages */
	uint32_t tx_waits; /* writes that waited for credit or a buffer */
};

/*
 * Receive-side accounting with credits, which always holds:
 *   window = rx_allowed + bytes the application holds + rx_unacked
 * Before the first grant the whole window is unacked; grants go back in
 * batches (see vuart.c).
 */
struct amp_vuart {
	struct amp_rpmsg_ept ept;
	amp_vuart_rx_cb cb;
	void *priv;
	/* Set after amp_vuart_open (which clears it); NULL: events are
	 * dropped.  Called from the receive path, like cb. */
	amp_vuart_event_cb on_event;
	uint8_t credits;     /* flow control negotiated with the peer */
	uint8_t granting;    /* a grant is being sent (not re-entered) */
	uint32_t rx_window;  /* 0: consumed when the callback returns */
	uint32_t window;     /* what we grant: rx_window, or the default */
	uint32_t tx_credit;  /* bytes we may still send */
	uint32_t rx_allowed; /* bytes the peer may still send us */
	uint32_t rx_unacked; /* consumed, not yet granted back */
	struct amp_vuart_stats stats;
};

/*
 * Open a port on `dev` named `name` (AMP_VUART_NAME or AMP_VUART_NAME_ST).
 * Remote: src is the local address (ANY: allocate) and the port is
 * announced; the peer's address is learned from its first message (until
 * then a write fails with -AMP_ENOTCONN, as upstream: the host speaks
 * first).  Host: dest is the address the peer announced, and with credits
 * the host grants its window at once (which also tells the remote where
 * the host is).  rx_window: bytes the application can hold unconsumed,
 * at most AMP_VUART_MAX_WINDOW (0: auto mode, see above; then
 * AMP_VUART_WINDOW_DEFAULT is granted).  0 or a negative AMP_E* (from
 * creating the endpoint or sending the host's first grant).
 */
int amp_vuart_open(struct amp_vuart *vu, struct amp_rpmsg_dev *dev,
		   const char *name, uint32_t src, uint32_t dest,
		   uint32_t rx_window, amp_vuart_rx_cb cb, void *priv);
void amp_vuart_close(struct amp_vuart *vu);

/*
 * Send up to len bytes, split into messages of at most the device's
 * payload size, waiting for credit or buffers until `deadline`
 * (AMP_DEADLINE_NOW: send what can go now).  While it waits it delivers
 * the device's incoming messages (the grants among them).  Returns the
 * number of bytes sent (< len only if the deadline passed first; len is
 * capped at INT32_MAX), or a negative AMP_E* if nothing could be sent:
 * -AMP_ETIMEDOUT, -AMP_EAGAIN (NOW and no room), -AMP_ENOTCONN (the
 * peer's address is not known yet), -AMP_EPIPE (the peer is gone),
 * -AMP_EBUSY (called from a receive callback and would have to wait).
 */
int amp_vuart_write(struct amp_vuart *vu, const void *data, uint32_t len,
		    uint64_t deadline);

/* Bytes a write could send right now without waiting for credit (with
 * credits: the window left; without: UINT32_MAX). */
uint32_t amp_vuart_write_room(const struct amp_vuart *vu);

/* rx_window mode: the application consumed n more bytes of what its
 * callback was given; grants them back to the peer (batched; outside a
 * callback waiting up to the device's send timeout for a buffer).  0, or
 * -AMP_EINVAL if n is more than the application was given and had not
 * consumed yet (nothing is granted then). */
int amp_vuart_consumed(struct amp_vuart *vu, uint32_t n);

/*
 * Send a grant that is due but could not go out: inside a receive
 * callback a grant never waits for a tx buffer (the peer may be waiting
 * in its own callback for buffers only our polling frees), and a grant
 * that found none stays due.  write and consumed send it too; a loop that
 * only receives calls this outside callbacks, before it waits (a firmware
 * from amp_app_idle), waiting for a buffer until `deadline` while
 * delivering messages.  0 when no grant is due, else -AMP_EAGAIN (NOW, or
 * no buffer), -AMP_ETIMEDOUT, -AMP_EPIPE.
 */
int amp_vuart_flush(struct amp_vuart *vu, uint64_t deadline);

/*
 * Tell the peer this side's user closed the port (AMP_VUART_CTL_CLOSED),
 * after everything written so far.  Waits for a tx buffer until
 * `deadline` (inside a receive callback: never).  0, -AMP_ENOTSUP (no
 * credits negotiated: the upstream framing has no such message and
 * nothing is sent), -AMP_ENOTCONN, or a send error (-AMP_EAGAIN: NOW and
 * no buffer; try again later).
 */
int amp_vuart_send_closed(struct amp_vuart *vu, uint64_t deadline);

#endif
