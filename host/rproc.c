/*
 * rproc.c - the backend-independent remoteproc life cycle: check the
 * firmware image, lay out the shared memory (resources: rsc.c), bring up
 * the host end of RPMsg, and move through Linux's states (offline ->
 * running -> crashed -> running again by recovery, or offline) while a
 * backend (rproc_process.c) runs the firmware.  amp_rproc_run() is the
 * event loop that notices crashes (death or a stopped heartbeat) and
 * recovers; every transition is reported through cfg.on_event.
 *
 * The host is the virtio driver, as Linux is: it chooses where the vrings
 * and buffers go and writes that into its copy of the resource table, the
 * live table the firmware reads.  Nothing in the image is trusted: the
 * ELF and the table are checked before a byte of them is used, and every
 * failure leaves one line in rp->err naming the file, what and where.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <poll.h>
#include <time.h>

#include "ampkit/app.h"
#include "ampkit/elf.h"
#include "ampkit/rsc_table.h"
#include "rproc_internal.h"

#define PAGE AMP_POSIX_PAGE
#define FW_MAX_SIZE (256u << 20) /* larger than any coprocessor image */
/* After the link reports the firmware gone, how long it may take to
 * finish exiting before it is killed; also how long a shutdown request
 * is given (ST's driver waits 500 ms for the M4). */
#define STOP_REAP_GRACE_NS 500000000ull
#define HEARTBEAT_NS_DEFAULT 1000000000ull

static const char *const state_names[] = {
	[AMP_RPROC_OFFLINE] = "offline",
	[AMP_RPROC_RUNNING] = "running",
	[AMP_RPROC_CRASHED] = "crashed",
};

const char *amp_rproc_state_name(enum amp_rproc_state s)
{
	return (unsigned)s < AMP_ARRAY_SIZE(state_names) ? state_names[s]
							 : "unknown";
}

/* The transitions Linux remoteproc makes: start, crash, recover, stop. */
static void set_state(struct amp_rproc *rp, enum amp_rproc_state to)
{
	static const unsigned allowed[] = {
		[AMP_RPROC_OFFLINE] = 1u << AMP_RPROC_RUNNING,
		[AMP_RPROC_RUNNING] =
			1u << AMP_RPROC_OFFLINE | 1u << AMP_RPROC_CRASHED,
		[AMP_RPROC_CRASHED] =
			1u << AMP_RPROC_OFFLINE | 1u << AMP_RPROC_RUNNING,
	};

	if (!(allowed[rp->state] & 1u << to))
		abort(); /* a bug in this file, not a runtime condition */
	rp->state = to;
}

int amp_rproc_fail(struct amp_rproc *rp, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rp->err, sizeof(rp->err), fmt, ap);
	va_end(ap);
	return err;
}

void amp_rproc_cfg_default(struct amp_rproc_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	amp_rpmsg_cfg_default(&cfg->rpmsg);
	cfg->spin_ns = AMP_SPIN_NS_DEFAULT;
}

