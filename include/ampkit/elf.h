/*
 * elf.h - reading coprocessor firmware images: the sanity checks Linux
 * remoteproc_elf_loader.c applies (in its order, each with its own
 * message), and finding a section by name (".resource_table").
 *
 * ELF32 and ELF64, little-endian.  Nothing here trusts the file: every
 * offset and size is checked against the image size before use.
 */
#ifndef AMPKIT_ELF_H
#define AMPKIT_ELF_H

#include <stddef.h>
#include <stdint.h>
#include "errno.h"

#define AMP_RSC_SECTION ".resource_table"

/* Header sanity checks.  0, or -AMP_EINVAL with diag. */
int amp_elf_check(const void *img, size_t size, struct amp_diag *diag);

/* Find section `name`: its file offset and size, both inside the image.
 * 0, -AMP_ENOENT if absent, -AMP_EINVAL if malformed. */
int amp_elf_find_section(const void *img, size_t size, const char *name,
			 size_t *offset, size_t *len, struct amp_diag *diag);

/* A loadable (PT_LOAD) segment. */
struct amp_elf_seg {
	uint64_t da;	 /* p_paddr: where it goes in device memory */
	uint64_t offset; /* in the file */
	uint64_t filesz, memsz;
	uint32_t flags; /* PF_X 1, PF_W 2, PF_R 4 */
};

/* The i-th PT_LOAD segment of a checked image (non-loadable ones are
 * skipped): 0, or -AMP_ENOENT past the last. */
int amp_elf_segment(const void *img, size_t size, uint32_t i,
		    struct amp_elf_seg *seg);

/* Where the file bytes [off, off+len) of a checked image land when it
 * is loaded (inside one segment's file data): 0 with *da, or
 * -AMP_ENOENT if no segment carries them all. */
int amp_elf_offset_to_da(const void *img, size_t size, uint64_t off,
			 uint64_t len, uint64_t *da);

/* Device memory as a backend sees it. */
struct amp_elf_mem {
	/* Local pointer for device range [da, da+len), or NULL if that is
	 * not (entirely) device memory. */
	void *(*da_to_va)(void *ctx, uint64_t da, uint64_t len);
	void *ctx;
	/* Only check that every segment lands in device memory; write
	 * nothing (for backends whose firmware something else places, like
	 * exec on posix).  da_to_va's result is then only tested for NULL. */
	int check_only;
};

/* Load every PT_LOAD segment at its p_paddr through mem: copy filesz
 * bytes, zero the rest of memsz.  Checks, in Linux's order, each with its
 * own message: filesz > memsz, segment data past the end of the file
 * ("truncated fw"), device address not in device memory ("bad phdr da").
 * 0 or -AMP_EINVAL with diag; *entry (may be NULL) = e_entry. */
int amp_elf_load(const void *img, size_t size, const struct amp_elf_mem *mem,
		 uint64_t *entry, struct amp_diag *diag);

#endif
