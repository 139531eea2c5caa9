/*
 * rsc_table.c - validation and lookup of the firmware resource table.
 *
 * The table comes from a firmware file (host side) or from shared memory
 * the host rewrote (remote side), so nothing in it is trusted: every
 * offset, count and length is checked against the table size in 64-bit
 * arithmetic before anything is read through it.  Once a table passes
 * amp_rsc_table_check(), the walkers (amp_rsc_entry, amp_rsc_find) can
 * follow its offsets without re-checking.
 *
 * Fields are read with memcpy because the table may sit at any address
 * inside an ELF image; byte order is the CPU's, which is little-endian on
 * every platform ampkit supports (as the wire format requires).
 */
#include "ampkit/rsc_table.h"

#define HDR_SIZE sizeof(struct amp_rsc_table)
#define VDEV_SIZE sizeof(struct amp_fw_rsc_vdev)
#define VRING_SIZE sizeof(struct amp_fw_rsc_vdev_vring)

/* virtio caps a split ring at 32768 entries (16-bit indexes, wrapping). */
#define VIRTIO_MAX_VRING_NUM 32768u

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

/* amp_diag offsets are 32-bit; a table that large is already broken. */
static uint32_t at(uint64_t off)
{
	return off > UINT32_MAX ? UINT32_MAX : (uint32_t)off;
}

static int bad(struct amp_diag *d, const char *msg, uint64_t off)
{
	return amp_fail(d, -AMP_EINVAL, msg, at(off));
}

static uint32_t entry_offset(const uint8_t *t, uint32_t i)
{
	return rd32(t + HDR_SIZE + 4u * (uint64_t)i);
}

/* Does [off, off+len) fit in a table of `size` bytes? */
static int fits(uint64_t off, uint64_t len, size_t size)
{
	return off <= size && len <= size - off;
}

#define CO(f) offsetof(struct amp_fw_rsc_carveout, f)
#define VD(f) offsetof(struct amp_fw_rsc_vdev, f)
#define VR(f) offsetof(struct amp_fw_rsc_vdev_vring, f)

/*
 * Carveouts at fixed device addresses must not share memory: the host
 * would hand the same RAM to two users.  Earlier entries are already
 * checked, so their offsets and bodies are safe to read.  Carveouts with
 * da ANY are placed by the host and skip the scan, which also keeps a
 * table of many aliased ANY entries from costing quadratic time.
 */
static int check_carveout(const uint8_t *t, size_t size, uint32_t i,
			  uint32_t off, struct amp_diag *d)
{
	uint32_t da, len, j;
	uint64_t end;

	if (!fits(off, sizeof(struct amp_fw_rsc_carveout), size))
		return bad(d, "carveout runs past the table", off);
	da = rd32(t + off + CO(da));
	len = rd32(t + off + CO(len));
	if (len == 0)
		return bad(d, "carveout has zero length", off + CO(len));
	if (da == AMP_FW_RSC_ADDR_ANY)
		return 0;
	end = (uint64_t)da + len;
	if (end > (uint64_t)UINT32_MAX + 1)
		return bad(d, "carveout runs past the 32-bit address space",
			   off + CO(da));
	for (j = 0; j < i; j++) {
		uint32_t o = entry_offset(t, j);
		uint32_t oda, olen;

		if (rd32(t + o) != AMP_RSC_CARVEOUT)
			continue;
		oda = rd32(t + o + CO(da));
		olen = rd32(t + o + CO(len));
		if (oda == AMP_FW_RSC_ADDR_ANY)
			continue;
		if (da < (uint64_t)oda + olen && oda < end)
			return bad(d, "carveout overlaps an earlier carveout",
				   off + CO(da));
	}
	return 0;
}

static int check_vring(const uint8_t *t, uint64_t vr, uint32_t max_num,
		       struct amp_diag *d)
{
	uint32_t num = rd32(t + vr + VR(num));
	uint32_t align = rd32(t + vr + VR(align));

	if (num == 0)
		return bad(d, "vdev vring num is 0", vr + VR(num));
	if (!AMP_IS_POW2(num))
		return bad(d, "vdev vring num is not a power of two",
			   vr + VR(num));
	if (num > VIRTIO_MAX_VRING_NUM)
		return bad(d, "vdev vring num exceeds the virtio limit 32768",
			   vr + VR(num));
	if (max_num && num > max_num)
		return bad(d, "vdev vring num exceeds the allowed maximum",
			   vr + VR(num));
	if (!AMP_IS_POW2(align))
		return bad(d, "vdev vring align is not a power of two",
			   vr + VR(align));
	return 0;
}