void amp_rproc_emit(struct amp_rproc *rp, enum amp_rproc_event ev,
		    const char *detail, uint32_t addr)
{
	if (rp->cfg.on_event)
		rp->cfg.on_event(rp, ev, detail ? detail : "", addr,
				 rp->cfg.priv);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t deadline_in(uint64_t ns)
{
	uint64_t now = mono_ns();

	return ns >= AMP_DEADLINE_NEVER - now ? AMP_DEADLINE_NEVER : now + ns;
}

struct amp_rproc *amp_rproc_new(const char *name)
{
	struct amp_rproc *rp = calloc(1, sizeof(*rp));

	if (rp) {
		rp->state = AMP_RPROC_OFFLINE;
		rp->ops = &amp_rproc_process_ops;
		snprintf(rp->name, sizeof(rp->name), "%s",
			 name ? name : "remoteproc0");
		amp_rproc_cfg_default(&rp->cfg);
		amp_rproc_res_init(rp);
	}
	return rp;
}

static const struct amp_rproc_ops *const platforms[] = {
	&amp_rproc_process_ops,
	&amp_rproc_qemu_ops,
};

int amp_rproc_set_platform(struct amp_rproc *rp, const char *name)
{
	for (size_t i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i++) {
		if (strcmp(platforms[i]->name, name ? name : ""))
			continue;
		if (rp->state != AMP_RPROC_OFFLINE && rp->ops != platforms[i])
			return amp_rproc_fail(rp, -AMP_EBUSY,
					      "%s: platform can only change "
					      "while offline (it is %s)",
					      rp->name,
					      amp_rproc_state_name(rp->state));
		rp->ops = platforms[i];
		return 0;
	}
	return amp_rproc_fail(rp, -AMP_EINVAL,
			      "unknown platform \"%s\" (posix or qemu-m4)",
			      name ? name : "");
}

const char *amp_rproc_platform(const struct amp_rproc *rp)
{
	return rp->ops->name;
}

int amp_rproc_process_pid(const struct amp_rproc *rp)
{
	return rp->backend ? rp->ops->pid(rp) : -1;
}

const char *amp_rproc_name(const struct amp_rproc *rp)
{
	return rp->name;
}

void amp_rproc_free(struct amp_rproc *rp)
{
	if (!rp)
		return;
	amp_rproc_stop(rp);
	free(rp->firmware);
	free(rp->res_path);
	free(rp->coredump_dir);
	free(rp);
}

int amp_rproc_set_firmware(struct amp_rproc *rp, const char *path)
{
	char *copy;

	if (rp->state != AMP_RPROC_OFFLINE)
		return amp_rproc_fail(
			rp, -AMP_EBUSY, "%s: cannot change firmware while %s",
			rp->name, amp_rproc_state_name(rp->state));
	if (!path || !*path)
		return amp_rproc_fail(rp, -AMP_EINVAL,
				      "%s: empty firmware name", rp->name);
	copy = strdup(path);
	if (!copy)
		return amp_rproc_fail(rp, -AMP_ENOMEM, "out of memory");
	free(rp->firmware);
	rp->firmware = copy;
	return 0;
}

const char *amp_rproc_firmware(const struct amp_rproc *rp)
{
	return rp->firmware;
}

void amp_rproc_set_recovery(struct amp_rproc *rp, bool enabled)
{
	rp->recovery_disabled = !enabled;
}

bool amp_rproc_recovery(const struct amp_rproc *rp)
{
	return !rp->recovery_disabled;
}

void amp_rproc_set_coredump(struct amp_rproc *rp, bool enabled, const char *dir)
{
	char *copy = dir ? strdup(dir) : NULL;

	rp->coredump_enabled = enabled;
	if (dir && !copy)
		return; /* keep the old directory rather than none */
	if (dir) {
		free(rp->coredump_dir);
		rp->coredump_dir = copy;
	}
}

bool amp_rproc_coredump_enabled(const struct amp_rproc *rp)
{
	return rp->coredump_enabled;
}

enum amp_rproc_state amp_rproc_state(const struct amp_rproc *rp)
{
	return rp->state;
}

const char *amp_rproc_error(const struct amp_rproc *rp)
{
	return rp->err;
}

/* The device lives in the shared memory: only while that is mapped. */
struct amp_rpmsg_dev *amp_rproc_rpmsg(struct amp_rproc *rp)
{
	return rp->state == AMP_RPROC_OFFLINE || !rp->port ? NULL : &rp->rpmsg;
}

/* Where rsc.c put it: the layout is valid while the memory is mapped. */
int amp_rproc_carveout(struct amp_rproc *rp, const char *name, uint64_t *pa,
		       void **va, uint64_t *len)
{
	if (rp->state == AMP_RPROC_OFFLINE || !rp->port)
		return -AMP_ENOENT;
	for (unsigned i = 0; i < rp->lay.narea; i++) {
		const struct amp_rproc_area *a = &rp->lay.area[i];

		if (a->kind != AMP_AREA_CARVEOUT || strcmp(a->name, name))
			continue;
		*pa = rp->ops->pa_base + a->off;
		*va = rp->shm.va + a->off;
		*len = a->len;
		return 0;
	}
	return -AMP_ENOENT;
}

int amp_rproc_shm_fd(struct amp_rproc *rp, uint64_t *pa_base)
{
	int fd;

	if (rp->state == AMP_RPROC_OFFLINE || !rp->port || !rp->backend ||
	    !rp->ops->shm_fd)
		return -AMP_ENOENT;
	fd = rp->ops->shm_fd(rp);
	if (fd < 0)
		return -AMP_ENOENT;
	*pa_base = rp->ops->pa_base;
	return fd;
}

/* ---- the firmware image ---- */

struct fw_image {
	uint8_t *data;
	size_t size;
	uint8_t *table; /* inside data */
	size_t table_size;
	uint32_t vdev_off; /* rpmsg vdev, from the table start */
	/* Backends that load the image (ops->load): where the table lands
	 * and where the image ends, from the window's start. */
	uint64_t table_off, image_end;
};

static int read_file(struct amp_rproc *rp, const char *path,
		     struct fw_image *img)
{
	struct stat st;
	size_t got = 0;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		return amp_rproc_fail(rp, -e, "%s: cannot open: %s", path,
				      strerror(e));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > FW_MAX_SIZE) {
		close(fd);
		return amp_rproc_fail(rp, -AMP_EINVAL,
				      "%s: not a regular file of at most %u "
				      "MiB",
				      path, FW_MAX_SIZE >> 20);
	}
	img->size = (size_t)st.st_size;
	img->data = malloc(img->size ? img->size : 1);
	if (!img->data) {
		close(fd);
		return amp_rproc_fail(rp, -AMP_ENOMEM, "%s: out of memory",
				      path);
	}
	while (got < img->size) {
		ssize_t n = read(fd, img->data + got, img->size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : EIO;
			close(fd);
			return amp_rproc_fail(rp, -e, "%s: read: %s", path,
					      n < 0 ? strerror(e)
						    : "file shrank");
		}
		got += (size_t)n;
	}
	close(fd);
	return 0;
}

static int check_image(struct amp_rproc *rp, const char *path,
		       struct fw_image *img)
{
	struct amp_diag d = { 0 };
	struct amp_fw_rsc_hdr *h;
	size_t off, len;
	int r;

