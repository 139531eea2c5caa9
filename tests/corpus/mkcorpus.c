/*
 * mkcorpus.c - writes the malformed firmware corpus (the .elf files in
 * tests/corpus/ and their INDEX) that every firmware loader in ampkit must
 * refuse.
 *
 *   mkcorpus OUTDIR                  the committed corpus
 *   mkcorpus --firmware FW OUTDIR    cases cut from a built firmware
 *
 * Every case starts from one small hand-built template image, so the
 * output depends on nothing but this file: the same bytes on every
 * machine and compiler, which is what lets the committed corpus be
 * checked against a fresh run (ctest corpus_up_to_date).  The real
 * firmware is not used as a base because its bytes change with the
 * compiler and flags.
 *
 * The template (written as template.elf, not listed in INDEX) is what
 * the posix platform accepts: an x86-64 ELF64 executable whose one
 * PT_LOAD sits at the default -no-pie base 0x400000, with a
 * .resource_table shaped like firmware/rsc_table.c (one rpmsg vdev, two
 * 16-entry vrings at addresses the host chooses).  Its code only calls
 * exit_group(127): should a loader ever run a case it ought to have
 * refused, the process ends at once instead of doing anything.
 *
 * Each INDEX line is "FILE<TAB>TEXT": loading FILE must fail with an
 * error message containing TEXT.  Cases that change the template keep it
 * valid in every other respect, so each file tests one refusal.
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ampkit/elf.h>
#include <ampkit/rsc_table.h>

#define IMG_MAX 4096
#define BASE 0x400000ull /* x86-64 -no-pie load address */
#define BSS_SIZE 0x100u
#define TEXT_OFF 0xb0u /* after the header and two program headers */
#define RSC_OFF 0xc0u

/* exit_group(127): mov $231,%eax; mov $127,%edi; syscall */
static const uint8_t code[] = { 0xb8, 0xe7, 0x00, 0x00, 0x00, 0xbf,
				0x7f, 0x00, 0x00, 0x00, 0x0f, 0x05 };

/* Sections, in header order, and where their names sit in .shstrtab. */
enum { S_NULL, S_TEXT, S_RSC, S_BSS, S_STRTAB, NSEC };
static const char shstrtab[] = "\0.text\0.resource_table\0.bss\0.shstrtab";
static const uint32_t name_at[NSEC] = { 0, 1, 7, 23, 28 };

/* ---- resource tables ---------------------------------------------------- */

struct table {
	uint8_t b[512];
	uint32_t len, num, added;
};

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* A table of `num` entries: the header now, the entries appended. */
static void table_init(struct table *t, uint32_t num)
{
	memset(t, 0, sizeof(*t));
	t->num = num;
	put32(t->b, 1);
	put32(t->b + 4, num);
	t->len = 16 + 4 * num;
}

/* Append an entry of `len` bytes; returns its offset in the table. */
static uint32_t table_add(struct table *t, const void *entry, uint32_t len)
{
	uint32_t off = t->len;

	put32(t->b + 16 + 4 * t->added++, off);
	memcpy(t->b + off, entry, len);
	t->len += len;
	return off;
}

/* The rpmsg vdev of firmware/rsc_table.c with `nvr` vrings. */
static uint32_t add_vdev(struct table *t, uint8_t nvr)
{
	uint8_t e[sizeof(struct amp_fw_rsc_vdev) +
		  4 * sizeof(struct amp_fw_rsc_vdev_vring)] = { 0 };
	struct amp_fw_rsc_vdev v = { .type = AMP_RSC_VDEV,
				     .id = AMP_VIRTIO_ID_RPMSG,
				     .dfeatures = 1, /* VIRTIO_RPMSG_F_NS */
				     .num_of_vrings = nvr };

	memcpy(e, &v, sizeof(v));
	for (uint8_t i = 0; i < nvr; i++) {
		struct amp_fw_rsc_vdev_vring r = { .da = AMP_FW_RSC_ADDR_ANY,
						   .align = 16,
						   .num = 16,
						   .notifyid = i };

		memcpy(e + sizeof(v) + i * sizeof(r), &r, sizeof(r));
	}
	return table_add(
		t, e,
		(uint32_t)(sizeof(v) +
			   nvr * sizeof(struct amp_fw_rsc_vdev_vring)));
}

static uint32_t add_carveout(struct table *t, uint32_t da, uint32_t len,
			     const char *name)
{
	struct amp_fw_rsc_carveout c = {
		.type = AMP_RSC_CARVEOUT, .da = da, .pa = da, .len = len
	};

	strncpy((char *)c.name, name, sizeof(c.name) - 1);
	return table_add(t, &c, sizeof(c));
}

