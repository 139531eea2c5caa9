/*
 * region.h - a window of memory shared with the peer, and the one
 * bounds-checked translation between the addresses written in shared
 * structures (device/physical addresses, "pa") and local pointers ("va").
 *
 * Every address read from shared memory goes through amp_region_pa_to_va
 * with the length about to be accessed; NULL means "outside the window"
 * and the caller drops the message.  Overflow-safe for any 64-bit input.
 */
#ifndef AMPKIT_REGION_H
#define AMPKIT_REGION_H

#include <stdint.h>
#include "compiler.h"

struct amp_region {
	uint8_t *va;   /* local mapping of the window */
	uint64_t pa;   /* address the peer uses for va[0] */
	uint64_t size; /* bytes */
};

static inline void *amp_region_pa_to_va(const struct amp_region *r, uint64_t pa,
					uint64_t len)
{
	uint64_t off = pa - r->pa;

	if (pa < r->pa || off > r->size || len > r->size - off)
		return NULL;
	return r->va + off;
}

/* Returns 0 and the peer address of [va, va+len), or -1 if outside. */
static inline int amp_region_va_to_pa(const struct amp_region *r,
				      const void *va, uint64_t len,
				      uint64_t *pa)
{
	uintptr_t p = (uintptr_t)va, base = (uintptr_t)r->va;
	uint64_t off = (uint64_t)(p - base);

	if (p < base || off > r->size || len > r->size - off)
		return -1;
	*pa = r->pa + off;
	return 0;
}

#endif