	r = amp_elf_check(img->data, img->size, &d);
	if (r)
		return amp_rproc_fail(rp, r,
				      "%s: not a valid ELF image: %s "
				      "(offset 0x%x)",
				      path, d.msg ? d.msg : "?", d.offset);
	r = amp_elf_find_section(img->data, img->size, AMP_RSC_SECTION, &off,
				 &len, &d);
	if (r == -AMP_ENOENT)
		return amp_rproc_fail(rp, r, "%s: no %s section", path,
				      AMP_RSC_SECTION);
	if (r)
		return amp_rproc_fail(rp, r, "%s: %s (offset 0x%x)", path,
				      d.msg ? d.msg : "bad section table",
				      d.offset);
	img->table = img->data + off;
	img->table_size = len;
	/* For coredumps, which use the firmware's class and machine as
	 * Linux's do (offsets 4 and 18 of any checked ELF header). */
	rp->elf_class = img->data[4];
	memcpy(rp->elf_machine, img->data + 18, 2);
	r = amp_rsc_table_check(img->table, len, AMP_VQ_MAX_NUM, &d);
	if (r)
		return amp_rproc_fail(rp, r, "%s: %s: %s (offset 0x%x)", path,
				      AMP_RSC_SECTION, d.msg ? d.msg : "?",
				      d.offset);
	for (uint32_t n = 0; (h = amp_rsc_find(img->table, AMP_RSC_VDEV, n));
	     n++) {
		struct amp_fw_rsc_vdev *v = (struct amp_fw_rsc_vdev *)h;

		if (v->id != AMP_VIRTIO_ID_RPMSG)
			continue;
		img->vdev_off = (uint32_t)((uint8_t *)h - img->table);
		if (v->num_of_vrings < 2)
			return amp_rproc_fail(
				rp, -AMP_EINVAL,
				"%s: %s: rpmsg vdev has %u vrings, needs 2 "
				"(offset 0x%x)",
				path, AMP_RSC_SECTION, v->num_of_vrings,
				img->vdev_off);
		return 0;
	}
	return amp_rproc_fail(rp, -AMP_ENODEV, "%s: %s: no rpmsg vdev (id %u)",
			      path, AMP_RSC_SECTION, AMP_VIRTIO_ID_RPMSG);
}

/* ---- segments ---- */

struct seg_check {
	const struct amp_rproc_ops *ops;
	uint64_t da, len; /* the last range asked about */
};

static bool in_range(uint64_t da, uint64_t len, uint64_t base, uint64_t size)
{
	return da >= base && da - base <= size && len <= size - (da - base);
}

/* check_only: the process backend does not copy segments (exec loads
 * them), so only "is it device memory" matters; the pointer is a token. */
static void *seg_da_to_va(void *ctx, uint64_t da, uint64_t len)
{
	static uint8_t token;
	struct seg_check *c = ctx;

	c->da = da;
	c->len = len;
	if (in_range(da, len, c->ops->image_base, c->ops->image_size) ||
	    in_range(da, len, c->ops->pa_base, c->ops->max_size))
		return &token;
	return NULL;
}

static int check_segments(struct amp_rproc *rp, const char *path,
			  const struct fw_image *img)
{
	struct seg_check c = { .ops = rp->ops };
	struct amp_elf_mem mem = { .da_to_va = seg_da_to_va,
				   .ctx = &c,
				   .check_only = 1 };
	struct amp_diag d = { 0 };
	const struct amp_rproc_ops *o = rp->ops;
	int r = amp_elf_load(img->data, img->size, &mem, NULL, &d);

	if (!r)
		return 0;
	if (d.msg && strstr(d.msg, "bad phdr da"))
		return amp_rproc_fail(
			rp, r,
			"%s: bad phdr da 0x%llx memsz 0x%llx: segment outside "
			"device memory (0x%llx..0x%llx, 0x%llx..0x%llx) "
			"(offset 0x%x)",
			path, (unsigned long long)c.da,
			(unsigned long long)c.len,
			(unsigned long long)o->image_base,
			(unsigned long long)(o->image_base + o->image_size - 1),
			(unsigned long long)o->pa_base,
			(unsigned long long)(o->pa_base + o->max_size - 1),
			d.offset);
	return amp_rproc_fail(rp, r, "%s: %s (offset 0x%x)", path,
			      d.msg ? d.msg : "cannot load segments", d.offset);
}

/* A backend that loads the image runs it in its window: the live table
 * is the loaded .resource_table, and rings and buffers go past the
 * image's end.  (check_segments put every segment inside the window.) */
static int place_image(struct amp_rproc *rp, const char *path,
		       struct fw_image *img)
{
	const uint64_t base = rp->ops->pa_base;
	struct amp_elf_seg seg;
	uint64_t da;

	img->image_end = 0;
	for (uint32_t i = 0; !amp_elf_segment(img->data, img->size, i, &seg);
	     i++)
		if (seg.da - base + seg.memsz > img->image_end)
			img->image_end = seg.da - base + seg.memsz;
	if (amp_elf_offset_to_da(img->data, img->size,
				 (uint64_t)(img->table - img->data),
				 img->table_size, &da))
		return amp_rproc_fail(rp, -AMP_EINVAL,
				      "%s: %s is not inside a loadable "
				      "segment, so the %s platform cannot "
				      "negotiate it in place",
				      path, AMP_RSC_SECTION, rp->ops->name);
	if (da % 4)
		return amp_rproc_fail(rp, -AMP_EINVAL,
				      "%s: %s loads at 0x%llx, which is not "
				      "4-byte aligned",
				      path, AMP_RSC_SECTION,
				      (unsigned long long)da);
	img->table_off = da - base;
	return 0;
}

