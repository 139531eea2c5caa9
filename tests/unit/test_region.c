/*
 * test_region.c - the one bounds-checked translation between addresses
 * read from shared memory and local pointers (include/ampkit/region.h):
 * the window's edges, one byte past them, empty ranges, and inputs built
 * to wrap a 64-bit sum (pa near UINT64_MAX, len huge), in both directions.
 * Pointers outside the window are made through uintptr_t and never
 * dereferenced.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ampkit/region.h"

#define SIZE 4096u

static uint8_t mem[SIZE];

static struct amp_region at(uint64_t pa)
{
	struct amp_region r = { .va = mem, .pa = pa, .size = SIZE };

	return r;
}

static uint8_t *off(uint64_t o)
{
	return (uint8_t *)((uintptr_t)mem + (uintptr_t)o);
}

static void test_pa_to_va_inside(void **state)
{
	struct amp_region r = at(0x10000000u);

	(void)state;
	assert_ptr_equal(amp_region_pa_to_va(&r, 0x10000000u, SIZE), mem);
	assert_ptr_equal(amp_region_pa_to_va(&r, 0x10000000u, 1), mem);
	assert_ptr_equal(amp_region_pa_to_va(&r, 0x10000010u, 16), mem + 16);
	/* the last byte */
	assert_ptr_equal(amp_region_pa_to_va(&r, 0x10000000u + SIZE - 1, 1),
			 mem + SIZE - 1);
	/* an empty range at the end is inside; one past it is not */
	assert_ptr_equal(amp_region_pa_to_va(&r, 0x10000000u + SIZE, 0),
			 mem + SIZE);
	assert_null(amp_region_pa_to_va(&r, 0x10000000u + SIZE + 1, 0));
}

static void test_pa_to_va_outside(void **state)
{
	struct amp_region r = at(0x10000000u);

	(void)state;
	/* one byte too many, at every start */
	assert_null(amp_region_pa_to_va(&r, 0x10000000u, SIZE + 1));
	assert_null(amp_region_pa_to_va(&r, 0x10000000u + SIZE - 1, 2));
	assert_null(amp_region_pa_to_va(&r, 0x10000000u + SIZE, 1));
	/* below the window, including a range that ends inside it */
	assert_null(amp_region_pa_to_va(&r, 0x0fffffffu, 1));
	assert_null(amp_region_pa_to_va(&r, 0x0fffffffu, 2));
	assert_null(amp_region_pa_to_va(&r, 0, 0));
	assert_null(amp_region_pa_to_va(&r, 0, 0x10000000u + 16));
}

/* pa + len, or pa - r->pa, would wrap if computed naively. */
static void test_pa_to_va_overflow(void **state)
{
	struct amp_region r = at(0x10000000u);
	struct amp_region top = at(UINT64_MAX - SIZE + 1);

	(void)state;
	assert_null(amp_region_pa_to_va(&r, 0x10000000u, UINT64_MAX));
	assert_null(amp_region_pa_to_va(&r, 0x10000010u, UINT64_MAX - 15));
	assert_null(amp_region_pa_to_va(&r, 0x10000010u, UINT64_MAX));
	assert_null(amp_region_pa_to_va(&r, UINT64_MAX, 1));
	assert_null(amp_region_pa_to_va(&r, UINT64_MAX, 0));
	/* UINT64_MAX - 0xfff + 0x1001 wraps to 1: not "inside" */
	assert_null(amp_region_pa_to_va(&r, UINT64_MAX - 0xfff, 0x1001));
	assert_null(amp_region_pa_to_va(&r, UINT64_MAX - 0xfff + 0x10000000u,
					0x1000));

	/* A window that ends at the top of the address space. */
	assert_ptr_equal(amp_region_pa_to_va(&top, UINT64_MAX - SIZE + 1, SIZE),
			 mem);
	assert_ptr_equal(amp_region_pa_to_va(&top, UINT64_MAX, 1),
			 mem + SIZE - 1);
	assert_null(amp_region_pa_to_va(&top, UINT64_MAX, 2));
	assert_null(amp_region_pa_to_va(&top, UINT64_MAX - SIZE + 1, SIZE + 1));
	assert_null(amp_region_pa_to_va(&top, UINT64_MAX - SIZE, 1));
	assert_null(amp_region_pa_to_va(&top, UINT64_MAX - 1, UINT64_MAX));
	assert_null(amp_region_pa_to_va(&top, 0, 1));
}

