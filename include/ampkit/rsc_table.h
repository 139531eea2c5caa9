/*
 * rsc_table.h - the firmware resource table, byte-compatible with Linux
 * include/linux/remoteproc.h and OpenAMP (entry structs carry their type
 * word first, as firmware declares them).
 *
 * amp_rsc_table_check() validates a whole table before anything trusts
 * it; amp_rsc_next() then walks entries without re-checking.
 */
#ifndef AMPKIT_RSC_TABLE_H
#define AMPKIT_RSC_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include "compiler.h"
#include "errno.h"

#define AMP_RSC_CARVEOUT 0u
#define AMP_RSC_DEVMEM 1u
#define AMP_RSC_TRACE 2u
#define AMP_RSC_VDEV 3u
#define AMP_RSC_LAST 4u
#define AMP_RSC_VENDOR_START 128u
#define AMP_RSC_VENDOR_END 512u

#define AMP_FW_RSC_ADDR_ANY 0xFFFFFFFFu
#define AMP_RSC_NAME_SIZE 32

#define AMP_VIRTIO_ID_RPMSG 7u
#define AMP_VIRTIO_STATUS_ACKNOWLEDGE 1u
#define AMP_VIRTIO_STATUS_DRIVER 2u
#define AMP_VIRTIO_STATUS_DRIVER_OK 4u
#define AMP_VIRTIO_STATUS_NEEDS_RESET 0x40u
#define AMP_VIRTIO_STATUS_FAILED 0x80u

struct amp_rsc_table {
	uint32_t ver; /* 1 */
	uint32_t num;
	uint32_t reserved[2]; /* 0 */
	uint32_t offset[];    /* num entries, from the table start */
} AMP_PACKED;

struct amp_fw_rsc_hdr {
	uint32_t type;
} AMP_PACKED;

struct amp_fw_rsc_carveout { /* also DEVMEM */
	uint32_t type;
	uint32_t da, pa, len, flags, reserved;
	uint8_t name[AMP_RSC_NAME_SIZE];
} AMP_PACKED;

struct amp_fw_rsc_trace {
	uint32_t type;
	uint32_t da, len, reserved;
	uint8_t name[AMP_RSC_NAME_SIZE];
} AMP_PACKED;

struct amp_fw_rsc_vdev_vring {
	uint32_t da, align, num, notifyid;
	uint32_t pa; /* older kernels: reserved */
} AMP_PACKED;

struct amp_fw_rsc_vdev {
	uint32_t type;
	uint32_t id, notifyid, dfeatures, gfeatures, config_len;
	uint8_t status, num_of_vrings, reserved[2];
	struct amp_fw_rsc_vdev_vring vring[];
	/* then config_len bytes of config space */
} AMP_PACKED;

AMP_STATIC_ASSERT(sizeof(struct amp_rsc_table) == 16, "rsc table header");
AMP_STATIC_ASSERT(sizeof(struct amp_fw_rsc_carveout) == 56, "carveout");
AMP_STATIC_ASSERT(sizeof(struct amp_fw_rsc_trace) == 48, "trace");
AMP_STATIC_ASSERT(sizeof(struct amp_fw_rsc_vdev) == 28, "vdev");
AMP_STATIC_ASSERT(sizeof(struct amp_fw_rsc_vdev_vring) == 20, "vdev vring");
AMP_STATIC_ASSERT(offsetof(struct amp_fw_rsc_vdev, status) == 24, "vdev");

/* Validate a table of `size` bytes before anything trusts it: header
 * (ver 1, reserved 0), the offset array and every entry inside the table,
 * entry offsets 4-byte aligned and past the header, each known entry's
 * body inside the table, vdev vrings and config inside the table, vring
 * num a power of two no larger than max_vring_num (pass AMP_VQ_MAX_NUM;
 * 0: virtio's 32768) and align a power of two, carveouts neither empty,
 * nor wrapping past 4 GiB, nor overlapping.  Returns 0 or -AMP_EINVAL with
 * *diag saying what and at which byte offset. */
int amp_rsc_table_check(const void *table, size_t size, uint32_t max_vring_num,
			struct amp_diag *diag);

/* Entry i of a checked table, or NULL if i >= num. */
static inline struct amp_fw_rsc_hdr *amp_rsc_entry(void *table, uint32_t i)
{
	struct amp_rsc_table *t = (struct amp_rsc_table *)table;

	return i < t->num ? (struct amp_fw_rsc_hdr *)((uint8_t *)table +
						      t->offset[i])
			  : NULL;
}

/* The n-th (0-based) entry of `type` in a checked table, or NULL. */
struct amp_fw_rsc_hdr *amp_rsc_find(void *table, uint32_t type, uint32_t n);

/* The first CARVEOUT entry of a checked table whose name is `name` (a
 * name of AMP_RSC_NAME_SIZE bytes need not end in a NUL), or NULL. */
struct amp_fw_rsc_carveout *amp_rsc_find_carveout(void *table,
						  const char *name);

#endif
