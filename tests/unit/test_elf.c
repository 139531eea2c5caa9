/*
 * test_elf.c - unit tests for core/elf.c: the remoteproc sanity checks in
 * the kernel's order (each failure with its own message and offset), and
 * section lookup on well-formed and malformed section tables.
 *
 * Images are built in memory with the C library's <elf.h> layouts, which
 * also cross-checks the core's own private ELF structs.  Every image is a
 * malloc'd block of exactly its size, so the sanitizer build catches any
 * read past the end of the file.
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

/* Sections of the test image, in section header order. */
enum { S_NULL, S_TEXT, S_RSC, S_BSS, S_STRTAB, NSEC };

/* .shstrtab: names at 1 (.text), 7 (.resource_table), 23 (.bss) and
 * 28 (.shstrtab); the literal's own NUL ends the last one. */
static const char strtab[] = "\0.text\0.resource_table\0.bss\0.shstrtab";
static const uint32_t name_at[NSEC] = { 0, 1, 7, 23, 28 };

static const uint8_t text[16] = { 0xfe, 0xe7, 1, 2,  3,	 4,  5,	 6,
				  7,	8,    9, 10, 11, 12, 13, 14 };
static const uint8_t rsc[24] = { 1, 0, 0, 0, 2, 0, 0,	 0,    0,    0,
				 0, 0, 0, 0, 0, 0, 0xaa, 0xbb, 0xcc, 0xdd };

struct img {
	uint8_t *p;
	size_t size;
	int is64;
	size_t shoff, shsz, text_off, rsc_off, str_off;
};

#define EH_OFF(im, f)                                                          \
	((im)->is64 ? offsetof(Elf64_Ehdr, f) : offsetof(Elf32_Ehdr, f))
#define SH_OFF(im, i, f)                                                       \
	((im)->shoff + (size_t)(i) * (im)->shsz +                              \
	 ((im)->is64 ? offsetof(Elf64_Shdr, f) : offsetof(Elf32_Shdr, f)))

/* Rewrite one ELF header field, whatever the class.  The value goes
 * through a variable: ELF32 fields take its low bits on purpose. */
#define EH_SET(im, f, v)                                                       \
	do {                                                                   \
		uint64_t v_ = (v);                                             \
		if ((im)->is64) {                                              \
			Elf64_Ehdr e_;                                         \
			memcpy(&e_, (im)->p, sizeof(e_));                      \
			e_.f = v_;                                             \
			memcpy((im)->p, &e_, sizeof(e_));                      \
		} else {                                                       \
			Elf32_Ehdr e_;                                         \
			memcpy(&e_, (im)->p, sizeof(e_));                      \
			e_.f = v_;                                             \
			memcpy((im)->p, &e_, sizeof(e_));                      \
		}                                                              \
	} while (0)

/* Rewrite one field of section header i. */
#define SH_SET(im, i, f, v)                                                    \
	do {                                                                   \
		uint8_t *s_ = (im)->p + (im)->shoff + (i) * (im)->shsz;        \
		uint64_t v_ = (v);                                             \
		if ((im)->is64) {                                              \
			Elf64_Shdr h_;                                         \
			memcpy(&h_, s_, sizeof(h_));                           \
			h_.f = v_;                                             \
			memcpy(s_, &h_, sizeof(h_));                           \
		} else {                                                       \
			Elf32_Shdr h_;                                         \
			memcpy(&h_, s_, sizeof(h_));                           \
			h_.f = v_;                                             \
			memcpy(s_, &h_, sizeof(h_));                           \
		}                                                              \
	} while (0)

static void set_shdr(struct img *im, unsigned i, uint32_t type, size_t off,
		     size_t size)
{
	uint8_t *s = im->p + im->shoff + i * im->shsz;

	if (im->is64) {
		Elf64_Shdr h = { .sh_name = name_at[i],
				 .sh_type = type,
				 .sh_offset = off,
				 .sh_size = size,
				 .sh_addralign = 1 };
		memcpy(s, &h, sizeof(h));
	} else {
		Elf32_Shdr h = { .sh_name = name_at[i],
				 .sh_type = type,
				 .sh_offset = (Elf32_Off)off,
				 .sh_size = (Elf32_Word)size,
				 .sh_addralign = 1 };
		memcpy(s, &h, sizeof(h));
	}
}

