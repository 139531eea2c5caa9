/*
 * test_wire.c - the byte-exact wire layout of everything ampkit shares
 * with Linux and OpenAMP: resource table entries, vring parts, RPMsg
 * header and name-service message; and ampkit's own vuart credit message,
 * which only an ampkit peer ever sees.
 *
 * The expected bytes are written out literally, as a Linux kernel or an
 * OpenAMP firmware would lay them down, so a change to a packed struct,
 * a field order or a constant shows up here as a byte diff rather than as
 * a peer that silently misreads us.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <ampkit/rpmsg.h>
#include <ampkit/rsc_table.h>
#include <ampkit/vring.h>
#include <ampkit/vuart.h>

#include "unit/pair.h"

/* Print the first differing byte: a bare memory mismatch is hard to act
 * on when a wire layout drifts. */
static void assert_bytes(const void *got, const void *want, size_t n)
{
	const uint8_t *g = got, *w = want;

	for (size_t i = 0; i < n; i++) {
		if (g[i] != w[i]) {
			print_error("byte %zu: got 0x%02x, want 0x%02x\n", i,
				    g[i], w[i]);
			fail();
		}
	}
}

static void test_rsc_struct_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct amp_rsc_table), 16);
	assert_int_equal(offsetof(struct amp_rsc_table, ver), 0);
	assert_int_equal(offsetof(struct amp_rsc_table, num), 4);
	assert_int_equal(offsetof(struct amp_rsc_table, reserved), 8);
	assert_int_equal(offsetof(struct amp_rsc_table, offset), 16);

	assert_int_equal(sizeof(struct amp_fw_rsc_hdr), 4);

	assert_int_equal(sizeof(struct amp_fw_rsc_carveout), 56);
	assert_int_equal(offsetof(struct amp_fw_rsc_carveout, type), 0);
	assert_int_equal(offsetof(struct amp_fw_rsc_carveout, da), 4);
	assert_int_equal(offsetof(struct amp_fw_rsc_carveout, pa), 8);
	assert_int_equal(offsetof(struct amp_fw_rsc_carveout, len), 12);
	assert_int_equal(offsetof(struct amp_fw_rsc_carveout, flags), 16);
	assert_int_equal(offsetof(struct amp_fw_rsc_carveout, reserved), 20);
	assert_int_equal(offsetof(struct amp_fw_rsc_carveout, name), 24);

	assert_int_equal(sizeof(struct amp_fw_rsc_trace), 48);
	assert_int_equal(offsetof(struct amp_fw_rsc_trace, type), 0);
	assert_int_equal(offsetof(struct amp_fw_rsc_trace, da), 4);
	assert_int_equal(offsetof(struct amp_fw_rsc_trace, len), 8);
	assert_int_equal(offsetof(struct amp_fw_rsc_trace, reserved), 12);
	assert_int_equal(offsetof(struct amp_fw_rsc_trace, name), 16);

	assert_int_equal(sizeof(struct amp_fw_rsc_vdev), 28);
	assert_int_equal(offsetof(struct amp_fw_rsc_vdev, type), 0);
	assert_int_equal(offsetof(struct amp_fw_rsc_vdev, id), 4);
	assert_int_equal(offsetof(struct amp_fw_rsc_vdev, notifyid), 8);
	assert_int_equal(offsetof(struct amp_fw_rsc_vdev, dfeatures), 12);
	assert_int_equal(offsetof(struct amp_fw_rsc_vdev, gfeatures), 16);
	assert_int_equal(offsetof(struct amp_fw_rsc_vdev, config_len), 20);
	assert_int_equal(offsetof(struct amp_fw_rsc_vdev, status), 24);
	assert_int_equal(offsetof(struct amp_fw_rsc_vdev, num_of_vrings), 25);
	assert_int_equal(offsetof(struct amp_fw_rsc_vdev, reserved), 26);
	assert_int_equal(offsetof(struct amp_fw_rsc_vdev, vring), 28);

	assert_int_equal(sizeof(struct amp_fw_rsc_vdev_vring), 20);
	assert_int_equal(offsetof(struct amp_fw_rsc_vdev_vring, da), 0);
	assert_int_equal(offsetof(struct amp_fw_rsc_vdev_vring, align), 4);
	assert_int_equal(offsetof(struct amp_fw_rsc_vdev_vring, num), 8);
	assert_int_equal(offsetof(struct amp_fw_rsc_vdev_vring, notifyid), 12);
	assert_int_equal(offsetof(struct amp_fw_rsc_vdev_vring, pa), 16);
}

