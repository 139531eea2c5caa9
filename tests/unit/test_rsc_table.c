/*
 * test_rsc_table.c - unit tests for core/rsc_table.c: every way a table
 * can be refused (each with its message and the offset it names), tables
 * that must pass, and amp_rsc_find.
 *
 * Every table under test is copied into a malloc'd block of exactly its
 * size, so under the sanitizer build a check that reads one byte too far
 * fails loudly instead of reading the builder's spare room.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <ampkit/rsc_table.h>

#define ANY AMP_FW_RSC_ADDR_ANY

/* A table under construction: header, then entries appended in order. */
struct tb {
	uint8_t buf[4096];
	size_t len;
	uint32_t num, used;
};

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* Header for `num` entries; the offsets are filled in by tb_add. */
static void tb_init(struct tb *b, uint32_t num)
{
	memset(b, 0, sizeof(*b));
	b->num = num;
	put32(b->buf, 1);
	put32(b->buf + 4, num);
	b->len = 16 + 4u * num;
}

/* Append an entry; returns its offset in the table. */
static uint32_t tb_add(struct tb *b, const void *entry, size_t n)
{
	uint32_t off = (uint32_t)b->len;

	assert_true(b->used < b->num);
	assert_true(b->len + n <= sizeof(b->buf));
	put32(b->buf + 16 + 4u * b->used++, off);
	memcpy(b->buf + off, entry, n);
	b->len += (n + 3) & ~(size_t)3;
	return off;
}

static uint32_t tb_carveout(struct tb *b, uint32_t type, uint32_t da,
			    uint32_t len)
{
	struct amp_fw_rsc_carveout c = { .type = type, .da = da, .len = len };

	strcpy((char *)c.name, "mem");
	return tb_add(b, &c, sizeof(c));
}

static uint32_t tb_trace(struct tb *b)
{
	struct amp_fw_rsc_trace t = { .type = AMP_RSC_TRACE,
				      .da = 0x10020000,
				      .len = 2048 };

	strcpy((char *)t.name, "cm4_log");
	return tb_add(b, &t, sizeof(t));
}

/* A vdev whose rings have `num` entries and `align` alignment. */
static uint32_t tb_vdev(struct tb *b, uint8_t nvr, uint32_t num, uint32_t align,
			uint32_t config_len)
{
	uint8_t e[sizeof(struct amp_fw_rsc_vdev) +
		  255 * sizeof(struct amp_fw_rsc_vdev_vring) + 64];
	struct amp_fw_rsc_vdev v = { .type = AMP_RSC_VDEV,
				     .id = AMP_VIRTIO_ID_RPMSG,
				     .dfeatures = 1,
				     .config_len = config_len,
				     .num_of_vrings = nvr };
	size_t n = sizeof(v);

	assert_true(config_len <= 64);
	memcpy(e, &v, sizeof(v));
	for (uint8_t k = 0; k < nvr; k++) {
		struct amp_fw_rsc_vdev_vring r = {
			.da = ANY, .align = align, .num = num, .notifyid = k
		};

		memcpy(e + n, &r, sizeof(r));
		n += sizeof(r);
	}
	memset(e + n, 0xA5, config_len);
	return tb_add(b, e, n + config_len);
}

static uint32_t tb_vendor(struct tb *b, uint32_t type, size_t body)
{
	uint8_t e[64] = { 0 };

	put32(e, type);
	return tb_add(b, e, 4 + body);
}

/* Check `size` bytes of the table from an exact-size heap copy. */
static int check_n(const struct tb *b, size_t size, uint32_t max,
		   struct amp_diag *d)
{
	uint8_t *p = malloc(size ? size : 1);
	int r;

	assert_non_null(p);
	memcpy(p, b->buf, size);
	d->msg = NULL;
	d->offset = 0xdeadbeef;
	r = amp_rsc_table_check(p, size, max, d);
	free(p);
	return r;
}

static int check(const struct tb *b, uint32_t max, struct amp_diag *d)
{
	return check_n(b, b->len, max, d);
}

