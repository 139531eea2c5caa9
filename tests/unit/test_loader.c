/*
 * test_loader.c - unit tests for segment loading in core/elf.c
 * (amp_elf_segment, amp_elf_load): placement at p_paddr through a fake
 * device memory of two windows, bss zero-fill, the entry point, check-only
 * mode, and every refusal with its message and offset, in Linux's order.
 *
 * Images and windows are malloc'd blocks of exactly their size, so the
 * sanitizer build catches any read past the file or write past a window;
 * a refused load must leave both windows as they were.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <ampkit/elf.h>

/* ---- fake device memory ------------------------------------------------- */

/* Two windows at unrelated addresses, like an M4's RETRAM and MCUSRAM. */
#define WIN_A_DA 0x1000ull
#define WIN_A_LEN 4096u
#define WIN_B_DA 0x10000000ull
#define WIN_B_LEN 8192u
#define FILL 0xa5

struct devmem {
	uint8_t *win[2];
	uint8_t *was[2]; /* snapshot, to prove nothing was written */
	int calls;
};

static const uint64_t win_da[2] = { WIN_A_DA, WIN_B_DA };
static const uint32_t win_len[2] = { WIN_A_LEN, WIN_B_LEN };

static void *fake_da_to_va(void *ctx, uint64_t da, uint64_t len)
{
	struct devmem *m = ctx;

	m->calls++;
	for (int i = 0; i < 2; i++) {
		/* Written without da + len, which may wrap: the loader must
		 * not depend on its backend getting that right. */
		if (da >= win_da[i] && da - win_da[i] <= win_len[i] &&
		    len <= win_len[i] - (da - win_da[i]))
			return m->win[i] + (da - win_da[i]);
	}
	return NULL;
}

static void devmem_init(struct devmem *m)
{
	for (int i = 0; i < 2; i++) {
		m->win[i] = malloc(win_len[i]);
		m->was[i] = malloc(win_len[i]);
		assert_non_null(m->win[i]);
		assert_non_null(m->was[i]);
		memset(m->win[i], FILL, win_len[i]);
		memcpy(m->was[i], m->win[i], win_len[i]);
	}
	m->calls = 0;
}

static void devmem_untouched(const struct devmem *m)
{
	for (int i = 0; i < 2; i++)
		assert_memory_equal(m->win[i], m->was[i], win_len[i]);
}

static void devmem_free(struct devmem *m)
{
	for (int i = 0; i < 2; i++) {
		free(m->win[i]);
		free(m->was[i]);
	}
}

static struct amp_elf_mem mem_of(struct devmem *m, int check_only)
{
	struct amp_elf_mem mem = { .da_to_va = fake_da_to_va,
				   .ctx = m,
				   .check_only = check_only };
	return mem;
}

/* ---- test images -------------------------------------------------------- */

/* Program headers, in table order: two loadable segments around a note,
 * and an empty PT_LOAD at an address nothing maps (Linux skips those). */
enum { P_A, P_NOTE, P_B, P_EMPTY, NPH };

#define SEG_A_DA (WIN_A_DA + 0x100)
#define SEG_A_FILESZ 32u
#define SEG_A_BSS 64u
#define SEG_B_DA (WIN_B_DA + 0x800)
#define SEG_B_FILESZ 24u
#define ENTRY (SEG_A_DA + 1) /* a Thumb entry, as on an M4 */

struct img {
	uint8_t *p;
	size_t size;
	int is64;
	size_t phoff, phsz, a_off, b_off;
};

/* Rewrite one field of program header i, whatever the class.  The value
 * goes through a variable: ELF32 fields take its low bits on purpose. */
#define PH_SET(im, i, f, v)                                                    \
	do {                                                                   \
		uint8_t *s_ = (im)->p + (im)->phoff + (i) * (im)->phsz;        \
		uint64_t v_ = (v);                                             \
		if ((im)->is64) {                                              \
			Elf64_Phdr h_;                                         \
			memcpy(&h_, s_, sizeof(h_));                           \
			h_.f = v_;                                             \
			memcpy(s_, &h_, sizeof(h_));                           \
		} else {                                                       \
			Elf32_Phdr h_;                                         \
			memcpy(&h_, s_, sizeof(h_));                           \
			h_.f = (Elf32_Word)v_;                                 \
			memcpy(s_, &h_, sizeof(h_));                           \
		}                                                              \
	} while (0)