static uint32_t add_trace(struct table *t, uint32_t da, uint32_t len)
{
	struct amp_fw_rsc_trace tr = { .type = AMP_RSC_TRACE,
				       .da = da,
				       .len = len };

	strncpy((char *)tr.name, "cm4_log", sizeof(tr.name) - 1);
	return table_add(t, &tr, sizeof(tr));
}

/* Offsets inside the default table: the vdev is its only entry. */
#define T_VER 0u
#define T_NUM 4u
#define T_RESERVED 8u
#define T_OFFSET0 16u
#define T_VDEV 20u
#define VDEV(f) (T_VDEV + offsetof(struct amp_fw_rsc_vdev, f))
#define VRING(i, f)                                                            \
	(T_VDEV + sizeof(struct amp_fw_rsc_vdev) +                             \
	 (i) * sizeof(struct amp_fw_rsc_vdev_vring) +                          \
	 offsetof(struct amp_fw_rsc_vdev_vring, f))

static void default_table(struct table *t)
{
	table_init(t, 1);
	add_vdev(t, 2);
}

/* ---- images ------------------------------------------------------------- */

struct image {
	uint8_t b[IMG_MAX];
	size_t size;
	size_t rsc_len, str_off, shoff;
};

#define EH(f) offsetof(Elf64_Ehdr, f)
#define PH(f) (sizeof(Elf64_Ehdr) + offsetof(Elf64_Phdr, f))
#define SH(im, i, f)                                                           \
	((im)->shoff + (i) * sizeof(Elf64_Shdr) + offsetof(Elf64_Shdr, f))

static void put_shdr(struct image *im, int i, uint32_t type, uint64_t flags,
		     uint64_t addr, uint64_t off, uint64_t size, uint64_t align)
{
	Elf64_Shdr h = { .sh_name = name_at[i],
			 .sh_type = type,
			 .sh_flags = flags,
			 .sh_addr = addr,
			 .sh_offset = off,
			 .sh_size = size,
			 .sh_addralign = align };

	memcpy(im->b + im->shoff + i * sizeof(h), &h, sizeof(h));
}

/*
 * Header, PT_LOAD and PT_GNU_STACK program headers, .text, the resource
 * table, .shstrtab, and the section headers last, as ld lays them out.
 * The PT_LOAD covers the file from byte 0 through the table (the table
 * is loaded, as on a real coprocessor), plus a small bss.
 */
static void build(struct image *im, const struct table *t)
{
	Elf64_Ehdr e = { .e_type = ET_EXEC,
			 .e_machine = EM_X86_64,
			 .e_version = EV_CURRENT,
			 .e_entry = BASE + TEXT_OFF,
			 .e_phoff = sizeof(Elf64_Ehdr),
			 .e_ehsize = sizeof(Elf64_Ehdr),
			 .e_phentsize = sizeof(Elf64_Phdr),
			 .e_phnum = 2,
			 .e_shentsize = sizeof(Elf64_Shdr),
			 .e_shnum = NSEC,
			 .e_shstrndx = S_STRTAB };
	Elf64_Phdr ph[2] = {
		{ .p_type = PT_LOAD,
		  .p_flags = PF_R | PF_W | PF_X,
		  .p_vaddr = BASE,
		  .p_paddr = BASE,
		  .p_align = 0x1000 },
		{ .p_type = PT_GNU_STACK,
		  .p_flags = PF_R | PF_W,
		  .p_align = 16 },
	};
	size_t load_end = RSC_OFF + t->len;

	memset(im, 0, sizeof(*im));
	im->rsc_len = t->len;
	im->str_off = (load_end + 7) & ~(size_t)7;
	im->shoff = (im->str_off + sizeof(shstrtab) + 7) & ~(size_t)7;
	im->size = im->shoff + NSEC * sizeof(Elf64_Shdr);

	memcpy(e.e_ident, ELFMAG, SELFMAG);
	e.e_ident[EI_CLASS] = ELFCLASS64;
	e.e_ident[EI_DATA] = ELFDATA2LSB;
	e.e_ident[EI_VERSION] = EV_CURRENT;
	e.e_shoff = im->shoff;
	ph[0].p_filesz = load_end;
	ph[0].p_memsz = load_end + BSS_SIZE;
	memcpy(im->b, &e, sizeof(e));
	memcpy(im->b + sizeof(e), ph, sizeof(ph));
	memcpy(im->b + TEXT_OFF, code, sizeof(code));
	memcpy(im->b + RSC_OFF, t->b, t->len);
	memcpy(im->b + im->str_off, shstrtab, sizeof(shstrtab));

	put_shdr(im, S_NULL, SHT_NULL, 0, 0, 0, 0, 0);
	put_shdr(im, S_TEXT, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR,
		 BASE + TEXT_OFF, TEXT_OFF, sizeof(code), 16);
	put_shdr(im, S_RSC, SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, BASE + RSC_OFF,
		 RSC_OFF, t->len, 8);
	put_shdr(im, S_BSS, SHT_NOBITS, SHF_ALLOC | SHF_WRITE, BASE + load_end,
		 load_end, BSS_SIZE, 8);
	put_shdr(im, S_STRTAB, SHT_STRTAB, 0, 0, im->str_off, sizeof(shstrtab),
		 1);
}

