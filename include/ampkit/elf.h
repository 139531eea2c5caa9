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

#endif