/* ---- shared memory layout ---- */

static int plan_layout(struct amp_rproc *rp, const struct amp_rproc_cfg *cfg,
		       const char *fw, const struct fw_image *img,
		       struct amp_rproc_layout *lay)
{
	const struct amp_fw_rsc_vdev *v =
		(const void *)(img->table + img->vdev_off);
	const uint64_t max = rp->ops->max_size;
	uint32_t bs = cfg->rpmsg.buf_size, nmin;
	uint64_t pool_size;
	int r;

	if (cfg->vring_num &&
	    (!AMP_IS_POW2(cfg->vring_num) || cfg->vring_num > AMP_VQ_MAX_NUM))
		return amp_rproc_fail(rp, -AMP_EINVAL,
				      "vring_num %u is not a power of two "
				      "<= %u",
				      cfg->vring_num, AMP_VQ_MAX_NUM);
	memset(lay, 0, sizeof(*lay));
	lay->rsc_off = rp->ops->load ? (uint32_t)img->table_off : PAGE;
	lay->image_end = rp->ops->load ? img->image_end : 0;
	lay->vdev_off = img->vdev_off;
	for (int i = 0; i < 2; i++)
		lay->vring_num[i] =
			cfg->vring_num ? cfg->vring_num : v->vring[i].num;
	r = amp_rproc_rsc_plan(rp, fw, img->table, img->table_size, lay);
	if (r)
		return r;
	nmin = lay->vring_num[0] < lay->vring_num[1] ? lay->vring_num[0]
						     : lay->vring_num[1];
	lay->buf_count = cfg->rpmsg.buf_count ? cfg->rpmsg.buf_count : nmin;
	if (lay->buf_count > nmin)
		return amp_rproc_fail(rp, -AMP_EINVAL,
				      "rpmsg buf_count %u exceeds the vring "
				      "num %u",
				      lay->buf_count, nmin);
	if (bs <= AMP_RPMSG_HDR_SIZE || bs % 4 ||
	    bs > AMP_RPMSG_HDR_SIZE + AMP_RPMSG_MAX_PAYLOAD + 3)
		return amp_rproc_fail(rp, -AMP_EINVAL,
				      "rpmsg buf_size %u must be a multiple "
				      "of 4 in %u..%u",
				      bs, AMP_RPMSG_HDR_SIZE + 4,
				      AMP_RPMSG_HDR_SIZE +
					      AMP_RPMSG_MAX_PAYLOAD + 3);
	pool_size = 2ull * lay->buf_count * bs;
	lay->pool_off = AMP_ALIGN_UP(lay->size, (uint64_t)PAGE);
	lay->size = AMP_ALIGN_UP(lay->pool_off + pool_size, (uint64_t)PAGE);
	if (lay->size > max)
		return amp_rproc_fail(rp, -AMP_ENOSPC,
				      "shared memory of %llu bytes exceeds the "
				      "%s platform's %llu",
				      (unsigned long long)lay->size,
				      rp->ops->name, (unsigned long long)max);
	if (lay->narea < AMP_RPROC_MAX_AREAS) {
		struct amp_rproc_area *a = &lay->area[lay->narea++];

		memset(a, 0, sizeof(*a));
		a->kind = AMP_AREA_POOL;
		a->off = lay->pool_off;
		a->len = pool_size;
		snprintf(a->name, sizeof(a->name), "vdev0buffer");
	}
	return 0;
}

/* Write the negotiated table: the host is the virtio driver. */
static struct amp_fw_rsc_vdev *write_table(struct amp_rproc *rp,
					   const struct fw_image *img)
{
	uint8_t *live = rp->shm.va + rp->lay.rsc_off;

	memcpy(live, img->table, img->table_size);
	amp_rproc_rsc_write(rp, live, &rp->lay);
	rp->rsc_offset = rp->lay.rsc_off;
	rp->rsc_size = (uint32_t)img->table_size;
	return (struct amp_fw_rsc_vdev *)(void *)(live + img->vdev_off);
}

/* ---- announced channels ---- */

static void channels_clear(struct amp_rproc *rp)
{
	amp_rproc_srm_down(rp);
	while (rp->channels) {
		struct amp_rproc_channel *c = rp->channels;

		rp->channels = c->next;
		free(c);
	}
}

/* The channels are gone with the firmware: tell the user (who destroys
 * endpoints bound to them while the device is still mapped). */
static void channels_down(struct amp_rproc *rp)
{
	amp_rproc_srm_down(rp);
	while (rp->channels) {
		struct amp_rproc_channel *c = rp->channels;

		rp->channels = c->next;
		amp_rproc_emit(rp, AMP_RPROC_EV_CHANNEL_DOWN, c->name, c->addr);
		free(c);
	}
}

static struct amp_rproc_channel *channel_find(struct amp_rproc *rp,
					      const char *name, size_t n)
{
	for (struct amp_rproc_channel *c = rp->channels; c; c = c->next)
		if (!strncmp(c->name, name, n) && !c->name[n])
			return c;
	return NULL;
}