static void test_va_to_pa(void **state)
{
	struct amp_region r = at(0x10000000u);
	uint64_t pa = 0x1234;

	(void)state;
	assert_int_equal(amp_region_va_to_pa(&r, mem, SIZE, &pa), 0);
	assert_int_equal(pa, 0x10000000u);
	assert_int_equal(amp_region_va_to_pa(&r, mem + 100, 28, &pa), 0);
	assert_int_equal(pa, 0x10000000u + 100);
	assert_int_equal(amp_region_va_to_pa(&r, mem + SIZE - 1, 1, &pa), 0);
	assert_int_equal(pa, 0x10000000u + SIZE - 1);
	assert_int_equal(amp_region_va_to_pa(&r, mem + SIZE, 0, &pa), 0);
	assert_int_equal(pa, 0x10000000u + SIZE);

	/* refused: *pa is left alone */
	pa = 0x1234;
	assert_int_equal(amp_region_va_to_pa(&r, mem, SIZE + 1, &pa), -1);
	assert_int_equal(amp_region_va_to_pa(&r, mem + SIZE - 1, 2, &pa), -1);
	assert_int_equal(amp_region_va_to_pa(&r, off(SIZE), 1, &pa), -1);
	assert_int_equal(amp_region_va_to_pa(&r, off(SIZE + 1), 0, &pa), -1);
	assert_int_equal(amp_region_va_to_pa(&r, off((uint64_t)-1), 1, &pa),
			 -1);
	assert_int_equal(amp_region_va_to_pa(&r, off((uint64_t)-1), 2, &pa),
			 -1);
	assert_int_equal(pa, 0x1234);
}

static void test_va_to_pa_overflow(void **state)
{
	struct amp_region r = at(0x10000000u);
	struct amp_region top = at(UINT64_MAX - SIZE + 1);
	uint64_t pa = 0x1234;

	(void)state;
	assert_int_equal(amp_region_va_to_pa(&r, mem, UINT64_MAX, &pa), -1);
	assert_int_equal(
		amp_region_va_to_pa(&r, mem + 16, UINT64_MAX - 15, &pa), -1);
	assert_int_equal(
		amp_region_va_to_pa(&r, mem + SIZE - 1, UINT64_MAX, &pa), -1);
	/* below the window, a range that would end inside it */
	assert_int_equal(
		amp_region_va_to_pa(&r, off((uint64_t)-0x100), 0x200, &pa), -1);
	/* far past the end, where offset + len wraps to inside */
	assert_int_equal(amp_region_va_to_pa(&r, off(0x100000),
					     (uint64_t)-0x100000, &pa),
			 -1);
	assert_int_equal(pa, 0x1234);

	/* The top of the address space: the last byte maps, no further. */
	assert_int_equal(amp_region_va_to_pa(&top, mem + SIZE - 1, 1, &pa), 0);
	assert_true(pa == UINT64_MAX);
	assert_int_equal(amp_region_va_to_pa(&top, mem, SIZE, &pa), 0);
	assert_true(pa == UINT64_MAX - SIZE + 1);
	pa = 0x1234;
	assert_int_equal(amp_region_va_to_pa(&top, mem + SIZE - 1, 2, &pa), -1);
	assert_int_equal(pa, 0x1234);
}

/* Both directions agree on every byte of the window. */
static void test_round_trip(void **state)
{
	struct amp_region r = at(0x2f000000u);
	uint64_t pa;

	(void)state;
	for (uint64_t o = 0; o < SIZE; o += 61) {
		uint8_t *va = amp_region_pa_to_va(&r, r.pa + o, SIZE - o);

		assert_ptr_equal(va, mem + o);
		assert_int_equal(amp_region_va_to_pa(&r, va, SIZE - o, &pa), 0);
		assert_int_equal(pa, r.pa + o);
		assert_null(amp_region_pa_to_va(&r, r.pa + o, SIZE - o + 1));
		assert_int_equal(amp_region_va_to_pa(&r, va, SIZE - o + 1, &pa),
				 -1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pa_to_va_inside),
		cmocka_unit_test(test_pa_to_va_outside),
		cmocka_unit_test(test_pa_to_va_overflow),
		cmocka_unit_test(test_va_to_pa),
		cmocka_unit_test(test_va_to_pa_overflow),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
