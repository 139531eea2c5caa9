/*
 * elf.c - sanity checks on a coprocessor firmware ELF, section lookup, and
 * placing its PT_LOAD segments in device memory.
 *
 * The checks follow Linux remoteproc_elf_loader.c in its order, so a file
 * the kernel would refuse is refused here with the matching reason; a few
 * stricter checks (entry sizes, the whole program header table inside the
 * file) come after the kernel's, because the host loader walks those
 * tables with our sizes.  Fields are decoded byte by byte, little-endian:
 * the image may sit at any alignment and the check must not depend on the
 * CPU's byte order.
 *
 * Loading validates every segment before it writes any, so a refused
 * image leaves device memory as it was (and check_only is the same walk
 * with the writes left out).
 *
 * The structs below only give the layout (sizes and field offsets); the
 * core is freestanding and cannot rely on a C library <elf.h>.
 */
#include "ampkit/elf.h"
#include "ampkit/compiler.h"

#define EI_NIDENT 16
#define EI_CLASS 4
#define EI_DATA 5
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define SHN_UNDEF 0
#define SHT_STRTAB 3
#define SHT_NOBITS 8
#define PT_LOAD 1

struct elf32_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type, e_machine;
	uint32_t e_version, e_entry, e_phoff, e_shoff, e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum;
	uint16_t e_shentsize, e_shnum, e_shstrndx;
} AMP_PACKED;

struct elf64_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type, e_machine;
	uint32_t e_version;
	uint64_t e_entry, e_phoff, e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum;
	uint16_t e_shentsize, e_shnum, e_shstrndx;
} AMP_PACKED;

struct elf32_phdr {
	uint32_t p_type, p_offset, p_vaddr, p_paddr;
	uint32_t p_filesz, p_memsz, p_flags, p_align;
} AMP_PACKED;

struct elf64_phdr {
	uint32_t p_type, p_flags;
	uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
} AMP_PACKED;

struct elf32_shdr {
	uint32_t sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size;
	uint32_t sh_link, sh_info, sh_addralign, sh_entsize;
} AMP_PACKED;

struct elf64_shdr {
	uint32_t sh_name, sh_type;
	uint64_t sh_flags, sh_addr, sh_offset, sh_size;
	uint32_t sh_link, sh_info;
	uint64_t sh_addralign, sh_entsize;
} AMP_PACKED;

AMP_STATIC_ASSERT(sizeof(struct elf32_ehdr) == 52, "elf32 ehdr");
AMP_STATIC_ASSERT(sizeof(struct elf64_ehdr) == 64, "elf64 ehdr");
AMP_STATIC_ASSERT(sizeof(struct elf32_phdr) == 32, "elf32 phdr");
AMP_STATIC_ASSERT(sizeof(struct elf64_phdr) == 56, "elf64 phdr");
AMP_STATIC_ASSERT(sizeof(struct elf32_shdr) == 40, "elf32 shdr");
AMP_STATIC_ASSERT(sizeof(struct elf64_shdr) == 64, "elf64 shdr");