#define PH_OFF(im, i, f)                                                       \
	((uint32_t)((im)->phoff + (size_t)(i) * (im)->phsz +                   \
		    ((im)->is64 ? offsetof(Elf64_Phdr, f)                      \
				: offsetof(Elf32_Phdr, f))))

static void put_phdr(struct img *im, unsigned i, uint32_t type, size_t off,
		     uint64_t da, uint64_t filesz, uint64_t memsz,
		     uint32_t flags)
{
	uint8_t *s = im->p + im->phoff + i * im->phsz;

	if (im->is64) {
		/* p_vaddr differs from p_paddr: the loader must use paddr. */
		Elf64_Phdr h = { .p_type = type,
				 .p_flags = flags,
				 .p_offset = off,
				 .p_vaddr = da + 0x80000000u,
				 .p_paddr = da,
				 .p_filesz = filesz,
				 .p_memsz = memsz,
				 .p_align = 4 };
		memcpy(s, &h, sizeof(h));
	} else {
		Elf32_Phdr h = { .p_type = type,
				 .p_offset = (Elf32_Off)off,
				 .p_vaddr = (Elf32_Addr)(da + 0x80000000u),
				 .p_paddr = (Elf32_Addr)da,
				 .p_filesz = (Elf32_Word)filesz,
				 .p_memsz = (Elf32_Word)memsz,
				 .p_flags = flags,
				 .p_align = 4 };
		memcpy(s, &h, sizeof(h));
	}
}

/* Segment contents: distinct bytes, so a misplaced copy shows. */
static uint8_t seg_byte(int seg, size_t i)
{
	return (uint8_t)(seg * 0x40 + i + 1);
}

/*
 * Header, program headers, segment A's bytes, segment B's bytes, and
 * nothing after them (no section headers): segment B ends exactly at the
 * end of the file, so cutting one byte off makes it "truncated fw".
 */
static struct img build(int is64)
{
	size_t ehsz = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	struct img im = { .is64 = is64 };

	im.phsz = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	im.phoff = ehsz;
	im.a_off = im.phoff + NPH * im.phsz;
	im.b_off = im.a_off + SEG_A_FILESZ;
	im.size = im.b_off + SEG_B_FILESZ;
	im.p = calloc(1, im.size);
	assert_non_null(im.p);

	if (is64) {
		Elf64_Ehdr e = { .e_type = ET_EXEC,
				 .e_machine = EM_X86_64,
				 .e_version = EV_CURRENT,
				 .e_entry = ENTRY,
				 .e_phoff = im.phoff,
				 .e_ehsize = (Elf64_Half)ehsz,
				 .e_phentsize = (Elf64_Half)im.phsz,
				 .e_phnum = NPH };
		memcpy(e.e_ident, ELFMAG, SELFMAG);
		e.e_ident[EI_CLASS] = ELFCLASS64;
		e.e_ident[EI_DATA] = ELFDATA2LSB;
		e.e_ident[EI_VERSION] = EV_CURRENT;
		memcpy(im.p, &e, sizeof(e));
	} else {
		Elf32_Ehdr e = { .e_type = ET_EXEC,
				 .e_machine = EM_ARM,
				 .e_version = EV_CURRENT,
				 .e_entry = (Elf32_Addr)ENTRY,
				 .e_phoff = (Elf32_Off)im.phoff,
				 .e_ehsize = (Elf32_Half)ehsz,
				 .e_phentsize = (Elf32_Half)im.phsz,
				 .e_phnum = NPH };
		memcpy(e.e_ident, ELFMAG, SELFMAG);
		e.e_ident[EI_CLASS] = ELFCLASS32;
		e.e_ident[EI_DATA] = ELFDATA2LSB;
		e.e_ident[EI_VERSION] = EV_CURRENT;
		memcpy(im.p, &e, sizeof(e));
	}
	put_phdr(&im, P_A, PT_LOAD, im.a_off, SEG_A_DA, SEG_A_FILESZ,
		 SEG_A_FILESZ + SEG_A_BSS, PF_R | PF_X);
	put_phdr(&im, P_NOTE, PT_NOTE, 0, 0, 4, 4, PF_R);
	put_phdr(&im, P_B, PT_LOAD, im.b_off, SEG_B_DA, SEG_B_FILESZ,
		 SEG_B_FILESZ, PF_R | PF_W);
	put_phdr(&im, P_EMPTY, PT_LOAD, 0, 0xdeadbeef, 0, 0, PF_R);
	for (size_t i = 0; i < SEG_A_FILESZ; i++)
		im.p[im.a_off + i] = seg_byte(0, i);
	for (size_t i = 0; i < SEG_B_FILESZ; i++)
		im.p[im.b_off + i] = seg_byte(1, i);
	return im;
}