static void test_rsc_constants(void **state)
{
	(void)state;
	assert_int_equal(AMP_RSC_CARVEOUT, 0);
	assert_int_equal(AMP_RSC_DEVMEM, 1);
	assert_int_equal(AMP_RSC_TRACE, 2);
	assert_int_equal(AMP_RSC_VDEV, 3);
	assert_int_equal(AMP_RSC_LAST, 4);
	assert_int_equal(AMP_RSC_VENDOR_START, 128);
	assert_int_equal(AMP_RSC_VENDOR_END, 512);
	assert_int_equal(AMP_FW_RSC_ADDR_ANY, 0xFFFFFFFFu);
	assert_int_equal(AMP_RSC_NAME_SIZE, 32);
	assert_int_equal(AMP_VIRTIO_ID_RPMSG, 7);
	assert_int_equal(AMP_VIRTIO_STATUS_ACKNOWLEDGE, 1);
	assert_int_equal(AMP_VIRTIO_STATUS_DRIVER, 2);
	assert_int_equal(AMP_VIRTIO_STATUS_DRIVER_OK, 4);
	assert_int_equal(AMP_VIRTIO_STATUS_NEEDS_RESET, 0x40);
	assert_int_equal(AMP_VIRTIO_STATUS_FAILED, 0x80);
}

static void test_vring_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct amp_vring_desc), 16);
	assert_int_equal(offsetof(struct amp_vring_desc, addr), 0);
	assert_int_equal(offsetof(struct amp_vring_desc, len), 8);
	assert_int_equal(offsetof(struct amp_vring_desc, flags), 12);
	assert_int_equal(offsetof(struct amp_vring_desc, next), 14);

	assert_int_equal(offsetof(struct amp_vring_avail, flags), 0);
	assert_int_equal(offsetof(struct amp_vring_avail, idx), 2);
	assert_int_equal(offsetof(struct amp_vring_avail, ring), 4);

	assert_int_equal(sizeof(struct amp_vring_used_elem), 8);
	assert_int_equal(offsetof(struct amp_vring_used_elem, id), 0);
	assert_int_equal(offsetof(struct amp_vring_used_elem, len), 4);
	assert_int_equal(offsetof(struct amp_vring_used, flags), 0);
	assert_int_equal(offsetof(struct amp_vring_used, idx), 2);
	assert_int_equal(offsetof(struct amp_vring_used, ring), 4);

	assert_int_equal(AMP_VRING_DESC_F_NEXT, 1);
	assert_int_equal(AMP_VRING_DESC_F_WRITE, 2);
	assert_int_equal(AMP_VRING_DESC_F_INDIRECT, 4);
	assert_int_equal(AMP_VIRTIO_RING_F_EVENT_IDX, 29);
}

static void test_vring_size(void **state)
{
	(void)state;
	/* REFERENCE §5: ST's rings and the OpenAMP Linux demo's. */
	assert_int_equal(amp_vring_size(16, 16), 438);
	assert_int_equal(amp_vring_size(256, 4096), 10246);
	/* desc 16 + avail 4+2+2 = 24 -> used at 32, 4+8+2 = 14. */
	assert_int_equal(amp_vring_size(1, 16), 46);
	/* Exactly aligned already: no padding. */
	assert_int_equal(amp_vring_size(2, 2), 2 * 16 + 6 + 4 + 6 + 16);
}