#define assert_ok(b, max)                                                      \
	do {                                                                   \
		struct amp_diag d_;                                            \
		int r_ = check((b), (max), &d_);                               \
		if (r_)                                                        \
			print_error("unexpected: %s at %u\n", d_.msg,          \
				    d_.offset);                                \
		assert_int_equal(r_, 0);                                       \
	} while (0)

/* Refused with a message containing `sub`, pointing at byte `at`. */
static void expect_fail_n(const struct tb *b, size_t size, uint32_t max,
			  const char *sub, uint32_t at)
{
	struct amp_diag d;

	assert_int_equal(check_n(b, size, max, &d), -AMP_EINVAL);
	assert_non_null(d.msg);
	if (!strstr(d.msg, sub))
		print_error("message \"%s\" lacks \"%s\"\n", d.msg, sub);
	assert_non_null(strstr(d.msg, sub));
	assert_int_equal(d.offset, at);
}

static void expect_fail(const struct tb *b, uint32_t max, const char *sub,
			uint32_t at)
{
	expect_fail_n(b, b->len, max, sub, at);
}

/* ---- header ---------------------------------------------------------- */

static void test_short_header(void **state)
{
	struct amp_diag d = { 0 };
	struct tb b;

	(void)state;
	tb_init(&b, 0);
	for (size_t n = 0; n < 16; n++)
		expect_fail_n(&b, n, 0, "shorter than its 16-byte header", 0);
	assert_int_equal(amp_rsc_table_check(NULL, 64, 0, &d), -AMP_EINVAL);
	assert_non_null(strstr(d.msg, "shorter than"));
	/* A NULL diag is allowed: the error code alone still comes back. */
	assert_int_equal(amp_rsc_table_check(NULL, 0, 0, NULL), -AMP_EINVAL);
}

static void test_version(void **state)
{
	struct tb b;

	(void)state;
	tb_init(&b, 0);
	put32(b.buf, 2);
	expect_fail(&b, 0, "version is not 1", 0);
	put32(b.buf, 0);
	expect_fail(&b, 0, "version is not 1", 0);
}

static void test_reserved(void **state)
{
	struct tb b;

	(void)state;
	tb_init(&b, 0);
	put32(b.buf + 8, 1);
	expect_fail(&b, 0, "reserved word is not 0", 8);
	put32(b.buf + 8, 0);
	put32(b.buf + 12, 0x80000000);
	expect_fail(&b, 0, "reserved word is not 0", 12);
}

static void test_offset_array_past_end(void **state)
{
	struct tb b;

	(void)state;
	tb_init(&b, 1);
	tb_trace(&b);
	/* One byte short of the offset array. */
	expect_fail_n(&b, 19, 0, "offset array runs past the table", 4);
	/* num so large that 16 + 4*num overflows 32 bits. */
	put32(b.buf + 4, 0xFFFFFFFF);
	expect_fail(&b, 0, "offset array runs past the table", 4);
	put32(b.buf + 4, 0x40000000);
	expect_fail(&b, 0, "offset array runs past the table", 4);
	/* The array exactly filling the table is fine with no entries... */
	tb_init(&b, 0);
	assert_ok(&b, 0);
}

/* ---- entry offsets ---------------------------------------------------- */

static void test_entry_offset_alignment(void **state)
{
	struct tb b;

	(void)state;
	tb_init(&b, 2);
	tb_trace(&b);
	tb_vendor(&b, 200, 0);
	put32(b.buf + 20, get32(b.buf + 20) + 2);
	expect_fail(&b, 0, "not 4-byte aligned", 20);
	put32(b.buf + 20, get32(b.buf + 20) - 1);
	expect_fail(&b, 0, "not 4-byte aligned", 20);
}

