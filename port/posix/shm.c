/*
 * shm.c - the posix platform's "shared SRAM": an anonymous file both
 * processes map MAP_SHARED.
 *
 * memfd first (no name, no cleanup, sealable later); where memfd_create is
 * missing (old kernels, some sandboxes) an shm_open or temp file that is
 * unlinked at once, so a crash never leaves a file behind.  The peer sees
 * the same bytes at AMP_POSIX_PA_BASE + file offset.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ampkit/posix.h"

static int tmpfile_fd(void)
{
	const char *dirs[] = { "/dev/shm", getenv("TMPDIR"), "/tmp" };
	char path[256];

	for (size_t i = 0; i < AMP_ARRAY_SIZE(dirs); i++) {
		int fd;

		if (!dirs[i])
			continue;
		snprintf(path, sizeof(path), "%s/ampkit-shm-XXXXXX", dirs[i]);
		fd = mkostemp(path, O_CLOEXEC);
		if (fd >= 0) {
			unlink(path);
			return fd;
		}
	}
	return -1;
}

static int anon_fd(void)
{
	int fd = memfd_create("ampkit-shm", MFD_CLOEXEC);

	if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
		return fd;
	return tmpfile_fd();
}

static int map(struct amp_posix_shm *shm, int fd, uint64_t size)
{
	void *va;

	if (size == 0 || size > AMP_POSIX_SHM_MAX || size % AMP_POSIX_PAGE)
		return -EINVAL;
	/* Not populated here: a large carveout (the sdb pool) would cost
	 * its allocation at every start.  Each side populates what messages
	 * touch (amp_posix_shm_populate), so a page fault on a buffer's
	 * first use does not show up as a message latency. */
	va = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		  0);
	if (va == MAP_FAILED)
		return -errno;
	shm->region.va = va;
	shm->region.pa = AMP_POSIX_PA_BASE;
	shm->region.size = size;
	shm->fd = fd;
	return 0;
}

int amp_posix_shm_create(struct amp_posix_shm *shm, uint64_t size)
{
	int fd, r;

	shm->fd = -1;
	shm->region.va = NULL;
	if (size == 0 || size > AMP_POSIX_SHM_MAX || size % AMP_POSIX_PAGE)
		return -EINVAL;
	fd = anon_fd();
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	r = map(shm, fd, size);
	if (r)
		close(fd);
	return r;
}

int amp_posix_shm_map_fd(struct amp_posix_shm *shm, int fd)
{
	struct stat st;
	int r;

	shm->fd = -1;
	shm->region.va = NULL;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	r = st.st_size < 0 ? -EINVAL : map(shm, fd, (uint64_t)st.st_size);
	if (r)
		close(fd);
	return r;
}

void amp_posix_shm_close(struct amp_posix_shm *shm)
{
	if (shm->region.va)
		munmap(shm->region.va, (size_t)shm->region.size);
	if (shm->fd >= 0)
		close(shm->fd);
	shm->region.va = NULL;
	shm->region.size = 0;
	shm->fd = -1;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

void amp_posix_populate(const struct amp_region *r, uint64_t off, uint64_t len)
{
	uint64_t end = off + len;

	if (off >= r->size || !len)
		return;
	if (end > r->size || end < off)
		end = r->size;
	off &= ~(uint64_t)(AMP_POSIX_PAGE - 1);
	if (!madvise(r->va + off, (size_t)(end - off), MADV_POPULATE_WRITE))
		return;
	/* An older kernel: fault the pages in by hand (nothing runs on
	 * the other side yet, and a rewrite of the same byte is no
	 * change). */
	for (; off < end; off += AMP_POSIX_PAGE) {
		volatile uint8_t *p = r->va + off;

		*p = *p;
	}
}