static void build_default(struct image *im)
{
	struct table t;

	default_table(&t);
	build(im, &t);
}

/* Patch the resource table inside the image. */
static void rsc32(struct image *im, uint32_t off, uint32_t v)
{
	put32(im->b + RSC_OFF + off, v);
}

/* ---- the cases ---------------------------------------------------------- */

/* Each case builds its image from the template; INDEX keeps this order. */
struct corpus_case {
	const char *file;
	const char *expect;
	void (*make)(struct image *im);
};

/* Files cut short: the section headers come last, so any cut past the
 * ELF header is caught there. */
#define TRUNC(n)                                                               \
	static void trunc_##n(struct image *im)                                \
	{                                                                      \
		build_default(im);                                             \
		im->size = n;                                                  \
	}
TRUNC(0)
TRUNC(4)
TRUNC(51)
TRUNC(60)
TRUNC(200)

static void trunc_last_byte(struct image *im)
{
	build_default(im);
	im->size--;
}

static void bad_magic(struct image *im)
{
	build_default(im);
	im->b[3] = 'G';
}

static void class_none(struct image *im)
{
	build_default(im);
	im->b[EI_CLASS] = ELFCLASSNONE;
}

static void class_3(struct image *im)
{
	build_default(im);
	im->b[EI_CLASS] = 3;
}

/* Read as ELF32, the ELF64 header's fields shift: e_phnum lands on the
 * (zero) high half of e_shoff, so the image has no segments. */
static void class_32_on_64(struct image *im)
{
	build_default(im);
	im->b[EI_CLASS] = ELFCLASS32;
}

static void big_endian(struct image *im)
{
	build_default(im);
	im->b[EI_DATA] = ELFDATA2MSB;
}

static void data_none(struct image *im)
{
	build_default(im);
	im->b[EI_DATA] = ELFDATANONE;
}

static void shoff_past_end(struct image *im)
{
	build_default(im);
	put64(im->b + EH(e_shoff), im->size);
}

static void shoff_wraps(struct image *im)
{
	build_default(im);
	put64(im->b + EH(e_shoff), UINT64_MAX - 0x3f);
}

static void shnum_past_end(struct image *im)
{
	build_default(im);
	put16(im->b + EH(e_shnum), NSEC + 1);
}

static void phnum_0(struct image *im)
{
	build_default(im);
	put16(im->b + EH(e_phnum), 0);
}

static void phoff_past_end(struct image *im)
{
	build_default(im);
	put64(im->b + EH(e_phoff), im->size);
}

static void phoff_wraps(struct image *im)
{
	build_default(im);
	put64(im->b + EH(e_phoff), UINT64_MAX - 0x37);
}

static void phentsize_32(struct image *im)
{
	build_default(im);
	put16(im->b + EH(e_phentsize), sizeof(Elf32_Phdr));
}

static void shentsize_40(struct image *im)
{
	build_default(im);
	put16(im->b + EH(e_shentsize), sizeof(Elf32_Shdr));
}

static void shstrndx_out_of_range(struct image *im)
{
	build_default(im);
	put16(im->b + EH(e_shstrndx), NSEC);
}

static void shname_past_strtab(struct image *im)
{
	build_default(im);
	put32(im->b + SH(im, S_TEXT, sh_name), sizeof(shstrtab) + 4);
}

static void seg_filesz_gt_memsz(struct image *im)
{
	build_default(im);
	put64(im->b + PH(p_memsz), get64(im->b + PH(p_filesz)) - 1);
}

static void seg_data_past_eof(struct image *im)
{
	build_default(im);
	put64(im->b + PH(p_filesz), im->size + 1);
	put64(im->b + PH(p_memsz), im->size + 1 + BSS_SIZE);
}

static void seg_offset_past_eof(struct image *im)
{
	build_default(im);
	put64(im->b + PH(p_offset), im->size);
}