static int check_vdev(const uint8_t *t, size_t size, uint32_t off,
		      uint32_t max_num, struct amp_diag *d)
{
	uint64_t vrings = (uint64_t)off + VDEV_SIZE;
	uint32_t nvr, config_len, k;
	int err;

	if (!fits(off, VDEV_SIZE, size))
		return bad(d, "vdev runs past the table", off);
	nvr = t[off + VD(num_of_vrings)];
	config_len = rd32(t + off + VD(config_len));
	if (!fits(vrings, (uint64_t)nvr * VRING_SIZE, size))
		return bad(d, "vdev vrings run past the table",
			   off + VD(num_of_vrings));
	if (!fits(vrings + (uint64_t)nvr * VRING_SIZE, config_len, size))
		return bad(d, "vdev config runs past the table",
			   off + VD(config_len));
	for (k = 0; k < nvr; k++) {
		err = check_vring(t, vrings + (uint64_t)k * VRING_SIZE, max_num,
				  d);
		if (err)
			return err;
	}
	return 0;
}

static int check_entry(const uint8_t *t, size_t size, uint32_t i,
		       uint64_t hdr_end, uint32_t max_num, struct amp_diag *d)
{
	uint64_t slot = HDR_SIZE + 4u * (uint64_t)i;
	uint32_t off = entry_offset(t, i);
	uint32_t type;

	/* Unaligned entries would fault on Cortex-M when firmware reads its
	 * own table through struct pointers. */
	if (off & 3u)
		return bad(d, "entry offset is not 4-byte aligned", slot);
	/* An entry aliasing the header would let a write-back (vdev status)
	 * corrupt the offsets. */
	if (off < hdr_end)
		return bad(d, "entry offset points into the table header",
			   slot);
	if (off >= size)
		return bad(d, "entry offset past the end of the table", slot);
	if (!fits(off, sizeof(struct amp_fw_rsc_hdr), size))
		return bad(d, "entry type runs past the table", off);

	type = rd32(t + off);
	switch (type) {
	case AMP_RSC_CARVEOUT:
		return check_carveout(t, size, i, off, d);
	case AMP_RSC_DEVMEM:
		if (!fits(off, sizeof(struct amp_fw_rsc_carveout), size))
			return bad(d, "devmem runs past the table", off);
		return 0;
	case AMP_RSC_TRACE:
		if (!fits(off, sizeof(struct amp_fw_rsc_trace), size))
			return bad(d, "trace runs past the table", off);
		return 0;
	case AMP_RSC_VDEV:
		return check_vdev(t, size, off, max_num, d);
	default:
		/* Vendor bodies have no size we could know; their owners
		 * must bound them. */
		if (type >= AMP_RSC_VENDOR_START && type <= AMP_RSC_VENDOR_END)
			return 0;
		return bad(d, "unknown resource type", off);
	}
}

int amp_rsc_table_check(const void *table, size_t size, uint32_t max_vring_num,
			struct amp_diag *diag)
{
	const uint8_t *t = table;
	uint64_t hdr_end;
	uint32_t num, i;
	int err;

	if (!t || size < HDR_SIZE)
		return bad(diag,
			   "resource table shorter than its 16-byte header", 0);
	if (rd32(t + offsetof(struct amp_rsc_table, ver)) != 1)
		return bad(diag, "resource table version is not 1",
			   offsetof(struct amp_rsc_table, ver));
	for (i = 0; i < 2; i++) {
		uint64_t r = offsetof(struct amp_rsc_table, reserved) + 4u * i;

		if (rd32(t + r) != 0)
			return bad(diag,
				   "resource table reserved word is not 0", r);
	}
	num = rd32(t + offsetof(struct amp_rsc_table, num));
	hdr_end = HDR_SIZE + 4u * (uint64_t)num;
	if (hdr_end > size)
		return bad(diag,
			   "resource table offset array runs past the table",
			   offsetof(struct amp_rsc_table, num));
	for (i = 0; i < num; i++) {
		err = check_entry(t, size, i, hdr_end, max_vring_num, diag);
		if (err)
			return err;
	}
	return 0;
}

struct amp_fw_rsc_hdr *amp_rsc_find(void *table, uint32_t type, uint32_t n)
{
	uint8_t *t = table;
	uint32_t num, i;

	if (!t)
		return NULL;
	num = rd32(t + offsetof(struct amp_rsc_table, num));
	for (i = 0; i < num; i++) {
		uint32_t off = entry_offset(t, i);

		if (rd32(t + off) == type && n-- == 0)
			return (struct amp_fw_rsc_hdr *)(t + off);
	}
	return NULL;
}

struct amp_fw_rsc_carveout *amp_rsc_find_carveout(void *table, const char *name)
{
	struct amp_fw_rsc_hdr *h;

	for (uint32_t n = 0; (h = amp_rsc_find(table, AMP_RSC_CARVEOUT, n));
	     n++) {
		const uint8_t *e = ((struct amp_fw_rsc_carveout *)h)->name;
		int i = 0;

		while (i < AMP_RSC_NAME_SIZE && name[i] && e[i] == name[i])
			i++;
		if (i == AMP_RSC_NAME_SIZE ? !name[i] : !name[i] && !e[i])
			return (struct amp_fw_rsc_carveout *)h;
	}
	return NULL;
}