static void rproc_ns_cb(struct amp_rpmsg_dev *dev, const char *name,
			uint32_t addr, uint32_t flags)
{
	struct amp_rproc *rp = AMP_CONTAINER_OF(dev, struct amp_rproc, rpmsg);
	size_t n = strnlen(name, AMP_RPMSG_NAME_SIZE - 1);
	struct amp_rproc_channel **pp, *c;

	if (flags == AMP_RPMSG_NS_CREATE) {
		/* Keyed by name and address: a firmware may announce several
		 * ports of one service (two "rpmsg-tty" channels are two
		 * ttys, as under Linux). */
		for (c = rp->channels; c; c = c->next)
			if (!strncmp(c->name, name, n) && !c->name[n] &&
			    c->addr == addr)
				break;
		if (!c) {
			c = calloc(1, sizeof(*c));
			if (c) {
				/* appended: listed in announcement order */
				memcpy(c->name, name, n);
				for (pp = &rp->channels; *pp; pp = &(*pp)->next)
					;
				*pp = c;
			}
		}
		if (c) {
			c->addr = addr;
			if (!strcmp(c->name, AMP_SRM_CHANNEL))
				amp_rproc_srm_up(rp);
			amp_rproc_emit(rp, AMP_RPROC_EV_CHANNEL_UP, c->name,
				       addr);
		}
	} else if (flags == AMP_RPMSG_NS_DESTROY) {
		for (pp = &rp->channels; (c = *pp); pp = &c->next) {
			if (!strncmp(c->name, name, n) && !c->name[n] &&
			    c->addr == addr) {
				*pp = c->next;
				if (!strcmp(c->name, AMP_SRM_CHANNEL))
					amp_rproc_srm_down(rp);
				amp_rproc_emit(rp, AMP_RPROC_EV_CHANNEL_DOWN,
					       c->name, addr);
				free(c);
				break;
			}
		}
	}
	if (rp->user_ns_cb)
		rp->user_ns_cb(dev, name, addr, flags);
}

int amp_rproc_channels(struct amp_rproc *rp, struct amp_rproc_chan_info *out,
		       int max)
{
	int n = 0;

	for (struct amp_rproc_channel *c = rp->channels; c && n < max;
	     c = c->next, n++) {
		memcpy(out[n].name, c->name, sizeof(out[n].name));
		out[n].addr = c->addr;
	}
	return n;
}

/* ---- life cycle ---- */

/* Release the firmware's memory and fds; the state is the caller's. */
static void release(struct amp_rproc *rp)
{
	channels_clear(rp);
	rp->ops->unprepare(rp);
	rp->beat = NULL;
}

/* What messages touch is faulted in before they do; carveouts are the
 * application's, touched when it uses them (an 8 MiB pool would cost
 * ~6 ms at every start). */
static void populate(struct amp_rproc *rp)
{
	for (unsigned i = 0; i < rp->lay.narea; i++) {
		const struct amp_rproc_area *a = &rp->lay.area[i];

		if (a->kind != AMP_AREA_CARVEOUT && a->kind != AMP_AREA_DEVMEM)
			amp_posix_populate(&rp->shm, a->off, a->len);
	}
}

/* Load, lay out and launch rp->firmware with rp->cfg: start and recovery
 * share it.  On failure nothing is left running or allocated. */
static int boot(struct amp_rproc *rp)
{
	const struct amp_rproc_cfg *cfg = &rp->cfg;
	const char *fw = rp->firmware;
	struct fw_image img = { 0 };
	struct amp_rpmsg_cfg rcfg;
	struct amp_fw_rsc_vdev *vdev;
	int r;

	rp->spin_ns = cfg->spin_ns ? cfg->spin_ns : AMP_SPIN_NS_DEFAULT;
	rp->heartbeat_ns =
		cfg->heartbeat_ns ? cfg->heartbeat_ns : HEARTBEAT_NS_DEFAULT;
	rp->exit_msg[0] = '\0';
	rp->exit_clean = false;
	rp->crash_reason[0] = '\0';

	r = read_file(rp, fw, &img);
	if (!r)
		r = check_image(rp, fw, &img);
	if (!r)
		r = check_segments(rp, fw, &img);
	if (!r && rp->ops->load)
		r = place_image(rp, fw, &img);
	if (!r)
		r = plan_layout(rp, cfg, fw, &img, &rp->lay);
	if (!r)
		r = rp->ops->prepare(rp, rp->lay.size);
	if (!r && rp->ops->load)
		r = rp->ops->load(rp, img.data, img.size);
	if (r)
		goto fail;
	populate(rp);

	vdev = write_table(rp, &img);
	rcfg = cfg->rpmsg;
	rcfg.pool_pa = rp->ops->pa_base + rp->lay.pool_off;
	rcfg.buf_count = rp->lay.buf_count;
	rcfg.ns_cb = rproc_ns_cb;
	rp->user_ns_cb = cfg->rpmsg.ns_cb;
	r = amp_rpmsg_init(&rp->rpmsg, AMP_RPMSG_HOST, vdev, &rp->shm, rp->port,
			   &rcfg);
	if (r) {
		amp_rproc_fail(rp, r, "%s: rpmsg host init failed (error %d)",
			       fw, -r);
		goto fail;
	}
	/* Rings and DRIVER_OK are in place; the doorbell is latched until
	 * the firmware first looks. */
	rp->port->ops->notify(rp->port, 0);
	r = rp->ops->start(rp);
	if (r)
		goto fail;
	free(img.data);
	rp->beat_seen = rp->beat ? AMP_LOAD(rp->beat) : 0;
	rp->beat_moved = mono_ns();
	return 0;
fail:
	free(img.data);
	release(rp);
	return r;
}