static void test_entry_offset_in_header(void **state)
{
	struct tb b;

	(void)state;
	tb_init(&b, 2);
	tb_vendor(&b, 200, 0);
	tb_vendor(&b, 201, 0);
	put32(b.buf + 16, 0);
	expect_fail(&b, 0, "points into the table header", 16);
	/* The last offset word itself is still header. */
	put32(b.buf + 16, 20);
	expect_fail(&b, 0, "points into the table header", 16);
}

static void test_entry_offset_past_end(void **state)
{
	struct tb b;

	(void)state;
	tb_init(&b, 2);
	tb_trace(&b);
	tb_vendor(&b, 300, 0);
	put32(b.buf + 20, (uint32_t)b.len);
	expect_fail(&b, 0, "entry offset past the end", 20);
	put32(b.buf + 20, 0xFFFFFFFC);
	expect_fail(&b, 0, "entry offset past the end", 20);
}

static void test_entry_type_truncated(void **state)
{
	struct tb b;
	uint32_t off;

	(void)state;
	tb_init(&b, 1);
	off = tb_vendor(&b, 300, 0);
	for (size_t n = off + 1; n < off + 4; n++)
		expect_fail_n(&b, n, 0, "entry type runs past", off);
	expect_fail_n(&b, off, 0, "entry offset past the end", 16);
	assert_int_equal(b.len, off + 4);
	assert_ok(&b, 0);
}

static void test_unknown_types(void **state)
{
	static const uint32_t bad[] = { 4, 5, 127, 513, 0x10000, 0xFFFFFFFF };
	struct tb b;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint32_t off;

		tb_init(&b, 2);
		tb_trace(&b);
		off = tb_vendor(&b, bad[i], 32);
		expect_fail(&b, 0, "unknown resource type", off);
	}
}

/* Vendor entries carry bodies we cannot size: only their type word must
 * be inside, and they are skipped. */
static void test_vendor_entries(void **state)
{
	struct tb b;

	(void)state;
	tb_init(&b, 4);
	tb_vendor(&b, AMP_RSC_VENDOR_START, 12);
	tb_trace(&b);
	tb_vendor(&b, 300, 0);
	tb_vendor(&b, AMP_RSC_VENDOR_END, 0);
	assert_ok(&b, 0);
	assert_int_equal(b.len, 16 + 16 + 16 + 48 + 4 + 4);
}

/* ---- fixed-size bodies -------------------------------------------------- */

static void body_past_end(uint32_t type, size_t body, const char *sub)
{
	struct tb b;
	uint32_t off;

	tb_init(&b, 1);
	if (type == AMP_RSC_TRACE)
		off = tb_trace(&b);
	else
		off = tb_carveout(&b, type, 0x1000, 0x100);
	assert_int_equal(b.len, off + 4 + body);
	assert_ok(&b, 0);
	for (size_t n = off + 4; n < b.len; n++)
		expect_fail_n(&b, n, 0, sub, off);
}

static void test_bodies_past_end(void **state)
{
	(void)state;
	body_past_end(AMP_RSC_CARVEOUT, 52, "carveout runs past the table");
	body_past_end(AMP_RSC_DEVMEM, 52, "devmem runs past the table");
	body_past_end(AMP_RSC_TRACE, 44, "trace runs past the table");
}

/* ---- vdev --------------------------------------------------------------- */

static void test_vdev_truncated(void **state)
{
	struct tb b;
	uint32_t off;

	(void)state;
	tb_init(&b, 1);
	off = tb_vdev(&b, 2, 16, 16, 8);
	assert_ok(&b, 0);
	for (size_t n = off + 4; n < off + 28; n++)
		expect_fail_n(&b, n, 0, "vdev runs past the table", off);
	for (size_t n = off + 28; n < off + 28 + 40; n++)
		expect_fail_n(&b, n, 0, "vdev vrings run past the table",
			      off + 25);
	for (size_t n = off + 28 + 40; n < b.len; n++)
		expect_fail_n(&b, n, 0, "vdev config runs past the table",
			      off + 20);
}