/* Only p_paddr moves; p_vaddr stays where exec would map it. */
static void seg_da_low(struct image *im)
{
	build_default(im);
	put64(im->b + PH(p_paddr), 0x1000);
}

static void seg_da_wraps(struct image *im)
{
	build_default(im);
	put64(im->b + PH(p_paddr), UINT64_MAX - 0xff);
}

static void seg_da_above_4g(struct image *im)
{
	build_default(im);
	put64(im->b + PH(p_paddr), 0x100000000ull + BASE);
}

/* ".resource_table" becomes ".resource_tablf". */
static void no_rsc_section(struct image *im)
{
	build_default(im);
	im->b[im->str_off + name_at[S_RSC] + 14] = 'f';
}

static void rsc_nobits(struct image *im)
{
	build_default(im);
	put32(im->b + SH(im, S_RSC, sh_type), SHT_NOBITS);
}

static void rsc_past_eof(struct image *im)
{
	build_default(im);
	put64(im->b + SH(im, S_RSC, sh_offset), im->size - 16);
}

static void rsc_size(struct image *im, uint64_t size)
{
	build_default(im);
	put64(im->b + SH(im, S_RSC, sh_size), size);
}

static void rsc_size_8(struct image *im)
{
	rsc_size(im, 8);
}

static void rsc_cut_in_vdev(struct image *im)
{
	rsc_size(im, T_VDEV + 20);
}

static void rsc_cut_in_vrings(struct image *im)
{
	rsc_size(im, im->rsc_len - 4);
}

static void rsc_ver_0(struct image *im)
{
	build_default(im);
	rsc32(im, T_VER, 0);
}

static void rsc_ver_2(struct image *im)
{
	build_default(im);
	rsc32(im, T_VER, 2);
}

static void rsc_reserved_0(struct image *im)
{
	build_default(im);
	rsc32(im, T_RESERVED, 1);
}

static void rsc_reserved_1(struct image *im)
{
	build_default(im);
	rsc32(im, T_RESERVED + 4, 0x80000000u);
}

static void rsc_num_past_table(struct image *im)
{
	build_default(im);
	rsc32(im, T_NUM, 100);
}

static void rsc_num_huge(struct image *im)
{
	build_default(im);
	rsc32(im, T_NUM, UINT32_MAX);
}

static void rsc_offset_past_table(struct image *im)
{
	build_default(im);
	rsc32(im, T_OFFSET0, 0x1000);
}

static void rsc_offset_at_end(struct image *im)
{
	build_default(im);
	rsc32(im, T_OFFSET0, (uint32_t)im->rsc_len);
}

static void rsc_offset_misaligned(struct image *im)
{
	build_default(im);
	rsc32(im, T_OFFSET0, T_VDEV + 2);
}

static void rsc_offset_in_header(struct image *im)
{
	build_default(im);
	rsc32(im, T_OFFSET0, T_RESERVED);
}

/* A trace entry last in the table, its body cut by the section size. */
static void rsc_entry_body_past_table(struct image *im)
{
	struct table t;

	table_init(&t, 2);
	add_vdev(&t, 2);
	add_trace(&t, AMP_FW_RSC_ADDR_ANY, 4096);
	build(im, &t);
	put64(im->b + SH(im, S_RSC, sh_size), t.len - 8);
}

static void rsc_unknown_type(struct image *im)
{
	build_default(im);
	rsc32(im, VDEV(type), 0x7f);
}

static void rsc_type_last(struct image *im)
{
	build_default(im);
	rsc32(im, VDEV(type), AMP_RSC_LAST);
}

static void vdev_nvr_past_table(struct image *im)
{
	build_default(im);
	im->b[RSC_OFF + VDEV(num_of_vrings)] = 3;
}

static void vdev_nvr_255(struct image *im)
{
	build_default(im);
	im->b[RSC_OFF + VDEV(num_of_vrings)] = 255;
}

static void vdev_config_past_table(struct image *im)
{
	build_default(im);
	rsc32(im, VDEV(config_len), 1);
}

static void vdev_config_huge(struct image *im)
{
	build_default(im);
	rsc32(im, VDEV(config_len), UINT32_MAX);
}

static void vdev_not_rpmsg(struct image *im)
{
	build_default(im);
	rsc32(im, VDEV(id), 5); /* virtio balloon */
}

static void vdev_one_vring(struct image *im)
{
	struct table t;

	table_init(&t, 1);
	add_vdev(&t, 1);
	build(im, &t);
}

#define VRING_CASE(fn, i, field, value)                                        \
	static void fn(struct image *im)                                       \
	{                                                                      \
		build_default(im);                                             \
		rsc32(im, VRING(i, field), value);                             \
	}
