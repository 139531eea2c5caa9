/*
 * rsc_table.c - the resource table every ampkit firmware carries, in the
 * ELF section the host looks for (".resource_table").
 *
 * Laid out like ST's STM32MP15 M4 firmware: one rpmsg vdev with two
 * 16-entry vrings whose addresses the host chooses, and a trace buffer
 * "cm4_log" for amp_app_log().  Its da is FW_RSC_ADDR_ANY, an ampkit
 * extension (Linux wants a fixed da): the host places it in shared
 * memory and writes the address back, so the same table works on every
 * platform.  Then the carveout of the shared-buffer service's pool
 * (AMP_SDB_CARVEOUT, 8 MiB, da ANY: the host places it), unless
 * FW_SDB_LEN is 0 (the echo firmware has no use for it).  It is writable
 * data, not const: on a real coprocessor this copy is the live table the
 * host writes DRIVER_OK and vring addresses into.
 *
 * FW_STM32MP15 builds the variant for the real board, as Linux's DK2
 * device tree expects it: vring das fixed at the vdev0vring0/1 regions
 * (Linux places them there either way; fixed, the image says where), the
 * trace buffer in the image at a fixed da (Linux does not place trace
 * buffers), and, with FW_SDB_LEN 0, no pool carveout (8 MiB is more
 * than the whole SRAM).  Flat fields instead of
 * the rsc_table.h structs, because those end in flexible arrays that C
 * does not allow inside another struct.
 */
#include "ampkit/rpmsg.h"
#include "ampkit/rsc_table.h"
#include "ampkit/sdb.h"

#ifdef FW_STM32MP15
#include "ampkit/stm32mp15.h"
#define FW_VRING0_DA AMP_STM32MP15_VRING0_DA
#define FW_VRING1_DA AMP_STM32MP15_VRING1_DA
#define FW_TRACE_IN_IMAGE 1
#endif
#ifndef FW_VRING0_DA
#define FW_VRING0_DA AMP_FW_RSC_ADDR_ANY
#define FW_VRING1_DA AMP_FW_RSC_ADDR_ANY
#endif

#ifndef FW_SDB_LEN
#define FW_SDB_LEN (8u << 20)
#endif
#if FW_SDB_LEN
#define FW_NUM 3
#else
#define FW_NUM 2
#endif

struct fw_resource_table {
	uint32_t ver, num, reserved[2];
	uint32_t offset[FW_NUM];
	/* the rpmsg vdev, as struct amp_fw_rsc_vdev */
	uint32_t type, id, notifyid, dfeatures, gfeatures, config_len;
	uint8_t status, num_of_vrings, vdev_reserved[2];
	struct amp_fw_rsc_vdev_vring vring[2];
	struct amp_fw_rsc_trace trace;
#if FW_SDB_LEN
	struct amp_fw_rsc_carveout sdb;
#endif
} AMP_PACKED;

#define VDEV_AT offsetof(struct fw_resource_table, type)
#define TRACE_AT offsetof(struct fw_resource_table, trace)
#if FW_SDB_LEN
#define FW_OFFSETS                                                             \
	{                                                                      \
		VDEV_AT, TRACE_AT, offsetof(struct fw_resource_table, sdb)     \
	}
#else
#define FW_OFFSETS                                                             \
	{                                                                      \
		VDEV_AT, TRACE_AT                                              \
	}
#endif

AMP_STATIC_ASSERT(offsetof(struct fw_resource_table, status) - VDEV_AT ==
			  offsetof(struct amp_fw_rsc_vdev, status),
		  "vdev layout");
AMP_STATIC_ASSERT(offsetof(struct fw_resource_table, vring) - VDEV_AT ==
			  sizeof(struct amp_fw_rsc_vdev),
		  "vdev vrings");

/* What the vdev offers; the ampkit-fw-bench-st build leaves out ampkit's
 * credits, as a firmware built on OpenAMP or STM32Cube would. */
#ifndef FW_DFEATURES
#define FW_DFEATURES AMP_RPMSG_FEATURES
#endif

#define FW_VRING_NUM 16u
#define FW_VRING_ALIGN 16u
#define FW_TRACE_LEN 4096u

#ifdef FW_TRACE_IN_IMAGE
static uint8_t fw_trace_buf[FW_TRACE_LEN] __attribute__((aligned(8)));
#define FW_TRACE_DA ((uint32_t)(uintptr_t)fw_trace_buf)
#else
#define FW_TRACE_DA AMP_FW_RSC_ADDR_ANY
#endif

__attribute__((section(".resource_table"), used))
struct fw_resource_table amp_fw_resource_table = {
	.ver = 1,
	.num = FW_NUM,
	.offset = FW_OFFSETS,
	.type = AMP_RSC_VDEV,
	.id = AMP_VIRTIO_ID_RPMSG,
	.notifyid = 0,
	.dfeatures = FW_DFEATURES,
	.num_of_vrings = 2,
	.vring = {
		{ FW_VRING0_DA, FW_VRING_ALIGN, FW_VRING_NUM, 0, 0 },
		{ FW_VRING1_DA, FW_VRING_ALIGN, FW_VRING_NUM, 1, 0 },
	},
	.trace = {
		.type = AMP_RSC_TRACE,
		.da = FW_TRACE_DA,
		.len = FW_TRACE_LEN,
		.name = "cm4_log",
	},
#if FW_SDB_LEN
	.sdb = {
		.type = AMP_RSC_CARVEOUT,
		.da = AMP_FW_RSC_ADDR_ANY,
		.len = FW_SDB_LEN,
		.name = AMP_SDB_CARVEOUT,
	},
#endif
};