/* Keep only the first n bytes, in a block of exactly n bytes. */
static void truncate_to(struct img *im, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	assert_non_null(p);
	assert_true(n <= im->size);
	memcpy(p, im->p, n);
	free(im->p);
	im->p = p;
	im->size = n;
}

static void release(struct img *im)
{
	free(im->p);
	im->p = NULL;
}

/* A refused load: the error, its message and offset, entry untouched,
 * and no byte of device memory written, in both modes. */
static void expect_load_fail(const struct img *im, const char *sub, uint32_t at)
{
	for (int check_only = 0; check_only < 2; check_only++) {
		struct devmem m;
		struct amp_elf_mem mem;
		struct amp_diag d = { 0 };
		uint64_t entry = 0x5a5a;

		devmem_init(&m);
		mem = mem_of(&m, check_only);
		assert_int_equal(
			amp_elf_load(im->p, im->size, &mem, &entry, &d),
			-AMP_EINVAL);
		assert_non_null(d.msg);
		if (!strstr(d.msg, sub))
			print_error("message \"%s\" lacks \"%s\"\n", d.msg,
				    sub);
		assert_non_null(strstr(d.msg, sub));
		assert_int_equal(d.offset, at);
		assert_int_equal(entry, 0x5a5a);
		devmem_untouched(&m);
		devmem_free(&m);
	}
}

/* ---- placement ---------------------------------------------------------- */

static void test_load_places_segments(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);
		struct devmem m;
		struct amp_elf_mem mem;
		struct amp_diag d = { 0 };
		uint64_t entry = 0;
		uint8_t *a, *b;

		devmem_init(&m);
		mem = mem_of(&m, 0);
		assert_int_equal(amp_elf_load(im.p, im.size, &mem, &entry, &d),
				 0);
		assert_int_equal(entry, ENTRY);

		/* What we expect: the snapshot with both segments applied,
		 * bss zeroed, every other byte as it was. */
		a = m.was[0] + (SEG_A_DA - WIN_A_DA);
		for (size_t i = 0; i < SEG_A_FILESZ; i++)
			a[i] = seg_byte(0, i);
		memset(a + SEG_A_FILESZ, 0, SEG_A_BSS);
		b = m.was[1] + (SEG_B_DA - WIN_B_DA);
		for (size_t i = 0; i < SEG_B_FILESZ; i++)
			b[i] = seg_byte(1, i);
		devmem_untouched(&m);

		/* The entry pointer is optional. */
		assert_int_equal(amp_elf_load(im.p, im.size, &mem, NULL, NULL),
				 0);
		devmem_free(&m);
		release(&im);
	}
}

static void test_check_only_writes_nothing(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);
		struct devmem m;
		struct amp_elf_mem mem;
		uint64_t entry = 0;

		devmem_init(&m);
		mem = mem_of(&m, 1);
		assert_int_equal(
			amp_elf_load(im.p, im.size, &mem, &entry, NULL), 0);
		assert_int_equal(entry, ENTRY);
		/* Both non-empty segments were asked about, once each. */
		assert_int_equal(m.calls, 2);
		devmem_untouched(&m);
		devmem_free(&m);
		release(&im);
	}
}

/* A segment that fills its window exactly, and one with no file bytes
 * (all bss), both load. */
