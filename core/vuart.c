/*
 * vuart.c - the virtual UART service (vuart.h) for both roles: data
 * messages exactly as upstream rpmsg_tty and VIRT_UART send them, and,
 * when both sides negotiated AMP_VIRTIO_RPMSG_F_CREDITS, the credit
 * accounting that keeps a writer within what its reader can hold.
 *
 * Grants are batched: consumed bytes go back once half the window is
 * unreported, or at once when the peer has no credit left (it may be
 * waiting, and what we hold could be all it will ever send).  A stream
 * then costs one 8-byte control message per half window, and a sender
 * never waits on a grant that nobody will send.  A grant that cannot go
 * out (no tx buffer until the device's send timeout) stays unacked and
 * goes with the next one.
 *
 * Everything from the peer is checked against what we granted: data
 * beyond it is dropped whole and counted, never delivered, so the
 * application's buffer bound holds even against a lying peer; a control
 * message that is neither a sane grant nor a CLOSED changes nothing.
 * CLOSED only passes the peer's "my user went away" on to the
 * application (on_event), in order with the data.
 */
#include "ampkit/vuart.h"

static int send_ctl(struct amp_vuart *vu, uint32_t type, uint32_t arg,
		    uint64_t deadline)
{
	uint8_t m[sizeof(struct amp_vuart_credit)];

	amp_put_le32(m, type);
	amp_put_le32(m + 4, arg);
	return amp_rpmsg_send_flags(&vu->ept, AMP_RPMSG_ADDR_ANY,
				    AMP_RPMSG_F_CTL, m, sizeof(m), deadline);
}

static int send_grant(struct amp_vuart *vu, uint32_t n, uint64_t deadline)
{
	int r = send_ctl(vu, AMP_VUART_CTL_CREDIT, n, deadline);

	if (r)
		return r;
	vu->rx_allowed += n;
	vu->rx_unacked -= n;
	vu->stats.credits_tx++;
	return 0;
}

static bool grant_due(const struct amp_vuart *vu)
{
	return vu->credits && vu->rx_unacked &&
	       (vu->rx_unacked >= vu->window / 2 || vu->rx_allowed == 0);
}

/*
 * Grant back what was consumed, if the batch is due (see above).
 *
 * Inside a receive callback a grant never waits for a buffer: the peer
 * may itself be waiting, inside a callback, for buffers only we can free
 * by polling, and neither side would poll until a send timeout.  Such a
 * grant stays due and goes with the next write, consumed() or
 * amp_vuart_flush() outside callbacks, where waiting also delivers.
 *
 * A send that waits delivers messages, whose callbacks may consume more
 * and land here again: only the outer call grants (the same bytes must
 * not go twice), and it loops to cover what they added.
 */
static int maybe_grant(struct amp_vuart *vu, uint64_t deadline)
{
	int r = 0;

	if (vu->granting || vu->ept.dest_addr == AMP_RPMSG_ADDR_ANY)
		return 0;
	if (vu->ept.dev->dispatching)
		deadline = AMP_DEADLINE_NOW;
	vu->granting = 1;
	while (grant_due(vu) && !r)
		r = send_grant(vu, vu->rx_unacked, deadline);
	vu->granting = 0;
	return r;
}

/* Outside callbacks: now + the device's send timeout, like a send. */
static uint64_t grant_deadline(const struct amp_vuart *vu)
{
	struct amp_rpmsg_dev *dev = vu->ept.dev;

	return dev->dispatching
		       ? AMP_DEADLINE_NOW
		       : amp_port_deadline(dev->port, dev->send_timeout_ns);
}