static void test_vdev_lying_counts(void **state)
{
	struct tb b;
	uint32_t off;

	(void)state;
	tb_init(&b, 1);
	off = tb_vdev(&b, 2, 16, 16, 0);
	b.buf[off + 25] = 255;
	expect_fail(&b, 0, "vdev vrings run past the table", off + 25);
	b.buf[off + 25] = 2;
	/* config_len near 2^32 must not wrap the bounds check. */
	put32(b.buf + off + 20, 0xFFFFFFFF);
	expect_fail(&b, 0, "vdev config runs past the table", off + 20);
	put32(b.buf + off + 20, 0xFFFFFFC0);
	expect_fail(&b, 0, "vdev config runs past the table", off + 20);
	put32(b.buf + off + 20, 1);
	expect_fail(&b, 0, "vdev config runs past the table", off + 20);
	put32(b.buf + off + 20, 0);
	assert_ok(&b, 0);
}

/* vring k of the vdev at `off`, field at `field`. */
static uint32_t vr_at(uint32_t off, uint32_t k, size_t field)
{
	return off + 28 + 20 * k + (uint32_t)field;
}

static void test_vring_num(void **state)
{
	struct tb b;
	uint32_t off, num_at;

	(void)state;
	tb_init(&b, 1);
	off = tb_vdev(&b, 2, 16, 16, 0);
	num_at = vr_at(off, 1, offsetof(struct amp_fw_rsc_vdev_vring, num));

	put32(b.buf + num_at, 0);
	expect_fail(&b, 0, "vdev vring num is 0", num_at);
	put32(b.buf + num_at, 12);
	expect_fail(&b, 0, "vdev vring num is not a power of two", num_at);
	put32(b.buf + num_at, 0xFFFFFFFF);
	expect_fail(&b, 0, "vdev vring num is not a power of two", num_at);
	put32(b.buf + num_at, 32);
	expect_fail(&b, 16, "exceeds the allowed maximum", num_at);
	/* The limit need not be a power of two; it is inclusive. */
	expect_fail(&b, 31, "exceeds the allowed maximum", num_at);
	assert_ok(&b, 32);
	assert_ok(&b, 33);
	assert_ok(&b, 0);
	/* Beyond virtio's ring limit even with no caller limit. */
	put32(b.buf + num_at, 65536);
	expect_fail(&b, 0, "exceeds the virtio limit", num_at);
	put32(b.buf + num_at, 0x80000000);
	expect_fail(&b, 0, "exceeds the virtio limit", num_at);
	put32(b.buf + num_at, 32768);
	assert_ok(&b, 0);
	/* Vring 0 is checked first. */
	put32(b.buf + vr_at(off, 0, 8), 3);
	expect_fail(&b, 0, "not a power of two", vr_at(off, 0, 8));
}

static void test_vring_align(void **state)
{
	struct tb b;
	uint32_t off, align_at;

	(void)state;
	tb_init(&b, 1);
	off = tb_vdev(&b, 2, 16, 4096, 0);
	assert_ok(&b, 0);
	align_at = vr_at(off, 0, offsetof(struct amp_fw_rsc_vdev_vring, align));
	put32(b.buf + align_at, 0);
	expect_fail(&b, 0, "vdev vring align is not a power of two", align_at);
	put32(b.buf + align_at, 12);
	expect_fail(&b, 0, "vdev vring align is not a power of two", align_at);
	put32(b.buf + align_at, 1);
	assert_ok(&b, 0);
}

static void test_vdev_no_vrings(void **state)
{
	struct tb b;

	(void)state;
	tb_init(&b, 1);
	tb_vdev(&b, 0, 0, 0, 4);
	assert_ok(&b, 0);
}

/* ---- carveouts ---------------------------------------------------------- */

static void test_carveout_zero_length(void **state)
{
	struct tb b;
	uint32_t off;

	(void)state;
	tb_init(&b, 1);
	off = tb_carveout(&b, AMP_RSC_CARVEOUT, 0x1000, 0);
	expect_fail(&b, 0, "carveout has zero length", off + 12);
	/* Even when the host would place it. */
	tb_init(&b, 1);
	off = tb_carveout(&b, AMP_RSC_CARVEOUT, ANY, 0);
	expect_fail(&b, 0, "carveout has zero length", off + 12);
}