static void test_edges_of_windows(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);
		struct devmem m;
		struct amp_elf_mem mem;

		PH_SET(&im, P_A, p_paddr, WIN_A_DA);
		PH_SET(&im, P_A, p_memsz, WIN_A_LEN);
		PH_SET(&im, P_B, p_paddr, WIN_B_DA + WIN_B_LEN - 1);
		PH_SET(&im, P_B, p_filesz, 0);
		PH_SET(&im, P_B, p_memsz, 1);
		devmem_init(&m);
		mem = mem_of(&m, 0);
		assert_int_equal(amp_elf_load(im.p, im.size, &mem, NULL, NULL),
				 0);
		assert_int_equal(m.win[0][0], seg_byte(0, 0));
		assert_int_equal(m.win[0][SEG_A_FILESZ], 0);
		assert_int_equal(m.win[0][WIN_A_LEN - 1], 0);
		assert_int_equal(m.win[1][WIN_B_LEN - 1], 0);
		assert_int_equal(m.win[1][WIN_B_LEN - 2], FILL);
		devmem_free(&m);
		release(&im);
	}
}

static void test_segments_listed(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);
		struct amp_elf_seg s;

		assert_int_equal(amp_elf_segment(im.p, im.size, 0, &s), 0);
		assert_int_equal(s.da, SEG_A_DA);
		assert_int_equal(s.offset, im.a_off);
		assert_int_equal(s.filesz, SEG_A_FILESZ);
		assert_int_equal(s.memsz, SEG_A_FILESZ + SEG_A_BSS);
		assert_int_equal(s.flags, PF_R | PF_X);
		/* The note is not loadable and is skipped. */
		assert_int_equal(amp_elf_segment(im.p, im.size, 1, &s), 0);
		assert_int_equal(s.da, SEG_B_DA);
		assert_int_equal(s.offset, im.b_off);
		assert_int_equal(s.filesz, SEG_B_FILESZ);
		assert_int_equal(s.memsz, SEG_B_FILESZ);
		assert_int_equal(s.flags, PF_R | PF_W);
		/* An empty PT_LOAD is still listed; loading skips it. */
		assert_int_equal(amp_elf_segment(im.p, im.size, 2, &s), 0);
		assert_int_equal(s.da, 0xdeadbeef);
		assert_int_equal(s.memsz, 0);
		assert_int_equal(amp_elf_segment(im.p, im.size, 3, &s),
				 -AMP_ENOENT);
		assert_int_equal(amp_elf_segment(im.p, im.size, UINT32_MAX, &s),
				 -AMP_ENOENT);
		assert_int_equal(amp_elf_segment(im.p, im.size, 0, NULL),
				 -AMP_EINVAL);
		/* An image that fails the checks has no segments. */
		im.p[0] = 0;
		assert_int_equal(amp_elf_segment(im.p, im.size, 0, &s),
				 -AMP_EINVAL);
		assert_int_equal(amp_elf_segment(NULL, 0, 0, &s), -AMP_EINVAL);
		release(&im);
	}
}

/* ELF64 addresses above 4 GiB reach the caller whole. */
static void test_segment_64bit_fields(void **state)
{
	struct img im = build(1);
	struct amp_elf_seg s;

	(void)state;
	PH_SET(&im, P_B, p_paddr, 0x123456789abcull);
	PH_SET(&im, P_B, p_memsz, 0x100000000ull);
	assert_int_equal(amp_elf_segment(im.p, im.size, 1, &s), 0);
	assert_true(s.da == 0x123456789abcull);
	assert_true(s.memsz == 0x100000000ull);
	release(&im);
}

/* ---- refusals ----------------------------------------------------------- */

static void test_filesz_over_memsz(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);
		uint32_t at = PH_OFF(&im, P_B, p_filesz);

		PH_SET(&im, P_B, p_memsz, SEG_B_FILESZ - 1);
		expect_load_fail(&im, "filesz > memsz", at);
		/* Checked before the file size: data past the end too. */
		PH_SET(&im, P_B, p_offset, im.size);
		expect_load_fail(&im, "filesz > memsz", at);
		/* And before the address. */
		PH_SET(&im, P_B, p_paddr, 0);
		expect_load_fail(&im, "filesz > memsz", at);
		release(&im);
	}
}