static void ctl_rx(struct amp_vuart *vu, const uint8_t *m, uint32_t len)
{
	uint32_t type, bytes;

	if (len != sizeof(struct amp_vuart_credit)) {
		vu->stats.bad_ctl++;
		return;
	}
	type = amp_get_le32(m);
	bytes = amp_get_le32(m + 4);
	if (type == AMP_VUART_CTL_CLOSED && !bytes) {
		vu->stats.closed_rx++;
		if (vu->on_event)
			vu->on_event(vu, AMP_VUART_EV_PEER_CLOSED);
		return;
	}
	if (type != AMP_VUART_CTL_CREDIT) {
		vu->stats.bad_ctl++;
		return;
	}
	/* A write holds back its message's credit while it waits to send
	 * it, so tx_credit may briefly exceed the bound after a liar's
	 * grant: check it before subtracting. */
	if (vu->tx_credit > AMP_VUART_MAX_WINDOW ||
	    bytes > AMP_VUART_MAX_WINDOW - vu->tx_credit) {
		vu->stats.bad_ctl++;
		return;
	}
	vu->tx_credit += bytes;
	vu->stats.credits_rx++;
}

static void data_rx(struct amp_vuart *vu, const void *data, uint32_t len)
{
	if (vu->credits) {
		if (len > vu->rx_allowed) {
			vu->stats.overrun++;
			return;
		}
		vu->rx_allowed -= len;
	}
	vu->stats.rx_bytes += len;
	if (len && vu->cb)
		vu->cb(vu, data, len);
	if (vu->credits && !vu->rx_window)
		vu->rx_unacked += len;
}

static void vuart_rx(struct amp_rpmsg_ept *ept, void *data, uint32_t len,
		     uint32_t src)
{
	struct amp_vuart *vu = AMP_CONTAINER_OF(ept, struct amp_vuart, ept);

	/* The remote's port was announced, not bound: the host's first
	 * message (its opening grant, or data from an upstream host) says
	 * where the host is.  Our own first grant then follows below. */
	if (ept->dest_addr == AMP_RPMSG_ADDR_ANY)
		ept->dest_addr = src;
	/* Without credits the flags mean nothing: Linux always sends 0. */
	if (vu->credits && (amp_rpmsg_rx_flags(ept->dev) & AMP_RPMSG_F_CTL))
		ctl_rx(vu, data, len);
	else
		data_rx(vu, data, len);
	maybe_grant(vu, AMP_DEADLINE_NOW);
}

/* The peer withdrew the channel: its credit and ours are void, and a
 * peer announcing it again starts from a fresh window. */
static void vuart_unbind(struct amp_rpmsg_ept *ept)
{
	struct amp_vuart *vu = AMP_CONTAINER_OF(ept, struct amp_vuart, ept);

	vu->tx_credit = 0;
	vu->rx_allowed = 0;
	vu->rx_unacked = vu->window;
}

int amp_vuart_open(struct amp_vuart *vu, struct amp_rpmsg_dev *dev,
		   const char *name, uint32_t src, uint32_t dest,
		   uint32_t rx_window, amp_vuart_rx_cb cb, void *priv)
{
	int r;

	if (rx_window > AMP_VUART_MAX_WINDOW)
		return -AMP_EINVAL;
	__builtin_memset(vu, 0, sizeof(*vu));
	vu->cb = cb;
	vu->priv = priv;
	vu->credits = dev->credits;
	vu->rx_window = rx_window;
	vu->window = rx_window ? rx_window : AMP_VUART_WINDOW_DEFAULT;
	vu->rx_unacked = vu->window;
	r = amp_rpmsg_create_ept(&vu->ept, dev, name, src, dest, vuart_rx, vu);
	if (r)
		return r;
	vu->ept.unbind = vuart_unbind;
	/* Host: the opening grant is also how the remote learns our
	 * address, so it goes now, whole. */
	if (vu->credits && dest != AMP_RPMSG_ADDR_ANY) {
		vu->granting = 1;
		r = send_grant(vu, vu->rx_unacked, grant_deadline(vu));
		vu->granting = 0;
		if (r) {
			amp_rpmsg_destroy_ept(&vu->ept);
			return r;
		}
	}
	return 0;
}