/*
 * A firmware-shaped image: header, one PT_LOAD program header, .text,
 * .resource_table, .shstrtab, then the section headers last (as ld puts
 * them), so that cutting any byte off the end breaks the image.
 */
static struct img build(int is64)
{
	size_t ehsz = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	size_t phsz = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	struct img im = { .is64 = is64 };
	size_t pos;

	im.shsz = is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	im.text_off = ehsz + phsz;
	im.rsc_off = im.text_off + sizeof(text);
	im.str_off = im.rsc_off + sizeof(rsc);
	pos = im.str_off + sizeof(strtab);
	im.shoff = (pos + 7) & ~(size_t)7;
	im.size = im.shoff + NSEC * im.shsz;
	im.p = calloc(1, im.size);
	assert_non_null(im.p);

	if (is64) {
		Elf64_Ehdr e = { .e_type = ET_EXEC,
				 .e_machine = EM_X86_64,
				 .e_version = EV_CURRENT,
				 .e_entry = 0x1001,
				 .e_phoff = ehsz,
				 .e_shoff = im.shoff,
				 .e_ehsize = (Elf64_Half)ehsz,
				 .e_phentsize = (Elf64_Half)phsz,
				 .e_phnum = 1,
				 .e_shentsize = (Elf64_Half)im.shsz,
				 .e_shnum = NSEC,
				 .e_shstrndx = S_STRTAB };
		Elf64_Phdr ph = { .p_type = PT_LOAD,
				  .p_offset = im.text_off,
				  .p_paddr = 0x1000,
				  .p_filesz = sizeof(text),
				  .p_memsz = sizeof(text) + 0x1000 };
		memcpy(e.e_ident, ELFMAG, SELFMAG);
		e.e_ident[EI_CLASS] = ELFCLASS64;
		e.e_ident[EI_DATA] = ELFDATA2LSB;
		e.e_ident[EI_VERSION] = EV_CURRENT;
		memcpy(im.p, &e, sizeof(e));
		memcpy(im.p + ehsz, &ph, sizeof(ph));
	} else {
		Elf32_Ehdr e = { .e_type = ET_EXEC,
				 .e_machine = EM_ARM,
				 .e_version = EV_CURRENT,
				 .e_entry = 0x1001,
				 .e_phoff = (Elf32_Off)ehsz,
				 .e_shoff = (Elf32_Off)im.shoff,
				 .e_ehsize = (Elf32_Half)ehsz,
				 .e_phentsize = (Elf32_Half)phsz,
				 .e_phnum = 1,
				 .e_shentsize = (Elf32_Half)im.shsz,
				 .e_shnum = NSEC,
				 .e_shstrndx = S_STRTAB };
		Elf32_Phdr ph = { .p_type = PT_LOAD,
				  .p_offset = (Elf32_Off)im.text_off,
				  .p_paddr = 0x1000,
				  .p_filesz = sizeof(text),
				  .p_memsz = sizeof(text) + 0x1000 };
		memcpy(e.e_ident, ELFMAG, SELFMAG);
		e.e_ident[EI_CLASS] = ELFCLASS32;
		e.e_ident[EI_DATA] = ELFDATA2LSB;
		e.e_ident[EI_VERSION] = EV_CURRENT;
		memcpy(im.p, &e, sizeof(e));
		memcpy(im.p + ehsz, &ph, sizeof(ph));
	}
	memcpy(im.p + im.text_off, text, sizeof(text));
	memcpy(im.p + im.rsc_off, rsc, sizeof(rsc));
	memcpy(im.p + im.str_off, strtab, sizeof(strtab));

	set_shdr(&im, S_NULL, SHT_NULL, 0, 0);
	set_shdr(&im, S_TEXT, SHT_PROGBITS, im.text_off, sizeof(text));
	set_shdr(&im, S_RSC, SHT_PROGBITS, im.rsc_off, sizeof(rsc));
	set_shdr(&im, S_BSS, SHT_NOBITS, im.shoff, 0x1000);
	set_shdr(&im, S_STRTAB, SHT_STRTAB, im.str_off, sizeof(strtab));
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

static void expect_msg(const struct amp_diag *d, const char *sub, uint32_t at)
{
	assert_non_null(d->msg);
	if (!strstr(d->msg, sub))
		print_error("message \"%s\" lacks \"%s\"\n", d->msg, sub);
	assert_non_null(strstr(d->msg, sub));
	assert_int_equal(d->offset, at);
}

static void expect_check_fail(const struct img *im, const char *sub,
			      uint32_t at)
{
	struct amp_diag d = { 0 };

	assert_int_equal(amp_elf_check(im->p, im->size, &d), -AMP_EINVAL);
	expect_msg(&d, sub, at);
}

static void expect_find_fail(const struct img *im, const char *name, int err,
			     const char *sub, uint32_t at)
{
	struct amp_diag d = { 0 };
	size_t off = 0xdead, len = 0xbeef;

	assert_int_equal(
		amp_elf_find_section(im->p, im->size, name, &off, &len, &d),
		err);
	expect_msg(&d, sub, at);
	/* Outputs are untouched on failure. */
	assert_int_equal(off, 0xdead);
	assert_int_equal(len, 0xbeef);
}

/* ---- amp_elf_check ----------------------------------------------------- */

static void test_good_images(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);
		struct amp_diag d = { 0 };
		size_t off, len;