static void test_truncated_fw(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);
		uint32_t at = PH_OFF(&im, P_B, p_offset);

		PH_SET(&im, P_B, p_offset, im.b_off + 1);
		expect_load_fail(&im, "truncated fw", at);
		PH_SET(&im, P_B, p_offset, im.size + 1);
		PH_SET(&im, P_B, p_filesz, 0);
		expect_load_fail(&im, "truncated fw", at);
		/* offset + filesz wraps. */
		PH_SET(&im, P_B, p_offset, is64 ? UINT64_MAX - 7 : 0xFFFFFFF8);
		PH_SET(&im, P_B, p_filesz, 16);
		PH_SET(&im, P_B, p_memsz, 16);
		expect_load_fail(&im, "truncated fw", at);
		PH_SET(&im, P_B, p_offset, 8);
		PH_SET(&im, P_B, p_filesz, is64 ? UINT64_MAX - 4 : 0xFFFFFFFC);
		PH_SET(&im, P_B, p_memsz, is64 ? UINT64_MAX - 4 : 0xFFFFFFFC);
		expect_load_fail(&im, "truncated fw", at);
		/* Checked before the address. */
		PH_SET(&im, P_B, p_paddr, 0);
		expect_load_fail(&im, "truncated fw", at);
		release(&im);
	}
}

/* Segment B's bytes end the file: one byte less and it is cut short. */
static void test_truncated_by_one(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);

		truncate_to(&im, im.size - 1);
		expect_load_fail(&im, "truncated fw",
				 PH_OFF(&im, P_B, p_offset));
		release(&im);
	}
}

static void test_bad_da(void **state)
{
	struct {
		uint64_t da, memsz;
	} const bad[] = {
		{ 0, 0x20 },			       /* below both windows */
		{ WIN_A_DA - 1, 0x20 },		       /* starts just before */
		{ WIN_A_DA + WIN_A_LEN - 0x10, 0x20 }, /* runs off the end */
		{ WIN_A_DA + WIN_A_LEN, 0x20 },	       /* just after */
		{ WIN_A_DA, WIN_B_DA + WIN_B_LEN }, /* spans both and the gap */
		{ WIN_B_DA + WIN_B_LEN - 0x18, 0x20 },
		{ 0xFFFFFFF0, 0x20 }, /* past 4 GiB, or wraps in ELF32 */
	};

	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct img im = build(is64);

			/* Segment A is fine, but it must not be written
			 * either when B is refused. */
			PH_SET(&im, P_B, p_paddr, bad[i].da);
			PH_SET(&im, P_B, p_memsz, bad[i].memsz);
			expect_load_fail(&im, "bad phdr da",
					 PH_OFF(&im, P_B, p_paddr));
			release(&im);
		}
	}
	/* 64-bit ranges whose end wraps to a small address. */
	{
		struct img im = build(1);

		PH_SET(&im, P_B, p_paddr, UINT64_MAX - 0xf);
		PH_SET(&im, P_B, p_memsz, WIN_A_DA + 0x20);
		expect_load_fail(&im, "bad phdr da", PH_OFF(&im, P_B, p_paddr));
		PH_SET(&im, P_B, p_paddr, WIN_A_DA);
		PH_SET(&im, P_B, p_memsz, UINT64_MAX);
		expect_load_fail(&im, "bad phdr da", PH_OFF(&im, P_B, p_paddr));
		release(&im);
	}
}

/* The first bad segment in table order is the one reported. */
static void test_first_bad_segment_reported(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);

		PH_SET(&im, P_B, p_paddr, 0);
		PH_SET(&im, P_A, p_offset, im.size);
		expect_load_fail(&im, "truncated fw",
				 PH_OFF(&im, P_A, p_offset));
		release(&im);
	}
}

/* Only PT_LOAD segments with something to place are looked at. */
static void test_skipped_segments(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);
		struct devmem m;
		struct amp_elf_mem mem;

		/* A broken note, and an empty PT_LOAD with broken sizes:
		 * Linux places neither, so neither is refused. */
		PH_SET(&im, P_NOTE, p_offset, 0xFFFFFFFF);
		PH_SET(&im, P_NOTE, p_paddr, 0xFFFFFFFF);
		PH_SET(&im, P_EMPTY, p_filesz, 0x1000);
		PH_SET(&im, P_EMPTY, p_offset, 0xFFFFFFFF);
		devmem_init(&m);
		mem = mem_of(&m, 0);
		assert_int_equal(amp_elf_load(im.p, im.size, &mem, NULL, NULL),
				 0);
		assert_int_equal(m.calls, 4); /* A and B, in two passes */
		devmem_free(&m);
		release(&im);
	}
}

