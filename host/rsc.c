/*
 * rsc.c - resource handling: where each entry of a firmware's resource
 * table goes in the shared memory, and writing that back into the live
 * table, as Linux remoteproc_core.c's handlers do.
 *
 * Two passes.  Entries with a fixed address are checked first (inside
 * the backend's window, clear of the control block and the table -- or
 * of the loaded image, on a backend that runs it in the window -- and of
 * each other), so their positions are known; entries that say
 * FW_RSC_ADDR_ANY are then allocated past the last of them.  Carveouts,
 * trace buffers and the rpmsg vrings take memory; devmem is only checked
 * and recorded (it names memory that exists, nothing is allocated);
 * vendor entries and other vdevs are skipped.  A trace buffer with da ANY
 * is an ampkit extension: Linux wants a fixed da.
 *
 * The table was validated by amp_rsc_table_check before it gets here, so
 * entries are read without re-checking their bounds.
 */
#include <stdio.h>
#include <string.h>

#include "ampkit/app.h"
#include "ampkit/elf.h"
#include "rproc_internal.h"

#define PAGE AMP_POSIX_PAGE

static const char *area_kind_name(uint8_t kind)
{
	switch (kind) {
	case AMP_AREA_TABLE:
		return "control block and resource table";
	case AMP_AREA_CARVEOUT:
		return "carveout";
	case AMP_AREA_DEVMEM:
		return "devmem";
	case AMP_AREA_TRACE:
		return "trace";
	case AMP_AREA_VRING:
		return "vring";
	case AMP_AREA_IMAGE:
		return "firmware image";
	default:
		return "buffer pool";
	}
}

/* "carveout "name" at 0x10040000" / "vring 1 at ..." for messages. */
static void describe(const struct amp_rproc *rp, const struct amp_rproc_area *a,
		     char *buf, size_t len)
{
	unsigned long long da = rp->ops->pa_base + a->off;

	if (a->kind == AMP_AREA_VRING)
		snprintf(buf, len, "vring %u at 0x%llx", a->index, da);
	else if (a->kind == AMP_AREA_TABLE || a->kind == AMP_AREA_IMAGE)
		snprintf(buf, len, "the %s (0x%llx..0x%llx)",
			 area_kind_name(a->kind), da, da + a->len - 1);
	else
		snprintf(buf, len, "%s \"%s\" at 0x%llx",
			 area_kind_name(a->kind), a->name, da);
}