VRING_CASE(vring_num_0, 0, num, 0)
VRING_CASE(vring_num_12, 1, num, 12)
VRING_CASE(vring_num_max, 0, num, 0x80000000u)
VRING_CASE(vring_num_65536, 1, num, 65536)
VRING_CASE(vring_num_2048, 0, num, 2048)
VRING_CASE(vring_align_0, 0, align, 0)
VRING_CASE(vring_align_3, 1, align, 3)
/* A fixed vring address outside the shared memory window. */
VRING_CASE(vring_da_outside, 0, da, 0x1000)

static void carveout_table(struct image *im, uint32_t da0, uint32_t len0,
			   uint32_t da1, uint32_t len1)
{
	struct table t;

	table_init(&t, 3);
	add_carveout(&t, da0, len0, "cm4_code");
	add_carveout(&t, da1, len1, "cm4_data");
	add_vdev(&t, 2);
	build(im, &t);
}

static void carveout_overlap(struct image *im)
{
	carveout_table(im, 0x10100000, 0x2000, 0x10101000, 0x2000);
}

static void carveout_same(struct image *im)
{
	carveout_table(im, 0x10100000, 0x1000, 0x10100000, 0x1000);
}

static void carveout_zero_len(struct image *im)
{
	carveout_table(im, 0x10100000, 0x1000, 0x10102000, 0);
}

static void carveout_wraps_4g(struct image *im)
{
	carveout_table(im, 0x10100000, 0x1000, 0xfffff000u, 0x2000);
}

/* The trace buffer at a fixed address no device memory covers. */
static void trace_outside(struct image *im)
{
	struct table t;

	table_init(&t, 2);
	add_vdev(&t, 2);
	add_trace(&t, 0x1000, 4096);
	build(im, &t);
}