static void test_header_refusals(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);
		uint32_t phnum_at = is64 ? offsetof(Elf64_Ehdr, e_phnum)
					 : offsetof(Elf32_Ehdr, e_phnum);

		/* amp_elf_check's refusals come first, unchanged. */
		im.p[1] = 'e';
		expect_load_fail(&im, "bad ELF magic", 0);
		im.p[1] = 'E';
		im.p[phnum_at] = 0;
		expect_load_fail(&im, "no loadable segments", phnum_at);
		release(&im);
	}
}

static void test_no_device_memory(void **state)
{
	struct img im = build(0);
	struct amp_elf_mem mem = { 0 };
	struct amp_diag d = { 0 };
	uint64_t entry = 7;

	(void)state;
	assert_int_equal(amp_elf_load(im.p, im.size, NULL, &entry, &d),
			 -AMP_EINVAL);
	assert_non_null(strstr(d.msg, "no device memory"));
	d.msg = NULL;
	assert_int_equal(amp_elf_load(im.p, im.size, &mem, &entry, &d),
			 -AMP_EINVAL);
	assert_non_null(strstr(d.msg, "no device memory"));
	assert_int_equal(entry, 7);
	assert_int_equal(amp_elf_load(NULL, 64, &mem, NULL, &d), -AMP_EINVAL);
	assert_non_null(strstr(d.msg, "null image"));
	release(&im);
}

/* ---- robustness --------------------------------------------------------- */

/* Every prefix of a good image is refused and writes nothing. */
static void test_every_truncation(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img good = build(is64);

		for (size_t n = 0; n < good.size; n++) {
			struct img im = build(is64);
			struct devmem m;
			struct amp_elf_mem mem;

			truncate_to(&im, n);
			devmem_init(&m);
			mem = mem_of(&m, 0);
			assert_int_equal(
				amp_elf_load(im.p, im.size, &mem, NULL, NULL),
				-AMP_EINVAL);
			devmem_untouched(&m);
			devmem_free(&m);
			release(&im);
		}
		release(&good);
	}
}

/* Random corruption of the headers: loads end, report a message when they
 * refuse, and stay inside the image and the windows (sanitizer build). */
static void test_random_corruption(void **state)
{
	uint32_t seed = 777;
	int loaded = 0, refused = 0;
	struct devmem m;

	(void)state;
	devmem_init(&m);
	for (int iter = 0; iter < 20000; iter++) {
		struct img im = build(iter & 1);
		struct amp_elf_mem mem = mem_of(&m, (iter >> 1) & 1);
		struct amp_diag d = { 0 };
		size_t hdrs = im.a_off;
		int flips;

		seed = seed * 1103515245u + 12345u;
		flips = 1 + (seed >> 16) % 3;
		for (int f = 0; f < flips; f++) {
			seed = seed * 1103515245u + 12345u;
			im.p[(seed >> 8) % hdrs] ^= (uint8_t)(1u << (seed % 8));
		}
		if (amp_elf_load(im.p, im.size, &mem, NULL, &d) == 0) {
			loaded++;
		} else {
			refused++;
			assert_non_null(d.msg);
		}
		release(&im);
	}
	assert_true(loaded > 0 && refused > 0);
	devmem_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_places_segments),
		cmocka_unit_test(test_check_only_writes_nothing),
		cmocka_unit_test(test_edges_of_windows),
		cmocka_unit_test(test_segments_listed),
		cmocka_unit_test(test_segment_64bit_fields),
		cmocka_unit_test(test_filesz_over_memsz),
		cmocka_unit_test(test_truncated_fw),
		cmocka_unit_test(test_truncated_by_one),
		cmocka_unit_test(test_bad_da),
		cmocka_unit_test(test_first_bad_segment_reported),
		cmocka_unit_test(test_skipped_segments),
		cmocka_unit_test(test_header_refusals),
		cmocka_unit_test(test_no_device_memory),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_random_corruption),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