static struct amp_rproc_area *new_area(struct amp_rproc *rp, const char *fw,
				       struct amp_rproc_layout *lay,
				       uint8_t kind, uint32_t entry)
{
	struct amp_rproc_area *a;

	if (lay->narea >= AMP_RPROC_MAX_AREAS) {
		amp_rproc_fail(rp, -AMP_E2BIG,
			       "%s: %s: more than %u memory resources "
			       "(offset 0x%x)",
			       fw, AMP_RSC_SECTION, AMP_RPROC_MAX_AREAS - 3,
			       entry);
		return NULL;
	}
	a = &lay->area[lay->narea++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->entry = entry;
	return a;
}

static void set_name(struct amp_rproc_area *a, const uint8_t *name)
{
	memcpy(a->name, name, AMP_RSC_NAME_SIZE);
	a->name[AMP_RSC_NAME_SIZE] = '\0';
}

/* A fixed [da, da+len) inside the window: its offset, or -1. */
static int64_t window_off(const struct amp_rproc *rp, uint64_t da, uint64_t len)
{
	uint64_t base = rp->ops->pa_base, max = rp->ops->max_size;

	if (da < base || da - base > max || len > max - (da - base))
		return -1;
	return (int64_t)(da - base);
}

static int outside(struct amp_rproc *rp, const char *fw, const char *what,
		   const struct amp_rproc_area *a, uint32_t da, uint64_t len)
{
	unsigned long long base = rp->ops->pa_base;

	return amp_rproc_fail(rp, -AMP_EINVAL,
			      "%s: %s: %s \"%s\" da 0x%x len 0x%llx: %s "
			      "outside device memory (0x%llx..0x%llx) "
			      "(offset 0x%x)",
			      fw, AMP_RSC_SECTION, area_kind_name(a->kind),
			      a->name, da, (unsigned long long)len, what, base,
			      base + rp->ops->max_size - 1, a->entry);
}

/* Pass 1 for one vring of the rpmsg vdev. */
static int plan_vring(struct amp_rproc *rp, const char *fw,
		      const struct amp_fw_rsc_vdev *v, int i,
		      struct amp_rproc_layout *lay, uint64_t table_end)
{
	const struct amp_fw_rsc_vdev_vring *vr = &v->vring[i];
	const uint64_t base = rp->ops->pa_base, max = rp->ops->max_size;
	struct amp_rproc_area *a;
	uint32_t at = lay->vdev_off +
		      (uint32_t)offsetof(struct amp_fw_rsc_vdev, vring) +
		      (uint32_t)(i * sizeof(*vr));
	uint64_t sz = amp_vring_size(lay->vring_num[i], vr->align), off;

	a = new_area(rp, fw, lay, AMP_AREA_VRING, at);
	if (!a)
		return -AMP_E2BIG;
	a->index = (uint32_t)i;
	a->len = sz;
	lay->vring[i] = (int)(a - lay->area);
	if (vr->da == AMP_FW_RSC_ADDR_ANY)
		return 0;
	off = (uint64_t)vr->da - base;
	/* A fixed address works only inside the window, after the control
	 * page and the table. */
	if (vr->da < base || off < table_end || off + sz > max ||
	    vr->da % vr->align)
		return amp_rproc_fail(
			rp, -AMP_EINVAL,
			"%s: %s: vring %d da 0x%x is not usable on the %s "
			"platform: it must be %u-aligned in 0x%llx..0x%llx "
			"(offset 0x%x)",
			fw, AMP_RSC_SECTION, i, vr->da, rp->ops->name,
			vr->align, (unsigned long long)(base + table_end),
			(unsigned long long)(base + max - 1), at);
	a->fixed = 1;
	a->off = off;
	return 0;
}

/* Pass 1 for the other entries: record them, check fixed addresses. */
static int plan_entry(struct amp_rproc *rp, const char *fw,
		      const uint8_t *table, uint32_t at,
		      struct amp_rproc_layout *lay)
{
	const struct amp_fw_rsc_hdr *h = (const void *)(table + at);
	struct amp_rproc_area *a;
	int64_t off;

	if (h->type == AMP_RSC_CARVEOUT || h->type == AMP_RSC_DEVMEM) {
		const struct amp_fw_rsc_carveout *c = (const void *)h;

		a = new_area(rp, fw, lay,
			     h->type == AMP_RSC_CARVEOUT ? AMP_AREA_CARVEOUT
							 : AMP_AREA_DEVMEM,
			     at);
		if (!a)
			return -AMP_E2BIG;
		set_name(a, c->name);
		a->len = c->len;
		if (h->type == AMP_RSC_DEVMEM && c->da == AMP_FW_RSC_ADDR_ANY)
			return amp_rproc_fail(rp, -AMP_EINVAL,
					      "%s: %s: devmem \"%s\" has no "
					      "address (offset 0x%x)",
					      fw, AMP_RSC_SECTION, a->name, at);
		if (c->da == AMP_FW_RSC_ADDR_ANY) {
			a->len = AMP_ALIGN_UP(a->len, (uint64_t)PAGE);
			return 0;
		}
		off = window_off(rp, c->da, c->len);
		if (off < 0)
			return outside(rp, fw, "it lies", a, c->da, c->len);
		a->fixed = 1;
		a->off = (uint64_t)off;
	} else if (h->type == AMP_RSC_TRACE) {
		const struct amp_fw_rsc_trace *t = (const void *)h;

		a = new_area(rp, fw, lay, AMP_AREA_TRACE, at);
		if (!a)
			return -AMP_E2BIG;
		set_name(a, t->name);
		a->len = t->len;
		if (t->len <= AMP_APP_TRACE_HDR)
			return amp_rproc_fail(rp, -AMP_EINVAL,
					      "%s: %s: trace \"%s\" len %u "
					      "is too small (offset 0x%x)",
					      fw, AMP_RSC_SECTION, a->name,
					      t->len, at);
		if (lay->trace < 0)
			lay->trace = (int)(a - lay->area);
		if (t->da == AMP_FW_RSC_ADDR_ANY)
			return 0;
		off = window_off(rp, t->da, t->len);
		if (off < 0)
			return outside(rp, fw, "trace buffer", a, t->da,
				       t->len);
		a->fixed = 1;
		a->off = (uint64_t)off;
	}
	/* vdevs are handled by the caller, vendor entries are skipped */
	return 0;
}

/* Fixed areas must not overlap (devmem may: it only names memory). */
static int check_overlaps(struct amp_rproc *rp, const char *fw,
			  const struct amp_rproc_layout *lay)
{
	char one[96], two[96];

	for (unsigned i = 0; i < lay->narea; i++) {
		const struct amp_rproc_area *a = &lay->area[i];

		if (!a->fixed || a->kind == AMP_AREA_DEVMEM)
			continue;
		for (unsigned j = 0; j < i; j++) {
			const struct amp_rproc_area *b = &lay->area[j];

			if (!b->fixed || b->kind == AMP_AREA_DEVMEM ||
			    a->off >= b->off + b->len ||
			    b->off >= a->off + a->len)
				continue;
			describe(rp, a, one, sizeof(one));
			describe(rp, b, two, sizeof(two));
			return amp_rproc_fail(rp, -AMP_EINVAL,
					      "%s: %s: %s overlaps %s "
					      "(offset 0x%x)",
					      fw, AMP_RSC_SECTION, one, two,
					      a->entry);
		}
	}
	return 0;
}

int amp_rproc_rsc_plan(struct amp_rproc *rp, const char *fw,
		       const uint8_t *table, size_t size,
		       struct amp_rproc_layout *lay)
{
	const struct amp_fw_rsc_vdev *v = (const void *)(table + lay->vdev_off);
	const struct amp_rsc_table *t = (const void *)table;
	struct amp_rproc_area *a;
	uint64_t end;
	int r;

	lay->narea = 0;
	lay->trace = -1;
	/* The start of the window is taken: by the control block and the
	 * table copy, or by the loaded image that holds the table. */
	a = new_area(rp, fw, lay,
		     lay->image_end ? AMP_AREA_IMAGE : AMP_AREA_TABLE, 0);
	a->fixed = 1;
	a->off = 0;
	a->len = lay->image_end ? AMP_ALIGN_UP(lay->image_end, (uint64_t)PAGE)
				: lay->rsc_off + AMP_ALIGN_UP((uint64_t)size,
							      (uint64_t)PAGE);
	end = a->len;
	for (int i = 0; i < 2; i++) {
		r = plan_vring(rp, fw, v, i, lay, end);
		if (r)
			return r;
	}
	for (uint32_t i = 0; i < t->num; i++) {
		r = plan_entry(rp, fw, table, t->offset[i], lay);
		if (r)
			return r;
	}
	r = check_overlaps(rp, fw, lay);
	if (r)
		return r;
	for (unsigned i = 0; i < lay->narea; i++) {
		a = &lay->area[i];
		if (a->fixed && a->kind != AMP_AREA_DEVMEM &&
		    a->off + a->len > end)
			end = a->off + a->len;
	}
	/* Pass 2: everything the host chooses goes past the fixed areas,
	 * page-aligned (or vring-aligned, if that is larger). */
	for (unsigned i = 0; i < lay->narea; i++) {
		uint64_t align = PAGE;

		a = &lay->area[i];
		if (a->fixed || a->kind == AMP_AREA_DEVMEM)
			continue;
		if (a->kind == AMP_AREA_VRING &&
		    v->vring[a->index].align > align)
			align = v->vring[a->index].align;
		a->off = AMP_ALIGN_UP(end, align);
		end = a->off + a->len;
	}
	lay->size = end;
	return 0;
}

void amp_rproc_rsc_write(struct amp_rproc *rp, uint8_t *live,
			 const struct amp_rproc_layout *lay)
{
	struct amp_fw_rsc_vdev *v = (void *)(live + lay->vdev_off);

	v->status = 0;
	v->gfeatures = 0;
	for (unsigned i = 0; i < lay->narea; i++) {
		const struct amp_rproc_area *a = &lay->area[i];
		uint32_t da = (uint32_t)(rp->ops->pa_base + a->off);

		switch (a->kind) {
		case AMP_AREA_CARVEOUT:
		case AMP_AREA_DEVMEM: {
			struct amp_fw_rsc_carveout *c =
				(void *)(live + a->entry);

			/* device address = physical address on every
			 * ampkit platform: the window is mapped 1:1 */
			if (a->kind == AMP_AREA_CARVEOUT)
				c->da = da;
			c->pa = c->da;
			break;
		}
		case AMP_AREA_TRACE:
			((struct amp_fw_rsc_trace *)(void *)(live + a->entry))
				->da = da;
			break;
		case AMP_AREA_VRING:
			v->vring[a->index].da = da;
			v->vring[a->index].num = lay->vring_num[a->index];
			/* Like Linux, the host assigns notify ids: the
			 * mailbox channel of vring i is i. */
			v->vring[a->index].notifyid = a->index;
			break;
		default:
			break;
		}
	}
}