static void test_rpmsg_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct amp_rpmsg_hdr), 16);
	assert_int_equal(offsetof(struct amp_rpmsg_hdr, src), 0);
	assert_int_equal(offsetof(struct amp_rpmsg_hdr, dst), 4);
	assert_int_equal(offsetof(struct amp_rpmsg_hdr, reserved), 8);
	assert_int_equal(offsetof(struct amp_rpmsg_hdr, len), 12);
	assert_int_equal(offsetof(struct amp_rpmsg_hdr, flags), 14);
	assert_int_equal(AMP_RPMSG_HDR_SIZE, sizeof(struct amp_rpmsg_hdr));

	assert_int_equal(sizeof(struct amp_rpmsg_ns_msg), 40);
	assert_int_equal(offsetof(struct amp_rpmsg_ns_msg, name), 0);
	assert_int_equal(offsetof(struct amp_rpmsg_ns_msg, addr), 32);
	assert_int_equal(offsetof(struct amp_rpmsg_ns_msg, flags), 36);

	assert_int_equal(AMP_RPMSG_NS_ADDR, 53);
	assert_int_equal(AMP_RPMSG_ADDR_BASE, 1024);
	assert_int_equal(AMP_RPMSG_ADDR_ANY, 0xFFFFFFFFu);
	assert_int_equal(AMP_RPMSG_NAME_SIZE, 32);
	assert_int_equal(AMP_RPMSG_NS_CREATE, 0);
	assert_int_equal(AMP_RPMSG_NS_DESTROY, 1);
	assert_int_equal(AMP_VIRTIO_RPMSG_F_NS, 0);
}

/*
 * ST's Cortex-M4 firmware table (STM32Cube OpenAMP examples): one rpmsg
 * vdev with the name-service feature and two 16-entry rings the host
 * places, then the "cm4_log" trace buffer.  Declared the way firmware
 * declares it: one packed struct, entries after the offset array.
 *
 * The header's vdev struct ends in a flexible array; embedding it is a
 * GNU extension that clang flags, so firmware needs the same pragma.
 */
#ifdef __clang__
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wgnu-variable-sized-type-not-at-end"
#endif
struct st_m4_rsc_table {
	uint32_t ver, num, reserved[2];
	uint32_t offset[2];
	struct amp_fw_rsc_vdev vdev;
	struct amp_fw_rsc_vdev_vring vring0, vring1;
	struct amp_fw_rsc_trace trace;
} AMP_PACKED;

static const struct st_m4_rsc_table st_table = {
	.ver = 1,
	.num = 2,
	.offset = { offsetof(struct st_m4_rsc_table, vdev),
		    offsetof(struct st_m4_rsc_table, trace) },
	.vdev = { .type = AMP_RSC_VDEV,
		  .id = AMP_VIRTIO_ID_RPMSG,
		  .notifyid = 0,
		  .dfeatures = 1u << AMP_VIRTIO_RPMSG_F_NS,
		  .num_of_vrings = 2 },
	.vring0 = { .da = AMP_FW_RSC_ADDR_ANY,
		    .align = 16,
		    .num = 16,
		    .notifyid = 0 },
	.vring1 = { .da = AMP_FW_RSC_ADDR_ANY,
		    .align = 16,
		    .num = 16,
		    .notifyid = 1 },
	.trace = { .type = AMP_RSC_TRACE,
		   .da = 0x10020000,
		   .len = 2048,
		   .name = "cm4_log" },
};
#ifdef __clang__
#pragma clang diagnostic pop
#endif

