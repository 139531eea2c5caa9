/*
 * rsc_table_carveouts.c - a resource table with every kind of entry the
 * host handles, for the tests of host/rsc.c: a fixed and an ANY carveout,
 * a devmem window, a vendor entry (skipped), the rpmsg vdev and the trace
 * buffer.  Linked with bench.c into ampkit-fw-carveouts; the addresses
 * sit in the posix shared window (AMP_POSIX_PA_BASE up).
 */
#include "ampkit/rpmsg.h"
#include "ampkit/rsc_table.h"

struct vendor_rsc {
	uint32_t type;
	uint32_t data[3];
} AMP_PACKED;

struct fw_resource_table {
	uint32_t ver, num, reserved[2];
	uint32_t offset[6];
	struct amp_fw_rsc_carveout fixed, any;
	struct amp_fw_rsc_carveout regs; /* type DEVMEM */
	struct vendor_rsc vendor;
	/* the rpmsg vdev, as struct amp_fw_rsc_vdev */
	uint32_t type, id, notifyid, dfeatures, gfeatures, config_len;
	uint8_t status, num_of_vrings, vdev_reserved[2];
	struct amp_fw_rsc_vdev_vring vring[2];
	struct amp_fw_rsc_trace trace;
} AMP_PACKED;

#define AT(f) offsetof(struct fw_resource_table, f)

__attribute__((section(".resource_table"), used))
struct fw_resource_table amp_fw_resource_table = {
	.ver = 1,
	.num = 6,
	/* the vdev first: the tests find it at offset[0] in every table */
	.offset = { AT(type), AT(fixed), AT(any), AT(regs), AT(vendor),
		    AT(trace) },
	.fixed = { AMP_RSC_CARVEOUT, 0x10100000, 0, 0x2000, 0, 0, "fixed" },
	.any = { AMP_RSC_CARVEOUT, AMP_FW_RSC_ADDR_ANY, 0, 0x1800, 0, 0,
		 "any" },
	.regs = { AMP_RSC_DEVMEM, 0x10200000, 0, 0x1000, 0, 0, "regs" },
	.vendor = { 200, { 1, 2, 3 } },
	.type = AMP_RSC_VDEV,
	.id = AMP_VIRTIO_ID_RPMSG,
	.dfeatures = AMP_RPMSG_FEATURES,
	.num_of_vrings = 2,
	.vring = {
		{ AMP_FW_RSC_ADDR_ANY, 16, 16, 0, 0 },
		{ AMP_FW_RSC_ADDR_ANY, 16, 16, 1, 0 },
	},
	.trace = {
		.type = AMP_RSC_TRACE,
		.da = AMP_FW_RSC_ADDR_ANY,
		.len = 4096,
		.name = "cm4_log",
	},
};