		assert_int_equal(amp_elf_check(im.p, im.size, &d), 0);
		assert_int_equal(amp_elf_find_section(im.p, im.size,
						      AMP_RSC_SECTION, &off,
						      &len, &d),
				 0);
		assert_int_equal(off, im.rsc_off);
		assert_int_equal(len, sizeof(rsc));
		assert_memory_equal(im.p + off, rsc, len);
		assert_int_equal(amp_elf_find_section(im.p, im.size, ".text",
						      &off, &len, &d),
				 0);
		assert_int_equal(off, im.text_off);
		assert_int_equal(len, sizeof(text));
		assert_int_equal(amp_elf_find_section(im.p, im.size,
						      ".shstrtab", &off, &len,
						      &d),
				 0);
		assert_int_equal(off, im.str_off);
		/* The outputs are optional. */
		assert_int_equal(amp_elf_find_section(im.p, im.size,
						      AMP_RSC_SECTION, NULL,
						      NULL, &d),
				 0);
		release(&im);
	}
}

static void test_null_image(void **state)
{
	struct amp_diag d = { 0 };
	size_t off, len;

	(void)state;
	assert_int_equal(amp_elf_check(NULL, 4096, &d), -AMP_EINVAL);
	expect_msg(&d, "null image", 0);
	d.msg = NULL;
	assert_int_equal(
		amp_elf_find_section(NULL, 4096, ".text", &off, &len, &d),
		-AMP_EINVAL);
	expect_msg(&d, "null image", 0);
	assert_int_equal(amp_elf_check(NULL, 0, NULL), -AMP_EINVAL);
}

static void test_too_small(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		for (size_t n = 0; n < sizeof(Elf32_Ehdr); n++) {
			struct img im = build(is64);

			truncate_to(&im, n);
			expect_check_fail(
				&im, "image too small for an ELF header", 0);
			release(&im);
		}
	}
}

static void test_bad_magic(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		for (int i = 0; i < SELFMAG; i++) {
			struct img im = build(is64);

			im.p[i] ^= 0x20;
			/* Also a bad class: the magic is reported first. */
			im.p[EI_CLASS] = 9;
			expect_check_fail(&im, "bad ELF magic", 0);
			release(&im);
		}
	}
}

static void test_bad_class(void **state)
{
	static const uint8_t classes[] = { ELFCLASSNONE, 3, 0xff };

	(void)state;
	for (size_t i = 0; i < sizeof(classes); i++) {
		struct img im = build(0);

		im.p[EI_CLASS] = classes[i];
		/* Big-endian too: the class is reported first. */
		im.p[EI_DATA] = ELFDATA2MSB;
		expect_check_fail(&im, "unsupported ELF class", EI_CLASS);
		release(&im);
	}
}

static void test_elf64_too_small(void **state)
{
	(void)state;
	for (size_t n = sizeof(Elf32_Ehdr); n < sizeof(Elf64_Ehdr); n++) {
		struct img im = build(1);

		truncate_to(&im, n);
		im.p[EI_DATA] = ELFDATA2MSB;
		expect_check_fail(&im, "ELF64 image too small", 0);
		release(&im);
	}
	/* An ELF32 image of the same size is fine as far as its header
	 * goes (its section headers are cut off, reported next). */
	{
		struct img im = build(0);

		truncate_to(&im, sizeof(Elf64_Ehdr) - 1);
		expect_check_fail(&im, "section headers past end of file",
				  EH_OFF(&im, e_shoff));
		release(&im);
	}
}