/* clang-format off */
static const uint8_t st_table_bytes[] = {
	/* header: ver 1, num 2, reserved 0 0, offsets 0x18 0x5c */
	0x01, 0x00, 0x00, 0x00,  0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,  0x00, 0x00, 0x00, 0x00,
	0x18, 0x00, 0x00, 0x00,  0x5c, 0x00, 0x00, 0x00,
	/* 0x18 vdev: type 3, id 7, notifyid 0, dfeatures 1, gfeatures 0,
	 * config_len 0, status 0, num_of_vrings 2, reserved 0 0 */
	0x03, 0x00, 0x00, 0x00,  0x07, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,  0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,  0x00, 0x00, 0x00, 0x00,
	0x00, 0x02, 0x00, 0x00,
	/* 0x34 vring0: da ANY, align 16, num 16, notifyid 0, pa 0 */
	0xff, 0xff, 0xff, 0xff,  0x10, 0x00, 0x00, 0x00,
	0x10, 0x00, 0x00, 0x00,  0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	/* 0x48 vring1: da ANY, align 16, num 16, notifyid 1, pa 0 */
	0xff, 0xff, 0xff, 0xff,  0x10, 0x00, 0x00, 0x00,
	0x10, 0x00, 0x00, 0x00,  0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	/* 0x5c trace: type 2, da 0x10020000, len 2048, reserved 0 */
	0x02, 0x00, 0x00, 0x00,  0x00, 0x00, 0x02, 0x10,
	0x00, 0x08, 0x00, 0x00,  0x00, 0x00, 0x00, 0x00,
	/* name "cm4_log", NUL-padded to 32 */
	'c',  'm',  '4',  '_',   'l',  'o',  'g',  0x00,
	0x00, 0x00, 0x00, 0x00,  0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,  0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,  0x00, 0x00, 0x00, 0x00,
};
/* clang-format on */

static void test_st_m4_table_bytes(void **state)
{
	(void)state;
	assert_int_equal(sizeof(st_table), 140);
	assert_int_equal(sizeof(st_table_bytes), 140);
	assert_bytes(&st_table, st_table_bytes, sizeof(st_table_bytes));
}

static void test_st_m4_table_valid(void **state)
{
	struct amp_diag d = { 0 };
	uint8_t t[sizeof(st_table_bytes)];
	struct amp_fw_rsc_vdev *vdev;
	struct amp_fw_rsc_trace *trace;

	(void)state;
	memcpy(t, st_table_bytes, sizeof(t));
	assert_int_equal(amp_rsc_table_check(t, sizeof(t), 16, &d), 0);
	assert_null(d.msg);
	/* ST's rings are exactly 16: a limit below that must refuse them. */
	assert_int_equal(amp_rsc_table_check(t, sizeof(t), 8, &d), -AMP_EINVAL);
	assert_non_null(strstr(d.msg, "exceeds the allowed maximum"));
	assert_int_equal(d.offset, 0x34 + 8);

	vdev = (struct amp_fw_rsc_vdev *)amp_rsc_find(t, AMP_RSC_VDEV, 0);
	assert_ptr_equal(vdev, t + 0x18);
	assert_int_equal(vdev->id, AMP_VIRTIO_ID_RPMSG);
	assert_int_equal(vdev->num_of_vrings, 2);
	assert_int_equal(vdev->vring[1].notifyid, 1);
	trace = (struct amp_fw_rsc_trace *)amp_rsc_find(t, AMP_RSC_TRACE, 0);
	assert_ptr_equal(trace, t + 0x5c);
	assert_string_equal((const char *)trace->name, "cm4_log");
	assert_ptr_equal(amp_rsc_entry(t, 1), trace);
	assert_null(amp_rsc_entry(t, 2));
}

/* The name-service announcement the remote sends for "rpmsg-raw" at
 * 0x400: an rpmsg_hdr to address 53, then the 40-byte ns_msg. */
/* clang-format off */
static const uint8_t ns_create_bytes[] = {
	/* rpmsg_hdr: src 0x400, dst 53, reserved 0, len 40, flags 0 */
	0x00, 0x04, 0x00, 0x00,  0x35, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,  0x28, 0x00,  0x00, 0x00,
	/* ns_msg.name "rpmsg-raw", NUL-padded to 32 */
	'r',  'p',  'm',  's',   'g',  '-',  'r',  'a',
	'w',  0x00, 0x00, 0x00,  0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,  0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,  0x00, 0x00, 0x00, 0x00,
	/* addr 0x400, flags CREATE (0) */
	0x00, 0x04, 0x00, 0x00,  0x00, 0x00, 0x00, 0x00,
};
/* clang-format on */

