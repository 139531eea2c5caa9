/*
 * test_vring.c - the split virtqueue: both halves against each other in
 * one process, index wrap-around, full rings, notification suppression
 * (flags and EVENT_IDX), and a peer that corrupts the ring.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ampkit/errno.h"
#include "ampkit/vring.h"

struct ring {
	void *mem;
	struct amp_vq drv, dev;
};

static void ring_init(struct ring *r, uint32_t num, bool event_idx)
{
	size_t size = AMP_ALIGN_UP(amp_vring_size(num, 64), (size_t)64);

	r->mem = aligned_alloc(64, size);
	assert_non_null(r->mem);
	memset(r->mem, 0xA5, size); /* the driver must clear it */
	assert_int_equal(amp_vq_init(&r->drv, AMP_VQ_DRIVER, r->mem, num, 64, 1,
				     event_idx),
			 0);
	assert_int_equal(amp_vq_init(&r->dev, AMP_VQ_DEVICE, r->mem, num, 64, 1,
				     event_idx),
			 0);
	for (uint32_t i = 0; i < num; i++)
		amp_vq_drv_set_buf(&r->drv, (uint16_t)i, 0x1000 + i * 64, 64,
				   0);
}

static void test_init_rejects_bad_geometry(void **state)
{
	struct amp_vq vq;
	static uint64_t mem[4096];

	(void)state;
	assert_int_equal(amp_vq_init(&vq, AMP_VQ_DRIVER, mem, 12, 16, 0, 0),
			 -AMP_EINVAL);
	assert_int_equal(amp_vq_init(&vq, AMP_VQ_DRIVER, mem, 0, 16, 0, 0),
			 -AMP_EINVAL);
	assert_int_equal(amp_vq_init(&vq, AMP_VQ_DRIVER, mem, 16, 24, 0, 0),
			 -AMP_EINVAL);
	assert_int_equal(amp_vq_init(&vq, AMP_VQ_DRIVER, mem,
				     AMP_VQ_MAX_NUM * 2, 16, 0, 0),
			 -AMP_EINVAL);
	assert_int_equal(amp_vq_init(&vq, AMP_VQ_DRIVER, NULL, 16, 16, 0, 0),
			 -AMP_EINVAL);
}

static void test_layout_matches_virtio(void **state)
{
	struct ring r;

	(void)state;
	ring_init(&r, 16, false);
	assert_ptr_equal((uint8_t *)r.drv.avail, (uint8_t *)r.mem + 256);
	/* avail: 4 + 32 + 2 = 294 -> used at 320 with align 64 */
	assert_ptr_equal((uint8_t *)r.drv.used, (uint8_t *)r.mem + 320);
	assert_ptr_equal((uint8_t *)r.drv.used_event, (uint8_t *)r.mem + 292);
	assert_ptr_equal((uint8_t *)r.drv.avail_event,
			 (uint8_t *)r.mem + 320 + 4 + 128);
	free(r.mem);
}

static void test_round_trip_and_wrap(void **state)
{
	struct ring r;
	uint32_t len;
	uint64_t addr;

	(void)state;
	ring_init(&r, 16, false);
	/* 70000 messages: both 16-bit indices wrap around. */
	for (uint32_t i = 0; i < 70000; i++) {
		uint16_t id = (uint16_t)(i % 16);

		assert_int_equal(amp_vq_drv_offer(&r.drv, id, 10 + id), 0);
		assert_true(amp_vq_pending(&r.dev));
		assert_int_equal(amp_vq_dev_take_avail(&r.dev, &addr, &len),
				 id);
		assert_int_equal(addr, 0x1000 + id * 64);
		assert_int_equal(len, 10 + id);
		assert_int_equal(amp_vq_dev_return(&r.dev, id, 3), 0);
		assert_int_equal(amp_vq_drv_take_used(&r.drv, &len), id);
		assert_int_equal(len, 3);
	}
	assert_int_equal(r.drv.head, (uint16_t)70000);
	assert_int_equal(r.drv.errors + r.dev.errors, 0);
	free(r.mem);
}

static void test_full_ring(void **state)
{
	struct ring r;
	uint32_t len;
	uint64_t addr;

	(void)state;
	ring_init(&r, 8, false);
	for (uint16_t id = 0; id < 8; id++)
		assert_int_equal(amp_vq_drv_offer(&r.drv, id, 1), 0);
	/* Every descriptor is out: offering one again is refused. */
	assert_int_equal(amp_vq_drv_offer(&r.drv, 3, 1), -AMP_EINVAL);
	assert_int_equal(amp_vq_drv_offer(&r.drv, 8, 1), -AMP_EINVAL);
	assert_int_equal(amp_vq_drv_take_used(&r.drv, &len), -AMP_EAGAIN);
	for (int i = 0; i < 8; i++)
		assert_int_equal(amp_vq_dev_take_avail(&r.dev, &addr, &len), i);
	assert_int_equal(amp_vq_dev_take_avail(&r.dev, &addr, &len),
			 -AMP_EAGAIN);
	/* Returned out of order; the driver gets them in used order. */
	for (int i = 7; i >= 0; i--)
		assert_int_equal(amp_vq_dev_return(&r.dev, (uint16_t)i, 0), 0);
	assert_int_equal(amp_vq_dev_return(&r.dev, 2, 0), -AMP_EINVAL);
	for (int i = 7; i >= 0; i--)
		assert_int_equal(amp_vq_drv_take_used(&r.drv, &len), i);
	free(r.mem);
}