int amp_rproc_start(struct amp_rproc *rp, const struct amp_rproc_cfg *cfg)
{
	int r;

	rp->err[0] = '\0';
	if (rp->state != AMP_RPROC_OFFLINE)
		return amp_rproc_fail(
			rp, -AMP_EBUSY, "%s: cannot start: already %s",
			rp->firmware, amp_rproc_state_name(rp->state));
	if (cfg && cfg->platform) {
		r = amp_rproc_set_platform(rp, cfg->platform);
		if (r)
			return r;
	}
	if (cfg && cfg->firmware && *cfg->firmware) {
		r = amp_rproc_set_firmware(rp, cfg->firmware);
		if (r)
			return r;
	}
	if (!rp->firmware)
		return amp_rproc_fail(rp, -AMP_EINVAL,
				      "no firmware path given");
	if (cfg) {
		rp->cfg = *cfg;
		rp->cfg.firmware = NULL; /* rp->firmware is the one */
		rp->cfg.platform = NULL; /* and rp->ops */
	}
	rp->res = rp->res_boot; /* every start from the file's values */
	r = boot(rp);
	if (r)
		return r;
	rp->recovery_pending = false;
	set_state(rp, AMP_RPROC_RUNNING);
	amp_rproc_emit(rp, AMP_RPROC_EV_RUNNING, rp->firmware, 0);
	return 0;
}

static void dump_on_crash(struct amp_rproc *rp)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s-coredump-%u.elf",
		 rp->coredump_dir ? rp->coredump_dir : ".", rp->name,
		 rp->crashes);
	if (!amp_rproc_write_core(rp, path, rp->crash_reason))
		amp_rproc_emit(rp, AMP_RPROC_EV_COREDUMP, path, 0);
}

/* The firmware died or hung: the first crash is handled (a crashed one is
 * not re-handled).  Its memory stays mapped, so the dump and the trace see
 * what it left, until recovery or stop. */
static void crashed(struct amp_rproc *rp, const char *why, uint64_t grace_ns)
{
	char err[sizeof(rp->err)];

	if (rp->state != AMP_RPROC_RUNNING)
		return;
	rp->ops->stop(rp, grace_ns);
	set_state(rp, AMP_RPROC_CRASHED);
	amp_rproc_res_release(rp);
	rp->crashes++;
	snprintf(rp->crash_reason, sizeof(rp->crash_reason), "%s",
		 why ? why : rp->exit_msg);
	amp_rproc_fail(rp, -AMP_EPIPE, "%s: crash detected: %s", rp->name,
		       rp->crash_reason);
	/* The user's callbacks may overwrite the error; ours is the story */
	memcpy(err, rp->err, sizeof(err));
	amp_rproc_emit(rp, AMP_RPROC_EV_CRASHED, rp->crash_reason, 0);
	if (rp->coredump_enabled)
		dump_on_crash(rp);
	channels_down(rp);
	rp->recovery_pending = true;
	memcpy(rp->err, err, sizeof(err));
}

/* Shutdown request on the mailbox, then force, then release. */
static void shut_down(struct amp_rproc *rp)
{
	if (rp->state == AMP_RPROC_RUNNING && rp->port &&
	    rp->ops->is_alive(rp)) {
		rp->port->ops->notify(rp->port, AMP_POSIX_CH_SHUTDOWN);
		rp->ops->stop(rp, STOP_REAP_GRACE_NS);
	} else {
		rp->ops->stop(rp, 0);
	}
	amp_rproc_res_release(rp);
	channels_down(rp);
	release(rp);
}

int amp_rproc_stop(struct amp_rproc *rp)
{
	if (rp->state == AMP_RPROC_OFFLINE)
		return 0;
	shut_down(rp);
	rp->recovery_pending = false;
	set_state(rp, AMP_RPROC_OFFLINE);
	amp_rproc_emit(rp, AMP_RPROC_EV_OFFLINE, rp->exit_msg, 0);
	return 0;
}

/* Linux's rproc_trigger_recovery: stop (gracefully if it still runs),
 * reload the image from its file, start.  A failure leaves it crashed. */
static int recover_now(struct amp_rproc *rp)
{
	int r;

	rp->recovery_pending = false;
	shut_down(rp);
	r = boot(rp);
	if (r) {
		char err[sizeof(rp->err) - 64];

		snprintf(err, sizeof(err), "%.250s", rp->err);
		if (rp->state == AMP_RPROC_RUNNING)
			set_state(rp, AMP_RPROC_CRASHED);
		snprintf(rp->err, sizeof(rp->err), "%.31s: recovery failed: %s",
			 rp->name, err);
		amp_rproc_emit(rp, AMP_RPROC_EV_CRASHED, rp->err, 0);
		return r;
	}
	if (rp->state == AMP_RPROC_CRASHED)
		set_state(rp, AMP_RPROC_RUNNING);
	amp_rproc_emit(rp, AMP_RPROC_EV_RUNNING, rp->firmware, 0);
	return 0;
}