#define FSIZE(type, f) sizeof(((type *)0)->f)
/* Offset of field f in the ELF32 or ELF64 variant of a struct. */
#define FOFF(is64, s, f)                                                       \
	((is64) ? offsetof(struct elf64_##s, f) : offsetof(struct elf32_##s, f))
/* Load field f of the ELF32/ELF64 struct s that starts at p. */
#define FLD(p, is64, s, f)                                                     \
	le((p) + FOFF(is64, s, f),                                             \
	   (is64) ? FSIZE(struct elf64_##s, f) : FSIZE(struct elf32_##s, f))

/* The header fields both entry points need, decoded once. */
struct ehdr {
	int is64;
	uint64_t phoff, shoff;
	uint32_t phnum, phentsize, shnum, shentsize, shstrndx;
	uint32_t phdr_size, shdr_size;
};

static uint64_t le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* amp_diag offsets are 32-bit; clamp for images past 4 GiB. */
static uint32_t at(uint64_t off)
{
	return off > UINT32_MAX ? UINT32_MAX : (uint32_t)off;
}

static int bad(struct amp_diag *d, const char *msg, uint64_t off)
{
	return amp_fail(d, -AMP_EINVAL, msg, at(off));
}

/* Does [off, off+len) fit in an image of `size` bytes? */
static int fits(uint64_t off, uint64_t len, size_t size)
{
	return off <= size && len <= size - off;
}

/* The kernel's checks up to and including the section header table. */
static int parse_ehdr(const uint8_t *img, size_t size, struct ehdr *h,
		      struct amp_diag *d)
{
	static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };
	int is64;

	if (!img)
		return bad(d, "null image", 0);
	if (size < sizeof(struct elf32_ehdr))
		return bad(d, "image too small for an ELF header", 0);
	if (__builtin_memcmp(img, magic, sizeof(magic)) != 0)
		return bad(d, "bad ELF magic", 0);
	if (img[EI_CLASS] != ELFCLASS32 && img[EI_CLASS] != ELFCLASS64)
		return bad(d, "unsupported ELF class", EI_CLASS);
	is64 = img[EI_CLASS] == ELFCLASS64;
	if (is64 && size < sizeof(struct elf64_ehdr))
		return bad(d, "ELF64 image too small", 0);
	if (img[EI_DATA] != ELFDATA2LSB)
		return bad(d, "not little-endian", EI_DATA);

	h->is64 = is64;
	h->phoff = FLD(img, is64, ehdr, e_phoff);
	h->shoff = FLD(img, is64, ehdr, e_shoff);
	h->phnum = (uint32_t)FLD(img, is64, ehdr, e_phnum);
	h->phentsize = (uint32_t)FLD(img, is64, ehdr, e_phentsize);
	h->shnum = (uint32_t)FLD(img, is64, ehdr, e_shnum);
	h->shentsize = (uint32_t)FLD(img, is64, ehdr, e_shentsize);
	h->shstrndx = (uint32_t)FLD(img, is64, ehdr, e_shstrndx);
	h->phdr_size =
		is64 ? sizeof(struct elf64_phdr) : sizeof(struct elf32_phdr);
	h->shdr_size =
		is64 ? sizeof(struct elf64_shdr) : sizeof(struct elf32_shdr);

	if (!fits(h->shoff, (uint64_t)h->shnum * h->shdr_size, size))
		return bad(d, "section headers past end of file",
			   FOFF(is64, ehdr, e_shoff));
	return 0;
}

int amp_elf_check(const void *img, size_t size, struct amp_diag *diag)
{
	struct ehdr h;
	int err = parse_ehdr(img, size, &h, diag);

	if (err)
		return err;
	if (h.phnum == 0)
		return bad(diag, "no loadable segments",
			   FOFF(h.is64, ehdr, e_phnum));
	if (h.phentsize != h.phdr_size)
		return bad(diag, "unexpected program header entry size",
			   FOFF(h.is64, ehdr, e_phentsize));
	if (!fits(h.phoff, (uint64_t)h.phnum * h.phdr_size, size))
		return bad(diag, "program headers past end of file",
			   FOFF(h.is64, ehdr, e_phoff));
	return 0;
}

/* Is the NUL-terminated string at s equal to name?  s is known to be
 * terminated inside the image, so the walk stops in bounds. */
static int name_is(const uint8_t *s, const char *name)
{
	while (*s && *s == (uint8_t)*name) {
		s++;
		name++;
	}
	return *s == (uint8_t)*name;
}

int amp_elf_find_section(const void *img, size_t size, const char *name,
			 size_t *offset, size_t *len, struct amp_diag *diag)
{
	const uint8_t *p = img;
	const uint8_t *sh, *strtab, *found = NULL;
	uint64_t str_off, str_size, last_nul, off, sz;
	struct ehdr h;
	uint32_t i;
	int err;

	if (!name)
		return bad(diag, "null section name", 0);
	err = parse_ehdr(p, size, &h, diag);
	if (err)
		return err;
	if (h.shnum == 0)
		return amp_fail(diag, -AMP_ENOENT, "image has no sections", 0);
	if (h.shentsize != h.shdr_size)
		return bad(diag, "unexpected section header entry size",
			   FOFF(h.is64, ehdr, e_shentsize));
	if (h.shstrndx == SHN_UNDEF || h.shstrndx >= h.shnum)
		return bad(diag, "section name string table index out of range",
			   FOFF(h.is64, ehdr, e_shstrndx));

	sh = p + h.shoff + (uint64_t)h.shstrndx * h.shdr_size;
	if (FLD(sh, h.is64, shdr, sh_type) != SHT_STRTAB)
		return bad(diag, "section name table is not a string table",
			   (uint64_t)(sh - p) + FOFF(h.is64, shdr, sh_type));
	str_off = FLD(sh, h.is64, shdr, sh_offset);
	str_size = FLD(sh, h.is64, shdr, sh_size);
	if (!fits(str_off, str_size, size))
		return bad(diag, "section name string table past end of file",
			   (uint64_t)(sh - p) + FOFF(h.is64, shdr, sh_offset));
	strtab = p + str_off;

	/* A name at offset n is terminated inside the table iff some NUL
	 * lies at or after n, i.e. iff n <= the last NUL: one backward scan
	 * instead of one forward scan per section. */
	last_nul = str_size;
	while (last_nul > 0 && strtab[last_nul - 1] != '\0')
		last_nul--;

	/* Every name is checked, not just those before a match, so a broken
	 * table is reported whatever we look for. */
	for (i = 0; i < h.shnum; i++) {
		uint64_t nm;

		sh = p + h.shoff + (uint64_t)i * h.shdr_size;
		nm = FLD(sh, h.is64, shdr, sh_name);
		if (nm >= str_size)
			return bad(diag,
				   "section name offset past string table",
				   (uint64_t)(sh - p) +
					   FOFF(h.is64, shdr, sh_name));
		if (nm >= last_nul)
			return bad(
				diag,
				"section name not terminated in string table",
				(uint64_t)(sh - p) +
					FOFF(h.is64, shdr, sh_name));
		if (!found && name_is(strtab + nm, name))
			found = sh;
	}
	if (!found)
		return amp_fail(diag, -AMP_ENOENT, "section not found", 0);

	sh = found;
	if (FLD(sh, h.is64, shdr, sh_type) == SHT_NOBITS)
		return bad(diag, "section has no file data (SHT_NOBITS)",
			   (uint64_t)(sh - p) + FOFF(h.is64, shdr, sh_type));
	off = FLD(sh, h.is64, shdr, sh_offset);
	sz = FLD(sh, h.is64, shdr, sh_size);
	if (!fits(off, sz, size))
		return bad(diag, "section data past end of file",
			   (uint64_t)(sh - p) + FOFF(h.is64, shdr, sh_offset));
	if (offset)
		*offset = (size_t)off;
	if (len)
		*len = (size_t)sz;
	return 0;
}

/* Program header n of a checked image (its table is inside the file). */
static const uint8_t *phdr(const uint8_t *img, const struct ehdr *h, uint32_t n)
{
	return img + h->phoff + (uint64_t)n * h->phdr_size;
}

static void read_seg(const uint8_t *ph, int is64, struct amp_elf_seg *s)
{
	s->da = FLD(ph, is64, phdr, p_paddr);
	s->offset = FLD(ph, is64, phdr, p_offset);
	s->filesz = FLD(ph, is64, phdr, p_filesz);
	s->memsz = FLD(ph, is64, phdr, p_memsz);
	s->flags = (uint32_t)FLD(ph, is64, phdr, p_flags);
}

/* amp_elf_check, keeping the decoded header for the segment walkers. */
static int check_ehdr(const uint8_t *img, size_t size, struct ehdr *h,
		      struct amp_diag *d)
{
	int err = amp_elf_check(img, size, d);

	return err ? err : parse_ehdr(img, size, h, d);
}

int amp_elf_segment(const void *img, size_t size, uint32_t i,
		    struct amp_elf_seg *seg)
{
	struct ehdr h;
	uint32_t n;

	/* "Checked" is the caller's promise; re-checking costs a few
	 * compares and keeps a broken promise from reading out of bounds. */
	if (!seg || check_ehdr(img, size, &h, NULL))
		return -AMP_EINVAL;
	for (n = 0; n < h.phnum; n++) {
		const uint8_t *ph = phdr(img, &h, n);

		if (FLD(ph, h.is64, phdr, p_type) != PT_LOAD)
			continue;
		if (i-- == 0) {
			read_seg(ph, h.is64, seg);
			return 0;
		}
	}
	return -AMP_ENOENT;
}

int amp_elf_offset_to_da(const void *img, size_t size, uint64_t off,
			 uint64_t len, uint64_t *da)
{
	struct amp_elf_seg seg;

	for (uint32_t i = 0; !amp_elf_segment(img, size, i, &seg); i++) {
		if (off >= seg.offset && off - seg.offset <= seg.filesz &&
		    len <= seg.filesz - (off - seg.offset)) {
			*da = seg.da + (off - seg.offset);
			return 0;
		}
	}
	return -AMP_ENOENT;
}

/*
 * One PT_LOAD segment's checks, in the kernel's order: 0 with *va its
 * device memory, or -AMP_EINVAL.  The arithmetic is 64-bit on every CPU,
 * so a 32-bit one cannot mistake an ELF64 size that wraps its size_t for
 * one that fits.
 */
static int place(const uint8_t *img, size_t size, const uint8_t *ph, int is64,
		 const struct amp_elf_mem *mem, struct amp_elf_seg *s,
		 void **va, struct amp_diag *d)
{
	uint64_t at = (uint64_t)(ph - img);

	read_seg(ph, is64, s);
	*va = NULL;
	if (s->filesz > s->memsz)
		return bad(d, "bad phdr: filesz > memsz",
			   at + FOFF(is64, phdr, p_filesz));
	if (!fits(s->offset, s->filesz, size))
		return bad(d, "truncated fw: segment data past end of file",
			   at + FOFF(is64, phdr, p_offset));
	/* The wrap and size_t tests spare da_to_va ranges it could
	 * misjudge, and the copy lengths that size_t could not hold. */
	if (s->da + s->memsz < s->da || s->memsz > SIZE_MAX ||
	    !(*va = mem->da_to_va(mem->ctx, s->da, s->memsz)))
		return bad(d, "bad phdr da: segment not in device memory",
			   at + FOFF(is64, phdr, p_paddr));
	return 0;
}

int amp_elf_load(const void *img, size_t size, const struct amp_elf_mem *mem,
		 uint64_t *entry, struct amp_diag *diag)
{
	const uint8_t *p = img;
	struct amp_elf_seg s;
	struct ehdr h;
	uint32_t n;
	void *va;
	int err;

	err = check_ehdr(p, size, &h, diag);
	if (err)
		return err;
	if (!mem || !mem->da_to_va)
		return bad(diag, "no device memory to load into", 0);

	/* Every segment is checked before the first is written, so a bad
	 * one late in the table cannot leave half an image behind. */
	for (n = 0; n < h.phnum; n++) {
		const uint8_t *ph = phdr(p, &h, n);

		/* Linux skips PT_LOAD with memsz 0: nothing to place. */
		if (FLD(ph, h.is64, phdr, p_type) != PT_LOAD ||
		    FLD(ph, h.is64, phdr, p_memsz) == 0)
			continue;
		err = place(p, size, ph, h.is64, mem, &s, &va, diag);
		if (err)
			return err;
	}
	for (n = 0; n < h.phnum && !mem->check_only; n++) {
		const uint8_t *ph = phdr(p, &h, n);

		if (FLD(ph, h.is64, phdr, p_type) != PT_LOAD ||
		    FLD(ph, h.is64, phdr, p_memsz) == 0)
			continue;
		/* Asked again rather than remembered: the core keeps no
		 * array of segments, and da_to_va is a pure lookup. */
		err = place(p, size, ph, h.is64, mem, &s, &va, diag);
		if (err)
			return err;
		__builtin_memcpy(va, p + s.offset, (size_t)s.filesz);
		__builtin_memset((uint8_t *)va + s.filesz, 0,
				 (size_t)(s.memsz - s.filesz));
	}
	if (entry)
		*entry = FLD(p, h.is64, ehdr, e_entry);
	return 0;
}
