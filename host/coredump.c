/*
 * coredump.c - an ELF core file of the coprocessor's memory, as Linux
 * remoteproc_coredump.c writes one: ET_CORE, the firmware's own ELF class
 * and machine, one PT_LOAD per memory area at its device address (the
 * control block and live table, carveouts, trace, vrings, buffer pool),
 * and a PT_NOTE saying why it was taken.
 *
 * The memory is whatever rsc.c placed in the shared window; devmem is
 * left out (it names memory, it does not hold the firmware's state).
 * gdb, readelf and `ampkit` read the result; offsets are plain, so the
 * bytes of an area are at p_offset in the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rproc_internal.h"

#define ET_CORE 4
#define PT_LOAD 1
#define PT_NOTE 4
#define PF_W 2
#define PF_R 4
#define ELFCLASS32 1
#define ELFCLASS64 2
/* Note owner and type: ampkit's own, so no tool mistakes it for a
 * process's prstatus. */
#define NOTE_NAME "AMPKIT"
#define NT_AMPKIT_CRASH 1

struct out {
	uint8_t *p;
	size_t n, cap;
};

static void put(struct out *o, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		o->p[o->n++] = (uint8_t)(v >> (8 * i));
}

static int write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int amp_rproc_write_core(struct amp_rproc *rp, const char *path,
			 const char *reason)
{
	const struct amp_rproc_layout *lay = &rp->lay;
	const bool is64 = rp->elf_class != ELFCLASS32;
	const unsigned ehsize = is64 ? 64 : 52, phsize = is64 ? 56 : 32;
	const unsigned w = is64 ? 8 : 4; /* address-sized fields */
	char desc[320];
	unsigned nload = 0, phnum, descsz, notesz;
	uint64_t off;
	struct out o;
	int fd, r;

	if (!rp->port)
		return amp_rproc_fail(rp, -AMP_ENODEV,
				      "%s: coredump: no coprocessor memory",
				      rp->name);
	snprintf(desc, sizeof(desc), "firmware: %s\nreason: %s\n",
		 rp->firmware ? rp->firmware : "?", reason ? reason : "");
	descsz = (unsigned)strlen(desc) + 1;
	notesz = 12 + AMP_ALIGN_UP((unsigned)sizeof(NOTE_NAME), 4u) +
		 AMP_ALIGN_UP(descsz, 4u);
	for (unsigned i = 0; i < lay->narea; i++)
		nload += lay->area[i].kind != AMP_AREA_DEVMEM;
	phnum = 1 + nload;
	o.cap = ehsize + phnum * phsize + notesz;
	o.n = 0;
	o.p = calloc(1, o.cap);
	if (!o.p)
		return amp_rproc_fail(rp, -AMP_ENOMEM, "out of memory");

	/* ELF header */
	memcpy(o.p, "\177ELF", 4);
	o.p[4] = is64 ? ELFCLASS64 : ELFCLASS32;
	o.p[5] = 1; /* little-endian */
	o.p[6] = 1; /* EV_CURRENT */
	o.n = 16;
	put(&o, ET_CORE, 2);
	put(&o,
	    (uint64_t)rp->elf_machine[0] | (uint64_t)rp->elf_machine[1] << 8,
	    2);
	put(&o, 1, 4);	    /* e_version */
	put(&o, 0, w);	    /* e_entry */
	put(&o, ehsize, w); /* e_phoff */
	put(&o, 0, w);	    /* e_shoff */
	put(&o, 0, 4);	    /* e_flags */
	put(&o, ehsize, 2);
	put(&o, phsize, 2);
	put(&o, phnum, 2);
	put(&o, 0, 2); /* e_shentsize */
	put(&o, 0, 2); /* e_shnum */
	put(&o, 0, 2); /* e_shstrndx */

	/* program headers: the note, then the memory after it */
	off = ehsize + (uint64_t)phnum * phsize;
	put(&o, PT_NOTE, 4);
	if (is64)
		put(&o, 0, 4); /* p_flags */
	put(&o, off, w);
	put(&o, 0, w);
	put(&o, 0, w);
	put(&o, notesz, w);
	put(&o, 0, w);
	if (!is64)
		put(&o, 0, 4);
	put(&o, 4, w);
	off += notesz;
	for (unsigned i = 0; i < lay->narea; i++) {
		const struct amp_rproc_area *a = &lay->area[i];
		uint64_t da = rp->ops->pa_base + a->off;

		if (a->kind == AMP_AREA_DEVMEM)
			continue;
		put(&o, PT_LOAD, 4);
		if (is64)
			put(&o, PF_R | PF_W, 4);
		put(&o, off, w);
		put(&o, da, w); /* p_vaddr */
		put(&o, da, w); /* p_paddr */
		put(&o, a->len, w);
		put(&o, a->len, w);
		if (!is64)
			put(&o, PF_R | PF_W, 4);
		put(&o, 4, w);
		off += a->len;
	}

	/* the note */
	put(&o, sizeof(NOTE_NAME), 4);
	put(&o, descsz, 4);
	put(&o, NT_AMPKIT_CRASH, 4);
	memcpy(o.p + o.n, NOTE_NAME, sizeof(NOTE_NAME));
	o.n += AMP_ALIGN_UP((unsigned)sizeof(NOTE_NAME), 4u);
	memcpy(o.p + o.n, desc, descsz);
	o.n += AMP_ALIGN_UP(descsz, 4u);

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		free(o.p);
		return amp_rproc_fail(rp, r, "%s: coredump: %s: %s", rp->name,
				      path, strerror(-r));
	}
	r = write_all(fd, o.p, o.n);
	for (unsigned i = 0; !r && i < lay->narea; i++) {
		const struct amp_rproc_area *a = &lay->area[i];

		if (a->kind != AMP_AREA_DEVMEM)
			r = write_all(fd, rp->shm.va + a->off, (size_t)a->len);
	}
	free(o.p);
	if (close(fd) < 0 && !r)
		r = -errno;
	if (r) {
		unlink(path);
		return amp_rproc_fail(rp, r, "%s: coredump: %s: %s", rp->name,
				      path, strerror(-r));
	}
	return 0;
}