static const struct corpus_case cases[] = {
	/* ELF header (Linux's order) */
	{ "trunc-0.elf", "image too small for an ELF header", trunc_0 },
	{ "trunc-4.elf", "image too small for an ELF header", trunc_4 },
	{ "trunc-51.elf", "image too small for an ELF header", trunc_51 },
	{ "trunc-60.elf", "ELF64 image too small", trunc_60 },
	{ "trunc-200.elf", "section headers past end of file", trunc_200 },
	{ "trunc-last-byte.elf", "section headers past end of file",
	  trunc_last_byte },
	{ "bad-magic.elf", "bad ELF magic", bad_magic },
	{ "class-none.elf", "unsupported ELF class", class_none },
	{ "class-3.elf", "unsupported ELF class", class_3 },
	{ "class-32-on-64.elf", "no loadable segments", class_32_on_64 },
	{ "big-endian.elf", "not little-endian", big_endian },
	{ "data-none.elf", "not little-endian", data_none },
	{ "shoff-past-end.elf", "section headers past end of file",
	  shoff_past_end },
	{ "shoff-wraps.elf", "section headers past end of file", shoff_wraps },
	{ "shnum-past-end.elf", "section headers past end of file",
	  shnum_past_end },
	{ "phnum-0.elf", "no loadable segments", phnum_0 },
	{ "phoff-past-end.elf", "program headers past end of file",
	  phoff_past_end },
	{ "phoff-wraps.elf", "program headers past end of file", phoff_wraps },
	{ "phentsize-32.elf", "unexpected program header entry size",
	  phentsize_32 },
	/* sections */
	{ "shentsize-40.elf", "unexpected section header entry size",
	  shentsize_40 },
	{ "shstrndx-out-of-range.elf", "string table index out of range",
	  shstrndx_out_of_range },
	{ "shname-past-strtab.elf", "section name offset past string table",
	  shname_past_strtab },
	{ "no-rsc-section.elf", "no .resource_table section", no_rsc_section },
	{ "rsc-nobits.elf", "no file data", rsc_nobits },
	{ "rsc-past-eof.elf", "section data past end of file", rsc_past_eof },
	/* segments */
	{ "seg-filesz-gt-memsz.elf", "filesz > memsz", seg_filesz_gt_memsz },
	{ "seg-data-past-eof.elf", "truncated fw", seg_data_past_eof },
	{ "seg-offset-past-eof.elf", "truncated fw", seg_offset_past_eof },
	{ "seg-da-low.elf", "bad phdr da", seg_da_low },
	{ "seg-da-wraps.elf", "bad phdr da", seg_da_wraps },
	{ "seg-da-above-4g.elf", "bad phdr da", seg_da_above_4g },
	/* resource table header */
	{ "rsc-size-8.elf", "shorter than its 16-byte header", rsc_size_8 },
	{ "rsc-ver-0.elf", "version is not 1", rsc_ver_0 },
	{ "rsc-ver-2.elf", "version is not 1", rsc_ver_2 },
	{ "rsc-reserved-0.elf", "reserved word is not 0", rsc_reserved_0 },
	{ "rsc-reserved-1.elf", "reserved word is not 0", rsc_reserved_1 },
	{ "rsc-num-past-table.elf", "offset array runs past the table",
	  rsc_num_past_table },
	{ "rsc-num-huge.elf", "offset array runs past the table",
	  rsc_num_huge },
	/* entries */
	{ "rsc-offset-past-table.elf", "entry offset past the end of the table",
	  rsc_offset_past_table },
	{ "rsc-offset-at-end.elf", "entry offset past the end of the table",
	  rsc_offset_at_end },
	{ "rsc-offset-misaligned.elf", "not 4-byte aligned",
	  rsc_offset_misaligned },
	{ "rsc-offset-in-header.elf", "points into the table header",
	  rsc_offset_in_header },
	{ "rsc-entry-body-past-table.elf", "trace runs past the table",
	  rsc_entry_body_past_table },
	{ "rsc-unknown-type.elf", "unknown resource type", rsc_unknown_type },
	{ "rsc-type-last.elf", "unknown resource type", rsc_type_last },
	{ "rsc-cut-in-vdev.elf", "vdev runs past the table", rsc_cut_in_vdev },
	{ "rsc-cut-in-vrings.elf", "vdev vrings run past the table",
	  rsc_cut_in_vrings },
	/* vdev and vrings */
	{ "vdev-nvr-past-table.elf", "vdev vrings run past the table",
	  vdev_nvr_past_table },
	{ "vdev-nvr-255.elf", "vdev vrings run past the table", vdev_nvr_255 },
	{ "vdev-config-past-table.elf", "vdev config runs past the table",
	  vdev_config_past_table },
	{ "vdev-config-huge.elf", "vdev config runs past the table",
	  vdev_config_huge },
	{ "vdev-not-rpmsg.elf", "no rpmsg vdev", vdev_not_rpmsg },
	{ "vdev-one-vring.elf", "rpmsg vdev has 1 vrings, needs 2",
	  vdev_one_vring },
	{ "vring-num-0.elf", "vdev vring num is 0", vring_num_0 },
	{ "vring-num-12.elf", "vdev vring num is not a power of two",
	  vring_num_12 },
	{ "vring-num-2048.elf", "vdev vring num exceeds the allowed maximum",
	  vring_num_2048 },
	{ "vring-num-65536.elf", "vdev vring num exceeds the virtio limit",
	  vring_num_65536 },
	{ "vring-num-2g.elf", "vdev vring num exceeds the virtio limit",
	  vring_num_max },
	{ "vring-align-0.elf", "vdev vring align is not a power of two",
	  vring_align_0 },
	{ "vring-align-3.elf", "vdev vring align is not a power of two",
	  vring_align_3 },
	{ "vring-da-outside.elf", "vring 0 da 0x1000 is not usable",
	  vring_da_outside },
	/* carveouts and trace */
	{ "carveout-overlap.elf", "carveout overlaps an earlier carveout",
	  carveout_overlap },
	{ "carveout-same.elf", "carveout overlaps an earlier carveout",
	  carveout_same },
	{ "carveout-zero-len.elf", "carveout has zero length",
	  carveout_zero_len },
	{ "carveout-wraps-4g.elf", "carveout runs past the 32-bit address",
	  carveout_wraps_4g },
	{ "trace-outside-memory.elf", "trace buffer", trace_outside },
};

/* ---- output ------------------------------------------------------------- */