static void test_carveout_overlap(void **state)
{
	struct tb b;
	uint32_t off;

	(void)state;
	tb_init(&b, 3);
	tb_carveout(&b, AMP_RSC_CARVEOUT, 0x1000, 0x1000);
	tb_trace(&b);
	off = tb_carveout(&b, AMP_RSC_CARVEOUT, 0x1800, 0x100);
	expect_fail(&b, 0, "carveout overlaps an earlier carveout", off + 4);

	/* Starting below and reaching into the earlier one. */
	put32(b.buf + off + 4, 0x0F00);
	put32(b.buf + off + 12, 0x101);
	expect_fail(&b, 0, "overlaps", off + 4);
	/* Covering it entirely. */
	put32(b.buf + off + 4, 0x0800);
	put32(b.buf + off + 12, 0x10000);
	expect_fail(&b, 0, "overlaps", off + 4);
	/* Touching is not overlapping, on either side. */
	put32(b.buf + off + 4, 0x2000);
	put32(b.buf + off + 12, 0x100);
	assert_ok(&b, 0);
	put32(b.buf + off + 4, 0x0F00);
	assert_ok(&b, 0);
	/* The same entry listed twice overlaps itself. */
	put32(b.buf + 24, get32(b.buf + 16));
	expect_fail(&b, 0, "overlaps", get32(b.buf + 16) + 4);
}

static void test_carveout_any_and_devmem(void **state)
{
	struct tb b;

	(void)state;
	/* Host-placed carveouts have no address to collide on yet, and
	 * devmem is not RAM we hand out: neither takes part. */
	tb_init(&b, 4);
	tb_carveout(&b, AMP_RSC_CARVEOUT, ANY, 0x1000);
	tb_carveout(&b, AMP_RSC_CARVEOUT, ANY, 0x1000);
	tb_carveout(&b, AMP_RSC_DEVMEM, 0x1000, 0x1000);
	tb_carveout(&b, AMP_RSC_CARVEOUT, 0x1000, 0x1000);
	assert_ok(&b, 0);
}

static void test_carveout_address_space(void **state)
{
	struct tb b;
	uint32_t off;

	(void)state;
	tb_init(&b, 1);
	off = tb_carveout(&b, AMP_RSC_CARVEOUT, 0xFFFFF000, 0x1000);
	assert_ok(&b, 0);
	put32(b.buf + off + 12, 0x1001);
	expect_fail(&b, 0, "past the 32-bit address space", off + 4);
	/* Wrapping ranges must not be mistaken for small ones that miss. */
	tb_init(&b, 2);
	tb_carveout(&b, AMP_RSC_CARVEOUT, 0x0, 0x1000);
	off = tb_carveout(&b, AMP_RSC_CARVEOUT, 0xFFFFFFF0, 0xFFFFFFFF);
	expect_fail(&b, 0, "past the 32-bit address space", off + 4);
}

/* ---- good tables, find ----------------------------------------------------
 */