static void test_not_little_endian(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);

		im.p[EI_DATA] = ELFDATA2MSB;
		EH_SET(&im, e_shoff, 0xFFFFFFFF);
		EH_SET(&im, e_phnum, 0);
		expect_check_fail(&im, "not little-endian", EI_DATA);
		im.p[EI_DATA] = ELFDATANONE;
		expect_check_fail(&im, "not little-endian", EI_DATA);
		release(&im);
	}
}

static void test_section_headers_past_end(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);
		uint32_t at = (uint32_t)EH_OFF(&im, e_shoff);

		/* Later problems wait: no program headers at all. */
		EH_SET(&im, e_phnum, 0);
		EH_SET(&im, e_shnum, NSEC + 1);
		expect_check_fail(&im, "section headers past end of file", at);
		EH_SET(&im, e_shnum, NSEC);
		EH_SET(&im, e_shoff, im.shoff + 1);
		expect_check_fail(&im, "section headers past end of file", at);
		/* Offsets that wrap when the table size is added. */
		EH_SET(&im, e_shoff, 0xFFFFFFFF);
		expect_check_fail(&im, "section headers past end of file", at);
		if (is64) {
			EH_SET(&im, e_shoff, UINT64_MAX - 8);
			expect_check_fail(
				&im, "section headers past end of file", at);
		}
		EH_SET(&im, e_shoff, im.shoff);
		EH_SET(&im, e_shnum, 0xFFFF);
		expect_check_fail(&im, "section headers past end of file", at);
		release(&im);
	}
}

static void test_no_loadable_segments(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);

		EH_SET(&im, e_phnum, 0);
		EH_SET(&im, e_phoff, 0xFFFFFFFF);
		expect_check_fail(&im, "no loadable segments",
				  EH_OFF(&im, e_phnum));
		/* Section lookup does not need program headers. */
		assert_int_equal(amp_elf_find_section(im.p, im.size,
						      AMP_RSC_SECTION, NULL,
						      NULL, NULL),
				 0);
		release(&im);
	}
}

static void test_program_headers_past_end(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);
		uint32_t at = (uint32_t)EH_OFF(&im, e_phoff);

		EH_SET(&im, e_phoff, im.size + 1);
		expect_check_fail(&im, "program headers past end of file", at);
		/* Starting inside the file but running off its end. */
		EH_SET(&im, e_phoff, im.size - 4);
		expect_check_fail(&im, "program headers past end of file", at);
		EH_SET(&im, e_phoff, 0xFFFFFFFF);
		expect_check_fail(&im, "program headers past end of file", at);
		if (is64) {
			EH_SET(&im, e_phoff, UINT64_MAX);
			expect_check_fail(
				&im, "program headers past end of file", at);
		}
		EH_SET(&im, e_phoff,
		       is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr));
		EH_SET(&im, e_phnum, 0xFFFF);
		expect_check_fail(&im, "program headers past end of file", at);
		release(&im);
	}
}

static void test_program_header_size(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);

		EH_SET(&im, e_phentsize, 0);
		expect_check_fail(&im, "unexpected program header entry size",
				  EH_OFF(&im, e_phentsize));
		EH_SET(&im, e_phentsize, is64 ? 32 : 56);
		expect_check_fail(&im, "unexpected program header entry size",
				  EH_OFF(&im, e_phentsize));
		release(&im);
	}
}

/* ---- amp_elf_find_section --------------------------------------------- */

static void test_find_absent(void **state)
{
	static const char *const absent[] = { ".nope", ".resource",
					      ".resource_table2", ".TEXT",
					      ".shstrtab.x" };

	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);

		for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
			expect_find_fail(&im, absent[i], -AMP_ENOENT,
					 "section not found", 0);
		EH_SET(&im, e_shnum, 0);
		expect_find_fail(&im, AMP_RSC_SECTION, -AMP_ENOENT,
				 "no sections", 0);
		release(&im);
	}
}

static void test_find_nobits(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);

		expect_find_fail(&im, ".bss", -AMP_EINVAL, "no file data",
				 (uint32_t)SH_OFF(&im, S_BSS, sh_type));
		release(&im);
	}
}