static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("mkcorpus: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void write_file(const char *dir, const char *name, const void *data,
		       size_t size)
{
	char path[4096];
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		die("%s/%s: path too long", dir, name);
	f = fopen(path, "wb");
	if (!f)
		die("%s: %s", path, strerror(errno));
	if ((size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		die("%s: write failed", path);
}

/* ---- cases cut from the real firmware (build tree only) ----------------- */

/*
 * mkcorpus --firmware FW OUTDIR writes a few cases cut from the firmware
 * the build just linked (fw-*.elf and an INDEX of their own).  Its bytes
 * change with the compiler, so these are never committed; they show the
 * refusals hold on a full-size image laid out by a real linker.
 */
struct fw {
	uint8_t *b;
	size_t size;
	size_t shoff;	 /* section headers */
	size_t rsc_sh;	 /* .resource_table's section header */
	size_t rsc_name; /* its name in .shstrtab */
	size_t rsc_off, rsc_len;
	size_t vdev; /* the rpmsg vdev, from the table start */
};

static uint64_t get(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* Like mkcorpus's own images, the firmware must be an ELF64 LE file with
 * a .resource_table holding an rpmsg vdev; anything else is a build bug
 * worth stopping on. */
static void fw_read(const char *path, struct fw *fw)
{
	size_t shnum, strndx, str_off, str_size;
	size_t want = sizeof(AMP_RSC_SECTION);
	FILE *f = fopen(path, "rb");
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0)
		die("%s: %s", path, strerror(errno));
	rewind(f);
	fw->size = (size_t)n;
	fw->b = malloc(fw->size);
	if (!fw->b || fread(fw->b, 1, fw->size, f) != fw->size)
		die("%s: read failed", path);
	fclose(f);
	if (fw->size < sizeof(Elf64_Ehdr) || memcmp(fw->b, ELFMAG, SELFMAG) ||
	    fw->b[EI_CLASS] != ELFCLASS64 || fw->b[EI_DATA] != ELFDATA2LSB)
		die("%s: not an ELF64 little-endian file", path);
	fw->shoff = get(fw->b + EH(e_shoff), 8);
	shnum = get(fw->b + EH(e_shnum), 2);
	strndx = get(fw->b + EH(e_shstrndx), 2);
	if (get(fw->b + EH(e_shentsize), 2) != sizeof(Elf64_Shdr) ||
	    fw->shoff > fw->size ||
	    shnum > (fw->size - fw->shoff) / sizeof(Elf64_Shdr) ||
	    strndx >= shnum)
		die("%s: bad section header table", path);
#define FSH(i, f)                                                              \
	get(fw->b + fw->shoff + (i) * sizeof(Elf64_Shdr) +                     \
		    offsetof(Elf64_Shdr, f),                                   \
	    sizeof(((Elf64_Shdr *)0)->f))
	str_off = FSH(strndx, sh_offset);
	str_size = FSH(strndx, sh_size);
	if (str_off > fw->size || str_size > fw->size - str_off)
		die("%s: bad .shstrtab", path);
	fw->rsc_sh = 0;
	for (size_t i = 1; i < shnum && !fw->rsc_sh; i++) {
		size_t nm = FSH(i, sh_name);

		/* The name and its NUL, inside the table. */
		if (nm < str_size && want <= str_size - nm &&
		    !memcmp(fw->b + str_off + nm, AMP_RSC_SECTION, want)) {
			fw->rsc_sh = fw->shoff + i * sizeof(Elf64_Shdr);
			fw->rsc_name = str_off + nm;
			fw->rsc_off = FSH(i, sh_offset);
			fw->rsc_len = FSH(i, sh_size);
		}
	}
#undef FSH
	if (!fw->rsc_sh || fw->rsc_off > fw->size ||
	    fw->rsc_len > fw->size - fw->rsc_off || fw->rsc_len < 16)
		die("%s: no usable %s", path, AMP_RSC_SECTION);
	fw->vdev = 0;
	for (uint32_t i = 0; i < get(fw->b + fw->rsc_off + T_NUM, 4); i++) {
		size_t o = get(fw->b + fw->rsc_off + T_OFFSET0 + 4 * i, 4);

		if (o + sizeof(struct amp_fw_rsc_vdev) +
				    2 * sizeof(struct amp_fw_rsc_vdev_vring) <=
			    fw->rsc_len &&
		    get(fw->b + fw->rsc_off + o, 4) == AMP_RSC_VDEV &&
		    get(fw->b + fw->rsc_off + o + 4, 4) == AMP_VIRTIO_ID_RPMSG)
			fw->vdev = o;
	}
	if (!fw->vdev)
		die("%s: no rpmsg vdev with two vrings", path);
}

enum fw_cut {
	FW_TRUNC_40,
	FW_TRUNC_HALF,
	FW_TRUNC_LAST,
	FW_BAD_MAGIC,
	FW_BIG_ENDIAN,
	FW_PHNUM_0,
	FW_NO_RSC,
	FW_RSC_NOBITS,
	FW_RSC_VER_2,
	FW_RSC_NUM,
	FW_NVR,
	FW_VRING_NUM_12,
	FW_NCUTS
};

static const char *const fw_cases[FW_NCUTS][2] = {
	[FW_TRUNC_40] = { "fw-trunc-40.elf",
			  "image too small for an ELF header" },
	[FW_TRUNC_HALF] = { "fw-trunc-half.elf",
			    "section headers past end of file" },
	[FW_TRUNC_LAST] = { "fw-trunc-last-byte.elf",
			    "section headers past end of file" },
	[FW_BAD_MAGIC] = { "fw-bad-magic.elf", "bad ELF magic" },
	[FW_BIG_ENDIAN] = { "fw-big-endian.elf", "not little-endian" },
	[FW_PHNUM_0] = { "fw-phnum-0.elf", "no loadable segments" },
	[FW_NO_RSC] = { "fw-no-rsc-section.elf", "no .resource_table section" },
	[FW_RSC_NOBITS] = { "fw-rsc-nobits.elf", "no file data" },
	[FW_RSC_VER_2] = { "fw-rsc-ver-2.elf", "version is not 1" },
	[FW_RSC_NUM] = { "fw-rsc-num-past-table.elf",
			 "offset array runs past the table" },
	[FW_NVR] = { "fw-vdev-nvr-past-table.elf",
		     "vdev vrings run past the table" },
	[FW_VRING_NUM_12] = { "fw-vring-num-12.elf",
			      "vdev vring num is not a power of two" },
};

static int firmware_cases(const char *path, const char *dir)
{
	static char index[4096];
	struct fw fw = { 0 };
	size_t n;
	uint8_t *b;

	fw_read(path, &fw);
	b = malloc(fw.size);
	if (!b)
		die("out of memory");
	n = (size_t)snprintf(index, sizeof(index),
			     "# Cut from %s by mkcorpus --firmware.\n", path);
	for (int c = 0; c < FW_NCUTS; c++) {
		uint8_t *t = b + fw.rsc_off;
		size_t size = fw.size;

		memcpy(b, fw.b, fw.size);
		switch (c) {
		case FW_TRUNC_40:
			size = 40;
			break;
		case FW_TRUNC_HALF:
			size = fw.shoff / 2;
			break;
		case FW_TRUNC_LAST:
			size--;
			break;
		case FW_BAD_MAGIC:
			b[0] = 0x7e;
			break;
		case FW_BIG_ENDIAN:
			b[EI_DATA] = ELFDATA2MSB;
			break;
		case FW_PHNUM_0:
			put16(b + EH(e_phnum), 0);
			break;
		case FW_NO_RSC:
			b[fw.rsc_name + 1] = 'R';
			break;
		case FW_RSC_NOBITS:
			put32(b + fw.rsc_sh + offsetof(Elf64_Shdr, sh_type),
			      SHT_NOBITS);
			break;
		case FW_RSC_VER_2:
			put32(t + T_VER, 2);
			break;
		case FW_RSC_NUM:
			put32(t + T_NUM, 1000);
			break;
		case FW_NVR:
			t[fw.vdev + offsetof(struct amp_fw_rsc_vdev,
					     num_of_vrings)] = 200;
			break;
		case FW_VRING_NUM_12:
			put32(t + fw.vdev + sizeof(struct amp_fw_rsc_vdev) +
				      sizeof(struct amp_fw_rsc_vdev_vring) +
				      offsetof(struct amp_fw_rsc_vdev_vring,
					       num),
			      12);
			break;
		}
		write_file(dir, fw_cases[c][0], b, size);
		n += (size_t)snprintf(index + n, sizeof(index) - n, "%s\t%s\n",
				      fw_cases[c][0], fw_cases[c][1]);
		if (n >= sizeof(index))
			die("INDEX too large");
	}
	write_file(dir, "INDEX", index, n);
	free(b);
	free(fw.b);
	return 0;
}

int main(int argc, char **argv)
{
	static char index[16384];
	static struct image im;
	size_t n = 0;
	int len;

	if (argc == 4 && !strcmp(argv[1], "--firmware"))
		return firmware_cases(argv[2], argv[3]);
	if (argc != 2)
		die("usage: mkcorpus OUTDIR | mkcorpus --firmware FW OUTDIR");

	build_default(&im);
	write_file(argv[1], "template.elf", im.b, im.size);

	len = snprintf(index, sizeof(index),
		       "# Malformed firmware: FILE<TAB>text its error must "
		       "contain.\n# Generated by tests/corpus/mkcorpus.c; "
		       "do not edit.\n");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct corpus_case *c = &cases[i];

		c->make(&im);
		if (im.size > IMG_MAX)
			die("%s: image too large", c->file);
		write_file(argv[1], c->file, im.b, im.size);
		n += (size_t)len;
		len = snprintf(index + n, sizeof(index) - n, "%s\t%s\n",
			       c->file, c->expect);
		if (len < 0 || (size_t)len >= sizeof(index) - n)
			die("INDEX too large");
	}
	n += (size_t)len;
	write_file(argv[1], "INDEX", index, n);
	return 0;
}