int amp_rproc_recover(struct amp_rproc *rp)
{
	if (rp->state == AMP_RPROC_OFFLINE)
		return amp_rproc_fail(rp, -AMP_EINVAL,
				      "%s: cannot recover: offline", rp->name);
	return recover_now(rp);
}

/* Is a running firmware still alive?  NULL, or why not. */
static const char *liveness(struct amp_rproc *rp, uint64_t now, char *buf,
			    size_t len)
{
	uint32_t v;

	if (!rp->beat)
		return NULL;
	v = AMP_LOAD(rp->beat);
	if (v != rp->beat_seen) {
		rp->beat_seen = v;
		rp->beat_moved = now;
		return NULL;
	}
	if (now - rp->beat_moved < rp->heartbeat_ns)
		return NULL;
	snprintf(buf, len, "heartbeat missed for %llu ms",
		 (unsigned long long)((now - rp->beat_moved) / 1000000));
	return buf;
}

int amp_rproc_wait_channel(struct amp_rproc *rp, const char *name,
			   uint32_t *addr, uint64_t timeout_ns)
{
	size_t n = strnlen(name, AMP_RPMSG_NAME_SIZE);
	uint64_t deadline;
	int r;

	if (n >= AMP_RPMSG_NAME_SIZE)
		return amp_rproc_fail(rp, -AMP_EINVAL,
				      "channel name longer than %d bytes",
				      AMP_RPMSG_NAME_SIZE - 1);
	if (rp->state == AMP_RPROC_CRASHED)
		return -AMP_EPIPE;
	if (rp->state != AMP_RPROC_RUNNING)
		return amp_rproc_fail(rp, -AMP_ENOTCONN,
				      "waiting for channel %s: not running",
				      name);
	deadline = amp_port_deadline(rp->port, timeout_ns);
	for (;;) {
		struct amp_rproc_channel *c = channel_find(rp, name, n);

		if (c) {
			if (addr)
				*addr = c->addr;
			return 0;
		}
		r = amp_rpmsg_wait(&rp->rpmsg, deadline);
		/* A firmware that lost its end of the liveness pipe (say, to
		 * a child of its own) is only seen dead by the backend. */
		if (r == -AMP_ETIMEDOUT && !rp->ops->is_alive(rp))
			r = -AMP_EPIPE;
		if (r == -AMP_ETIMEDOUT && !channel_find(rp, name, n))
			break;
		if (r == -AMP_EPIPE) {
			crashed(rp, NULL, STOP_REAP_GRACE_NS);
			return r;
		}
		if (r < 0)
			return amp_rproc_fail(rp, r,
					      "%s: waiting for channel %s: "
					      "error %d",
					      rp->firmware, name, -r);
	}
	return amp_rproc_fail(rp, -AMP_ETIMEDOUT,
			      "%s: channel %s not announced within %llu ms",
			      rp->firmware, name,
			      (unsigned long long)(timeout_ns / 1000000));
}

/* ---- the event loop ---- */

static void poll_now(struct pollfd *fds, int nfds)
{
	int r;

	if (!nfds)
		return;
	do
		r = poll(fds, (nfds_t)nfds, 0);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		for (int i = 0; i < nfds; i++)
			fds[i].revents = 0;
}

/* Not running: only the caller's fds can wake us. */
static int wait_offline(struct pollfd *fds, int nfds, uint64_t deadline)
{
	struct timespec ts, *tsp = NULL;
	uint64_t now = mono_ns();
	int r;

	if (deadline != AMP_DEADLINE_NEVER) {
		uint64_t left = deadline > now ? deadline - now : 0;

		ts.tv_sec = (time_t)(left / 1000000000ull);
		ts.tv_nsec = (long)(left % 1000000000ull);
		tsp = &ts;
	}
	if (!nfds && !tsp)
		return -AMP_EINVAL; /* would block forever on nothing */
	do
		r = ppoll(fds, (nfds_t)nfds, tsp, NULL);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		for (int i = 0; i < nfds; i++)
			fds[i].revents = 0;
	return 0;
}

/* The caller waits for a tx buffer and one is free (the host reclaims
 * used ones on its next send; never-used ones count too). */
static bool tx_free(struct amp_rproc *rp)
{
	return rp->wake_on_tx &&
	       (amp_vq_pending(&rp->rpmsg.svq) || rp->rpmsg.nspare ||
		rp->rpmsg.next_tx < rp->rpmsg.buf_count);
}

/* Spin for a message, or a free tx buffer when the caller waits for one
 * (never longer than spin_ns or the deadline): either usually comes
 * sooner than a wake-up would. */
static bool spin_for_rx(struct amp_rproc *rp, uint64_t until)
{
	uint64_t end = mono_ns() + rp->spin_ns;
	unsigned i = 0;

	if (end > until)
		end = until;
	while (!amp_vq_pending(&rp->rpmsg.rvq) && !tx_free(rp)) {
		if (++i & 15)
			continue;
		if (mono_ns() >= end)
			return false;
	}
	return true;
}