static void test_find_name_past_strtab(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);
		uint32_t at = (uint32_t)SH_OFF(&im, S_BSS, sh_name);

		SH_SET(&im, S_BSS, sh_name, sizeof(strtab));
		expect_find_fail(&im, AMP_RSC_SECTION, -AMP_EINVAL,
				 "section name offset past string table", at);
		SH_SET(&im, S_BSS, sh_name, 0xFFFFFFFF);
		expect_find_fail(&im, ".text", -AMP_EINVAL,
				 "section name offset past string table", at);
		/* The last byte of the table is still inside it. */
		SH_SET(&im, S_BSS, sh_name, sizeof(strtab) - 1);
		expect_find_fail(&im, ".bss", -AMP_ENOENT, "section not found",
				 0);
		release(&im);
	}
}

static void test_find_name_unterminated(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);

		/* Drop the final NUL from the table: ".shstrtab" now runs
		 * off its end, however the search goes. */
		SH_SET(&im, S_STRTAB, sh_size, sizeof(strtab) - 1);
		expect_find_fail(&im, ".text", -AMP_EINVAL, "not terminated",
				 (uint32_t)SH_OFF(&im, S_STRTAB, sh_name));
		expect_find_fail(&im, ".shstrtab", -AMP_EINVAL,
				 "not terminated",
				 (uint32_t)SH_OFF(&im, S_STRTAB, sh_name));
		/* A table with no NUL at all. */
		memset(im.p + im.str_off, 'x', sizeof(strtab));
		SH_SET(&im, S_STRTAB, sh_size, sizeof(strtab));
		expect_find_fail(&im, ".text", -AMP_EINVAL, "not terminated",
				 (uint32_t)SH_OFF(&im, S_NULL, sh_name));
		release(&im);
	}
}

static void test_find_data_past_eof(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);
		uint32_t at = (uint32_t)SH_OFF(&im, S_RSC, sh_offset);

		SH_SET(&im, S_RSC, sh_offset, im.size - 4);
		expect_find_fail(&im, AMP_RSC_SECTION, -AMP_EINVAL,
				 "section data past end of file", at);
		SH_SET(&im, S_RSC, sh_offset, im.size + 1);
		SH_SET(&im, S_RSC, sh_size, 0);
		expect_find_fail(&im, AMP_RSC_SECTION, -AMP_EINVAL,
				 "section data past end of file", at);
		/* offset + size wraps around. */
		SH_SET(&im, S_RSC, sh_offset, 8);
		SH_SET(&im, S_RSC, sh_size, 0xFFFFFFFC);
		expect_find_fail(&im, AMP_RSC_SECTION, -AMP_EINVAL,
				 "section data past end of file", at);
		if (is64) {
			SH_SET(&im, S_RSC, sh_size, UINT64_MAX - 4);
			expect_find_fail(&im, AMP_RSC_SECTION, -AMP_EINVAL,
					 "section data past end of file", at);
		}
		/* Other sections are still found. */
		assert_int_equal(amp_elf_find_section(im.p, im.size, ".text",
						      NULL, NULL, NULL),
				 0);
		/* Ending exactly at the end of the file is fine. */
		SH_SET(&im, S_RSC, sh_offset, im.size - 4);
		SH_SET(&im, S_RSC, sh_size, 4);
		assert_int_equal(amp_elf_find_section(im.p, im.size,
						      AMP_RSC_SECTION, NULL,
						      NULL, NULL),
				 0);
		release(&im);
	}
}

static void test_find_shstrndx(void **state)
{
	static const unsigned bad[] = { SHN_UNDEF, NSEC, 0xff00, 0xffff };

	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			EH_SET(&im, e_shstrndx, bad[i]);
			expect_find_fail(&im, AMP_RSC_SECTION, -AMP_EINVAL,
					 "string table index out of range",
					 (uint32_t)EH_OFF(&im, e_shstrndx));
		}
		/* Pointing at a section that is not a string table. */
		EH_SET(&im, e_shstrndx, S_RSC);
		expect_find_fail(&im, AMP_RSC_SECTION, -AMP_EINVAL,
				 "not a string table",
				 (uint32_t)SH_OFF(&im, S_RSC, sh_type));
		release(&im);
	}
}

static void test_find_strtab_past_eof(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);
		uint32_t at = (uint32_t)SH_OFF(&im, S_STRTAB, sh_offset);

		SH_SET(&im, S_STRTAB, sh_offset, im.size - 8);
		expect_find_fail(&im, AMP_RSC_SECTION, -AMP_EINVAL,
				 "string table past end of file", at);
		SH_SET(&im, S_STRTAB, sh_offset, im.str_off);
		SH_SET(&im, S_STRTAB, sh_size, 0xFFFFFFFF);
		expect_find_fail(&im, AMP_RSC_SECTION, -AMP_EINVAL,
				 "string table past end of file", at);
		release(&im);
	}
}