static void test_rpmsg_ns_bytes(void **state)
{
	const struct amp_rpmsg_hdr hdr = {
		.src = 0x400,
		.dst = AMP_RPMSG_NS_ADDR,
		.reserved = 0,
		.len = sizeof(struct amp_rpmsg_ns_msg),
		.flags = 0,
	};
	const struct amp_rpmsg_ns_msg ns = {
		.name = "rpmsg-raw",
		.addr = 0x400,
		.flags = AMP_RPMSG_NS_CREATE,
	};
	struct amp_rpmsg_ns_msg destroy = ns;
	uint8_t msg[sizeof(hdr) + sizeof(ns)];

	(void)state;
	assert_int_equal(sizeof(ns_create_bytes), 56);
	memcpy(msg, &hdr, sizeof(hdr));
	memcpy(msg + sizeof(hdr), &ns, sizeof(ns));
	assert_bytes(msg, ns_create_bytes, sizeof(ns_create_bytes));

	/* DESTROY differs only in the last word: 01 00 00 00. */
	destroy.flags = AMP_RPMSG_NS_DESTROY;
	memcpy(msg + sizeof(hdr), &destroy, sizeof(destroy));
	assert_bytes(msg, ns_create_bytes, sizeof(ns_create_bytes) - 4);
	assert_int_equal(msg[52], 0x01);
	assert_int_equal(msg[53] | msg[54] | msg[55], 0);
}

/* A message that is not for the name service: 5 payload bytes from a
 * dynamic address to another, flags 0. */
static void test_rpmsg_hdr_bytes(void **state)
{
	static const uint8_t want[] = {
		0x01, 0x04, 0x00, 0x00, 0x2a, 0x04, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
	};
	const struct amp_rpmsg_hdr hdr = { .src = 0x401,
					   .dst = 0x42a,
					   .len = 5 };

	(void)state;
	assert_bytes(&hdr, want, sizeof(want));
}

/* The vuart credit message as the host's opening grant lays it into its
 * first tx buffer: rpmsg header with flags AMP_RPMSG_F_CTL (00 80), then
 * type 1 and 65536 bytes, both u32 LE. */
static void test_vuart_credit_bytes(void **state)
{
	static const uint8_t want[] = {
		0x00, 0x04, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, /* src, dst */
		0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x80, /* len, flags */
		0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, /* credit */
	};
	struct pair p;
	struct amp_rpmsg_ept r;
	struct amp_vuart h;
	const uint8_t *tx0;

	(void)state;
	assert_int_equal(sizeof(struct amp_vuart_credit), 8);
	assert_int_equal(offsetof(struct amp_vuart_credit, type), 0);
	assert_int_equal(offsetof(struct amp_vuart_credit, bytes), 4);
	assert_int_equal(AMP_RPMSG_F_CTL, 0x8000);
	assert_int_equal(AMP_VIRTIO_RPMSG_F_CREDITS, 23);
	assert_int_equal(AMP_VUART_WINDOW_DEFAULT, 65536);

	assert_int_equal(pair_init(&p, 16, 512, AMP_RPMSG_FEATURES), 0);
	p.remote.ns = 0; /* keep the remote's announcement off the wire */
	assert_int_equal(amp_rpmsg_create_ept(&r, &p.remote, "rpmsg-tty",
					      AMP_RPMSG_ADDR_ANY,
					      AMP_RPMSG_ADDR_ANY, NULL, NULL),
			 0);
	assert_int_equal(amp_vuart_open(&h, &p.host, AMP_VUART_NAME,
					AMP_RPMSG_ADDR_ANY, r.addr, 0, NULL,
					NULL),
			 0);
	tx0 = p.shm.va + (p.pool_pa - PAIR_PA) + 16 * 512;
	assert_bytes(tx0, want, sizeof(want));
	/* Data is the bare payload: flags 0 (checked in test_vuart). */
	pair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsc_struct_layout),
		cmocka_unit_test(test_rsc_constants),
		cmocka_unit_test(test_vring_layout),
		cmocka_unit_test(test_vring_size),
		cmocka_unit_test(test_rpmsg_layout),
		cmocka_unit_test(test_st_m4_table_bytes),
		cmocka_unit_test(test_st_m4_table_valid),
		cmocka_unit_test(test_rpmsg_ns_bytes),
		cmocka_unit_test(test_rpmsg_hdr_bytes),
		cmocka_unit_test(test_vuart_credit_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