static void test_rich_table(void **state)
{
	struct tb b;
	uint32_t o[8];

	(void)state;
	tb_init(&b, 8);
	o[0] = tb_carveout(&b, AMP_RSC_CARVEOUT, 0x10000000, 0x20000);
	o[1] = tb_vendor(&b, 0x180, 8);
	o[2] = tb_vdev(&b, 2, 16, 16, 0);
	o[3] = tb_trace(&b);
	o[4] = tb_vdev(&b, 2, 256, 4096, 12);
	o[5] = tb_carveout(&b, AMP_RSC_DEVMEM, 0x40000000, 0x1000);
	o[6] = tb_carveout(&b, AMP_RSC_CARVEOUT, 0x10020000, 0x1000);
	o[7] = tb_vdev(&b, 1, 1, 16, 0);
	assert_ok(&b, 256);
	expect_fail(&b, 128, "exceeds the allowed maximum", vr_at(o[4], 0, 8));

	assert_ptr_equal(amp_rsc_find(b.buf, AMP_RSC_VDEV, 0), b.buf + o[2]);
	assert_ptr_equal(amp_rsc_find(b.buf, AMP_RSC_VDEV, 1), b.buf + o[4]);
	assert_ptr_equal(amp_rsc_find(b.buf, AMP_RSC_VDEV, 2), b.buf + o[7]);
	assert_null(amp_rsc_find(b.buf, AMP_RSC_VDEV, 3));
	assert_ptr_equal(amp_rsc_find(b.buf, AMP_RSC_CARVEOUT, 0),
			 b.buf + o[0]);
	assert_ptr_equal(amp_rsc_find(b.buf, AMP_RSC_CARVEOUT, 1),
			 b.buf + o[6]);
	assert_null(amp_rsc_find(b.buf, AMP_RSC_CARVEOUT, 2));
	assert_ptr_equal(amp_rsc_find(b.buf, AMP_RSC_DEVMEM, 0), b.buf + o[5]);
	assert_ptr_equal(amp_rsc_find(b.buf, AMP_RSC_TRACE, 0), b.buf + o[3]);
	assert_ptr_equal(amp_rsc_find(b.buf, 0x180, 0), b.buf + o[1]);
	assert_null(amp_rsc_find(b.buf, 0x181, 0));
	assert_null(amp_rsc_find(NULL, AMP_RSC_VDEV, 0));
	for (uint32_t i = 0; i < 8; i++)
		assert_ptr_equal(amp_rsc_entry(b.buf, i), b.buf + o[i]);
	assert_null(amp_rsc_entry(b.buf, 8));
}

/* Carveouts by name: a devmem of the name is not one, a prefix is not the
 * name, and a name filling all 32 bytes (no NUL) still matches. */