void amp_rproc_wake_on_tx(struct amp_rproc *rp, bool on)
{
	rp->wake_on_tx = on;
}

int amp_rproc_run(struct amp_rproc *rp, struct pollfd *fds, int nfds,
		  uint64_t timeout_ns)
{
	uint64_t deadline = deadline_in(timeout_ns);
	bool polled = false, changed = false;
	int delivered = 0;
	char why[96];

	if (nfds < 0 || (nfds && !fds))
		return -AMP_EINVAL;
	for (;;) {
		const char *dead;
		uint64_t now, until;
		int w, n;

		if (rp->state == AMP_RPROC_CRASHED && rp->recovery_pending &&
		    !rp->recovery_disabled) {
			recover_now(rp);
			changed = true;
		}
		if (rp->state != AMP_RPROC_RUNNING) {
			if (changed || delivered) {
				if (!polled)
					poll_now(fds, nfds);
				return delivered;
			}
			w = wait_offline(fds, nfds, deadline);
			return w < 0 ? w : delivered;
		}
		n = amp_rpmsg_poll(&rp->rpmsg);
		if (n > 0) {
			delivered += n;
			polled = false;
		}
		if (rp->state != AMP_RPROC_RUNNING) /* a callback stopped it */
			continue;
		now = mono_ns();
		dead = liveness(rp, now, why, sizeof(why));
		if (dead) {
			crashed(rp, dead, 0);
			changed = true;
			continue;
		}
		if (delivered || changed || now >= deadline || tx_free(rp)) {
			if (!polled)
				poll_now(fds, nfds);
			return delivered;
		}
		until = deadline;
		if (rp->beat && rp->beat_moved + rp->heartbeat_ns < until)
			until = rp->beat_moved + rp->heartbeat_ns;
		if (spin_for_rx(rp, until))
			continue;
		if (amp_rpmsg_arm(&rp->rpmsg, rp->wake_on_tx)) {
			amp_rpmsg_disarm(&rp->rpmsg);
			continue;
		}
		w = rp->ops->wait_fds(rp, fds, nfds, until);
		amp_rpmsg_disarm(&rp->rpmsg);
		if (w < 0)
			return w;
		polled = true;
		if (w & AMP_POSIX_WOKE_GONE) {
			/* its last messages first, then the news */
			n = amp_rpmsg_poll(&rp->rpmsg);
			if (n > 0)
				delivered += n;
			crashed(rp, NULL, STOP_REAP_GRACE_NS);
			changed = true;
			continue;
		}
		if ((w & AMP_POSIX_WOKE_FDS) && !(w & AMP_POSIX_WOKE_BELL))
			return delivered;
		if (!w && !rp->ops->is_alive(rp)) {
			crashed(rp, NULL, STOP_REAP_GRACE_NS);
			changed = true;
		}
		if (w & AMP_POSIX_WOKE_FDS) {
			n = amp_rpmsg_poll(&rp->rpmsg);
			return delivered + (n > 0 ? n : 0);
		}
	}
}

/* ---- trace ---- */

long amp_rproc_trace(struct amp_rproc *rp, char *buf, size_t len)
{
	const struct amp_rproc_area *a;
	const uint8_t *text;
	uint32_t pos, wrapped, cap;
	size_t n = 0, skip = 0;

	if (!len)
		return -AMP_EINVAL;
	buf[0] = '\0';
	if (!rp->port)
		return amp_rproc_fail(rp, -AMP_ENOENT, "%s: no trace: %s",
				      rp->name, "not running");
	if (rp->lay.trace < 0)
		return amp_rproc_fail(rp, -AMP_ENOENT,
				      "%s: the firmware declares no trace "
				      "buffer",
				      rp->name);
	a = &rp->lay.area[rp->lay.trace];
	text = rp->shm.va + a->off + AMP_APP_TRACE_HDR;
	cap = (uint32_t)a->len - AMP_APP_TRACE_HDR;
	/* The firmware is the only writer; never trust what it wrote. */
	pos = AMP_LOAD_ACQUIRE(
		(const uint32_t *)(const void *)(text - AMP_APP_TRACE_HDR));
	wrapped = AMP_LOAD((const uint32_t *)(const void *)(text - 4));
	if (pos >= cap)
		pos = 0;
	if (wrapped) {
		/* oldest first; the first line may be cut, drop it */
		uint32_t i = pos;

		while (i < cap && text[i] != '\n')
			i++;
		skip = i < cap ? i + 1 - pos : cap - pos;
		for (i = pos + (uint32_t)skip; i < cap && n + 1 < len; i++)
			buf[n++] = (char)text[i];
	}
	for (uint32_t i = 0; i < pos && n + 1 < len; i++)
		buf[n++] = (char)text[i];
	buf[n] = '\0';
	/* NULs from a scribbling firmware would cut the text short */
	for (size_t i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = '?';
	return (long)n;
}

int amp_rproc_coredump(struct amp_rproc *rp, const char *path)
{
	if (!rp->port)
		return amp_rproc_fail(rp, -AMP_ENODEV,
				      "%s: no coprocessor memory to dump: "
				      "offline",
				      rp->name);
	return amp_rproc_write_core(rp, path,
				    rp->state == AMP_RPROC_CRASHED
					    ? rp->crash_reason
					    : "dump requested");
}