static void check_suppression(bool event_idx)
{
	struct ring r;
	uint32_t len;
	uint64_t addr;

	ring_init(&r, 16, event_idx);
	/* A zeroed ring asks for notifications. */
	assert_int_equal(amp_vq_drv_offer(&r.drv, 0, 1), 0);
	assert_true(amp_vq_kick_needed(&r.drv));
	assert_false(amp_vq_kick_needed(&r.drv)); /* nothing new */

	/* Device busy-polling: no kicks for new offers. */
	amp_vq_want_notify(&r.dev, false);
	for (uint16_t id = 1; id < 5; id++) {
		assert_int_equal(amp_vq_drv_offer(&r.drv, id, 1), 0);
		assert_false(amp_vq_kick_needed(&r.drv));
	}
	/* Device catches up, then wants a kick before it sleeps. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(amp_vq_dev_take_avail(&r.dev, &addr, &len), i);
	amp_vq_want_notify(&r.dev, true);
	assert_false(amp_vq_pending(&r.dev));
	assert_int_equal(amp_vq_drv_offer(&r.drv, 5, 1), 0);
	assert_true(amp_vq_kick_needed(&r.drv));

	/* The same the other way: driver wants used notifications. */
	amp_vq_want_notify(&r.drv, false);
	assert_int_equal(amp_vq_dev_return(&r.dev, 0, 0), 0);
	assert_false(amp_vq_kick_needed(&r.dev));
	assert_int_equal(amp_vq_drv_take_used(&r.drv, &len), 0);
	amp_vq_want_notify(&r.drv, true);
	assert_int_equal(amp_vq_dev_return(&r.dev, 1, 0), 0);
	assert_true(amp_vq_kick_needed(&r.dev));
	free(r.mem);
}

static void test_suppression_flags(void **state)
{
	(void)state;
	check_suppression(false);
}

static void test_suppression_event_idx(void **state)
{
	(void)state;
	check_suppression(true);
}

static void test_lying_device(void **state)
{
	struct ring r;
	uint32_t len;

	(void)state;
	ring_init(&r, 16, false);
	assert_int_equal(amp_vq_drv_offer(&r.drv, 4, 1), 0);
	/* Used id out of range. */
	r.drv.used->ring[0].id = 99;
	r.drv.used->idx = 1;
	assert_int_equal(amp_vq_drv_take_used(&r.drv, &len), -AMP_EBADMSG);
	/* Used id never offered. */
	r.drv.used->ring[1].id = 5;
	r.drv.used->idx = 2;
	assert_int_equal(amp_vq_drv_take_used(&r.drv, &len), -AMP_EBADMSG);
	/* Used index far ahead of what is outstanding: nothing consumed. */
	r.drv.used->idx = 2 + 40;
	assert_int_equal(amp_vq_drv_take_used(&r.drv, &len), -AMP_EOVERFLOW);
	assert_int_equal(r.drv.tail, 2);
	/* The peer comes to its senses: the real one goes through. */
	r.drv.used->ring[2].id = 4;
	r.drv.used->ring[2].len = 7;
	r.drv.used->idx = 3;
	assert_int_equal(amp_vq_drv_take_used(&r.drv, &len), 4);
	assert_int_equal(len, 7);
	assert_int_equal(r.drv.errors, 3);
	free(r.mem);
}

static void test_lying_driver(void **state)
{
	struct ring r;
	uint32_t len;
	uint64_t addr;

	(void)state;
	ring_init(&r, 16, false);
	/* Head out of range, then offered twice, then a chained one. */
	r.dev.avail->ring[0] = 16;
	r.dev.avail->ring[1] = 2;
	r.dev.avail->ring[2] = 2;
	r.dev.avail->ring[3] = 3;
	r.dev.desc[3].flags = AMP_VRING_DESC_F_NEXT;
	r.dev.avail->idx = 4;
	assert_int_equal(amp_vq_dev_take_avail(&r.dev, &addr, &len),
			 -AMP_EBADMSG);
	assert_int_equal(amp_vq_dev_take_avail(&r.dev, &addr, &len), 2);
	assert_int_equal(amp_vq_dev_take_avail(&r.dev, &addr, &len),
			 -AMP_EBADMSG);
	assert_int_equal(amp_vq_dev_take_avail(&r.dev, &addr, &len),
			 -AMP_EBADMSG);
	/* The chained descriptor went straight back, empty. */
	assert_int_equal(r.dev.used->idx, 1);
	assert_int_equal(r.dev.used->ring[0].id, 3);
	assert_int_equal(r.dev.used->ring[0].len, 0);
	/* More offers than descriptors exist. */
	r.dev.avail->idx = 4 + 17;
	assert_int_equal(amp_vq_dev_take_avail(&r.dev, &addr, &len),
			 -AMP_EOVERFLOW);
	assert_int_equal(r.dev.errors, 4);
	free(r.mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects_bad_geometry),
		cmocka_unit_test(test_layout_matches_virtio),
		cmocka_unit_test(test_round_trip_and_wrap),
		cmocka_unit_test(test_full_ring),
		cmocka_unit_test(test_suppression_flags),
		cmocka_unit_test(test_suppression_event_idx),
		cmocka_unit_test(test_lying_device),
		cmocka_unit_test(test_lying_driver),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