static void test_find_carveout(void **state)
{
	struct tb b;
	uint32_t o[4];

	(void)state;
	tb_init(&b, 4);
	o[0] = tb_carveout(&b, AMP_RSC_DEVMEM, 0x40000000, 0x1000);
	o[1] = tb_carveout(&b, AMP_RSC_CARVEOUT, 0x10000000, 0x1000);
	o[2] = tb_carveout(&b, AMP_RSC_CARVEOUT, 0x10001000, 0x1000);
	o[3] = tb_carveout(&b, AMP_RSC_CARVEOUT, 0x10002000, 0x1000);
	strcpy((char *)b.buf + o[2] + 24, "ampkit-sdb");
	memset(b.buf + o[3] + 24, 'x', AMP_RSC_NAME_SIZE);
	assert_ok(&b, 0);
	assert_ptr_equal(amp_rsc_find_carveout(b.buf, "mem"), b.buf + o[1]);
	assert_ptr_equal(amp_rsc_find_carveout(b.buf, "ampkit-sdb"),
			 b.buf + o[2]);
	assert_null(amp_rsc_find_carveout(b.buf, "ampkit"));
	assert_null(amp_rsc_find_carveout(b.buf, "ampkit-sdb2"));
	assert_null(amp_rsc_find_carveout(b.buf, "me"));
	assert_ptr_equal(amp_rsc_find_carveout(
				 b.buf, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
			 b.buf + o[3]);
	assert_null(amp_rsc_find_carveout(b.buf,
					  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
	assert_null(amp_rsc_find_carveout(b.buf,
					  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
	assert_null(amp_rsc_find_carveout(NULL, "mem"));
}

static void test_find_empty(void **state)
{
	struct tb b;

	(void)state;
	tb_init(&b, 0);
	assert_ok(&b, 0);
	assert_null(amp_rsc_find(b.buf, AMP_RSC_VDEV, 0));
}

/* The table need not be 4-byte aligned in memory (it may sit anywhere in
 * an ELF image): only its entry offsets must be. */
static void test_unaligned_table(void **state)
{
	struct amp_diag d;
	struct tb b;
	uint8_t *p;

	(void)state;
	tb_init(&b, 2);
	tb_vdev(&b, 2, 16, 16, 0);
	tb_carveout(&b, AMP_RSC_CARVEOUT, 0x1000, 0x100);
	p = malloc(b.len + 1);
	assert_non_null(p);
	memcpy(p + 1, b.buf, b.len);
	assert_int_equal(amp_rsc_table_check(p + 1, b.len, 0, &d), 0);
	assert_ptr_equal(amp_rsc_find(p + 1, AMP_RSC_CARVEOUT, 0),
			 p + 1 + get32(b.buf + 20));
	free(p);
}

/* ---- robustness ------------------------------------------------------------
 */

/* Every prefix of a good table is checked without reading past it, and
 * every strict prefix that cuts an entry is refused. */
static void test_every_truncation(void **state)
{
	struct amp_diag d;
	struct tb b;

	(void)state;
	tb_init(&b, 4);
	tb_vdev(&b, 2, 16, 16, 4);
	tb_trace(&b);
	tb_carveout(&b, AMP_RSC_CARVEOUT, 0x1000, 0x100);
	tb_vendor(&b, 400, 0);
	for (size_t n = 0; n < b.len; n++) {
		assert_int_equal(check_n(&b, n, 0, &d), -AMP_EINVAL);
		assert_non_null(d.msg);
		assert_true(d.offset < b.len);
	}
	assert_ok(&b, 0);
}

/* Random corruption: whatever the bytes say, the check terminates, names
 * an offset inside the table, and stays in bounds (sanitizer build). */
static void test_random_corruption(void **state)
{
	uint32_t seed = 12345;
	struct tb good, b;
	int refused = 0;

	(void)state;
	tb_init(&good, 5);
	tb_vdev(&good, 2, 16, 16, 8);
	tb_trace(&good);
	tb_carveout(&good, AMP_RSC_CARVEOUT, 0x1000, 0x100);
	tb_carveout(&good, AMP_RSC_CARVEOUT, 0x3000, 0x100);
	tb_vendor(&good, 400, 0);
	for (int iter = 0; iter < 20000; iter++) {
		struct amp_diag d;
		int flips;

		b = good;
		seed = seed * 1103515245u + 12345u;
		flips = 1 + (seed >> 16) % 4;
		for (int f = 0; f < flips; f++) {
			seed = seed * 1103515245u + 12345u;
			b.buf[(seed >> 8) % b.len] ^=
				(uint8_t)(1u << (seed % 8));
		}
		if (check(&b, 0, &d) != 0) {
			refused++;
			assert_true(d.offset < b.len);
		}
	}
	assert_true(refused > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_header),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_reserved),
		cmocka_unit_test(test_offset_array_past_end),
		cmocka_unit_test(test_entry_offset_alignment),
		cmocka_unit_test(test_entry_offset_in_header),
		cmocka_unit_test(test_entry_offset_past_end),
		cmocka_unit_test(test_entry_type_truncated),
		cmocka_unit_test(test_unknown_types),
		cmocka_unit_test(test_vendor_entries),
		cmocka_unit_test(test_bodies_past_end),
		cmocka_unit_test(test_vdev_truncated),
		cmocka_unit_test(test_vdev_lying_counts),
		cmocka_unit_test(test_vring_num),
		cmocka_unit_test(test_vring_align),
		cmocka_unit_test(test_vdev_no_vrings),
		cmocka_unit_test(test_carveout_zero_length),
		cmocka_unit_test(test_carveout_overlap),
		cmocka_unit_test(test_carveout_any_and_devmem),
		cmocka_unit_test(test_carveout_address_space),
		cmocka_unit_test(test_rich_table),
		cmocka_unit_test(test_find_carveout),
		cmocka_unit_test(test_find_empty),
		cmocka_unit_test(test_unaligned_table),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_random_corruption),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