static void test_find_truncated_section_table(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);
		uint32_t at = (uint32_t)EH_OFF(&im, e_shoff);

		/* One more header than the file holds. */
		EH_SET(&im, e_shnum, NSEC + 1);
		expect_find_fail(&im, AMP_RSC_SECTION, -AMP_EINVAL,
				 "section headers past end of file", at);
		EH_SET(&im, e_shnum, NSEC);
		/* The file cut inside the last header. */
		truncate_to(&im, im.size - 1);
		expect_find_fail(&im, AMP_RSC_SECTION, -AMP_EINVAL,
				 "section headers past end of file", at);
		release(&im);
	}
}

static void test_find_section_header_size(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img im = build(is64);

		EH_SET(&im, e_shentsize, 0);
		expect_find_fail(&im, AMP_RSC_SECTION, -AMP_EINVAL,
				 "unexpected section header entry size",
				 (uint32_t)EH_OFF(&im, e_shentsize));
		release(&im);
	}
}

static void test_find_null_name(void **state)
{
	struct img im = build(0);
	struct amp_diag d = { 0 };

	(void)state;
	assert_int_equal(
		amp_elf_find_section(im.p, im.size, NULL, NULL, NULL, &d),
		-AMP_EINVAL);
	expect_msg(&d, "null section name", 0);
	release(&im);
}

/* ---- robustness --------------------------------------------------------- */

/* Every prefix of a good image is refused (the section headers come
 * last) and never read past. */
static void test_every_truncation(void **state)
{
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		struct img good = build(is64);

		for (size_t n = 0; n < good.size; n++) {
			struct img im = build(is64);
			struct amp_diag d = { 0 };

			truncate_to(&im, n);
			assert_int_equal(amp_elf_check(im.p, im.size, &d),
					 -AMP_EINVAL);
			assert_int_equal(amp_elf_find_section(im.p, im.size,
							      AMP_RSC_SECTION,
							      NULL, NULL, &d),
					 -AMP_EINVAL);
			release(&im);
		}
		release(&good);
	}
}

/* Random corruption anywhere in the headers and tables: the calls end,
 * agree on success, and stay in bounds (sanitizer build). */
static void test_random_corruption(void **state)
{
	uint32_t seed = 4242;
	int found = 0, refused = 0;

	(void)state;
	for (int iter = 0; iter < 20000; iter++) {
		struct img im = build(iter & 1);
		struct amp_diag d = { 0 };
		size_t off, len;
		int flips, r;

		seed = seed * 1103515245u + 12345u;
		flips = 1 + (seed >> 16) % 3;
		for (int f = 0; f < flips; f++) {
			seed = seed * 1103515245u + 12345u;
			im.p[(seed >> 8) % im.size] ^=
				(uint8_t)(1u << (seed % 8));
		}
		(void)amp_elf_check(im.p, im.size, &d);
		r = amp_elf_find_section(im.p, im.size, AMP_RSC_SECTION, &off,
					 &len, &d);
		if (r == 0) {
			found++;
			assert_true(off <= im.size && len <= im.size - off);
		} else {
			refused++;
			assert_non_null(d.msg);
		}
		release(&im);
	}
	assert_true(found > 0 && refused > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_images),
		cmocka_unit_test(test_null_image),
		cmocka_unit_test(test_too_small),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_bad_class),
		cmocka_unit_test(test_elf64_too_small),
		cmocka_unit_test(test_not_little_endian),
		cmocka_unit_test(test_section_headers_past_end),
		cmocka_unit_test(test_no_loadable_segments),
		cmocka_unit_test(test_program_headers_past_end),
		cmocka_unit_test(test_program_header_size),
		cmocka_unit_test(test_find_absent),
		cmocka_unit_test(test_find_nobits),
		cmocka_unit_test(test_find_name_past_strtab),
		cmocka_unit_test(test_find_name_unterminated),
		cmocka_unit_test(test_find_data_past_eof),
		cmocka_unit_test(test_find_shstrndx),
		cmocka_unit_test(test_find_strtab_past_eof),
		cmocka_unit_test(test_find_truncated_section_table),
		cmocka_unit_test(test_find_section_header_size),
		cmocka_unit_test(test_find_null_name),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_random_corruption),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