void amp_vuart_close(struct amp_vuart *vu)
{
	amp_rpmsg_destroy_ept(&vu->ept);
}

uint32_t amp_vuart_write_room(const struct amp_vuart *vu)
{
	return vu->credits ? vu->tx_credit : UINT32_MAX;
}

int amp_vuart_consumed(struct amp_vuart *vu, uint32_t n)
{
	uint32_t held;

	if (!vu->credits || !vu->rx_window)
		return 0;
	held = vu->window - vu->rx_allowed - vu->rx_unacked;
	if (n > held)
		return -AMP_EINVAL;
	vu->rx_unacked += n;
	maybe_grant(vu, grant_deadline(vu));
	return 0;
}

int amp_vuart_flush(struct amp_vuart *vu, uint64_t deadline)
{
	int r = maybe_grant(vu, deadline);

	return r ? r : grant_due(vu) ? -AMP_EAGAIN : 0;
}

/* Wait until the peer grants more (or the deadline); 0 when there is
 * credit again. */
static int wait_credit(struct amp_vuart *vu, uint64_t deadline)
{
	struct amp_rpmsg_dev *dev = vu->ept.dev;

	/* NOW still takes the grants that already arrived. */
	if (deadline == AMP_DEADLINE_NOW) {
		amp_rpmsg_poll(dev);
		return vu->tx_credit ? 0 : -AMP_EAGAIN;
	}
	while (!vu->tx_credit) {
		int r;

		/* Our own grant first: the peer may be waiting for it before
		 * it can consume and grant back. */
		maybe_grant(vu, deadline);
		r = amp_rpmsg_wait(dev, deadline);

		if (r < 0)
			return r;
		if (vu->ept.dest_addr == AMP_RPMSG_ADDR_ANY)
			return -AMP_ENOTCONN;
	}
	return 0;
}

int amp_vuart_write(struct amp_vuart *vu, const void *data, uint32_t len,
		    uint64_t deadline)
{
	struct amp_rpmsg_dev *dev = vu->ept.dev;
	uint32_t max = amp_rpmsg_max_payload(dev), sent = 0;
	uint32_t buf_waits = dev->stats.tx_waits;
	const uint8_t *p = data;
	bool waited = false;
	int r = 0;

	if (vu->ept.dest_addr == AMP_RPMSG_ADDR_ANY)
		return -AMP_ENOTCONN;
	if (len > INT32_MAX)
		len = INT32_MAX;
	maybe_grant(vu, deadline); /* one that could not go out before */
	while (sent < len) {
		uint32_t n = len - sent < max ? len - sent : max;

		if (vu->credits) {
			if (!vu->tx_credit) {
				waited = true;
				r = wait_credit(vu, deadline);
				if (r)
					break;
			}
			/* Taken before the send, which may wait and run
			 * callbacks that write too; given back if it fails. */
			if (n > vu->tx_credit)
				n = vu->tx_credit;
			vu->tx_credit -= n;
		}
		r = amp_rpmsg_send_deadline(&vu->ept, AMP_RPMSG_ADDR_ANY,
					    p + sent, n, deadline);
		if (r) {
			if (vu->credits)
				vu->tx_credit += n;
			break;
		}
		sent += n;
		vu->stats.tx_bytes += n;
	}
	if (waited || dev->stats.tx_waits != buf_waits)
		vu->stats.tx_waits++;
	return sent ? (int)sent : r;
}

int amp_vuart_send_closed(struct amp_vuart *vu, uint64_t deadline)
{
	int r;

	if (!vu->credits)
		return -AMP_ENOTSUP;
	if (vu->ept.dest_addr == AMP_RPMSG_ADDR_ANY)
		return -AMP_ENOTCONN;
	if (vu->ept.dev->dispatching)
		deadline = AMP_DEADLINE_NOW;
	r = send_ctl(vu, AMP_VUART_CTL_CLOSED, 0, deadline);
	if (!r)
		vu->stats.closed_tx++;
	return r;
}
